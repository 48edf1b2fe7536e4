import Foundation

/// Reads a small file holding credentials (a token file, the credentials profile) the way a shell
/// user expects: a regular file, but also a pipe or FIFO (`--token-file <(pass show token)`), read
/// once per process and at most `limit` bytes. Every failure says why, in the system's words.
public enum SecretFile {
    /// The most a credentials file may hold: a token is a few KiB.
    public static let limit = 64 * 1024

    /// Why a read failed, worded without the file's contents.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    nonisolated(unsafe) private static var cache: [String: Result<String, Failure>] = [:]
    private static let lock = NSLock()

    /// The text of the file at `path`. A pipe can be read only once, so each path is read once per
    /// process and the same result (or failure) is returned to every later call. A FIFO that no
    /// program has open for writing is waited for at most `writerWait` seconds, then refused
    /// ("nothing was written to the FIFO …"); once a writer has it open, it is read like `cat` reads
    /// it, to its end (a `pass show` waiting for a passphrase is not cut short).
    public static func read(_ path: String, writerWait: Double = 60) throws(Failure) -> String {
        let result = lock.withLock { () -> Result<String, Failure> in
            if let cached = cache[path] { return cached }
            let fresh = Result { () throws(Failure) -> String in try readUncached(path, writerWait: writerWait) }
            cache[path] = fresh
            return fresh
        }
        return try result.get()
    }

    static func readUncached(_ path: String, writerWait: Double) throws(Failure) -> String {
        // Opened without blocking: a FIFO opened for reading blocks until a writer opens it, which
        // may be never (a FIFO named by mistake, a writer that died).
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw Failure(reason: systemReason(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(reason: systemReason(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw Failure(reason: "is a directory, not a file") }
        if (info.st_mode & S_IFMT) == S_IFREG && info.st_size > limit { throw tooLarge }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        if (info.st_mode & S_IFMT) == S_IFIFO {
            bytes = try waitForWriter(fd, &chunk, seconds: writerWait)
        }
        // Read to the end as `cat` would: blocking again once a writer is known to be there.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        while bytes.count <= limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(reason: systemReason(errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0 ..< n])
        }
        // A device or a pipe that never ends (/dev/zero, `yes`) is cut at the limit, not read on.
        if bytes.count > limit { throw tooLarge }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Failure(reason: "is not UTF-8 text") }
        return text
    }

    /// Waits, reading without blocking, until a program has the FIFO `fd` open for writing (a read
    /// brings bytes, or says there are none yet) and returns what was read; fails after `seconds`
    /// when every read finds no writer (end of file at once).
    static func waitForWriter(_ fd: Int32, _ chunk: inout [UInt8], seconds: Double) throws(Failure) -> [UInt8] {
        let deadline = ProcessInfo.processInfo.systemUptime + seconds
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { return Array(chunk[0 ..< n]) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return [] }
                throw Failure(reason: systemReason(errno))
            }
            if ProcessInfo.processInfo.systemUptime >= deadline {
                throw Failure(reason: "nothing was written to the FIFO in \(waitShown(seconds)) s: no program has it open "
                              + "for writing (write to it before livejobs reads it, or give a regular file)")
            }
            usleep(20_000)
        }
    }

    /// Seconds as a line says them: `60`, `0.5`.
    static func waitShown(_ seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e15 ? String(Int64(seconds)) : "\(seconds)"
    }

    static var tooLarge: Failure {
        Failure(reason: "holds more than \(limit / 1024) KiB, too large for credentials (a token is a few KiB)")
    }

    /// The system's words for `code`, lower-cased as the rest of an error line is:
    /// `no such file or directory`, `permission denied`, `is a directory`.
    static func systemReason(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
