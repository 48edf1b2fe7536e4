import Foundation
import GRDB
import Testing
@testable import LiveJobsStore

/// A sum of microseconds past 64 bits is refused with `SumOverflow` and the write is rolled back,
/// on both of the rollup's ways: adding a new job's sums to a stored row, and summing a day again
/// from `job_day_facts`. Real jobs cannot get there (a year each at most, and a row would need
/// 290,000 of them): the stored values are pushed near the limit by hand.
@Suite(.timeLimit(.minutes(2))) struct RollupOverflowTests {
    static let day = "2026-03-10"

    func rollupLive(_ store: JobStore) throws -> [Int64?] {
        try store.read { db in
            try Optional<Int64>.fetchAll(db, sql: "SELECT live_us FROM usage_rollup WHERE tz = 'UTC' AND day = ? ORDER BY rowid",
                                         arguments: [RollupOverflowTests.day])
        }
    }

    @Test func aNewJobAddedToARowNear64BitsIsRefusedAndNothingOfItsFileIsStored() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        _ = try store.importFile(dir.file("a.json", page([jobJSON(id: "a")])))
        let nearTheLimit = Int64.max - 1_000_000
        try DatabaseQueue(path: dir.dbPath).write { db in
            try db.execute(sql: "UPDATE usage_rollup SET live_us = ? WHERE tz = 'UTC' AND day = ?",
                           arguments: [nearTheLimit, RollupOverflowTests.day])
        }
        // One more hour on the same row: `live_us + 3600000000` no longer fits.
        let error = #expect(throws: SumOverflow.self) {
            try store.importFile(dir.file("b.json", page([jobJSON(id: "b"), jobJSON(id: "c", start: "2026-03-11T10:00:00Z")])))
        }
        #expect(error?.description.contains("64-bit") == true)
        #expect(try store.read { db in try String.fetchAll(db, sql: "SELECT job_id FROM jobs") } == ["a"])
        #expect(try rollupLive(store) == [nearTheLimit])
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM job_day_usage") } == 1)
        // Below the limit the same row takes the hour, exactly.
        try DatabaseQueue(path: dir.dbPath).write { db in
            try db.execute(sql: "UPDATE usage_rollup SET live_us = ? WHERE tz = 'UTC' AND day = ?",
                           arguments: [Int64.max - 3_600_000_000, RollupOverflowTests.day])
        }
        _ = try store.importFile(dir.file("b2.json", page([jobJSON(id: "b")])))
        #expect(try rollupLive(store) == [Int64.max])
    }

    @Test func aDaySummedAgainPast64BitsIsRefusedAndTheStoredCopyStays() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        _ = try store.importFile(dir.file("a.json", page(["a", "b", "c"].map { jobJSON(id: $0) })))
        try DatabaseQueue(path: dir.dbPath).write { db in
            try db.execute(sql: "UPDATE job_day_usage SET live_us = 5000000000000000000 WHERE job_id IN ('b', 'c')")
        }
        // A newer copy of `a` makes its day be summed again from job_day_facts: b and c overflow SUM().
        let newer = jobJSON(id: "a", state: "FAILED", lastupdate: "2026-03-10T12:00:00Z")
        #expect(throws: SumOverflow.self) { try store.importFile(dir.file("newer.json", page([newer]))) }
        #expect(try store.read { db in try String.fetchOne(db, sql: "SELECT state FROM jobs WHERE job_id = 'a'") } == "SUCCEED")
        #expect(try rollupLive(store) == [3 * 3_600_000_000])
    }
}
