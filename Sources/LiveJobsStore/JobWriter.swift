import GRDB
import MetaStudio

/// Writes prepared jobs into one open transaction: the job row, its child rows and its per-day
/// usage for every materialized time zone. Replaces a stored job only when the new copy is newer.
/// A job not stored yet costs one insert (no lookup first); only an existing job is read back.
final class JobWriter {
    enum Outcome { case inserted, updated, unchanged }

    private let insertJob: RawStatement
    private let replaceJob: RawStatement
    private let findLastUpdate: RawStatement
    private let findRawJSON: RawStatement
    private let deleteUsers: RawStatement
    private let deleteEventTypes: RawStatement
    private let deleteUsage: RawStatement
    private let deleteFlags: RawStatement
    private let findStaleFlag: RawStatement
    private let insertUser: RawStatement
    private let insertEventType: RawStatement
    private let insertFlag: RawStatement
    private let insertUsage: RawStatement
    private let source: String?
    private let storedAt: String
    private let projectId: String?
    private let region: String?
    private let rollup: UsageRollup

    /// `zones`: the zones the jobs were prepared with (`PreparedJob`), in the same order.
    init(_ db: Database, source: String?, storedAt: String, projectId: String?, region: String?, zones: [ZoneOffsets]) throws {
        let columns = JobColumn.allCases.map(\.name)
        let insert = "INSERT INTO jobs (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
        let updates = columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        insertJob = try RawStatement(db, insert + " ON CONFLICT(job_id) DO NOTHING")
        replaceJob = try RawStatement(db, insert + " ON CONFLICT(job_id) DO UPDATE SET \(updates)")
        findLastUpdate = try RawStatement(db, "SELECT lastupdate_time FROM jobs WHERE job_id = ?")
        findRawJSON = try RawStatement(db, "SELECT raw_json FROM jobs WHERE job_id = ?")
        deleteUsers = try RawStatement(db, "DELETE FROM job_rtc_users WHERE job_id = ?")
        deleteEventTypes = try RawStatement(db, "DELETE FROM job_callback_event_types WHERE job_id = ?")
        deleteUsage = try RawStatement(db, "DELETE FROM job_day_usage WHERE job_id = ?")
        deleteFlags = try RawStatement(db, "DELETE FROM job_flags WHERE job_id = ?")
        findStaleFlag = try RawStatement(db, "SELECT count(*) FROM job_flags WHERE job_id = ? AND reason = 'stale_unfinished'")
        insertFlag = try RawStatement(db, "INSERT OR IGNORE INTO job_flags (job_id, field, reason, detail, excluded) VALUES (?, ?, ?, ?, ?)")
        insertUser = try RawStatement(db, "INSERT INTO job_rtc_users (job_id, position, user_type, user_id, ctime) VALUES (?, ?, ?, ?, ?)")
        insertEventType = try RawStatement(db, "INSERT OR IGNORE INTO job_callback_event_types (job_id, source, event_type) VALUES (?, ?, ?)")
        insertUsage = try JobWriter.usageStatement(db)
        self.source = source
        self.storedAt = storedAt
        self.projectId = projectId
        self.region = region
        rollup = try UsageRollup(db, zones: zones.map(\.identifier))
        // The run's own values never change: bound once, kept across executions.
        for statement in [insertJob, replaceJob] {
            for column in JobColumn.run {
                let value: String? = switch column {
                case .projectId: projectId
                case .region: region
                case .source: source
                case .storedAt: storedAt
                default: preconditionFailure("\(column.name) is prepared per job")
                }
                statement.bind(Int32(column.position + 1), value)
            }
        }
    }

    static func usageStatement(_ db: Database) throws -> RawStatement {
        try RawStatement(db, "INSERT INTO job_day_usage (job_id, tz, day, live_us, streamed_us, is_home) VALUES (?, ?, ?, ?, ?, ?)")
    }

    /// Stores `p` unless the database already holds the same or a newer copy of the job.
    func write(_ p: PreparedJob) throws -> Outcome {
        try p.arena.withUnsafeBufferPointer { arena in
            insertJob.bind(p.jobRow[...], from: 1, arena: arena)
            let outcome: Outcome
            if try insertJob.runCountingChanges() == 1 {
                outcome = .inserted
                try rollup.add(p, arena: arena, projectId: projectId, region: region)
            } else {
                findLastUpdate.bind(1, p.jobId)
                let stored = try findLastUpdate.firstText().flatMap { $0 }.flatMap(RFC3339.parse)
                if let incoming = p.lastupdateTime, let stored {
                    if incoming < stored { return .unchanged }
                    // The same copy again changes nothing, unless time alone has made an unfinished
                    // job stale since it was stored: then its flag and figures change.
                    if incoming == stored, !(try becameStale(p)) { return .unchanged }
                } else if p.lastupdateTime == nil {
                    // Without the incoming copy's lastupdate_time, which copy is newer cannot be told:
                    // the copy read last wins, unless it says the same as the stored one.
                    findRawJSON.bind(1, p.jobId)
                    if try findRawJSON.firstTextEquals(p.rawJSON(in: arena)), !(try becameStale(p)) { return .unchanged }
                }
                outcome = .updated
                try rollup.replace(jobId: p.jobIdValue, p, arena: arena)
                replaceJob.bind(p.jobRow[...], from: 1, arena: arena)
                try replaceJob.run()
                for statement in [deleteUsers, deleteEventTypes, deleteFlags, deleteUsage] {
                    statement.bind(1, p.jobId)
                    try statement.run()
                }
            }
            try JobWriter.insertRows(p.users, width: PreparedJob.userWidth, of: p, arena: arena, with: insertUser)
            try JobWriter.insertRows(p.eventTypes, width: PreparedJob.eventTypeWidth, of: p, arena: arena, with: insertEventType)
            try JobWriter.insertRows(p.flagRows, width: PreparedJob.flagWidth, of: p, arena: arena, with: insertFlag)
            try JobWriter.insertRows(p.usageRows, width: PreparedJob.usageWidth, of: p, arena: arena, with: insertUsage)
            return outcome
        }
    }

    /// Brings `usage_rollup` up to date with everything written; `JobStore.writeJobs` calls it
    /// before the transaction commits. Throws `SumOverflow` when a sum would pass 64 bits.
    func finish(_ db: Database) throws {
        try rollup.flush(db)
    }

    /// True when `p` is stale and the stored copy of the same job is not flagged so.
    private func becameStale(_ p: PreparedJob) throws -> Bool {
        guard p.isStale else { return false }
        findStaleFlag.bind(1, p.jobId)
        return try findStaleFlag.firstInt() == 0
    }

    /// Inserts the per-day rows of one job; shared with zone materialization.
    static func insertUsage(of p: PreparedJob, with statement: RawStatement) throws {
        try p.arena.withUnsafeBufferPointer { arena in
            try insertRows(p.usageRows, width: PreparedJob.usageWidth, of: p, arena: arena, with: statement)
        }
    }

    /// Child rows: the job_id, then `width` prepared values per row.
    private static func insertRows(_ values: ArraySlice<PreparedJob.Value>, width: Int, of p: PreparedJob,
                                   arena: UnsafeBufferPointer<UInt8>, with statement: RawStatement) throws {
        var start = values.startIndex
        while start < values.endIndex {
            statement.bind(1, p.jobIdValue, arena: arena)
            statement.bind(values[start ..< start + width], from: 2, arena: arena)
            try statement.run()
            start += width
        }
    }
}
