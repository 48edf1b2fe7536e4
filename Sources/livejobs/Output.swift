import Foundation

/// Writing to standard output and standard error without trapping. Foundation's `FileHandle.write(_:)`
/// and `print` either stop the process on a write error or lose it silently; a command's output going
/// to a full disk must be one error line and a non-zero exit, and a reader that goes away (`| head`)
/// must end the command quietly, as the shell's own tools end.
enum Output {
    /// Why standard output could not be written (not a closed pipe, which ends the process quietly).
    struct WriteError: Error, CustomStringConvertible {
        let reason: String
        var description: String { "cannot write to standard output: \(reason)" }
    }

    /// Writes all of `data` to standard output. A reader that has gone away (EPIPE) ends the process
    /// the way it ends `cat` or `yes`: by SIGPIPE, with nothing printed. Throws `WriteError` for
    /// any other failure (a full disk: ENOSPC; a closed descriptor: EBADF).
    static func write(_ data: Data) throws {
        if let reason = writeAll(STDOUT_FILENO, data) {
            if reason == EPIPE { endQuietly() }
            throw WriteError(reason: String(cString: strerror(reason)))
        }
    }

    /// `write` of `text`.
    static func write(_ text: String) throws { try write(Data(text.utf8)) }

    /// `text` and a line break on standard output.
    static func line(_ text: String) throws { try write(Data((text + "\n").utf8)) }

    /// Writes to standard error; a failure there has nowhere to be reported, so it is ignored.
    static func error(_ text: String) {
        _ = writeAll(STDERR_FILENO, Data(text.utf8))
    }

    /// The errno of the first failed write(2), or nil when everything was written.
    private static func writeAll(_ fd: Int32, _ data: Data) -> Int32? {
        data.withUnsafeBytes { raw -> Int32? in
            guard var p = raw.baseAddress else { return nil }
            var left = raw.count
            while left > 0 {
                let n = Foundation.write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                p += n
                left -= n
            }
            return nil
        }
    }

    /// Dies of SIGPIPE, as a shell tool whose reader has gone away does (exit status 141).
    private static func endQuietly() -> Never {
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
        exit(141)
    }
}
