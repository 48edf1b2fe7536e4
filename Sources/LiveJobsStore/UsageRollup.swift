import GRDB
import MetaStudio

/// Keeps `usage_rollup` (docs/SCHEMA.md) equal to the sums of `job_day_facts` grouped by zone, day,
/// project, region, room, room name, state, billing mode and error, inside the transaction that
/// writes the jobs.
///
/// Two ways, one result, checked against each other by `RollupTests`:
/// - a job stored for the first time adds its measures to the sums held here, in memory, and
///   `flush` adds them to the table once per transaction (a bulk import of 200,000 jobs touches a
///   few thousand rollup rows, not 200,000);
/// - a job whose stored copy is replaced makes every day it was on, and every day it is on now,
///   *dirty*: `flush` deletes those days' rollup rows and sums them again from `job_day_facts`
///   (a minimum or maximum cannot be taken back, so replaced values are not subtracted).
///
/// Days are `YYYY-MM-DD` in the zone; a job with no home day (no start, create or last update time)
/// is on the rollup row whose `day` is NULL, in every zone. Seconds are summed as whole
/// microseconds (`Microseconds`), so both ways give the same sums exactly, whatever the order the
/// jobs came in; a sum past 64 bits throws `SumOverflow`, in memory or in SQL, and the transaction
/// is rolled back. Not thread-safe: one per transaction, on the thread that holds it.
final class UsageRollup {
    /// The grouping of one rollup row: a zone, a day in it, and the job's own `RollupGroup`.
    struct Key: Hashable {
        var zone: Int
        /// Days since 1970-01-01 in the zone; nil for a job with no home day.
        var day: Int?
        var group: RollupGroup
    }

    /// The measures of one rollup row, as `job_day_facts` defines them per job-day; time in
    /// microseconds, nil until a value comes (SQL's SUM).
    struct Sums {
        var jobs: Int64 = 0, rated: Int64 = 0, failed: Int64 = 0, blocked: Int64 = 0
        var ongoing: Int64 = 0, withoutDuration: Int64 = 0, withoutStream: Int64 = 0, flagged: Int64 = 0
        var live: Int64?, streamed: Int64?, pairedLive: Int64?, pairedStreamed: Int64?, jobLive: Int64?
        var firstStart: [UInt8]?, lastStart: [UInt8]?, firstCreate: [UInt8]?, lastCreate: [UInt8]?
    }

    private let zones: [String]
    private var sums: [Key: Sums] = [:]
    /// (zone, day) pairs to sum again from `job_day_facts`; a nil day is the no-home-day row.
    private var dirty: Set<DirtyDay> = []
    private let oldDays: RawStatement

    private struct DirtyDay: Hashable {
        var zone: String
        var day: String?
    }

    /// `zones`: the identifiers of the zones `usage_zones` keeps, in the order `PreparedJob` split them.
    init(_ db: Database, zones: [String]) throws {
        self.zones = zones
        oldDays = try RawStatement(db, "SELECT tz, day FROM job_day_usage WHERE job_id = ?")
    }

    /// Adds the measures of a job stored for the first time, in the project and region it is
    /// stored with (`jobs.project_id`, `jobs.region`: the run's, not the job's own). Throws
    /// `SumOverflow` when a sum of microseconds would pass `Int64.max`.
    func add(_ p: PreparedJob, arena: UnsafeBufferPointer<UInt8>, projectId: String?, region: String?) throws {
        let facts = p.rollupFacts
        var group = facts.group
        group.projectId = projectId
        group.region = region
        var key = Key(zone: 0, day: nil, group: group)
        var zonesWithHome = 0
        for slice in facts.slices {
            key.zone = Int(slice.zone)
            key.day = Int(slice.day)
            zonesWithHome += slice.isHome ? 1 : 0
            try sums[key, default: Sums()].add(slice, facts, arena: arena)
        }
        // No home day in a zone (no timestamps at all): the job is on that zone's undated row.
        if zonesWithHome < zones.count {
            for zone in zones.indices where !facts.slices.contains(where: { Int($0.zone) == zone && $0.isHome }) {
                key.zone = zone
                key.day = nil
                try sums[key, default: Sums()].addJob(facts)
            }
        }
    }

