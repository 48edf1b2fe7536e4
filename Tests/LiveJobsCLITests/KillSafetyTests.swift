import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// What a kill can cost a fetch, with both cores busy: never more pages than the fetch may hold
/// received but uncommitted, and never a damaged database.
@Suite(.serialized, .timeLimit(.minutes(5))) struct KillSafetyTests {
    /// Runs `body` with every core of the machine kept busy by spinning shells (killed, with their
    /// process groups, when `body` ends).
    func underFullLoad<T>(_ cli: CLI, _ body: () async throws -> T) async throws -> T {
        let cores = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let burners = try (0 ..< cores).map { _ in try cli.start(["-c", "while :; do :; done"], binary: "/bin/sh") }
        defer { for burner in burners { burner.send(SIGKILL) } }
        return try await body()
    }

    func integrity(_ db: String) throws -> [String] {
        try DatabaseQueue(path: db).read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
    }

    func jobs(_ db: String) -> Int {
        (try? DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM jobs") }) ?? 0
    }

    /// A fetch killed (SIGKILL) at moments spread over its run, with the machine loaded, keeps every
    /// page the server answered but at most `--max-uncommitted-pages` handed to the writer, one page
    /// in each worker's hands and one in flight on each connection; the file passes an integrity check.
    @Test func aKillUnderFullLoadLosesNoMoreThanTheUncommittedBound() async throws {
        var config = SimulatorConfig()
        config.latency = 0.002
        let sim = MetaStudioSimulator(generated: 20_000, seed: 41, config: config)
        _ = try await sim.start()
        let cli = CLI()
        let bound = 4, concurrency = 8
        _ = try await underFullLoad(cli) { () async throws -> Void in
            for round in 0 ..< 3 {
                let db = cli.path("k\(round).sqlite")
                let before = sim.stats.ok
                let process = try cli.start(["fetch", "--db", db, "--endpoint", sim.baseURL, "--project-id", FetchTests.project,
                                             "--concurrency", "\(concurrency)", "--rate", "0", "--max-uncommitted-pages", "\(bound)"],
                                            environment: ["METASTUDIO_AUTH_TOKEN": "kill-test-token"])
                _ = try await waitUntil(timeout: 60) { jobs(db) >= 1_000 * (round + 1) || !process.isRunning }
                // Kill moments spread a little further over the run in each round; the bound below
                // holds whenever the kill lands.
                try await Task.sleep(nanoseconds: UInt64(round) * 60_000_000)
                let answered = sim.stats.ok - before
                process.send(SIGKILL)
                try await process.wait()
                let stored = jobs(db)
                let mayLose = bound + 2 * concurrency + 1
                #expect(stored >= (answered - mayLose) * 99, "round \(round): \(answered) pages answered, \(stored) jobs stored")
                #expect(stored >= 1_000, "round \(round): the kill came before the fetch had stored enough to judge")
                #expect(try integrity(db) == ["ok"], "round \(round)")
            }
        }
        try await sim.stop()
    }
}
