import Foundation
import MetaStudio
import GRDB
import GRDBSQLite

/// The file a `--db` names, looked at before SQLite writes anything to it: a name that is no
/// file (empty, `:memory:`), a folder that does not exist, something that is not a SQLite
/// database, or another application's SQLite database are refused with one line, and the file
/// is left byte-identical (no table added, journal mode unchanged).
public struct DatabaseFile: Sendable {
    /// The path as the user gave it, for messages.
    public let path: String
    /// The name handed to SQLite: `path`, with `./` in front when SQLite would read it as a URI.
    let sqlitePath: String

    /// What the file holds.
    public enum Contents: Equatable, Sendable {
        /// No file yet: a writing command creates it.
        case absent
        /// A file of 0 bytes, or a SQLite database without tables: a writing command may use it.
        case empty
        /// A livejobs database; `current` when every migration of this livejobs is applied.
        case livejobs(current: Bool)

        public var isLivejobs: Bool {
            if case .livejobs = self { return true }
            return false
        }
    }

    /// Throws `StoreError` for a name that is not a file: empty, or SQLite's `:memory:`.
    public init(path: String) throws {
        guard !path.isEmpty else {
            throw StoreError("--db is empty: name the database file, e.g. --db livejobs.sqlite")
        }
        guard path != ":memory:" else {
            throw StoreError("--db :memory: would keep nothing: name a database file, e.g. --db livejobs.sqlite")
        }
        self.path = path
        sqlitePath = path.hasPrefix("file:") ? "./" + path : path
    }

    /// The message for a read command pointed at no livejobs database (no file, or an empty one).
    public var noDatabase: StoreError {
        StoreError("no database at \(path) (no livejobs data yet): run `livejobs import` or `livejobs fetch` first, or pass --db")
    }

