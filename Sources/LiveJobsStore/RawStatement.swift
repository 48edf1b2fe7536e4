import Foundation
import GRDB
import GRDBSQLite

/// A prepared statement bound through SQLite's C API. The import writes several rows per job for
/// hundreds of thousands of jobs; GRDB's argument arrays cost more than the inserts themselves.
/// All unsafe pointer work of the store is kept in this file.
final class RawStatement {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }
    private let db: Database

    init(_ db: Database, _ sql: String) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: String?) {
        guard var text = value else { sqlite3_bind_null(handle, index); return }
        text.withUTF8 { buffer in
            let empty: StaticString = ""
            let base = buffer.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(empty.utf8Start)
            _ = sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), RawStatement.transient)
        }
    }

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds prepared values to consecutive parameters starting at `first`. Text is bound in place
    /// (no copy): the caller keeps `arena` alive until the statement has run.
    func bind(_ values: ArraySlice<PreparedJob.Value>, from first: Int32, arena: UnsafeBufferPointer<UInt8>) {
        var index = first
        for value in values {
            bind(index, value, arena: arena)
            index += 1
        }
    }

    @inline(__always)
    func bind(_ index: Int32, _ value: PreparedJob.Value, arena: UnsafeBufferPointer<UInt8>) {
        switch value {
        case .null:
            sqlite3_bind_null(handle, index)
        case .integer(let v):
            sqlite3_bind_int64(handle, index, v)
        case .real(let v):
            sqlite3_bind_double(handle, index, v)
        case .text(let start, let count):
            // A zero-length text still needs a non-null pointer, or SQLite binds NULL.
            let base = UnsafeRawPointer(arena.baseAddress!).advanced(by: Int(start)).assumingMemoryBound(to: CChar.self)
            _ = sqlite3_bind_text(handle, index, base, count, nil)
        }
    }

    /// Runs the statement to completion, then resets it for the next row. Bindings stay: every
    /// caller binds each parameter before each run.
    func run() throws {
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw failure(code) }
    }

    /// Runs an INSERT, UPDATE or DELETE and returns how many rows it changed.
    func runCountingChanges() throws -> Int {
        try run()
        return Int(sqlite3_changes(sqlite3_db_handle(handle)))
    }

    /// Runs a one-row query and returns its first column as text (nil for no row or NULL).
    func firstText() throws -> String?? {
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { return .none }
        guard code == SQLITE_ROW else { throw failure(code) }
        guard let text = sqlite3_column_text(handle, 0) else { return .some(nil) }
        // By length, not up to the first NUL: text from outside may hold one.
        return .some(String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, 0))), as: UTF8.self))
    }

    /// Runs a one-row query and tells whether its first column is text with exactly `bytes`.
    func firstTextEquals(_ bytes: UnsafeBufferPointer<UInt8>) throws -> Bool {
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { return false }
        guard code == SQLITE_ROW else { throw failure(code) }
        guard let text = sqlite3_column_text(handle, 0) else { return false }
        let count = Int(sqlite3_column_bytes(handle, 0))
        guard count == bytes.count else { return false }
        return count == 0 || memcmp(text, bytes.baseAddress!, count) == 0
    }

    /// Runs a query and returns its first two columns of every row as text (by length: text from
    /// outside may hold a NUL).
    func allTextPairs() throws -> [(String?, String?)] {
        defer { sqlite3_reset(handle) }
        var rows: [(String?, String?)] = []
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw failure(code) }
            rows.append((columnText(0), columnText(1)))
        }
    }

    private func columnText(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }

    /// Runs a one-row query and returns its first column as an integer (0 for no row or NULL).
    func firstInt() throws -> Int {
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { return 0 }
        guard code == SQLITE_ROW else { throw failure(code) }
        return Int(sqlite3_column_int64(handle, 0))
    }

    private func failure(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code),
                      message: db.lastErrorMessage, sql: statement.sql)
    }
}
