import Foundation
import GRDB
import Logging
import MetaStudio

/// One `livejobs fetch` as recorded in `sync_runs`.
public struct SyncRunRecord: Sendable {
    public var projectId: String
    public var region: String?
    public var endpoint: String
    /// The filters (`ListJobsQuery.summary` before an incremental start is applied).
    public var query: String
    /// Stored as its raw value in `sync_runs.mode`.
    public var mode: FetchMode
    public var createSince: String?

    /// A run of `mode` for `projectId` in `region` (nil for an endpoint given by URL) at `endpoint`,
    /// with the filters `query` and the `create_since` (RFC 3339) it asks for.
    public init(projectId: String, region: String?, endpoint: String, query: String, mode: FetchMode, createSince: String?) {
        self.projectId = projectId
        self.region = region
        self.endpoint = endpoint
        self.query = query
        self.mode = mode
        self.createSince = createSince
    }
}

/// How a fetch ended, written when it ends. A process killed before it could write this leaves
/// 'running' with the counts of its last commit; the next fetch marks it 'interrupted'
/// (`closeAbandonedSyncRuns`).
public struct SyncRunOutcome: Sendable {
    /// Stored as its raw value in `sync_runs.outcome`.
    public var outcome: FetchOutcome
    public var pages: Int
    public var requests: Int
    public var retries: Int
    public var throttled: Int
    public var jobs: Int
    public var expectedCount: Int?
    public var newestCreateTime: String?
    public var failedRequestIds: [String]
    /// Failed requests that carried an X-Request-Id, those `failedRequestIds` could not keep included.
    public var failedRequests = 0
    public var message: String?
    /// Jobs stored with a flagged value.
    public var flagged: Int
    /// The oldest create_time an incomplete run left unverified (RFC 3339): the next fetch of the
    /// same project, region and filters starts no later than this.
    public var unresolvedSince: String?

    /// The end of a run: its outcome, its counts (pages and jobs stored, requests sent) and, for
    /// a failed or incomplete one, `message`, the one line it printed.
    public init(outcome: FetchOutcome, pages: Int, requests: Int, retries: Int, throttled: Int, jobs: Int,
                expectedCount: Int?, newestCreateTime: String?, failedRequestIds: [String], message: String?,
                flagged: Int = 0) {
        self.outcome = outcome
        self.pages = pages
        self.requests = requests
        self.retries = retries
        self.throttled = throttled
        self.jobs = jobs
        self.expectedCount = expectedCount
        self.newestCreateTime = newestCreateTime
        self.failedRequestIds = failedRequestIds
        self.message = message
        self.flagged = flagged
    }
}

/// Keeps a fetch's `sync_runs` row true while it runs: called inside each group commit's
/// transaction, so the row's pages and jobs are always those committed, and its requests those made.
public struct SyncRunProgressRecorder: Sendable {
    /// The run's row.
    public let runId: Int64
    /// The scan's request counts so far (requests, retries, 429s), read at each commit.
    public let requestCounts: @Sendable () -> (requests: Int, retries: Int, throttled: Int)

    public init(runId: Int64, requestCounts: @escaping @Sendable () -> (requests: Int, retries: Int, throttled: Int)) {
        self.runId = runId
        self.requestCounts = requestCounts
    }

    func record(_ db: Database, pages: Int, jobs: Int, flagged: Int) throws {
        let counts = requestCounts()
        try db.execute(sql: """
            UPDATE sync_runs SET pages = ?, jobs = ?, flagged = ?, requests = ?, retries = ?, throttled = ?
            WHERE id = ? AND outcome = 'running'
            """, arguments: [pages, jobs, flagged, counts.requests, counts.retries, counts.throttled, runId])
    }
}

