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
                while let row = try cursor.next() {
                    rows.append((0..<columns.count).map { Cell(row[$0] as DatabaseValue) })
                }
                return ResultTable(columns: columns, rows: rows)
            }
        } catch let error as DatabaseError where DatabaseProblem.isAboutTheFile(error) {
            throw DatabaseProblem.describe(error, path: self.db.path)
        } catch let error as DatabaseError {
            throw QueryError("query '\(query.name)' (\(query.path)): SQL error: \(error.message ?? "\(error.resultCode)")")
        }
    }
}

extension Cell {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .string(let s): self = .text(s)
        case .blob(let b): self = .text("<\(b.count) bytes>")
        }
    }
}
