import Foundation
import LiveJobsStore
import MetaStudio

/// The stored queries: every `*.sql` file of the queries folder, found in this order:
/// an explicit folder, `$LIVEJOBS_QUERIES`, `./queries`, then beside the installed binary
/// (`../share/livejobs/queries`) or in the source checkout it was built from.
public struct QueryCatalog: Sendable {
    public let directory: String
    public let queries: [QueryFile]

    public init(directory: String) throws {
        self.directory = directory
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw QueryError("cannot list queries in \(directory): \(error.localizedDescription)")
        }
        queries = try names.filter { $0.hasSuffix(".sql") }.sorted().map {
            try QueryFile(path: (directory as NSString).appendingPathComponent($0))
        }
    }

    /// The catalog at `explicit`, or the first queries folder found by the search order above.
    public static func locate(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> QueryCatalog {
        if let explicit { return try QueryCatalog(directory: UserPath.expand(explicit, environment: environment)) }
        if let fromEnv = environment["LIVEJOBS_QUERIES"], !fromEnv.isEmpty {
            return try QueryCatalog(directory: UserPath.expand(fromEnv, environment: environment))
        }
        for candidate in candidates() where isQueryFolder(candidate) {
            return try QueryCatalog(directory: candidate)
        }
        throw StoreError("no queries folder found (looked in ./queries and beside the livejobs binary): "
                         + "pass --queries DIR or set LIVEJOBS_QUERIES")
    }

    /// The running binary's own path: from the kernel (`/proc/self/exe`), since `argv[0]` is only
    /// `livejobs` when it was found through `PATH`; else `argv[0]`.
    static var executablePath: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(cString: buffer) }
        return CommandLine.arguments.first ?? ""
    }

    static func candidates() -> [String] {
        var list = [FileManager.default.currentDirectoryPath + "/queries"]
        let executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
        var dir = executable.deletingLastPathComponent()
        list.append(dir.appendingPathComponent("../share/livejobs/queries").standardized.path)
        for _ in 0..<5 {
            dir = dir.deletingLastPathComponent()
            list.append(dir.appendingPathComponent("queries").path)
        }
        return list
    }

    static func isQueryFolder(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("monthly_usage_by_room.sql"))
    }

    /// A query by catalog name, or a user's own `.sql` file by path.
    /// A leading `~` in a path is the home folder (`UserPath`).
    public func query(named nameOrPath: String) throws -> QueryFile {
        if nameOrPath.hasSuffix(".sql") || nameOrPath.contains("/") {
            let nameOrPath = UserPath.expand(nameOrPath)
            guard FileManager.default.fileExists(atPath: nameOrPath) else {
                throw QueryError("\(nameOrPath): no such query file")
            }
            return try QueryFile(path: nameOrPath)
        }
        guard let found = queries.first(where: { $0.name == nameOrPath }) else {
            let names = queries.map(\.name).joined(separator: ", ")
            throw QueryError("unknown query '\(nameOrPath)' (known: \(names)); or pass a path to a .sql file")
        }
        return found
    }

    /// The queries of the monthly report, in report order.
    public var reportQueries: [QueryFile] {
        queries.filter { $0.reportOrder != nil }.sorted { ($0.reportOrder!, $0.name) < ($1.reportOrder!, $1.name) }
    }
}
