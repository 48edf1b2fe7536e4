import GRDB
import GRDBSQLite

/// A database failure said the way a user can act on it: the path, what is wrong and what to do
/// (a missing folder, a file that is not a database, a read-only file, a full disk). The CLI
/// prints it as one line and exits 1: the input was fine, the database was not.
public enum DatabaseProblem {
    /// `error` (from SQLite, through GRDB) about the database at `path`, as a one-line `StoreError`.
    public static func describe(_ error: DatabaseError, path: String) -> StoreError {
        let detail = error.message.map { " (SQLite: \($0))" } ?? ""
        switch error.resultCode {
        case .SQLITE_FULL:
            return StoreError("the disk holding \(path) is full: free some space or pass --db on another disk, then run the command again (what the failed transaction held was not stored)")
        case .SQLITE_READONLY:
            return readOnly(path)
        case .SQLITE_CANTOPEN:
            return StoreError("cannot open \(path)\(detail): its folder must exist and be writable (SQLite keeps \(path)-wal and \(path)-shm beside it); fix that or pass another --db")
        case .SQLITE_NOTADB:
            return StoreError("\(path) is not a SQLite database, or an encrypted one: pass the livejobs database file as --db")
        case .SQLITE_CORRUPT:
            return StoreError("\(path) is damaged\(detail): restore it from a copy, or recover it with `sqlite3 \(path) .recover`")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError("\(path) is locked by another program (waited 10 s): run the command again when it has finished")
        case .SQLITE_IOERR:
            return StoreError("cannot read or write \(path): input/output error\(detail); is the disk full, removed or a network file system?")
        case .SQLITE_PERM, .SQLITE_AUTH:
            return StoreError("no permission to use \(path)\(detail): pass another --db")
        default:
            return StoreError("database error in \(path)\(detail)")
        }
    }

    /// The message for a database livejobs must write but cannot.
    static func readOnly(_ path: String) -> StoreError {
        StoreError("\(path) is read-only (its permissions, its folder's, or a read-only file system): make it writable or pass another --db")
    }

    /// Whether `error` is about the database file rather than about a query's SQL.
    public static func isAboutTheFile(_ error: DatabaseError) -> Bool {
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_NOTADB, .SQLITE_CORRUPT,
             .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_PERM, .SQLITE_AUTH:
            return true
        default:
            return false
        }
    }

    /// Whether SQLite refused an INTEGER sum past 64 bits: a SUM() ("integer overflow"), or an
    /// addition in `usage_rollup` that turned into a REAL and failed its CHECK
    /// `usage_rollup_exact_sums` (see `SumOverflow`).
    public static func isSumOverflow(_ error: DatabaseError) -> Bool {
        (error.resultCode == .SQLITE_ERROR && error.message == "integer overflow")
            || (error.resultCode == .SQLITE_CONSTRAINT && (error.message ?? "").contains("usage_rollup_exact_sums"))
    }

    /// Runs `body`, turning SQLite errors into `describe`'s one-line `StoreError`.
    public static func mapping<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw describe(error, path: path)
        }
    }
}