    /// What the file holds, read without writing or locking it (a WAL database whose `-wal` file
    /// is absent is opened immutable, so not even a `-shm` file appears beside it). Throws
    /// `StoreError` for a missing folder, a folder or device named as the file, a file that is
    /// not SQLite, and another application's database.
    public func inspect() throws -> Contents {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            guard code == ENOENT else { throw StoreError("cannot use \(path) as the database: \(FileDescriptorSource.reason(code))") }
            let folder = UserPath.parent(path)
            let shown = folder.isEmpty ? "." : folder
            var folderInfo = stat()
            guard stat(shown, &folderInfo) == 0 else {
                throw StoreError("cannot create the database \(path): the folder \(shown) does not exist; create it (mkdir -p \(shown)) or pass another --db")
            }
            guard (folderInfo.st_mode & S_IFMT) == S_IFDIR else {
                throw StoreError("cannot create the database \(path): \(shown) is not a folder")
            }
            return .absent
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw StoreError("\(path) is a folder, not a database file: pass a file such as \((path as NSString).appendingPathComponent("livejobs.sqlite"))")
        default: throw StoreError("\(path) is not a regular file (a device, pipe or socket): pass a database file")
        }
        if info.st_size == 0 { return .empty }
        try checkHeader()
        return try classify(try schema())
    }

    /// Refuses a file that does not start with SQLite's 16-byte header string
    /// (https://sqlite.org/fileformat.html, section 1.3.1), showing how it starts instead (printable
    /// ASCII only: the file's bytes never reach the terminal raw). Runs before this process opens
    /// any SQLite connection to the file: closing a descriptor drops the process's fcntl locks on it.
    private func checkHeader() throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError("cannot read \(path): permission denied; pass another --db")
        }
        let head = (try? handle.read(upToCount: 100)) ?? Data()
        try? handle.close()
        guard !head.starts(with: Data("SQLite format 3\u{0}".utf8)) else { return }
        let first = String(decoding: head.prefix(16).prefix(while: { (0x20..<0x7F).contains($0) }), as: UTF8.self)
        let shown = first.isEmpty ? "" : " (it starts with \"\(first)\")"
        let hint = first.hasPrefix("{") || first.hasPrefix("[") ? ": a JSON file? --db names the database, files to import come last" : ": pass the livejobs database file as --db"
        throw StoreError("\(path) is not a SQLite database\(shown)\(hint)")
    }

    /// The names of the tables, and livejobs' applied migrations when the file has GRDB's table.
    private func schema() throws -> (tables: [String], migrations: Set<String>) {
        let hasJournal = FileManager.default.fileExists(atPath: path + "-wal") || FileManager.default.fileExists(atPath: path + "-journal")
        // Without a -wal file, every committed page is in the main file: open it immutable, so that
        // SQLite creates no -shm or -wal file beside another application's database.
        let uri = "file:" + DatabaseFile.percentEncoded(absolutePath) + (hasJournal ? "?mode=ro" : "?immutable=1")
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        var rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nil)
        guard rc == SQLITE_OK, let db else { throw failure(db, rc) }
        sqlite3_busy_timeout(db, 10_000)
        func strings(_ sql: String) throws -> [String] {
            var statement: OpaquePointer?
            defer { sqlite3_finalize(statement) }
            rc = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
            guard rc == SQLITE_OK else { throw failure(db, rc) }
            var values: [String] = []
            while true {
                rc = sqlite3_step(statement)
                if rc == SQLITE_DONE { return values }
                guard rc == SQLITE_ROW else { throw failure(db, rc) }
                values.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "")
            }
        }
        // Views and triggers count too: a file holding only a view is somebody's database.
        let tables = try strings("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY name")
        let migrations = tables.contains("grdb_migrations") ? Set(try strings("SELECT identifier FROM grdb_migrations")) : []
        return (tables, migrations)
    }

    private func failure(_ db: OpaquePointer?, _ rc: Int32) -> StoreError {
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseProblem.describe(DatabaseError(resultCode: ResultCode(rawValue: rc), message: message), path: path)
    }

    /// livejobs' own file: GRDB's migration table holding livejobs' first migration, and `jobs`.
    private func classify(_ schema: (tables: [String], migrations: Set<String>)) throws -> Contents {
        let tables = schema.tables
        if tables.isEmpty || (tables == ["grdb_migrations"] && schema.migrations.isEmpty) { return .empty }
        let known = Migrations.migrator.migrations
        if let first = known.first, schema.migrations.contains(first), tables.contains("jobs") {
            return .livejobs(current: Set(known).isSubset(of: schema.migrations))
        }
        let listed = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
        throw StoreError("\(path) is another application's SQLite database (tables and views: \(listed)); livejobs keeps its jobs in a file of its own: pass another --db")
    }

    /// A path as the path part of a SQLite URI (https://sqlite.org/uri.html): bytes other than
    /// unreserved characters and `/` as %HH, so `?`, `#` and `%` in a name stay in the name.
    static func percentEncoded(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    private var absolutePath: String {
        (path as NSString).isAbsolutePath ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Throws the read-only message when this process may not write the file, or may not create
    /// the `-wal` and `-shm` files SQLite keeps beside it (access(2): permissions and read-only
    /// file systems). Nothing is opened.
    public func checkWritable() throws {
        let folder = UserPath.parent(path)
        let shownFolder = folder.isEmpty ? "." : folder
        if Glibc.access(path, F_OK) == 0 && Glibc.access(path, W_OK) != 0 {
            let reason = FileDescriptorSource.reason(errno)
            throw StoreError("\(path) is read-only (\(reason)): make it writable or pass another --db")
        }
        let sideFiles = ["-wal", "-shm"].allSatisfy { Glibc.access(path + $0, W_OK) == 0 }
        if !sideFiles && Glibc.access(shownFolder, W_OK) != 0 {
            let reason = FileDescriptorSource.reason(errno)
            throw StoreError("the folder \(shownFolder) of \(path) is read-only (\(reason)): SQLite creates \(UserPath.lastComponent(path))-wal and -shm beside the database; make the folder writable or pass another --db")
        }
    }

    /// The name to open a database that nobody can be writing read-only on a read-only folder,
    /// where SQLite cannot create the `-shm` file a WAL database otherwise needs; nil when a
    /// `-wal` file exists (its pages would be missed).
    var immutableURI: String? {
        guard !FileManager.default.fileExists(atPath: path + "-wal") else { return nil }
        return "file:" + DatabaseFile.percentEncoded(absolutePath) + "?immutable=1"
    }

    /// Runs `body` (which creates or upgrades the schema on a connection it closes before it
    /// returns) holding an exclusive lock on the file, so that two livejobs processes started at
    /// once on a new database create its schema once. The lock is flock(2), which SQLite's own
    /// fcntl(2) locks do not see; it is released and its descriptor closed only after `body`'s
    /// connection is closed, since closing a descriptor drops this process's fcntl locks on the file.
    func withSchemaLock<T>(_ body: () throws -> T) throws -> T {
        var fd: Int32
        repeat { fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            let code = errno
            if code == EACCES || code == EPERM || code == EROFS { throw DatabaseProblem.readOnly(path) }
            throw StoreError("cannot create \(path): \(FileDescriptorSource.reason(code)); pass another --db")
        }
        defer { close(fd) }
        let deadline = Date().addingTimeInterval(60)
        // A poll, not a condition wait: the holder is another process, and flock(2) has no timed
        // wait; the lock is held only while a schema is created or upgraded, so this rarely loops.
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { break }
            guard Date() < deadline else {
                throw StoreError("\(path) is being created or upgraded by another livejobs for over a minute: run the command again when it has finished")
            }
            usleep(20_000)
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
