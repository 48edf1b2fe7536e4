import Foundation
import GRDB

/// SQL functions a read command's connection adds for what SQLite's date functions lack: time
/// zones. A query file calls them like any SQL function; the `sqlite3` shell does not have them.
enum ZoneFunctions {
    /// `zone_instant(LOCAL, TZ)`: the UTC instant, RFC 3339 to the second (`2026-11-30T16:00:00Z`),
    /// at which the wall-clock time LOCAL (`YYYY-MM-DD`, or `YYYY-MM-DD HH:MM:SS` with a space or a
    /// `T`) begins in the IANA zone TZ (`UTC`, `Asia/Shanghai`). A month in a zone runs from
    /// `zone_instant(:month || '-01', :tz)` up to `zone_instant(date(:month || '-01', '+1 month'), :tz)`.
    /// NULL when either argument is NULL, LOCAL is unreadable or TZ is no zone this system knows.
    /// A wall-clock time that a daylight-saving change skips is read as the platform's calendar
    /// reads it (the first instant after the gap).
    static let zoneInstant = DatabaseFunction("zone_instant", argumentCount: 2, pure: true) { values in
        guard let local = String.fromDatabaseValue(values[0]), let tz = String.fromDatabaseValue(values[1]),
              let instant = instant(local: local, tz: tz) else { return nil }
        return instant
    }

    /// Adds the functions to `db`.
    static func install(_ db: Database) {
        db.add(function: zoneInstant)
    }

    /// `zone_instant` in Swift: nil for an unreadable time or an unknown zone.
    static func instant(local: String, tz: String) -> String? {
        let digits = local.split(whereSeparator: { "-: T".contains($0) }).map { Int($0) }
        guard digits.count == 3 || digits.count == 6, digits.allSatisfy({ $0 != nil }) else { return nil }
        let n = digits.map { $0! }
        guard let zone = tz == "UTC" ? TimeZone(identifier: "UTC") : TimeZone(identifier: tz) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var parts = DateComponents(year: n[0], month: n[1], day: n[2])
        if n.count == 6 { parts.hour = n[3]; parts.minute = n[4]; parts.second = n[5] }
        guard parts.isValidDate(in: calendar) || n.count == 6, let date = calendar.date(from: parts) else { return nil }
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}
