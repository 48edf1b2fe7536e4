import GRDB
import MetaStudio

/// Writes normalized jobs into one open transaction: the job row, its child rows and its per-day
/// usage for every materialized time zone. Replaces a stored job only when the new copy is newer.
final class JobWriter {
    enum Outcome { case inserted, updated, unchanged }

    private let findLastUpdate: RawStatement
    private let upsertJob: RawStatement
    private let deleteUsers: RawStatement
    private let deleteEventTypes: RawStatement
    private let deleteUsage: RawStatement
    private let insertUser: RawStatement
    private let insertEventType: RawStatement
    private let insertUsage: RawStatement
    private let source: String?
    private let storedAt: String
    private let projectId: String?
    private let region: String?

    static let jobColumns = [
        "job_id", "project_id", "region", "room_id", "room_name", "state", "duration", "stream_duration",
        "start_time", "end_time", "create_time", "lastupdate_time", "error_code", "error_msg", "block_reason",
        "used_resource_type", "live_seconds", "live_source", "is_ongoing", "streamed_seconds", "stream_ratio",
        "counts_in_rates", "is_error", "is_blocked", "raw_json", "source", "stored_at",
    ]

    init(_ db: Database, source: String?, storedAt: String, projectId: String?, region: String?) throws {
        let columns = JobWriter.jobColumns
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let updates = columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        findLastUpdate = try RawStatement(db, "SELECT lastupdate_time FROM jobs WHERE job_id = ?")
        upsertJob = try RawStatement(db, """
            INSERT INTO jobs (\(columns.joined(separator: ", "))) VALUES (\(placeholders))
            ON CONFLICT(job_id) DO UPDATE SET \(updates)
            """)
        deleteUsers = try RawStatement(db, "DELETE FROM job_rtc_users WHERE job_id = ?")
        deleteEventTypes = try RawStatement(db, "DELETE FROM job_callback_event_types WHERE job_id = ?")
        deleteUsage = try RawStatement(db, "DELETE FROM job_day_usage WHERE job_id = ?")
        insertUser = try RawStatement(db, "INSERT INTO job_rtc_users (job_id, position, user_type, user_id, ctime) VALUES (?, ?, ?, ?, ?)")
        insertEventType = try RawStatement(db, "INSERT OR IGNORE INTO job_callback_event_types (job_id, source, event_type) VALUES (?, ?, ?)")
        insertUsage = try RawStatement(db, "INSERT INTO job_day_usage (tz, day, job_id, live_seconds, streamed_seconds, is_home) VALUES (?, ?, ?, ?, ?, ?)")
        self.source = source
        self.storedAt = storedAt
        self.projectId = projectId
        self.region = region
    }

    /// Stores `p` unless the database already holds the same or a newer copy of the job.
    func write(_ p: PreparedJob) throws -> Outcome {
        let job = p.job
        findLastUpdate.bind(1, job.jobId)
        let existing = try findLastUpdate.firstText()
        let outcome: Outcome
        switch existing {
        case .none:
            outcome = .inserted
        case .some(let storedText):
            let stored = storedText.flatMap(RFC3339.parse)
            guard let incoming = job.lastupdateTime, stored == nil || incoming > stored! else { return .unchanged }
            outcome = .updated
            for statement in [deleteUsers, deleteEventTypes, deleteUsage] {
                statement.bind(1, job.jobId)
                try statement.run()
            }
        }
        try writeJobRow(p)
        for (position, user) in job.rtcUsers.enumerated() {
            insertUser.bind(1, job.jobId)
            insertUser.bind(2, Int64(position))
            insertUser.bind(3, user.userType)
            insertUser.bind(4, user.userId)
            insertUser.bind(5, user.ctime)
            try insertUser.run()
        }
        for type in job.callbackEventTypes {
            insertEventType.bind(1, job.jobId)
            insertEventType.bind(2, type.source)
            insertEventType.bind(3, type.eventType)
            try insertEventType.run()
        }
        try JobWriter.insert(p.usage, of: job.jobId, with: insertUsage)
        return outcome
    }

    /// Inserts the per-day rows of one job; shared with zone materialization.
    static func insert(_ usage: [PreparedJob.Usage], of jobId: String, with statement: RawStatement) throws {
        for u in usage {
            statement.bind(1, u.zone)
            statement.bind(2, u.day)
            statement.bind(3, jobId)
            statement.bind(4, u.liveSeconds)
            statement.bind(5, u.streamedSeconds)
            statement.bind(6, u.isHome)
            try statement.run()
        }
    }

    private func writeJobRow(_ p: PreparedJob) throws {
        let n = p.normalized
        let job = n.job
        let s = upsertJob
        s.bind(1, job.jobId)
        s.bind(2, projectId)
        s.bind(3, region)
        s.bind(4, job.roomId)
        s.bind(5, job.roomName)
        s.bind(6, job.state)
        s.bind(7, job.duration)
        s.bind(8, job.streamDuration)
        s.bind(9, p.startTime)
        s.bind(10, p.endTime)
        s.bind(11, p.createTime)
        s.bind(12, p.lastupdateTime)
        s.bind(13, job.errorCode)
        s.bind(14, job.errorMsg)
        s.bind(15, job.blockReason)
        s.bind(16, job.usedResourceType)
        s.bind(17, n.liveSeconds)
        s.bind(18, n.liveSource?.rawValue)
        s.bind(19, n.isOngoing)
        s.bind(20, n.streamedSeconds)
        s.bind(21, n.streamRatio)
        s.bind(22, n.countsInRates)
        s.bind(23, n.isError)
        s.bind(24, n.isBlocked)
        s.bind(25, p.rawJSON)
        s.bind(26, source)
        s.bind(27, storedAt)
        try s.run()
    }
}
