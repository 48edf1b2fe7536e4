import Foundation
import GRDB
import Testing
@testable import LiveJobsReport

/// `zone_instant(LOCAL, TZ)`, the SQL function that gives a month's bounds in a zone. Expected
/// instants from the zones' rules: Shanghai is UTC+8 all year; New York is UTC-4 (EDT) until
/// 2026-11-01 02:00 local and UTC-5 after; on 2026-03-08 02:00 local its clocks jump to 03:00.
/// (As midnight is, in zones whose clocks change at midnight: a month there begins when the gap ends.)
@Suite(.timeLimit(.minutes(1))) struct ZoneFunctionsTests {
    func call(_ local: String?, _ tz: String?) throws -> String? {
        let db = try DatabaseQueue()
        return try db.inDatabase { db in
            ZoneFunctions.install(db)
            return try String.fetchOne(db, sql: "SELECT zone_instant(?, ?)", arguments: [local, tz])
        }
    }

    @Test func aLocalTimeBeginsAtItsInstantInUTC() throws {
        #expect(try call("2026-11-01", "UTC") == "2026-11-01T00:00:00Z")
        #expect(try call("2026-11-01", "Asia/Shanghai") == "2026-10-31T16:00:00Z")     // 00:00 at UTC+8
        #expect(try call("2026-11-01", "America/New_York") == "2026-11-01T04:00:00Z")  // still EDT, UTC-4
        #expect(try call("2026-12-01", "America/New_York") == "2026-12-01T05:00:00Z")  // EST, UTC-5
        #expect(try call("2026-11-01 01:30:00", "Asia/Shanghai") == "2026-10-31T17:30:00Z")
        #expect(try call("2026-11-01T01:30:00", "Asia/Shanghai") == "2026-10-31T17:30:00Z")
        // 02:30 does not exist in New York on 2026-03-08: the first instant after the gap, 03:00 EDT.
        #expect(try call("2026-03-08 02:30:00", "America/New_York") == "2026-03-08T07:00:00Z")
        // 01:30 happens twice there on 2026-11-01 (EDT, then EST): it begins at the first, 05:30 UTC.
        #expect(try call("2026-11-01 01:30:00", "America/New_York") == "2026-11-01T05:30:00Z")
        #expect(try call("2026-11-01 24:00:00", "UTC") == nil)
    }

    @Test func anUnreadableTimeOrZoneIsNull() throws {
        #expect(try call(nil, "UTC") == nil)
        #expect(try call("2026-11-01", nil) == nil)
        #expect(try call("2026-02-30", "UTC") == nil)
        #expect(try call("yesterday", "UTC") == nil)
        #expect(try call("2026-11-01", "Mars/Olympus_Mons") == nil)
    }
}
