import GRDB
import GRDBSQLite
import LiveJobsStore

/// Runs stored queries on a read-only connection: a query that tries to write is refused before
/// it runs, and the connection could not write anyway.
public struct QueryRunner {
    let db: DatabaseQueue

    public init(readOnly db: DatabaseQueue) {
        self.db = db
    }

    /// The rows of `query` with `values` bound to its named parameters (`:month`, `:tz`, ...).
    public func run(_ query: QueryFile, values: [String: DatabaseValue]) throws -> ResultTable {
        do {
            return try db.read { db in
                let statements = try db.allStatements(sql: query.sql)
                guard let statement = try statements.next() else {
                    throw QueryError("query '\(query.name)' (\(query.path)) holds no SQL statement")
                }
                if try statements.next() != nil {
                    throw QueryError("query '\(query.name)' (\(query.path)) holds more than one statement; a query file is one SELECT")
                }
                guard sqlite3_stmt_readonly(statement.sqliteStatement) != 0 else {
                    throw QueryError("query '\(query.name)' (\(query.path)) tries to change the database; queries are read-only")
                }
                var arguments: [String: DatabaseValue] = [:]
                let count = sqlite3_bind_parameter_count(statement.sqliteStatement)
                if count > 0 {
                    for i in 1...count {
                        guard let cName = sqlite3_bind_parameter_name(statement.sqliteStatement, i) else {
                            throw QueryError("query '\(query.name)' (\(query.path)) uses a positional parameter; use named ones like :month")
                        }
                        let name = String(String(cString: cName).dropFirst())
                        guard let value = values[name] else {
                            throw QueryError("query '\(query.name)' (\(query.path)) uses :\(name) but its header declares no such parameter (add `-- param: \(name) TYPE ...`)")
                        }
                        arguments[name] = value
                    }
                }
                statement.setUncheckedArguments(StatementArguments(arguments))
                let columns = statement.columnNames
                var rows: [[Cell]] = []
                let cursor = try Row.fetchCursor(statement)
                // The cursor's row is the statement's current row: read it from SQLite directly.
                let handle = statement.sqliteStatement
                while try cursor.next() != nil {
                    rows.append((0..<Int32(columns.count)).map { Cell(column: $0, of: handle) })
                }
                return ResultTable(columns: columns, rows: rows)
            }
        } catch let error as DatabaseError where DatabaseProblem.isAboutTheFile(error) {
            throw DatabaseProblem.describe(error, path: self.db.path)
        } catch let error as DatabaseError where DatabaseProblem.isSumOverflow(error) {
            // The data's fault, not the query file's: no figure is given rather than a wrong one.
            throw StoreError("query '\(query.name)': \(SumOverflow.reason) in \(self.db.path) (\(SumOverflow.hint))")
        } catch let error as DatabaseError {
            throw QueryError("query '\(query.name)' (\(query.path)): SQL error: \(error.message ?? "\(error.resultCode)")")
        }
    }
}

extension Cell {
    /// The value at `column` of the row `statement` is on. Text is read with its length in bytes,
    /// not up to its first NUL as GRDB reads a `String`: `D\0E` is three characters, and two ids
    /// that differ only after a NUL must not print the same.
    init(column: Int32, of statement: SQLiteStatement) {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL:
            self = .null
        case SQLITE_INTEGER:
            self = .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT:
            self = .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            // sqlite3_column_text before sqlite3_column_bytes, as SQLite asks, so the length is of the UTF-8 text.
            let text = sqlite3_column_text(statement, column)
            let count = Int(sqlite3_column_bytes(statement, column))
            self = .text(text.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) } ?? "")
        default:
            self = .text("<\(sqlite3_column_bytes(statement, column)) bytes>")
        }
    }
}