extension JobStore {
    /// Records the start of a fetch and returns its id, with this process's id and identity
    /// (`ProcessIdentity`), so a later fetch can tell whether it still runs.
    public func beginSyncRun(_ run: SyncRunRecord) throws -> Int64 {
        try writing { db in
            try db.execute(sql: """
                INSERT INTO sync_runs (project_id, region, endpoint, query, mode, create_since, started_at, pid, process)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.projectId, run.region, run.endpoint, run.query, run.mode.rawValue, run.createSince,
                                 RFC3339.format(Date().timeIntervalSince1970.rounded(.down)),
                                 Int64(getpid()), ProcessIdentity.current(pid: getpid())])
            return db.lastInsertedRowID
        }
    }

    /// Marks `interrupted` every `running` row whose process is known to be gone (killed, or the
    /// machine restarted): the counts stay those of its last commit, `message` says what happened.
    /// A row whose process still runs, or one recorded on another machine or by a livejobs that did
    /// not record its process, is left alone. Returns how many rows were closed.
    @discardableResult
    public func closeAbandonedSyncRuns() throws -> Int {
        let now = RFC3339.format(Date().timeIntervalSince1970.rounded(.down))
        return try writing { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, pid, process FROM sync_runs WHERE outcome = 'running' AND pid IS NOT NULL")
            var closed = 0
            for row in rows {
                guard let pid: Int64 = row["pid"], let process: String = row["process"],
                      ProcessIdentity.isGone(pid: Int32(truncatingIfNeeded: pid), recorded: process) else { continue }
                try db.execute(sql: """
                    UPDATE sync_runs SET outcome = ?, message = ? WHERE id = ? AND outcome = 'running'
                    """, arguments: [FetchOutcome.interrupted.rawValue,
                                     "the fetch (process \(pid)) ended without recording its end (killed, or its machine "
                                     + "stopped); pages, jobs and requests are those of its last commit; found by the fetch "
                                     + "started \(now)", row["id"] as Int64])
                logger.info("a fetch killed before it recorded its end is marked interrupted", metadata: [
                    "sync_run.id": "\(row["id"] as Int64)", "process.id": "\(pid)",
                ])
                closed += 1
            }
            return closed
        }
    }

    public func finishSyncRun(_ id: Int64, _ o: SyncRunOutcome) throws {
        let ids = o.failedRequestIds.isEmpty ? nil : JSONValue.array(o.failedRequestIds.map { .string($0) }).serialized()
        try writing { db in
            try db.execute(sql: """
                UPDATE sync_runs SET finished_at = ?, outcome = ?, pages = ?, requests = ?, retries = ?, throttled = ?,
                    jobs = ?, expected_count = ?, newest_create_time = ?, failed_request_ids = ?, message = ?, flagged = ?,
                    unresolved_since = ?, failed_requests = ?
                WHERE id = ?
                """, arguments: [RFC3339.format(Date().timeIntervalSince1970.rounded(.down)), o.outcome.rawValue, o.pages, o.requests,
                                 o.retries, o.throttled, o.jobs, o.expectedCount, o.newestCreateTime, ids,
                                 o.message.map { SafeText.escaped($0, limit: SafeText.lineLimit) }, o.flagged,
                                 o.unresolvedSince, max(o.failedRequests, o.failedRequestIds.count), id])
        }
    }

    /// How many jobs the API counted in the last finished run with the same project, region,
    /// filters and mode; nil when there is none. A guide to how many pages the next one reads.
    public func lastExpectedCount(projectId: String, region: String?, query: String, mode: FetchMode) throws -> Int? {
        try reading { db in
            try Int.fetchOne(db, sql: """
                SELECT expected_count FROM sync_runs
                WHERE project_id = ? AND region IS ? AND query = ? AND mode = ? AND expected_count IS NOT NULL
                ORDER BY id DESC LIMIT 1
                """, arguments: [projectId, region, query, mode.rawValue])
        }
    }

    /// How long after its creation a job may still end, seconds: waiting or live without a sign of
    /// life for up to `NormalizedJob.maximumUnfinishedAge` (after that it is flagged stale), then
    /// live for up to `NormalizedJob.maxLiveDuration`. Fourteen days.
    public static let longestUnfinished: Double = NormalizedJob.maximumUnfinishedAge + NormalizedJob.maxLiveDuration

    /// Whether a listing filtered to `states` can gain a job long after its create_time: a job
    /// enters `SUCCEED`, `FAILED`, `BLOCKED` (or `PROCESSING`) when it ends (or starts), keeping its
    /// create_time. A filter holding both WAITING and PROCESSING cannot: every unfinished job is then
    /// listed, stored, and read again until it ends (see `incrementalStart`). No filter cannot either.
    public static func filterGainsOldJobs(_ states: [String]) -> Bool {
        let wanted = Set(states.map { $0.uppercased() })
        return !wanted.isEmpty && !(wanted.contains("WAITING") && wanted.contains("PROCESSING"))
    }

    /// Where an incremental fetch starts: the newest create_time of the last successful run of the
    /// same project, region and filters (no later than when that run started: a job dated in the
    /// future must not move the start past jobs not yet created), less `overlap`; no later than
    /// the oldest job still held as WAITING or PROCESSING (so its end state is read), nor than the
    /// oldest create_time an incomplete run since then left unverified (so the next fetch repairs
    /// it without `--full`). With a state filter that can gain old jobs (`filterGainsOldJobs`:
    /// `--state FAILED,SUCCEED`), a job unfinished at the last run is not listed, so not stored: the
    /// start is then also `longestUnfinished` earlier, so that a job that has ended since is read.
    /// Nil means a full scan.
    public func incrementalStart(projectId: String, region: String?, query: String, overlap: Double,
                                 states: [String] = []) throws -> String? {
        try reading { db in
            let last = try Row.fetchOne(db, sql: """
                SELECT id, newest_create_time, started_at FROM sync_runs
                WHERE project_id = ? AND region IS ? AND query = ? AND outcome = ? AND newest_create_time IS NOT NULL
                ORDER BY id DESC LIMIT 1
                """, arguments: [projectId, region, query, FetchOutcome.succeeded.rawValue])
            guard let last, let newest: String = last["newest_create_time"], var newestEpoch = RFC3339.parse(newest) else { return nil }
            // A run recorded before future create_times were left out may name one.
            if let started: String = last["started_at"], let startedEpoch = RFC3339.parse(started) {
                newestEpoch = min(newestEpoch, startedEpoch)
            }
            if JobStore.filterGainsOldJobs(states) { newestEpoch -= JobStore.longestUnfinished }
            var start = newestEpoch - overlap
            let unresolved = try String.fetchAll(db, sql: """
                SELECT unresolved_since FROM sync_runs
                WHERE project_id = ? AND region IS ? AND query = ? AND id > ? AND unresolved_since IS NOT NULL
                """, arguments: [projectId, region, query, last["id"] as Int64])
            for since in unresolved {
                if let epoch = RFC3339.parse(since) { start = min(start, epoch) }
            }
            // A job stale in its WAITING or PROCESSING state no longer holds the start back: otherwise
            // one job stuck for months would make every fetch rescan those months.
            let pending = try String.fetchOne(db, sql: """
                SELECT MIN(create_time) FROM jobs
                WHERE project_id = ? AND region IS ? AND state IN ('WAITING', 'PROCESSING')
                  AND NOT EXISTS (SELECT 1 FROM job_flags f WHERE f.job_id = jobs.job_id AND f.reason = 'stale_unfinished')
                """, arguments: [projectId, region])
            if let pending, let pendingEpoch = RFC3339.parse(pending) { start = min(start, pendingEpoch) }
            return RFC3339.format(start.rounded(.down))
        }
    }
}
