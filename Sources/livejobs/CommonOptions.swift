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

/// Parses repeated `--param k=v` options.
func parseParams(_ raw: [String]) throws -> [String: String] {
    var params: [String: String] = [:]
    for item in raw {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw ValidationError("--param takes NAME=VALUE, got '\(SafeText.escaped(item, limit: 80))'")
        }
        let name = String(item[..<eq])
        guard params[name] == nil else {
            throw ValidationError("--param \(SafeText.escaped(name, limit: 40)) was given twice; it takes one value, so pass it once")
        }
        params[name] = String(item[item.index(after: eq)...])
    }
    return params
}

/// The stored name of a `--tz` value, or a validation error (exit 64) naming the zones it may mean.
func validatedZone(_ tz: String) throws -> String {
    do {
        return try TimeZoneName.validate(tz)
    } catch {
        throw ValidationError("--tz: \(error)")
    }
}
