import GRDB

/// Rooms side by side: the `room_comparison` query, turned so each room is a column and each
/// figure a row, which is how people read a comparison of a few rooms.
public struct RoomComparison {
    public let rooms: [String]
    public let month: String?
    public let tz: String

    public init(rooms: [String], month: String?, tz: String) {
        self.rooms = rooms
        self.month = month
        self.tz = tz
    }

    public func run(using context: ReportContext) throws -> ResultTable {
        let query = try context.catalog.query(named: "room_comparison")
        for room in rooms {
            let found = try context.runner.db.read { db in
                try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE room_id = ? OR room_name = ? LIMIT 1", arguments: [room, room]) ?? false
            }
            guard found else { throw QueryError("no room with id or exact name \"\(room)\"") }
        }
        var params = ["tz": tz, "rooms": ParameterBinder.jsonArray(rooms)]
        if let month { params["month"] = month }
        let wide = try context.run(query, params: params)
        return RoomComparison.transpose(wide)
    }

    /// One row per figure, one column per room (named `room_name (room_id)` when two share a name).
    static func transpose(_ table: ResultTable) -> ResultTable {
        let idIndex = table.columns.firstIndex(of: "room_id")
        let nameIndex = table.columns.firstIndex(of: "room_name")
        let names = table.rows.map { row -> String in
            let id = idIndex.map { CellFormatter.plain(row[$0]) } ?? ""
            let name = nameIndex.flatMap { i -> String? in if case .text(let s) = row[i] { return s } else { return nil } }
            return name ?? id
        }
        let headers = names.enumerated().map { i, name -> String in
            let duplicated = names.filter { $0 == name }.count > 1
            guard duplicated, let idIndex else { return name }
            return "\(name) (\(CellFormatter.plain(table.rows[i][idIndex])))"
        }
        let figureColumns = table.columns.indices.filter { $0 != nameIndex }
        let rows = figureColumns.map { c in [Cell.text(table.columns[c])] + table.rows.map { $0[c] } }
        return ResultTable(columns: ["figure"] + headers, rows: rows)
    }
}
