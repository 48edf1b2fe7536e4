import GRDB
import Testing
@testable import LiveJobsReport

/// A `list` parameter reaches SQL as one JSON array of strings that `json_each` reads back item by
/// item, whether it was given as `a,b,c` or as a JSON array (items holding commas, quotes, Chinese).
@Suite(.timeLimit(.minutes(1))) struct ParameterBinderTests {
    static let states = QueryParameter(name: "states", kind: .list, required: false, defaultValue: nil, summary: "states")

    /// The items SQLite's `json_each` reads from the bound value.
    func itemsSQLiteReads(_ text: String) throws -> [String] {
        let value = try ParameterBinder.convert(text, for: Self.states, context: "query 't'")
        return try DatabaseQueue().read { db in
            try String.fetchAll(db, sql: "SELECT value FROM json_each(?) ORDER BY key", arguments: [value])
        }
    }

    @Test func listsReachSQLItemByItem() throws {
        #expect(try itemsSQLiteReads("FAILED, BLOCKED,,SUCCEED") == ["FAILED", "BLOCKED", "SUCCEED"])
        #expect(try itemsSQLiteReads(#"["a,1","b"]"#) == ["a,1", "b"])
        #expect(try itemsSQLiteReads(#"["Tea, \"Premium\" & Co.", "美妆直播间", "a\\b\/c", "\u00e9"]"#)
                == ["Tea, \"Premium\" & Co.", "美妆直播间", "a\\b/c", "é"])
    }

    @Test func aJSONListMustBeANonEmptyArrayOfStrings() {
        for bad in [#"["a",1]"#, "[]", #"["a""#, #"[null]"#, #"["a"] x"#] {
            #expect(throws: QueryError.self, "\(bad)") { _ = try ParameterBinder.convert(bad, for: Self.states, context: "query 't'") }
        }
    }
}
