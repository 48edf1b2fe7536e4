import Foundation
import GRDB
import LiveJobsStore
import MetaStudio

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

    /// `local_instant(INSTANT, TZ)`: a stored instant (RFC 3339 in UTC, `2026-12-01T05:00:00Z`) as
    /// the same instant in the IANA zone TZ with its offset (`2026-12-01T13:00:00+08:00`), for
    /// instants a query writes into a sentence, where `ZonedInstants` cannot see them. INSTANT
    /// unchanged when it is not in the stored form or TZ is no zone this system knows; NULL for NULL.
    static let localInstant = DatabaseFunction("local_instant", argumentCount: 2, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]) else { return nil }
        guard let tz = String.fromDatabaseValue(values[1]), let zone = ZoneOffsets(identifier: tz) else { return text }
        return ZonedInstants.local(text, in: zone) ?? text
    }

    /// Adds the functions to `db`.
    static func install(_ db: Database) {
        db.add(function: zoneInstant)
        db.add(function: localInstant)
    }

    /// `zone_instant` in Swift: nil for an unreadable time or an unknown zone. The wall-clock time is
    /// read with the zone's offsets a day before and a day after it, the earlier instant the zone
    /// agrees with first (a time that occurs twice, as clocks go back, begins at its first
    /// occurrence); a time no offset gives (skipped as clocks go forward) begins where the gap ends.
    static func instant(local: String, tz: String) -> String? {
        let digits = local.split(whereSeparator: { "-: T".contains($0) }).map { Int($0) }
        guard digits.count == 3 || digits.count == 6, digits.allSatisfy({ $0 != nil }), local.count == 10 || local.count == 19,
              ParameterBinder.isDate(String(local.prefix(10))) else { return nil }
        let n = digits.map { $0! } + [0, 0, 0]
        guard (0...23).contains(n[3]), (0...59).contains(n[4]), (0...59).contains(n[5]),
              let zone = TimeZone(identifier: tz == "UTC" ? "GMT" : tz),
              let day = RFC3339.parse(String(local.prefix(10)) + "T00:00:00Z") else { return nil }
        let wall = day + Double(n[3] * 3600 + n[4] * 60 + n[5])
        func offset(_ t: Double) -> Double { Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: t))) }
        let around = [offset(wall - 86_400), offset(wall + 86_400)]
        for o in around.sorted(by: >) where offset(wall - o) == o {
            return RFC3339.format(wall - o)
        }
        // In a gap: between these two instants the offset changes; find the second it does.
        var lo = wall - around.max()!, hi = wall - around.min()!
        if lo > hi { swap(&lo, &hi) }
        let first = offset(lo)
        while hi - lo > 1 {
            let mid = ((lo + hi) / 2).rounded(.down)
            if offset(mid) == first { lo = mid } else { hi = mid }
        }
        return RFC3339.format(hi)
    }
}
