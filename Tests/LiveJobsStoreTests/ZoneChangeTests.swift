import Foundation
import GRDB
import MetaStudio
import Testing
@testable import LiveJobsStore

/// A fetch reads the kept zones once, when it starts; a zone dropped or first asked for while it
/// writes must not leave a zone half built, or rows no zone owns.
@Suite(.timeLimit(.minutes(1))) struct ZoneChangeTests {
    static let shanghai = ZoneOffsets(identifier: "Asia/Shanghai")!

    /// Writes jobs split into `zones`, as a fetch that read the zones earlier would.
    static func write(_ store: JobStore, _ ids: [String], zones: [ZoneOffsets]) throws {
        try store.writeJobs(source: "test", storedAt: "2026-03-11T00:00:00Z", projectId: nil, region: nil, zones: zones) { _, writer in
            for (i, id) in ids.enumerated() {
                let value = try JSONParser.parse(jobJSON(id: id))
                guard case .job(let job) = try JobStore.prepare(.tape(JSONTape(value).root), zones: zones, now: 1_773_200_000, strictness: .lenient,
                                                                file: "test", index: i, line: nil, offset: nil) else {
                    Issue.record("not a job")
                    return
                }
                _ = try writer.write(job)
            }
        }
    }

    static func rows(_ store: JobStore, _ sql: String) throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    @Test func aZoneDroppedWhileJobsWereSplitIntoItLeavesNoRowsAndCanBeAskedForAgain() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        try ZoneChangeTests.write(store, ["a"], zones: [ZoneOffsets(identifier: "UTC")!])
        try store.ensureUsage(for: ZoneChangeTests.shanghai)
        let zones = try store.materializedZones()
        #expect(zones.map(\.identifier).sorted() == ["Asia/Shanghai", "UTC"])
        _ = try store.dropUsage(for: "Asia/Shanghai")
        try ZoneChangeTests.write(store, ["b", "c"], zones: zones)
        #expect(try ZoneChangeTests.rows(store, "SELECT count(*) FROM job_day_usage WHERE tz = 'Asia/Shanghai'") == 0)
        #expect(try ZoneChangeTests.rows(store, "SELECT count(*) FROM usage_rollup WHERE tz = 'Asia/Shanghai'") == 0)
        try store.ensureUsage(for: ZoneChangeTests.shanghai)
        #expect(try ZoneChangeTests.rows(store, "SELECT SUM(jobs) FROM usage_rollup WHERE tz = 'Asia/Shanghai'") == 3)
        #expect(try ZoneChangeTests.rows(store, "SELECT count(*) FROM job_day_usage WHERE tz = 'Asia/Shanghai' AND is_home = 1") == 3)
    }

    @Test func aZoneFirstAskedForWhileJobsWereWrittenWithoutItIsBuiltWholeNextTime() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let zones = try store.materializedZones()
        try ZoneChangeTests.write(store, ["a"], zones: zones)
        try store.ensureUsage(for: ZoneChangeTests.shanghai)
        try ZoneChangeTests.write(store, ["b", "c"], zones: zones)
        #expect(try store.materializedZones().map(\.identifier) == ["UTC"], "a zone missing jobs b and c is not kept")
        try store.ensureUsage(for: ZoneChangeTests.shanghai)
        #expect(try ZoneChangeTests.rows(store, "SELECT SUM(jobs) FROM usage_rollup WHERE tz = 'Asia/Shanghai'") == 3)
        #expect(try ZoneChangeTests.rows(store, "SELECT SUM(jobs) FROM usage_rollup WHERE tz = 'UTC'") == 3)
    }
}