    /// Marks the days a stored job is on (before its copy is replaced) and the days its new copy is on.
    func replace(jobId: PreparedJob.Value, _ p: PreparedJob, arena: UnsafeBufferPointer<UInt8>) throws {
        oldDays.bind(1, jobId, arena: arena)
        let stored = try oldDays.allTextPairs()
        for zone in zones {
            let days = stored.filter { $0.0 == zone }
            if days.isEmpty { dirty.insert(DirtyDay(zone: zone, day: nil)) }
            for day in days { dirty.insert(DirtyDay(zone: zone, day: day.1)) }
        }
        let facts = p.rollupFacts
        for (index, zone) in zones.enumerated() {
            let slices = facts.slices.filter { Int($0.zone) == index }
            if slices.isEmpty { dirty.insert(DirtyDay(zone: zone, day: nil)) }
            for slice in slices { dirty.insert(DirtyDay(zone: zone, day: RFC3339Day.text(slice.day))) }
        }
    }

    /// Writes what this transaction changed: the sums of new jobs added to their rows, dirty days
    /// summed again. Call once, after the last job and before the commit. Throws `SumOverflow`
    /// when a row's sum would pass 64 bits (the caller's transaction must then be rolled back).
    func flush(_ db: Database) throws {
        try UsageRollup.refusingOverflow { try write(db) }
    }

    private func write(_ db: Database) throws {
        if !sums.isEmpty {
            let update = try RawStatement(db, UsageRollup.addSQL)
            let insert = try RawStatement(db, UsageRollup.insertSQL)
            for (key, s) in sums {
                let day = key.day.map(RFC3339Day.text)
                if dirty.contains(DirtyDay(zone: zones[key.zone], day: day)) { continue }
                for statement in [update, insert] {
                    statement.bind(1, zones[key.zone])
                    statement.bind(2, day.map { String($0.prefix(7)) })
                    statement.bind(3, day)
                    statement.bind(4, key.group.projectId)
                    statement.bind(5, key.group.region)
                    statement.bind(6, key.group.roomId)
                    statement.bind(7, key.group.roomName)
                    statement.bind(8, key.group.state)
                    statement.bind(9, key.group.usedResourceType)
                    statement.bind(10, key.group.errorCode)
                    statement.bind(11, key.group.errorMsg)
                    s.bind(to: statement, from: 12)
                }
                if try update.runCountingChanges() == 0 { try insert.run() }
            }
            sums.removeAll()
        }
        for day in dirty {
            try UsageRollup.rebuild(db, tz: day.zone, day: .some(day.day))
        }
        dirty.removeAll()
    }

    /// Sums the rollup rows of `tz` again from `job_day_facts`: every day (`day` nil, after the
    /// zone's rows were made or on upgrade) or one day (`.some(nil)`: the undated row). Throws
    /// `SumOverflow` when a sum passes 64 bits (SQLite's SUM stops with "integer overflow").
    static func rebuild(_ db: Database, tz: String, day: String?? = nil) throws {
        try refusingOverflow { try sum(db, tz: tz, day: day) }
    }

