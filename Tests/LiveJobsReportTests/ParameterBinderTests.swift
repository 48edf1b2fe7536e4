import Foundation
import GRDB
import Testing
@testable import LiveJobsReport

/// `--param NAME=VALUE` text turned into the SQLite values a query is run with: each type's checks,
/// required, optional and default parameters, and one clear line for every value refused.
@Suite(.timeLimit(.minutes(1))) struct ParameterBinderTests {
    func parameter(_ kind: QueryParameter.Kind, required: Bool = false, default value: String? = nil) -> QueryParameter {
        QueryParameter(name: "p", kind: kind, required: required, defaultValue: value, summary: "")
    }

    func convert(_ text: String, _ kind: QueryParameter.Kind) throws -> DatabaseValue {
        try ParameterBinder.convert(text, for: parameter(kind), context: "query 'q'")
    }

    /// The message of the refusal of `text` as a `kind` ("" when it is taken).
    func refusal(_ text: String, _ kind: QueryParameter.Kind) -> String {
        do {
            _ = try convert(text, kind)
            return ""
        } catch {
            return (error as? QueryError)?.description ?? "not a QueryError: \(error)"
        }
    }

    @Test func eachTypeIsBoundAsItsSQLiteValue() throws {
        #expect(try convert("Room 1, 美妆", .text) == "Room 1, 美妆".databaseValue)
        #expect(try convert("", .text) == "".databaseValue)
        #expect(try convert("-42", .integer) == Int64(-42).databaseValue)
        #expect(try convert("0.5", .real) == 0.5.databaseValue)
        #expect(try convert("2026-11", .month) == "2026-11".databaseValue)
        #expect(try convert("2026-11-03", .date) == "2026-11-03".databaseValue)
        #expect(try convert("Asia/Shanghai", .timezone) == "Asia/Shanghai".databaseValue)
    }

    /// A zone is bound by its stored name: an alias of UTC is UTC.
    @Test func aTimeZoneIsBoundByItsStoredName() throws {
        #expect(try convert("Etc/UTC", .timezone) == "UTC".databaseValue)
        #expect(refusal("Mars/Olympus", .timezone).hasPrefix("query 'q': parameter 'p': unknown time zone 'Mars/Olympus'"))
        #expect(refusal("Etc/GMT-8", .timezone).contains("the sign of Etc/GMT names is inverted"))
        #expect(refusal("+0530", .timezone).contains("is an offset, not a time zone"))
    }

    /// A list is bound as a JSON array of strings (read with `json_each`): comma-separated items,
    /// trimmed, empty ones dropped, or a JSON array when items hold commas.
    @Test func aListIsBoundAsAJSONArray() throws {
        #expect(try convert("r1, r2 ,,r3", .list) == #"["r1","r2","r3"]"#.databaseValue)
        #expect(try convert(#"["a,1","b/2"]"#, .list) == #"["a,1","b/2"]"#.databaseValue)
        #expect(try convert("美妆直播间", .list) == #"["美妆直播间"]"#.databaseValue)
        #expect(refusal(" , ,", .list) == #"query 'q': parameter 'p': expected a comma-separated list, got " , ,""#)
        for bad in ["[]", "[1,2]", #"["a","#] {
            #expect(refusal(bad, .list).hasPrefix("query 'q': parameter 'p': expected a JSON array of strings"), "\(bad)")
        }
    }

    /// What SQL reads of a list: `json_each` of the bound array gives the items back one by one,
    /// with their commas, quotes, backslashes and Chinese (the array is written by the project's
    /// own JSON writer and read by the project's own parser, like every JSON livejobs handles).
    @Test func aListReachesSQLItemByItem() throws {
        func itemsSQLiteReads(_ text: String) throws -> [String] {
            let value = try convert(text, .list)
            return try DatabaseQueue().read { db in
                try String.fetchAll(db, sql: "SELECT value FROM json_each(?) ORDER BY key", arguments: [value])
            }
        }
        #expect(try itemsSQLiteReads(#"["Tea, \"Premium\" & Co.", "美妆直播间", "a\\b\/c", "\u00e9"]"#)
                == ["Tea, \"Premium\" & Co.", "美妆直播间", "a\\b/c", "é"])
        for bad in [#"[null]"#, #"["a"] x"#, #"["a",{}]"#] {
            #expect(refusal(bad, .list).hasPrefix("query 'q': parameter 'p': expected a JSON array of strings"), "\(bad)")
        }
    }

    /// Every refused value is one line naming the query, the parameter, what was expected, and the
    /// value as given (cut, control characters escaped).
    @Test func badValuesAreRefusedWithOneClearLine() {
        let cases: [(text: String, kind: QueryParameter.Kind, expected: String)] = [
            ("seven", .integer, "an integer"), ("1.5", .integer, "an integer"), ("99999999999999999999", .integer, "an integer"),
            ("", .integer, "an integer"),
            ("half", .real, "a number"), ("inf", .real, "a number"), ("nan", .real, "a number"),
            ("2026-13", .month, "a month as YYYY-MM"), ("2026-00", .month, "a month as YYYY-MM"), ("2026-1", .month, "a month as YYYY-MM"),
            ("26-11", .month, "a month as YYYY-MM"), ("2026/11", .month, "a month as YYYY-MM"), ("November", .month, "a month as YYYY-MM"),
            ("2026-11-03", .month, "a month as YYYY-MM"),
            ("2026-11-32", .date, "a date as YYYY-MM-DD"), ("2026-11-00", .date, "a date as YYYY-MM-DD"), ("2026-11-3", .date, "a date as YYYY-MM-DD"),
            ("2026-13-01", .date, "a date as YYYY-MM-DD"), ("2026-11", .date, "a date as YYYY-MM-DD"), ("20261103", .date, "a date as YYYY-MM-DD"),
        ]
        for c in cases {
            let message = refusal(c.text, c.kind)
            #expect(message == "query 'q': parameter 'p': expected \(c.expected), got \"\(c.text)\"", "\(c.kind) \(c.text): \(message)")
        }
        let hostile = refusal("\u{1B}]0;x\u{07}" + String(repeating: "9", count: 500), .integer)
        #expect(hostile.hasPrefix(#"query 'q': parameter 'p': expected an integer, got "\u{1B}]0;x\u{7}999"#), "\(hostile)")
        #expect(!hostile.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 } && hostile.count < 200, "\(hostile)")
    }

    /// Only ASCII digits make a month or a date: a sign or a space read as a number made `+026-11`
    /// and `2026-+1` months that match no stored day, so the query answered with nothing.
    @Test func monthsAndDatesAreDigitsOnly() {
        for text in ["+026-11", "2026-+1", " 2026-11", "2026- 1", "２０２６-11"] {
            #expect(refusal(text, .month).hasSuffix("expected a month as YYYY-MM, got \"\(text)\""), "\(text)")
        }
        for text in ["2026-11-+3", "+026-11-03", "2026-11- 3"] {
            #expect(refusal(text, .date).hasSuffix("expected a date as YYYY-MM-DD, got \"\(text)\""), "\(text)")
        }
    }

    /// A date names a day the calendar has: 29 February only in a leap year, no 31 April.
    @Test func aDateMustExistInItsMonth() throws {
        #expect(try convert("2028-02-29", .date) == "2028-02-29".databaseValue)
        #expect(try convert("2000-02-29", .date) == "2000-02-29".databaseValue)
        #expect(try convert("2026-12-31", .date) == "2026-12-31".databaseValue)
        for text in ["2026-02-29", "2100-02-29", "2026-04-31", "2026-02-30"] {
            #expect(refusal(text, .date) == "query 'q': parameter 'p': expected a date as YYYY-MM-DD, got \"\(text)\"", "\(text)")
        }
    }

    func query(_ parameters: [QueryParameter]) throws -> QueryFile {
        var q = try QueryFile(path: "/q/q.sql", text: "SELECT 1\n")
        q.parameters = parameters
        return q
    }

    /// Given values win; a missing one takes its default, or NULL when optional; a missing required
    /// one, or a name the query does not declare, is refused naming what to pass.
    @Test func bindingUsesGivenValuesThenDefaultsThenNull() throws {
        let q = try query([
            QueryParameter(name: "month", kind: .month, required: true, defaultValue: nil, summary: ""),
            QueryParameter(name: "tz", kind: .timezone, required: false, defaultValue: "UTC", summary: ""),
            QueryParameter(name: "rooms", kind: .list, required: false, defaultValue: nil, summary: ""),
        ])
        #expect(try ParameterBinder.bind(["month": "2026-11"], to: q)
                == ["month": "2026-11".databaseValue, "tz": "UTC".databaseValue, "rooms": .null])
        #expect(try ParameterBinder.bind(["month": "2026-11", "tz": "Asia/Tokyo", "rooms": "a,b"], to: q)
                == ["month": "2026-11".databaseValue, "tz": "Asia/Tokyo".databaseValue, "rooms": #"["a","b"]"#.databaseValue])
        let missing = #expect(throws: QueryError.self) { try ParameterBinder.bind(["tz": "UTC"], to: q) }
        #expect(missing?.description == "query 'q' needs parameter 'month' (month): pass --param month=VALUE")
        let unknown = #expect(throws: QueryError.self) { try ParameterBinder.bind(["month": "2026-11", "colour": "red"], to: q) }
        #expect(unknown?.description == "query 'q' has no parameter 'colour' (it takes: month, tz, rooms)")
        let none = #expect(throws: QueryError.self) { try ParameterBinder.bind(["x": "1"], to: try query([])) }
        #expect(none?.description == "query 'q' has no parameter 'x' (it takes: none)")
        let bad = #expect(throws: QueryError.self) { try ParameterBinder.bind(["month": "2026-11", "tz": "CST"], to: q) }
        #expect(bad?.description.hasPrefix("query 'q': parameter 'tz': 'CST' is an abbreviation") == true, "\(bad?.description ?? "")")
    }

    /// Bound values reach SQLite with their types: a query compares them as the header says.
    @Test func boundValuesReachSQLiteTyped() throws {
        let q = try query([
            QueryParameter(name: "n", kind: .integer, required: true, defaultValue: nil, summary: ""),
            QueryParameter(name: "r", kind: .real, required: true, defaultValue: nil, summary: ""),
            QueryParameter(name: "items", kind: .list, required: true, defaultValue: nil, summary: ""),
        ])
        let values = try ParameterBinder.bind(["n": "42", "r": "2.5", "items": "b,a,c"], to: q)
        let row = try DatabaseQueue().read { db in
            try #require(try Row.fetchOne(db, sql: "SELECT typeof(:n) AS tn, :n + 1 AS n1, typeof(:r) AS tr, "
                                         + "(SELECT group_concat(value, '|') FROM json_each(:items)) AS items",
                                          arguments: StatementArguments(values)))
        }
        #expect(row["tn"] as String == "integer" && row["n1"] as Int == 43)
        #expect(row["tr"] as String == "real")
        #expect(row["items"] as String == "b|a|c")
    }
}
