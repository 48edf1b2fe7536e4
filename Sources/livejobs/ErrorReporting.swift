import ArgumentParser
import Foundation
import GRDB
import LiveJobsReport
import LiveJobsStore
import MetaStudio

/// Exit codes, documented in `livejobs --help` and the README.
enum ExitCodes {
    /// Anything that is not the input's fault: the database, the network, the output.
    static let failure: Int32 = 1
    /// The fetch ended but the API's jobs and count still disagree.
    static let incomplete: Int32 = 3
    /// Bad flags (ArgumentParser's own code for validation errors), and a value read in a flag's
    /// stead (the environment, the credentials file, a token file) that is empty or malformed.
    static let usage: Int32 = 64
    /// Bad input data or a bad query file (sysexits' EX_DATAERR).
    static let dataError: Int32 = 65
    /// Interrupted by Ctrl-C (128 + SIGINT).
    static let interrupted: Int32 = 130

    /// The exit code of a fetch that ended as `end`: 0 succeeded, 3 incomplete, 130 interrupted,
    /// 1 failed, and 65 for a failure that is the input's fault (`--strict` refusing a job, as an
    /// import refusing a file).
    static func code(for end: ScanEnd) -> Int32 {
        switch end.outcome {
        case .succeeded: return 0
        case .incomplete: return incomplete
        case .interrupted: return interrupted
        case .failed: return end.error is ImportError ? dataError : failure
        }
    }
}

/// Runs `body`, turning any error into one line on stderr and an `ExitCode` thrown to ArgumentParser
/// (thrown, not `exit()`, so that `defer`s run and the database is closed and checkpointed).
func reportingErrors<T>(_ command: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        throw reported(command, error)
    }
}

/// Prints `error` as one line (`livejobs COMMAND: error: ...`) and returns the exit code to throw.
func reported(_ command: String, _ error: Error) -> ExitCode {
    let code: Int32
    switch error {
    // A `--param` that names no parameter or has a malformed value is a bad flag, as `--month 2026-13` is.
    case let error as QueryError where error.isBadFlag: code = ExitCodes.usage
    case is ImportError, is QueryError: code = ExitCodes.dataError
    // A credential found but unusable (empty, a line break inside) is bad input, like a bad flag.
    case let error as CredentialError where error.isBadValue: code = ExitCodes.usage
    default: code = ExitCodes.failure
    }
    printError(command, describe(error))
    return ExitCode(code)
}

/// One error line on stderr, control characters escaped and length capped.
func printError(_ command: String, _ message: String) {
    Output.error("livejobs \(command): error: \(SafeText.line(message))\n")
}

/// The words for an error: its own description, or for SQLite's errors the message without the
/// framework's dump of the statement and its arguments.
func describe(_ error: Error) -> String {
    if let error = error as? DatabaseError {
        return "database error: \(error.message ?? "\(error.resultCode)")"
    }
    return "\(error)"
}