    /// SQLite's two ways of saying that an INTEGER sum went past 64 bits, as `SumOverflow`: SUM()
    /// fails with "integer overflow", and `live_us + ?` turns into a REAL that the table's CHECK
    /// `usage_rollup_exact_sums` refuses.
    static func refusingOverflow<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where DatabaseProblem.isSumOverflow(error) {
            throw SumOverflow()
        }
    }

    private static func sum(_ db: Database, tz: String, day: String??) throws {
        if let day {
            try db.execute(sql: "DELETE FROM usage_rollup WHERE tz = ? AND day IS ?", arguments: [tz, day])
            try db.execute(sql: rebuildSQL + " AND day IS ? GROUP BY \(groupColumns)",
                           arguments: [tz, day])
        } else {
            try db.execute(sql: "DELETE FROM usage_rollup WHERE tz = ?", arguments: [tz])
            try db.execute(sql: rebuildSQL + " GROUP BY \(groupColumns)",
                           arguments: [tz])
        }
    }

    /// What a rollup row is grouped by within a zone (with `tz`, its key).
    static let groupColumns = "month, day, project_id, region, room_id, room_name, state, used_resource_type, error_code, error_msg"

    static let columns = """
        tz, \(groupColumns),
        jobs, rated_jobs, failed_jobs, blocked_jobs, ongoing_jobs, jobs_without_duration, jobs_without_stream, flagged_jobs,
        live_us, streamed_us, paired_live_us, paired_streamed_us, job_live_us,
        first_start, last_start, first_create, last_create
        """

    /// The one statement that sums `job_day_facts` into rollup rows (all of a zone, or one day of it).
    static let rebuildSQL = """
        INSERT INTO usage_rollup (\(columns))
        SELECT tz, \(groupColumns),
               SUM(jobs), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
               SUM(jobs_without_duration), SUM(jobs_without_stream), SUM(flagged_jobs),
               SUM(live_us), SUM(streamed_us), SUM(paired_live_us), SUM(paired_streamed_us),
               SUM(job_live_us), MIN(start_time), MAX(start_time), MIN(create_time), MAX(create_time)
        FROM job_day_facts
        WHERE tz = ?
        """

    private static let insertSQL = """
        INSERT INTO usage_rollup (\(columns))
        VALUES (\((1 ... 28).map { "?\($0)" }.joined(separator: ", ")))
        """

    /// Adds sums to an existing row: NULL stays NULL until a value comes (SQL's SUM), MIN and MAX
    /// compare text as SQLite does (bytes). An INTEGER addition that overflows gives a REAL, which
    /// the CHECK `usage_rollup_exact_sums` refuses.
    private static let addSQL = """
        UPDATE usage_rollup SET
            jobs = jobs + ?12, rated_jobs = rated_jobs + ?13, failed_jobs = failed_jobs + ?14,
            blocked_jobs = blocked_jobs + ?15, ongoing_jobs = ongoing_jobs + ?16,
            jobs_without_duration = jobs_without_duration + ?17, jobs_without_stream = jobs_without_stream + ?18,
            flagged_jobs = flagged_jobs + ?19,
            live_us = CASE WHEN ?20 IS NULL THEN live_us ELSE COALESCE(live_us, 0) + ?20 END,
            streamed_us = CASE WHEN ?21 IS NULL THEN streamed_us ELSE COALESCE(streamed_us, 0) + ?21 END,
            paired_live_us = CASE WHEN ?22 IS NULL THEN paired_live_us ELSE COALESCE(paired_live_us, 0) + ?22 END,
            paired_streamed_us = CASE WHEN ?23 IS NULL THEN paired_streamed_us ELSE COALESCE(paired_streamed_us, 0) + ?23 END,
            job_live_us = CASE WHEN ?24 IS NULL THEN job_live_us ELSE COALESCE(job_live_us, 0) + ?24 END,
            first_start = CASE WHEN ?25 IS NOT NULL AND (first_start IS NULL OR ?25 < first_start) THEN ?25 ELSE first_start END,
            last_start = CASE WHEN ?26 IS NOT NULL AND (last_start IS NULL OR ?26 > last_start) THEN ?26 ELSE last_start END,
            first_create = CASE WHEN ?27 IS NOT NULL AND (first_create IS NULL OR ?27 < first_create) THEN ?27 ELSE first_create END,
            last_create = CASE WHEN ?28 IS NOT NULL AND (last_create IS NULL OR ?28 > last_create) THEN ?28 ELSE last_create END
        WHERE tz = ?1 AND month IS ?2 AND day IS ?3 AND project_id IS ?4 AND region IS ?5 AND room_id IS ?6
          AND room_name IS ?7 AND state IS ?8 AND used_resource_type IS ?9 AND error_code IS ?10 AND error_msg IS ?11
        """
}

/// What of a job, besides its zone and day, decides its rollup row (as stored in `jobs`).
struct RollupGroup: Hashable, Sendable {
    /// The project and region the job is stored with: set by the writer (`UsageRollup.add`).
    var projectId: String?
    var region: String?
    var roomId: String?
    var roomName: String?
    var state: String?
    var errorCode: String?
    var errorMsg: String?
    var usedResourceType: String?
}

