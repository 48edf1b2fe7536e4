import Foundation
import GRDB
import Testing
@testable import LiveJobsStore

/// `Microseconds.of` (what an import stores and sums) gives what the database's own expression
/// gives (`job_day_facts.job_live_us`, the v10 copy of `job_day_usage`) for every double: at half
/// microseconds, below zero, past 2^52 and past 64 bits; and the sums of microseconds refuse to
/// pass 64 bits, in memory and in SQL, instead of keeping a wrong total.
@Suite(.timeLimit(.minutes(2))) struct MicrosecondsTests {
    /// Doubles where rounding is decided: halves, the doubles beside them, zero's two signs,
    /// 2^52 (where SQLite stops rounding), 2^63 (where CAST clamps), infinities.
    static let scaledEdges: [Double] = {
        var values: [Double] = [0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994,
                                4_503_599_627_370_495.5, -4_503_599_627_370_495.5, 4_503_599_627_370_496, 4_503_599_627_370_497,
                                -4_503_599_627_370_497, 9.2e18, 9_223_372_036_854_775_807, -9_223_372_036_854_775_808,
                                1e19, -1e19, 1e300, -1e300, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude]
        for half in [0.5, 1.5, 2.5, 1_000_000.5, 123_456_789.5, 2_251_799_813_685_247.5] {
            values += [half, half.nextUp, half.nextDown, -half, -half.nextUp, -half.nextDown]
        }
        return values
    }()

    /// Seconds as a job or a day's share carries them, and the same kinds of edges.
    static let secondEdges: [Double] = {
        var values: [Double] = [0, -0.0, 18, 0.1, 0.7, 1.3, 2.9, 4.1, 8.9, 1.8, 0.0000005, 0.0000015, 0.0000025, -0.0000025,
                                1800.25, 3600.0000005, 9.877, 8.123, 86_400, 31_622_400, 31_622_400.0000005, -1, -86_400.0000005,
                                4_503_599_627.370496, 4_503_599_627.370497, 9.2e12, 9.3e12, -9.3e12, 1e300, -1e300,
                                .infinity, -.infinity, .leastNonzeroMagnitude]
        var random = SeededGenerator(state: 2026)
        for _ in 0 ..< 2000 {
            // Every magnitude from microseconds to centuries, with the fractions splits make.
            let magnitude = Double.random(in: -7 ... 10, using: &random)
            let value = pow(10, magnitude) * Double.random(in: 1 ..< 10, using: &random)
            values.append(Bool.random(using: &random) ? value : -value)
        }
        return values
    }()

    @Test func roundingIsSQLitesAtHalvesBelowZeroAndPast52And64Bits() throws {
        // What SQLite does, spelled out: a half goes away from zero, the double below a half that
        // adding 0.5 rounds up goes up too, and CAST clamps past 64 bits.
        #expect(Microseconds.rounded(2.5) == 3 && Microseconds.rounded(-2.5) == -3 && Microseconds.rounded(0.5) == 1)
        #expect(Microseconds.rounded(0.49999999999999994) == 1 && Microseconds.rounded(-0.49999999999999994) == -1)
        #expect(Microseconds.rounded(1.4999999999999998) == 1)
        #expect(Microseconds.rounded(1e300) == .max && Microseconds.rounded(-1e300) == .min)
        #expect(Microseconds.rounded(.infinity) == .max && Microseconds.rounded(-.infinity) == .min)
        #expect(Microseconds.rounded(4_503_599_627_370_497) == 4_503_599_627_370_497)
        #expect(Microseconds.of(18) == 18_000_000 && Microseconds.of(0.1) == 100_000 && Microseconds.of(-1) == -1_000_000)
        #expect(Microseconds.of(Double.nan) == nil && Microseconds.of(nil) == nil)

        let db = try DatabaseQueue()
        try db.read { db in
            for x in MicrosecondsTests.scaledEdges {
                let sqlite = try Int64.fetchOne(db, sql: "SELECT CAST(round(?) AS INTEGER)", arguments: [x])
                #expect(sqlite == Microseconds.rounded(x), "round(\(x))")
            }
            for seconds in MicrosecondsTests.secondEdges {
                let sqlite = try Int64.fetchOne(db, sql: "SELECT \(Microseconds.sql("?"))", arguments: [seconds])
                #expect(sqlite == Microseconds.of(seconds), "\(seconds) s")
            }
        }
    }

    /// The expression the v10 migration writes is the helper's: the view computes every job's
    /// `job_live_us` as `Microseconds.of` does, and the copy of v9's REAL rows gives the same.
    @Test func theDatabaseComputesTheMicrosecondsTheImportComputes() throws {
        #expect(Migrations.v10.contains(Microseconds.sql("j.live_seconds")))
        #expect(Migrations.v10.contains(Microseconds.sql("live_seconds")) && Migrations.v10.contains(Microseconds.sql("streamed_seconds")))
        let dir = TempDir()
        _ = try JobStore(path: dir.dbPath, logger: .discarding)
        let db = try DatabaseQueue(path: dir.dbPath)
        let values = MicrosecondsTests.secondEdges.filter(\.isFinite)
        let viewed = try db.write { db -> [Int64?] in
            for (i, seconds) in values.enumerated() {
                try db.execute(sql: """
                    INSERT INTO jobs (job_id, live_seconds, start_time, counts_in_rates, is_error, is_blocked, raw_json, stored_at)
                    VALUES (?, ?, '2026-01-01T00:00:00Z', 0, 0, 0, '{}', '2026-01-01T00:00:00Z')
                    """, arguments: ["j\(i)", seconds])
                try db.execute(sql: "INSERT INTO job_day_usage (tz, day, job_id, live_us, is_home) VALUES ('UTC', '2026-01-01', ?, 0, 1)",
                               arguments: ["j\(i)"])
            }
            return try Optional<Int64>.fetchAll(db, sql: "SELECT job_live_us FROM job_day_facts ORDER BY CAST(substr(job_id, 2) AS INTEGER)")
        }
        #expect(viewed == values.map(Microseconds.of))
    }

    @Test func sumsInMemoryRefuseToPass64Bits() throws {
        var total: Int64? = nil
        try Microseconds.add(&total, nil)
        #expect(total == nil)
        try Microseconds.add(&total, .max - 1)
        try Microseconds.add(&total, 1)
        #expect(total == .max)
        #expect(throws: SumOverflow.self) { try Microseconds.add(&total, 1) }
        #expect(total == .max)
        var negative: Int64? = .min
        #expect(throws: SumOverflow.self) { try Microseconds.add(&negative, -1) }

        var sums = UsageRollup.Sums()
        var facts = RollupFacts()
        facts.liveUs = Int64.max / 2 + 1
        try sums.addJob(facts)
        #expect(throws: SumOverflow.self) { try sums.addJob(facts) }
    }
}

/// A generator that gives the same numbers on every run (SplitMix64), for values a test draws.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
