import Foundation
import Logging
import MetaStudio

/// What one fetch asks the API for, decided from its flags and the `sync_runs` rows of earlier
/// fetches of the same project, region and filters (`JobStore.planFetch`).
public struct FetchPlan: Sendable, Equatable {
    /// The query as sent: the flags' filters, with `createSince` moved to the incremental start.
    public var query: ListJobsQuery
    public var mode: FetchMode
    /// The filters as `sync_runs.query` records them: the flags' own, before an incremental start.
    public var filters: String
    /// Pages asked for before the first `count` arrives (`PagerOptions.firstRound`).
    public var firstRound: Int
    /// The latest create_time (epoch seconds) taken as a job's real creation
    /// (`PagerOptions.newestAllowed`): `JobStore.clockSkew` past the moment the plan was made.
    public var newestAllowed: Double
}

extension JobStore {
    /// How far an incremental fetch reaches back before the newest create_time of the last
    /// successful one, seconds: jobs created at nearly the same instant may be listed in either.
    public static let incrementalOverlap: Double = 3600

    /// How far ahead of this machine's clock a create_time may lie and still be taken as the
    /// newest (what the next incremental fetch starts from), seconds: a day, for clocks set wrong.
    public static let clockSkew: Double = 86_400

    /// Plans a fetch of `query` (the flags' filters; `createSince` set by `--since`) for
    /// `projectId` in `region`: a `window` when `query.createSince` is set; else `full` with `full`
    /// or when no earlier successful fetch of the same filters is recorded; else `incremental`,
    /// from `incrementalStart` with `incrementalOverlap`. The first round follows
    /// `FetchMode.firstRound` with the `count` of the last run of the same kind. `now` is epoch
    /// seconds. Logs the plan at `.debug` (`fetch.mode`, `fetch.query`, `create_since`,
    /// `first_round`, `expected_count.last`, `auth`: `token` or `ak/sk`).
    /// Throws GRDB's `DatabaseError` when `sync_runs` cannot be read.
    public func planFetch(projectId: String, region: String?, query: ListJobsQuery, full: Bool, credentials: Credentials,
                          concurrency: Int, now: Double = Date().timeIntervalSince1970) throws -> FetchPlan {
        let filters = query.summary
        var query = query
        var mode = query.createSince == nil ? FetchMode.full : .window
        if mode == .full && !full, let start = try incrementalStart(projectId: projectId, region: region, query: filters,
                                                                   overlap: JobStore.incrementalOverlap, states: query.states) {
            query.createSince = start
            mode = .incremental
        }
        let lastCount = try lastExpectedCount(projectId: projectId, region: region, query: filters, mode: mode)
        let plan = FetchPlan(query: query, mode: mode, filters: filters,
                             firstRound: mode.firstRound(credentials: credentials, concurrency: concurrency,
                                                         pageSize: query.pageSize, lastCount: lastCount),
                             newestAllowed: now + JobStore.clockSkew)
        logger.debug("fetch planned", metadata: [
            "fetch.mode": "\(mode.rawValue)", "fetch.query": "\(filters)", "create_since": "\(query.createSince ?? "none")",
            "first_round": "\(plan.firstRound)", "expected_count.last": "\(lastCount.map(String.init) ?? "none")",
            "auth": "\(credentials.mode)",
        ])
        return plan
    }
}
