import ArgumentParser
import Foundation
import LiveJobsReport
import LiveJobsStore
import Logging
import MetaStudio

/// The levels of `--log-level`, swift-log's own (`Logger.Level`), typed so that ArgumentParser
/// refuses any other word (exit 64) and lists these in `--help`.
enum LogLevel: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level {
        switch self {
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        case .critical: return .critical
        }
    }
}

/// Options every subcommand shares: where the database is and how much to log.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite database file (default: $LIVEJOBS_DB, else ./livejobs.sqlite).", valueName: "path"), transform: userPath)
    var db: String?

    @Option(name: .long, help: ArgumentHelp("Log lines on stderr from this level up (default notice: none when all goes as planned).",
                                            valueName: "level"))
    var logLevel: LogLevel?

    @Flag(name: [.short, .long], help: "Say on stderr what each step did and what had to be done again (--log-level info); for fetch: retries, HTTP 429s, rate changes, pages re-read.")
    var verbose = false

    var databasePath: String {
        if let db { return db }
        if let env = ProcessInfo.processInfo.environment["LIVEJOBS_DB"], !env.isEmpty { return userPath(env) }
        return "livejobs.sqlite"
    }

    /// The level log lines are written from: `--log-level`, `info` for `-v`, else `notice`. The
    /// libraries log at `info` and below only (swift-log's advice for libraries), so at the default
    /// a command that goes as planned writes no log line: its stderr holds only what it prints itself.
    var level: Logger.Level {
        if let logLevel { return logLevel.level }
        return verbose ? .info : .notice
    }

    func validate() throws {
        if verbose, let logLevel, logLevel.level != .info {
            throw ValidationError("-v/--verbose is --log-level info; --log-level \(logLevel.rawValue) says otherwise: pass one of them")
        }
    }

    /// A logger for the component `label` (`livejobs.store`, `livejobs.fetch.pager`, ...) writing
    /// one line per event to stderr at the chosen level (`StderrLogHandler`); libraries get it
    /// passed in, never a global.
    func logger(_ label: String) -> Logger {
        let level = self.level
        return Logger(label: label) { StderrLogHandler(label: $0, logLevel: level) }
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
