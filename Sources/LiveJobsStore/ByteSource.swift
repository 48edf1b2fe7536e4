import Foundation
import MetaStudio

/// Bytes read once, front to back: a file, standard input, a pipe, a FIFO or a process
/// substitution (`/dev/fd/63`), possibly through a decompressor. Nothing is read twice and
/// nothing is seeked, so every one of them works the same way.
protocol ByteSource: AnyObject {
    /// Fills the front of `buffer` and returns how many bytes it wrote; 0 only at the end.
    /// Throws `ImportError` when the bytes cannot be read.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// An open file descriptor read with read(2); closed when released, unless it is standard input.
final class FileDescriptorSource: ByteSource {
    /// The name used in messages, logs and the database (`InputName.shown`): the path masked and
    /// escaped, or `<stdin>` for `-`.
    let name: String
    private let fd: Int32

    /// The display name of standard input in messages and in the `source` column.
    static let standardInputName = "<stdin>"

    /// Opens `path` for reading; `-` is standard input. Opening a FIFO waits for its writer, as
    /// `cat` does. Throws `ImportError` ("cannot read: no such file", "is a directory", ...).
    init(path: String) throws {
        name = InputName.shown(path)
        if path == "-" {
            fd = STDIN_FILENO
        } else {
            guard !path.isEmpty else { throw ImportError(file: name, message: "cannot read: the file name is empty") }
            var opened: Int32
            repeat { opened = open(path, O_RDONLY | O_CLOEXEC) } while opened < 0 && errno == EINTR
            guard opened >= 0 else { throw ImportError(file: name, message: "cannot read: \(FileDescriptorSource.reason(errno))") }
            fd = opened
        }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            if fd != STDIN_FILENO { close(fd) }
            throw ImportError(file: name, message: "cannot read: is a directory")
        }
    }

    deinit {
        if fd != STDIN_FILENO { close(fd) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, base, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw ImportError(file: name, message: "read error: \(FileDescriptorSource.reason(errno))")
        }
    }

    /// A short reason for an errno, lower case: "no such file", "permission denied", ...
    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "is a directory"
        case ENOTDIR: return "a part of the path is not a folder"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}

/// How an import input is named wherever it is stored (`jobs.source`, `import_runs.file`), logged
/// or printed (error lines, `--json`, the summary): made once per input from the argument, so no
/// call site shows the raw name. A file saved the way wget names it keeps the query of its URL
/// (`page.json?AccessKeyId=A&Signature=S`), so the name is masked as free text is
/// (`SecretRedactor.redactText`, docs/SECRETS.md) and its control characters escaped (`SafeText`).
public enum InputName {
    /// The display name of `argument`: `<stdin>` for `-`, else the path with its secrets masked and
    /// its control characters written as visible escapes, not shortened. The path is masked whole
    /// (`password=a/b`), then each of its parts again: free text reads `u:pw@host` as user-info
    /// only where a URL may begin, and in `/saved/u:pw@host/a.jsonl` it begins after a `/`.
    public static func shown(_ argument: String) -> String {
        if argument == "-" { return FileDescriptorSource.standardInputName }
        let masked = SecretRedactor.redactText(argument).split(separator: "/", omittingEmptySubsequences: false)
            .map { SecretRedactor.redactText(String($0)) }.joined(separator: "/")
        return SafeText.escaped(masked, limit: nil)
    }
}

/// Serves bytes already read from `rest` (to look at a stream's first bytes) before reading on.
final class PrefixedSource: ByteSource {
    private var prefix: [UInt8]
    private var used = 0
    private let rest: ByteSource

    init(prefix: [UInt8], rest: ByteSource) {
        self.prefix = prefix
        self.rest = rest
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if used < prefix.count {
            let n = min(buffer.count, prefix.count - used)
            prefix.withUnsafeBytes { bytes in
                buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + used, byteCount: n)
            }
            used += n
            return n
        }
        return try rest.read(into: buffer)
    }
}

/// Opens an import input once and decides, from its first bytes and not from its name (a process
/// substitution has none), whether it is gzip. Other compressors are named in a one-line error.
enum InputOpener {
    /// The bytes of `path` (`-` for standard input), decompressed when they are gzip, and the
    /// name to use in messages. Throws `ImportError`.
    static func open(_ path: String) throws -> (source: ByteSource, name: String) {
        let file = try FileDescriptorSource(path: path)
        var head = [UInt8](repeating: 0, count: 6)
        var filled = 0
        while filled < head.count {
            let n = try head.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            if n == 0 { break }
            filled += n
        }
        head.removeSubrange(filled...)
        let source = PrefixedSource(prefix: head, rest: file)
        if head.starts(with: [0x1F, 0x8B]) { return (try GzipSource(source, name: file.name), file.name) }
        if let other = otherCompression(head) {
            throw ImportError(file: file.name, message: "\(other.format): only gzip is read directly; decompress it first, e.g. `\(other.command) | livejobs import -`")
        }
        return (source, file.name)
    }

    /// Compressed and archive formats recognised by their magic bytes, to name them in the error.
    static func otherCompression(_ head: [UInt8]) -> (format: String, command: String)? {
        if head.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return ("xz-compressed data", "xz -dc FILE") }
        if head.starts(with: [0x42, 0x5A, 0x68]) { return ("bzip2-compressed data", "bzip2 -dc FILE") }
        if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return ("zstd-compressed data", "zstd -dc FILE") }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return ("a zip archive", "unzip -p FILE") }
        return nil
    }
}
