import Foundation
import LiveJobsStore
import GRDB
import MetaStudio

/// Turns `--param k=v` text into typed SQLite values, checking each against its declaration.
public enum ParameterBinder {
    /// The SQLite value for `text` as parameter `parameter`, or a `QueryError` naming the query and
    /// parameter; `given` says the text came from the user (`--param`, a flag: the error is a usage
    /// error) rather than from the query file's `default=` (the error is the file's).
    public static func convert(_ text: String, for parameter: QueryParameter, context: String, given: Bool = true) throws -> DatabaseValue {
        func bad(_ expected: String) -> QueryError {
            QueryError("\(context): parameter '\(parameter.name)': expected \(expected), got \"\(SafeText.escaped(text, limit: 80))\"", isBadFlag: given)
        }
        switch parameter.kind {
        case .text:
            return text.databaseValue
        case .integer:
            guard let v = Int64(text) else { throw bad("an integer") }
            guard parameter.admits(Double(v)) else { throw bad("an integer \(parameter.rangeText)") }
            return v.databaseValue
        case .real:
            guard let v = Double(text), v.isFinite else { throw bad("a number") }
            guard parameter.admits(v) else { throw bad("a number \(parameter.rangeText)") }
            return v.databaseValue
        case .month:
            guard isMonth(text) else { throw bad("a month as YYYY-MM") }
            return text.databaseValue
        case .date:
            guard isDate(text) else { throw bad("a date as YYYY-MM-DD") }
            return text.databaseValue
        case .timezone:
            do {
                return try TimeZoneName.validate(text).databaseValue
            } catch let refusal as TimeZoneName.Refusal {
                throw QueryError("\(context): parameter '\(parameter.name)': \(refusal)", isBadFlag: given)
            }
        case .instant:
            // Bound in the form sync_runs and import_runs store (UTC, whole seconds), so SQL can compare it.
            guard let epoch = RFC3339.parse(text) else { throw bad("an RFC 3339 date-time such as 2026-12-08T00:15:00Z") }
            return RFC3339.format(epoch.rounded(.down)).databaseValue
        case .list:
            if text.hasPrefix("[") {
                let array = (try? JSONParser.parse(text))?.arrayValue ?? []
                let items = array.compactMap(\.stringValue)
                guard !items.isEmpty, items.count == array.count else { throw bad("a JSON array of strings") }
                return jsonArray(items).databaseValue
            }
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !items.isEmpty else { throw bad("a comma-separated list") }
            return jsonArray(items).databaseValue
        }
    }

    /// A JSON array of strings, which queries read with `json_each(:name)`.
    public static func jsonArray(_ items: [String]) -> String {
        JSONValue.array(items.map { .string($0) }).serialized()
    }

    /// True for `YYYY-MM` with a real month, in ASCII digits (`Int` alone would take `+026-11`).
    public static func isMonth(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 7, parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              parts.allSatisfy(isDigits), let m = Int(parts[1]) else { return false }
        return (1...12).contains(m)
    }

    /// True for `YYYY-MM-DD` naming a day of the (proleptic Gregorian) calendar: no 2026-02-30.
    static func isDate(_ text: String) -> Bool {
        guard text.count == 10, isMonth(String(text.prefix(7))), text.dropFirst(7).first == "-",
              isDigits(text.suffix(2)), let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)),
              let day = Int(text.suffix(2)) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    private static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Values for every declared parameter: given, else default, else NULL; unknown names are errors.
    public static func bind(_ given: [String: String], to query: QueryFile) throws -> [String: DatabaseValue] {
        let declared = Set(query.parameters.map(\.name))
        if let unknown = given.keys.sorted().first(where: { !declared.contains($0) }) {
            let known = query.parameters.map(\.name).joined(separator: ", ")
            throw QueryError("query '\(query.name)' has no parameter '\(unknown)' (it takes: \(known.isEmpty ? "none" : known))", isBadFlag: true)
        }
        var values: [String: DatabaseValue] = [:]
        for parameter in query.parameters {
            if let text = given[parameter.name] {
                values[parameter.name] = try convert(text, for: parameter, context: "query '\(query.name)'")
            } else if let d = parameter.defaultValue {
                values[parameter.name] = try convert(d, for: parameter, context: "query '\(query.name)'", given: false)
            } else if parameter.required {
                throw QueryError("query '\(query.name)' needs parameter '\(parameter.name)' (\(parameter.kind.rawValue)): pass --param \(parameter.name)=VALUE", isBadFlag: true)
            } else {
                values[parameter.name] = .null
            }
        }
        return values
    }
}

extension QueryParameter {
    /// True when `value` is within the parameter's range (`-- range:`), or it has none.
    func admits(_ value: Double) -> Bool {
        (minimum.map { value >= $0 } ?? true) && (maximum.map { value <= $0 } ?? true)
    }

    /// `from 1 to 36`, `of at least 0`.
    var rangeText: String {
        let low = minimum.map { CellFormatter.number($0) } ?? ""
        if let maximum { return "from \(low) to \(CellFormatter.number(maximum))" }
        return "of at least \(low)"
    }
}
