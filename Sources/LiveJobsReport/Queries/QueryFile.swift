import Foundation
import MetaStudio

/// A failure tied to a query file or a parameter, worded for the user.
public struct QueryError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// True when the fault is in what the user typed (`--param` naming no parameter, a value of the
    /// wrong type, a required one left out): a usage error (exit 64), not a bad query file (65).
    public let isBadFlag: Bool
    public init(_ description: String, isBadFlag: Bool = false) {
        self.description = description
        self.isBadFlag = isBadFlag
    }
}

/// One declared parameter of a query file: `-- param: NAME TYPE required|optional|default=VALUE  description`.
public struct QueryParameter: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case text, integer, real, month, date, timezone, list, instant
    }
    public var name: String
    public var kind: Kind
    public var required: Bool
    public var defaultValue: String?
    public var summary: String
    /// The least and the largest value a number may take (`-- range: NAME MIN MAX`); nil: any.
    public var minimum: Double? = nil
    public var maximum: Double? = nil
}

/// A stored query: plain SQL with a header comment that says what it computes and what it takes.
/// The format is documented in docs/QUERIES.md.
public struct QueryFile: Sendable {
    public var name: String
    public var path: String
    public var title: String
    public var summary: String
    /// What the report says above the query's table, in its reader's words (`-- reader:`); the
    /// `summary` when the header has none.
    public var readerText: String
    /// The one line the report prints instead of an empty table (`-- empty:`).
    public var emptyText: String?
    /// Columns whose values are codes (`error_rate`, `zero_length`) that the report's Markdown
    /// shows as words (`error rate`); the CSV keeps the codes (`-- codes: figure kind`).
    public var codeColumns: [String] = []
    /// Columns of text that may quote stored instants (`… before start_time (2026-11-30T23:58:11Z)`)
    /// which are shown in the query's zone like the instant columns (`-- zoned-text: detail`).
    public var zonedTextColumns: [String] = []
    public var parameters: [QueryParameter]
    /// Position in the monthly report; nil keeps the query out of it.
    public var reportOrder: Int?
    /// `bar LABEL VALUE` or `column LABEL VALUE`: a chart the report draws from two columns.
    public var chart: ChartSpec?
    public var sql: String

    public struct ChartSpec: Sendable, Equatable {
        public enum Style: String, Sendable { case bar, column }
        public var style: Style
        public var labelColumn: String
        public var valueColumn: String
    }

    /// Reads and validates a query file; every problem names the file and the header line.
    public init(path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw QueryError("\(path): cannot read query file (\(error.localizedDescription))")
        }
        try self.init(path: path, text: text)
    }

    public init(path: String, text: String) throws {
        self.path = path
        name = (UserPath.lastComponent(path) as NSString).deletingPathExtension
        title = name
        summary = ""
        readerText = ""
        parameters = []
        sql = text
        var ranges: [(String, String)] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            guard line.hasPrefix("--") else { break }
            let body = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = body[..<colon].lowercased()
            let value = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let here = "\(path):\(lineNumber)"
            switch key {
            case "title": title = value
            case "description": summary = summary.isEmpty ? value : summary + " " + value
            case "reader": readerText = readerText.isEmpty ? value : readerText + " " + value
            case "empty": emptyText = emptyText.map { $0 + " " + value } ?? value
            case "codes": codeColumns += value.split(separator: " ").map(String.init)
            case "zoned-text": zonedTextColumns += value.split(separator: " ").map(String.init)
            case "param": parameters.append(try QueryFile.parseParameter(value, at: here))
            case "report":
                guard let order = Int(value) else { throw QueryError("\(here): 'report:' takes a number (its position in the report), got \"\(value)\"") }
                reportOrder = order
            case "chart": chart = try QueryFile.parseChart(value, at: here)
            case "range": ranges.append((value, here))
            default: continue
            }
        }
        if readerText.isEmpty { readerText = summary }
        for (value, here) in ranges { try QueryFile.applyRange(value, at: here, to: &parameters) }
        let names = parameters.map(\.name)
        if let duplicate = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw QueryError("\(path): parameter '\(duplicate)' is declared twice")
        }
        if sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw QueryError("\(path): the file holds no SQL")
        }
    }

    static func parseParameter(_ text: String, at here: String) throws -> QueryParameter {
        let words = text.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true).map(String.init)
        guard words.count >= 3 else {
            throw QueryError("\(here): a parameter reads `-- param: NAME TYPE required|optional|default=VALUE description`, got \"\(text)\"")
        }
        let name = words[0].hasPrefix(":") ? String(words[0].dropFirst()) : words[0]
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !name.isEmpty else {
            throw QueryError("\(here): parameter name \"\(words[0])\" must be letters, digits and _")
        }
        guard let kind = QueryParameter.Kind(rawValue: words[1].lowercased()) else {
            let kinds = QueryParameter.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw QueryError("\(here): parameter '\(name)' has unknown type \"\(words[1])\" (one of: \(kinds))")
        }
        var required = false
        var defaultValue: String?
        switch words[2] {
        case "required": required = true
        case "optional": break
        case let w where w.hasPrefix("default="): defaultValue = String(w.dropFirst("default=".count))
        default:
            throw QueryError("\(here): parameter '\(name)': expected required, optional or default=VALUE, got \"\(words[2])\"")
        }
        let parameter = QueryParameter(name: name, kind: kind, required: required, defaultValue: defaultValue,
                                       summary: words.count > 3 ? words[3] : "")
        if let defaultValue {
            _ = try ParameterBinder.convert(defaultValue, for: parameter, context: here, given: false)
        }
        return parameter
    }

    /// `-- range: NAME MIN [MAX]`: the values a number parameter may take, its default included.
    static func applyRange(_ text: String, at here: String, to parameters: inout [QueryParameter]) throws {
        let words = text.split(separator: " ").map(String.init)
        guard (2...3).contains(words.count), let low = Double(words[1]), words.count == 2 || Double(words[2]) != nil else {
            throw QueryError("\(here): a range reads `-- range: NAME MIN [MAX]`, got \"\(text)\"")
        }
        guard let i = parameters.firstIndex(where: { $0.name == words[0] }), [.integer, .real].contains(parameters[i].kind) else {
            throw QueryError("\(here): range for '\(words[0])', which is no integer or real parameter declared above")
        }
        parameters[i].minimum = low
        parameters[i].maximum = words.count == 3 ? Double(words[2]) : nil
        if let d = parameters[i].defaultValue {
            _ = try ParameterBinder.convert(d, for: parameters[i], context: here, given: false)
        }
    }

    static func parseChart(_ text: String, at here: String) throws -> ChartSpec {
        let words = text.split(separator: " ").map(String.init)
        guard words.count == 3, let style = ChartSpec.Style(rawValue: words[0]) else {
            throw QueryError("\(here): a chart reads `-- chart: bar|column LABEL_COLUMN VALUE_COLUMN`, got \"\(text)\"")
        }
        return ChartSpec(style: style, labelColumn: words[1], valueColumn: words[2])
    }
}
