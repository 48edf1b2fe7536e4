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

    /// Each path's result, read once per process; the lock is held through the read, so two
    /// threads asking for one pipe read it once.
    private static let cache = Locked<[String: Result<String, Failure>]>([:])

    /// The text of the file at `path`. A pipe can be read only once, so each path is read once per
    /// process and the same result (or failure) is returned to every later call. A FIFO that no
    /// program has open for writing is waited for at most `writerWait` seconds, then refused
    /// ("nothing was written to the FIFO …"); once a writer has it open, it is read like `cat` reads
    /// it, to its end (a `pass show` waiting for a passphrase is not cut short).
    public static func read(_ path: String, writerWait: Double = 60) throws(Failure) -> String {
        let result = cache.withLock { cache -> Result<String, Failure> in
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
            bytes = try waitForWriter(fd, path: path, &chunk, seconds: writerWait)
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

    /// Waits in poll(2), for at most `seconds`, until a program writes to the FIFO `fd` (opened at
    /// `path` without blocking), and returns what a first read brings. Linux reports no hang-up on a
    /// FIFO that no writer has opened since this reader opened it, so poll sleeps until a writer
    /// writes or the time is up. A writer that closes it without writing would leave that hang-up
    /// reported at once on every poll: the FIFO is then opened afresh into the same descriptor and
    /// the wait goes on for one that writes. When the time is up, one last read tells a writer that
    /// has the FIFO open but has written nothing yet (a `pass show` waiting for its passphrase:
    /// none is returned, and the caller reads on, blocking, as `cat` would) from no writer at all
    /// (the failure "nothing was written to the FIFO").
    static func waitForWriter(_ fd: Int32, path: String, _ chunk: inout [UInt8], seconds: Double) throws(Failure) -> [UInt8] {
        let deadline = ProcessInfo.processInfo.systemUptime + seconds
        var timedOut = false
        while true {
            if !timedOut {
                let left = deadline - ProcessInfo.processInfo.systemUptime
                // Whole milliseconds, rounded up so the wait never ends early; at most a day per call.
                let timeout = left > 0 ? Int32(min((left * 1000).rounded(.up), 86_400_000)) : 0
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&entry, 1, timeout)
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw Failure(reason: systemReason(errno))
                }
                if ready == 0 {
                    // A wait longer than a day is waited a day at a time.
                    if deadline - ProcessInfo.processInfo.systemUptime > 0 { continue }
                    timedOut = true
                }
            }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { return Array(chunk[0 ..< n]) }
            if n < 0 {
                if errno == EINTR { continue }
                // A writer has it open and has written nothing yet: read on, blocking, as `cat` does.
                if errno == EAGAIN || errno == EWOULDBLOCK { return [] }
                throw Failure(reason: systemReason(errno))
            }
            if timedOut {
                throw Failure(reason: "nothing was written to the FIFO in \(waitShown(seconds)) s: no program has it open "
                              + "for writing (write to it before livejobs reads it, or give a regular file)")
            }
            // End of file before the time is up: a writer came and went without writing. The new
            // descriptor is opened before the old one is closed (by dup2), so the FIFO always has a
            // reader and keeps what a next writer may have written meanwhile; livejobs starts no
            // program, so close-on-exec set just after dup2 leaves no descriptor to leak.
            var fresh: Int32
            repeat { fresh = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) } while fresh < 0 && errno == EINTR
            guard fresh >= 0 else { throw Failure(reason: systemReason(errno)) }
            let moved = dup2(fresh, fd)
            let code = errno
            close(fresh)
            guard moved >= 0 else { throw Failure(reason: systemReason(code)) }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
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
