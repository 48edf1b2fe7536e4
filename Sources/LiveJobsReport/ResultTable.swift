/// One value of a query result, typed as SQLite returned it, so writers can keep numbers numbers.
public enum Cell: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// The result of one query: stable column names and rows of cells.
public struct ResultTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[Cell]]

    public init(columns: [String], rows: [[Cell]]) {
        self.columns = columns
        self.rows = rows
    }
}

extension ResultTable {
    /// The table without the named columns (names it lacks are ignored).
    public func dropping(_ names: Set<String>) -> ResultTable {
        let kept = columns.indices.filter { !names.contains(columns[$0]) }
        guard kept.count < columns.count else { return self }
        return ResultTable(columns: kept.map { columns[$0] }, rows: rows.map { row in kept.map { row[$0] } })
    }
}