/// What the rollup needs of a job, taken while it is prepared (off the writing thread).
struct RollupFacts: Sendable {
    /// One job-day: its share of the job's live and streamed time, in microseconds.
    struct Slice: Sendable {
        var zone: Int32
        var day: Int32
        var isHome: Bool
        var live: Int64?
        var streamed: Int64?
    }
    var group = RollupGroup()
    var countsInRates = false, isError = false, isBlocked = false, isOngoing = false, isFlagged = false
    /// The job has a stream time (`jobs.streamed_seconds` is not NULL).
    var hasStream = false
    /// The job's own live time (`jobs.live_seconds`) in microseconds, as `Microseconds.of` and
    /// `job_day_facts.job_live_us` turn it.
    var liveUs: Int64?
    /// Where the canonical `start_time` and `create_time` texts are in the job's arena.
    var startTime: PreparedJob.Value = .null
    var createTime: PreparedJob.Value = .null
    var slices: [Slice] = []

    init() {}

    /// The facts of one job, whether just normalized (`PreparedJob`) or read back from its stored
    /// row (a zone's first build): the one place that says which of a job's values the rollup keeps.
    init(group: RollupGroup, countsInRates: Bool, isError: Bool, isBlocked: Bool, isOngoing: Bool,
         isFlagged: Bool, liveSeconds: Double?, streamedSeconds: Double?) {
        self.group = group
        self.countsInRates = countsInRates
        self.isError = isError
        self.isBlocked = isBlocked
        self.isOngoing = isOngoing
        self.isFlagged = isFlagged
        self.liveUs = Microseconds.of(liveSeconds)
        self.hasStream = streamedSeconds != nil
    }
}

extension UsageRollup.Sums {
    /// The measures of one job-day, as `job_day_facts` defines them.
    mutating func add(_ slice: RollupFacts.Slice, _ f: RollupFacts, arena: UnsafeBufferPointer<UInt8>) throws {
        if slice.isHome {
            try addJob(f)
            Self.keep(&firstStart, f.startTime, arena, smaller: true)
            Self.keep(&lastStart, f.startTime, arena, smaller: false)
            Self.keep(&firstCreate, f.createTime, arena, smaller: true)
            Self.keep(&lastCreate, f.createTime, arena, smaller: false)
        }
        try Microseconds.add(&live, slice.live)
        try Microseconds.add(&streamed, slice.streamed)
        if let l = slice.live, let s = slice.streamed {
            try Microseconds.add(&pairedLive, l)
            try Microseconds.add(&pairedStreamed, s)
        }
    }

    /// The job's own measures, counted once: on its home day, or on the undated row (no hours) when
    /// it has none.
    mutating func addJob(_ f: RollupFacts) throws {
        jobs += 1
        if f.countsInRates { rated += 1 }
        if f.isError { failed += 1 }
        if f.isBlocked { blocked += 1 }
        if f.isOngoing { ongoing += 1 }
        if f.liveUs == nil { withoutDuration += 1 }
        if !f.hasStream { withoutStream += 1 }
        if f.isFlagged { flagged += 1 }
        try Microseconds.add(&jobLive, f.liveUs)
    }

    /// Keeps the smaller (or larger) text, compared as bytes like SQLite's BINARY collation.
    private static func keep(_ kept: inout [UInt8]?, _ value: PreparedJob.Value, _ arena: UnsafeBufferPointer<UInt8>, smaller: Bool) {
        guard case .text(let start, let count) = value else { return }
        let bytes = UnsafeBufferPointer(rebasing: arena[Int(start) ..< Int(start) + Int(count)])
        if let current = kept {
            let less = bytes.lexicographicallyPrecedes(current)
            let greater = current.lexicographicallyPrecedes(bytes)
            guard smaller ? less : greater else { return }
        }
        kept = Array(bytes)
    }

    func bind(to statement: RawStatement, from first: Int32) {
        let integers = [jobs, rated, failed, blocked, ongoing, withoutDuration, withoutStream, flagged]
        for (i, value) in integers.enumerated() { statement.bind(first + Int32(i), value) }
        let micros = [live, streamed, pairedLive, pairedStreamed, jobLive]
        for (i, value) in micros.enumerated() { statement.bind(first + 8 + Int32(i), value) }
        let texts = [firstStart, lastStart, firstCreate, lastCreate]
        for (i, value) in texts.enumerated() { statement.bind(first + 13 + Int32(i), value.map { String(decoding: $0, as: UTF8.self) }) }
    }
}

/// Day numbers as the `YYYY-MM-DD` text `job_day_usage` stores.
enum RFC3339Day {
    static func text(_ day: Int32) -> String { text(Int(day)) }

    static func text(_ day: Int) -> String {
        var bytes: [UInt8] = []
        RFC3339.appendDay(day, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
