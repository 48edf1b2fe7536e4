import MetaStudio

/// Query results as a JSON array of objects keyed by column name; numbers stay JSON numbers, and
/// characters a terminal would obey are `\u` escapes (the same JSON values).
public enum JSONRows {
    public static func render(_ table: ResultTable) -> String {
        let rows: [JSONValue] = table.rows.map { row in
            .object(JSONObject(zip(table.columns, row).map { (key: $0, value: json($1)) }))
        }
        return SafeText.jsonForTerminal(JSONValue.array(rows).serialized()) + "\n"
    }

    static func json(_ cell: Cell) -> JSONValue {
        switch cell {
        case .null: return .null
        case .integer(let i): return .number(String(i))
        case .real(let d): return d.isFinite ? .number("\(d)") : .null
        case .text(let s): return .string(s)
        }
    }
}
