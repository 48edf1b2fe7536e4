import Foundation
import GRDB
import InMemoryLogging
import Logging
import MetaStudio
@testable import LiveJobsStore
import Testing

/// What a fetch asks for, decided from its flags and the `sync_runs` of earlier fetches, on a real
/// database file; and the text its mode and outcome are recorded with.
@Suite(.timeLimit(.minutes(1))) struct FetchPlanTests {
    static let project = "p1"
    static let token = Credentials.token("TOKEN-plan")
    static let keys = Credentials.aksk(AKSKCredentials(accessKey: "AKPLAN", secretKey: "SK-plan"))

    func plan(_ store: JobStore, _ query: ListJobsQuery = ListJobsQuery(), full: Bool = false,
              credentials: Credentials = FetchPlanTests.token) throws -> FetchPlan {
        try store.planFetch(projectId: Self.project, region: "cn-north-4", query: query, full: full, credentials: credentials,
                            concurrency: 4, now: RFC3339.parse("2026-12-01T00:00:00Z")!)
    }

    /// Records a finished run of `mode` whose newest job was created at `newest`.
    func record(_ store: JobStore, _ mode: FetchMode, _ outcome: FetchOutcome, newest: String?, count: Int = 250,
                query: String = "all jobs") throws {
        let id = try store.beginSyncRun(SyncRunRecord(projectId: Self.project, region: "cn-north-4", endpoint: "https://x",
                                                      query: query, mode: mode, createSince: nil))
        try store.finishSyncRun(id, SyncRunOutcome(outcome: outcome, pages: 3, requests: 3, retries: 0, throttled: 0, jobs: count,
                                                   expectedCount: count, newestCreateTime: newest, failedRequestIds: [], message: nil))
    }

    @Test func aFirstFetchIsFullAndAsksForAWholeRoundOnlyWithAToken() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        defer { try? store.close() }
        let withToken = try plan(store)
        #expect(withToken.mode == .full && withToken.query.createSince == nil && withToken.filters == "all jobs")
        #expect(withToken.firstRound == 4)
        #expect(try plan(store, credentials: Self.keys).firstRound == 1, "a wrong AK/SK must fail once, not once per worker")
        #expect(withToken.newestAllowed == RFC3339.parse("2026-12-02T00:00:00Z"), "a day of clock skew")
    }

    @Test func afterASuccessfulFetchTheNextStartsAnHourBeforeItsNewestJob() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        defer { try? store.close() }
        try record(store, .full, .succeeded, newest: "2026-11-30T10:00:00Z")
        let next = try plan(store)
        #expect(next.mode == .incremental)
        #expect(next.query.createSince == "2026-11-30T09:00:00Z")
        #expect(next.filters == "all jobs", "runs are matched by the flags' filters, not by the start")
        #expect(next.firstRound == 1, "no incremental run counted yet: what changed usually fits one page")
        #expect(try plan(store, full: true).mode == .full)
        let since = ListJobsQuery(createSince: "2026-11-01T00:00:00Z")
        let window = try plan(store, since)
        #expect(window.mode == .window && window.query.createSince == "2026-11-01T00:00:00Z")
        #expect(window.filters == since.summary)
        // Another filter is another listing: no run of it yet.
        #expect(try plan(store, ListJobsQuery(states: ["FAILED"])).mode == .full)
    }

    @Test func aRunThatDidNotSucceedMovesNoStartButItsCountGuidesTheFirstRound() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        defer { try? store.close() }
        try record(store, .full, .failed, newest: "2026-11-30T10:00:00Z", count: 150)
        try record(store, .full, .incomplete, newest: "2026-11-30T11:00:00Z", count: 150)
        let next = try plan(store)
        #expect(next.mode == .full && next.query.createSince == nil)
        #expect(next.firstRound == JobPager.pages(forCount: 150, pageSize: 100))
    }

    @Test func modesAndOutcomesAreStoredAsTheTextTheSchemaDocuments() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        for (mode, outcome) in zip(FetchMode.allCases + [.full], FetchOutcome.allCases) {
            // The table's CHECK constraint refuses any outcome text it does not list.
            try record(store, mode, outcome, newest: nil)
        }
        try store.close()
        let rows = try DatabaseQueue(path: dir.dbPath).read { db in
            try Row.fetchAll(db, sql: "SELECT mode, outcome FROM sync_runs ORDER BY id").map { ($0[0] as String, $0[1] as String) }
        }
        #expect(rows.map(\.0) == (FetchMode.allCases + [.full]).map(\.rawValue))
        #expect(rows.map(\.1) == FetchOutcome.allCases.map(\.rawValue))
        #expect(Set(rows.map(\.0)) == ["full", "window", "incremental"], "docs/SCHEMA.md, sync_runs.mode")
    }

    @Test func thePlanIsLoggedAtDebugWithItsModeAndStart() throws {
        let dir = TempDir()
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "livejobs.store") { _ in handler }
        logger.logLevel = .debug
        let store = try JobStore(path: dir.dbPath, logger: logger)
        defer { try? store.close() }
        try record(store, .full, .succeeded, newest: "2026-11-30T10:00:00Z")
        _ = try plan(store)
        let planned = try #require(handler.entries.first { "\($0.message)" == "fetch planned" })
        #expect(planned.level == .debug)
        #expect(planned.metadata["fetch.mode"] == "incremental" && planned.metadata["create_since"] == "2026-11-30T09:00:00Z")
        #expect(handler.entries.allSatisfy { $0.level <= .info }, "the store never logs above info: the CLI decides what a user sees")
    }
}
