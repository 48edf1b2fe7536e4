import Foundation
import GRDB
import MetaStudio

/// Rooms side by side: the `room_comparison` query (all time), or with a month the
/// `room_month_comparison` query (that month, the `against` month and the change), turned so
/// each room is a column and each figure a row, which is how people read a comparison of a few rooms.
public struct RoomComparison {
    public let rooms: [String]
    /// The month, `YYYY-MM`; nil: over every stored job.
    public let month: String?
    /// The month compared with `month`, `YYYY-MM`; nil: the month before `month` (used only with `month`).
    public let against: String?
    public let tz: String

    /// The month `month` is compared with: `against`, else the month before `month`; nil without `month`.
    public var againstMonth: String? {
        guard let month else { return nil }
        return against ?? ReportWording.month(month, plus: -1)
    }

    public init(rooms: [String], month: String?, against: String? = nil, tz: String) {
        self.rooms = rooms
        self.month = month
        self.against = against
        self.tz = tz
    }

    public func run(using context: ReportContext) throws -> ResultTable {
        let query = try context.catalog.query(named: month == nil ? "room_comparison" : "room_month_comparison")
        for room in rooms {
            let found = try context.runner.db.read { db in
                try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE room_id = ? OR room_name = ? LIMIT 1", arguments: [room, room]) ?? false
            }
            guard found else {
                let within = context.scope.isEverything ? "" : " in \(context.scope.description)"
                throw QueryError("no room with id or exact name \"\(SafeText.escaped(room, limit: 80))\"\(within)")
            }
        }
        var params = ["tz": tz, "rooms": ParameterBinder.jsonArray(rooms)]
        if let month { params["month"] = month }
        if let against, month != nil { params["against"] = against }
        let wide = try context.run(query, params: params)
        return RoomComparison.transpose(wide)
    }

    /// One row per figure, one column per room, headed by its name; two rooms sharing a name are
    /// told apart by id (`Shop (r1)`), and two projects' rooms sharing the id too by project
    /// (`Shop (P1 r1)`).
    static func transpose(_ table: ResultTable) -> ResultTable {
        let idIndex = table.columns.firstIndex(of: "room_id")
        let nameIndex = table.columns.firstIndex(of: "room_name")
        let projectIndex = table.columns.firstIndex(of: "project_id")
        let regionIndex = table.columns.firstIndex(of: "region")
        func value(_ row: Int, _ column: Int?) -> String { column.map { CellFormatter.plain(table.rows[row][$0]) } ?? "" }
        let names = table.rows.indices.map { i -> String in
            let name = nameIndex.flatMap { c -> String? in if case .text(let s) = table.rows[i][c] { return s } else { return nil } }
            return name ?? value(i, idIndex)
        }
        let headers = names.enumerated().map { i, name -> String in
            let sameName = names.indices.filter { names[$0] == name }
            guard sameName.count > 1 else { return name }
            let sameId = sameName.filter { value($0, idIndex) == value(i, idIndex) }
            guard sameId.count > 1 else { return "\(name) (\(value(i, idIndex)))" }
            let sameProject = sameId.filter { value($0, projectIndex) == value(i, projectIndex) }
            let project = value(i, projectIndex).isEmpty ? "no project" : value(i, projectIndex)
            guard sameProject.count > 1 else { return "\(name) (\(project) \(value(i, idIndex)))" }
            return "\(name) (\(project) \(value(i, regionIndex)) \(value(i, idIndex)))"
        }
        let figureColumns = table.columns.indices.filter { $0 != nameIndex }
        let rows = figureColumns.map { c in [Cell.text(table.columns[c])] + table.rows.map { $0[c] } }
        return ResultTable(columns: ["figure"] + headers, rows: rows)
    }
}
