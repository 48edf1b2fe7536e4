import Foundation
import LiveJobsStore
import MetaStudio

/// Instants of a query's result in the zone its figures were computed in, with the offset, so a
/// job of 1 November in a Shanghai report never reads as 31 October: `2026-10-31T16:30:00Z` in
/// Asia/Shanghai is `2026-11-01T00:30:00+08:00` (RFC 3339; a fraction of a second is kept).
///
/// The database stores every instant as RFC 3339 text in UTC (docs/SCHEMA.md), and queries return
/// them as stored. A column is an instant column when every value in it that is not NULL is such a
/// text, in the stored form `YYYY-MM-DDTHH:MM:SS[.fff]Z`: whatever the query and its column names
/// (a user's own query too); a room that happens to be named like an instant among other names does
/// not turn its column into instants. Dates (`2026-11-01`) are left as they are: they are already
/// days of the zone.
public enum ZonedInstants {
    /// `table` with its instant columns in `tz` (unchanged for UTC, whose offset is the `Z`) and a
    /// last column `tz` naming the zone, unless the table has one: the zone travels with the rows
    /// into CSV, JSON and spreadsheets. `tz` must be a zone `ZoneOffsets` knows (it was validated as
    /// a parameter).
    public static func apply(_ table: ResultTable, tz: String) -> ResultTable {
        guard let zone = ZoneOffsets(identifier: tz) else { return table }
        var out = table
        if zone.identifier != "UTC" {
            for column in table.columns.indices where isInstantColumn(table, column) {
                for row in out.rows.indices {
                    if case .text(let text) = out.rows[row][column], let local = local(text, in: zone) {
                        out.rows[row][column] = .text(local)
                    }
                }
            }
        }
        if !out.columns.contains("tz") {
            out.columns.append("tz")
            for row in out.rows.indices { out.rows[row].append(.text(zone.identifier)) }
        }
        return out
    }

    /// `table` with every stored instant quoted inside the text of `columns` in `tz`
    /// (`end_time before start_time (2026-11-30T23:58:11Z)` in Asia/Shanghai reads
    /// `… (2026-12-01T07:58:11+08:00)`); other text unchanged.
    public static func applyInText(_ table: ResultTable, columns: [String], tz: String) -> ResultTable {
        guard let zone = ZoneOffsets(identifier: tz), zone.identifier != "UTC", !columns.isEmpty else { return table }
        var out = table
        for column in table.columns.indices where columns.contains(table.columns[column]) {
            for row in out.rows.indices {
                guard case .text(let text) = out.rows[row][column], text.contains("Z") else { continue }
                out.rows[row][column] = .text(localizedInside(text, zone: zone))
            }
        }
        return out
    }

    /// Every stored-form instant inside `text` replaced by `local(_:in:)`.
    static func localizedInside(_ text: String, zone: ZoneOffsets) -> String {
        guard let pattern = try? NSRegularExpression(pattern: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z"#) else { return text }
        var result = text
        let matches = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text))
        for match in matches.reversed() {
            guard let range = Range(match.range, in: result), let local = local(String(result[range]), in: zone) else { continue }
            result.replaceSubrange(range, with: local)
        }
        return result
    }

    /// `text`, an instant in the stored UTC form, as the same instant in `zone` with its offset
    /// (`+08:00`, `-03:30`); nil when `text` is not in the stored form.
    public static func local(_ text: String, in zone: ZoneOffsets) -> String? {
        guard isStoredInstant(text), let epoch = RFC3339.parse(text) else { return nil }
        let offset = Int(zone.offset(at: epoch))
        // UTC, and the local mean times of dates before a zone's standard time (an offset in
        // seconds, which RFC 3339 cannot write): left in UTC, which its `Z` says.
        if (offset == 0 && zone.identifier == "UTC") || offset % 60 != 0 { return text }
        var stamp = RFC3339.format(epoch + Double(offset))
        stamp.removeLast()  // the `Z`
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        stamp += "\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
        return stamp
    }

    /// True for `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.f…Z` (1 to 9 fraction digits).
    static func isStoredInstant(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 30, b.last == UInt8(ascii: "Z") else { return false }
        let digits: [Int] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        guard digits.allSatisfy({ isDigit(b[$0]) }), b[4] == 45, b[7] == 45, b[10] == UInt8(ascii: "T"),
              b[13] == 58, b[16] == 58 else { return false }
        if b.count == 20 { return true }
        guard b[19] == 46, b.count >= 22 else { return false }
        return b[20 ..< b.count - 1].allSatisfy(isDigit)
    }

    private static func isInstantColumn(_ table: ResultTable, _ column: Int) -> Bool {
        var seen = false
        for row in table.rows {
            switch row[column] {
            case .null: continue
            case .text(let text) where isStoredInstant(text): seen = true
            default: return false
            }
        }
        return seen
    }
}
