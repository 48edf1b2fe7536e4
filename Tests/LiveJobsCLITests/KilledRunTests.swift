import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// A fetch killed with SIGKILL cannot write its end: its `sync_runs` row must still hold what it
/// committed, and the next fetch closes it as `interrupted`, but never the row of a fetch that is
/// still running on the same database.
@Suite(.serialized, .timeLimit(.minutes(4))) struct KilledRunTests {
    static let project = "0123456789abcdef0123456789abcdef"
    let env = ["METASTUDIO_AUTH_TOKEN": "killed-run-token"]

    struct Run {
        var outcome: String
        var pages: Int
        var requests: Int
        var jobs: Int
        var message: String?
    }

    func runs(_ db: String) throws -> [Run] {
        try DatabaseQueue(path: db).read { db in
            try Row.fetchAll(db, sql: "SELECT outcome, pages, requests, jobs, message FROM sync_runs ORDER BY id").map {
                Run(outcome: $0["outcome"], pages: $0["pages"], requests: $0["requests"], jobs: $0["jobs"], message: $0["message"])
            }
        }
    }

    func jobs(_ db: String) -> Int {
        (try? DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM jobs") }) ?? 0
    }

    /// Starts a slow fetch of 20,000 jobs in the background (one page at a time, 5 a second: 40 s,
    /// so that it is still running whatever the test does meanwhile on a loaded machine) and waits
    /// until its row says it has committed a thousand jobs over ten pages or more: the kill then
    /// lands between commits, not at the first.
    func startSlowFetch(_ cli: CLI, db: String, sim: MetaStudioSimulator) async throws -> CLI.Background {
        let process = try cli.start(["fetch", "--db", db, "--endpoint", sim.baseURL, "--project-id", Self.project,
                                     "--concurrency", "1", "--rate", "5"], environment: env)
        let committed = try await waitUntil(timeout: 90) {
            guard process.isRunning else { return true }
            guard let run = try? runs(db).first else { return false }
            return run.pages >= 10 && run.jobs >= 1_000
        }
        #expect(committed, "the fetch committed fewer than 10 pages in 90 s")
        return process
    }

    /// The review's repro: a fetch killed mid-scan left its row 'running' with zero pages, requests
    /// and jobs over thousands of stored jobs, and the next fetch left it so for ever.
    @Test func aKilledFetchKeepsItsTrueCountsAndTheNextFetchMarksItInterrupted() async throws {
        var config = SimulatorConfig()
        config.latency = 0.05
        let sim = MetaStudioSimulator(generated: 20_000, seed: 17, config: config)
        _ = try await sim.start()
        defer { Task { try? await sim.stop() } }
        let cli = CLI()
        let db = cli.path("k.sqlite")
        let process = try await startSlowFetch(cli, db: db, sim: sim)
        #expect(process.isRunning, "the fetch ended before it could be killed")
        process.send(SIGKILL)
        try await process.wait()
        let stored = jobs(db)
        let killed = try #require(try runs(db).first)
        #expect(killed.outcome == "running")
        #expect(stored >= 1_000 && killed.jobs == stored, "row says \(killed.jobs) jobs, \(stored) stored")
        #expect(killed.pages >= 10 && killed.requests >= killed.pages, "\(killed)")

        // The next fetch (quick: a small simulator) closes the killed run and records its own.
        let quick = MetaStudioSimulator(generated: 250, seed: 3, config: SimulatorConfig())
        let r = try await withSimulator(quick) { base in
            try await cli.run(["fetch", "--db", db, "--endpoint", base, "--project-id", Self.project, "--full"], environment: env)
        }
        #expect(r.status == 0, "\(r.stderr)")
        let after = try runs(db)
        #expect(after.count == 2)
        #expect(after[0].outcome == "interrupted" && after[0].jobs == killed.jobs && after[0].pages == killed.pages, "\(after)")
        #expect(after[0].message?.contains("process \(process.processIdentifier)") == true
                && after[0].message?.contains("ended without recording its end") == true, "\(after[0].message ?? "-")")
        #expect(after[1].outcome == "succeeded")
        try await sim.stop()
    }

    /// Two fetches at once on one database: the second must neither fail nor close the row of the
    /// first, which is still running; once the first is killed, the next fetch closes it.
    @Test func aFetchStillRunningIsNotMarkedInterruptedByAnother() async throws {
        var config = SimulatorConfig()
        config.latency = 0.05
        let sim = MetaStudioSimulator(generated: 20_000, seed: 18, config: config)
        _ = try await sim.start()
        defer { Task { try? await sim.stop() } }
        let cli = CLI()
        let db = cli.path("two.sqlite")
        let slow = try await startSlowFetch(cli, db: db, sim: sim)
        let quick = MetaStudioSimulator(generated: 250, seed: 4, config: SimulatorConfig())
        let second = try await withSimulator(quick) { base in
            try await cli.run(["fetch", "--db", db, "--endpoint", base, "--project-id", Self.project, "--full"], environment: env)
        }
        #expect(second.status == 0, "\(second.stderr)")
        #expect(slow.isRunning, "the first fetch ended before the second did: nothing was tested")
        let during = try runs(db)
        #expect(during.map(\.outcome) == ["running", "succeeded"], "\(during)")
        slow.send(SIGKILL)
        try await slow.wait()
        let third = try await withSimulator(MetaStudioSimulator(generated: 250, seed: 4, config: SimulatorConfig())) { base in
            try await cli.run(["fetch", "--db", db, "--endpoint", base, "--project-id", Self.project, "--full"], environment: env)
        }
        #expect(third.status == 0, "\(third.stderr)")
        #expect(try runs(db).map(\.outcome) == ["interrupted", "succeeded", "succeeded"])
        try await sim.stop()
    }
}
