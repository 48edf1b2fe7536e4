import ArgumentParser
import Foundation
import LiveJobsReport
import LiveJobsStore
import Logging
import MetaStudio

/// Options every subcommand shares: where the database is and how much to log.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite database file (default: $LIVEJOBS_DB, else ./livejobs.sqlite).", valueName: "path"), transform: userPath)
    var db: String?

    @Option(name: .long, help: ArgumentHelp("Log level on stderr: trace, debug, info, notice, warning, error.", valueName: "level"))
    var logLevel: String = "warning"

    var databasePath: String {
        if let db { return db }
        if let env = ProcessInfo.processInfo.environment["LIVEJOBS_DB"], !env.isEmpty { return userPath(env) }
        return "livejobs.sqlite"
    }

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; got '\(logLevel)'")
        }
    }

    /// A stderr logger at the chosen level; libraries get it passed in, never a global.
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        return logger
    }
}

/// A path from an argument or the environment with a leading `~` read as `$HOME`: shells leave
/// `--db=~/x.sqlite` and quoted tildes alone (see `UserPath`).
func userPath(_ path: String) -> String { UserPath.expand(path) }

/// Exit codes, documented in `livejobs --help` and the README.
enum ExitCodes {
    static let failure: Int32 = 1
    static let dataError: Int32 = 65
}

/// Runs `body`, turning any error into one line on stderr and a non-zero exit code.
func reportingErrors<T>(_ command: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ImportError {
        fail(command, error.description, code: ExitCodes.dataError)
    } catch let error as QueryError {
        fail(command, error.description, code: ExitCodes.dataError)
    } catch let error as StoreError {
        fail(command, error.description, code: ExitCodes.failure)
    } catch let error as OutputFileError {
        fail(command, error.description, code: ExitCodes.failure)
    } catch {
        fail(command, oneLine("\(error)"), code: ExitCodes.failure)
    }
}

func fail(_ command: String, _ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("livejobs \(command): error: \(oneLine(message))\n".utf8))
    exit(code)
}

/// Messages are one line: embedded newlines (from SQL or room names) would break log parsers.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
}

/// Parses repeated `--param k=v` options.
func parseParams(_ raw: [String]) throws -> [String: String] {
    var params: [String: String] = [:]
    for item in raw {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw ValidationError("--param takes NAME=VALUE, got '\(item)'")
        }
        params[String(item[..<eq])] = String(item[item.index(after: eq)...])
    }
    return params
}
