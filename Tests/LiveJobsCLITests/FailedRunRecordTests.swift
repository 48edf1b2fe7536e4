import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// Every run, failed or not, is recorded in `sync_runs` with its true counts and the request ids
/// of its failures: the one in the error line included.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FailedRunRecordTests {
    static let project = "0123456789abcdef0123456789abcdef"

    struct Record {
        var outcome: String
        var requests: Int
        var retries: Int
        var ids: [String]
        var message: String?
    }

    func record(_ db: String) throws -> Record {
        try DatabaseQueue(path: db).read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM sync_runs ORDER BY id DESC LIMIT 1"))
            let ids = (row["failed_request_ids"] as String?).flatMap { try? JSONParser.parse(Array($0.utf8)).arrayValue }?
                .compactMap(\.stringValue) ?? []
            return Record(outcome: row["outcome"], requests: row["requests"], retries: row["retries"], ids: ids, message: row["message"])
        }
    }

    /// The X-Request-Id an error line names.
    func requestId(in line: String) -> String? {
        guard let range = line.range(of: "X-Request-Id ") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != ")" && $0 != " " })
    }

    /// A fetch against a simulator with `config`, and what the simulator answered.
    func fetch(_ cli: CLI, _ config: SimulatorConfig, token: String) async throws -> (CLI.Result, SimulatorStats) {
        let sim = MetaStudioSimulator(generated: 250, seed: 4, config: config)
        _ = try await sim.start()
        do {
            let base = sim.baseURL
            let r = try await cli.run(["fetch", "--db", "f.sqlite", "--endpoint", base, "--project-id", Self.project, "--rate", "0"],
                                      environment: ["METASTUDIO_AUTH_TOKEN": token])
            let stats = sim.stats
            try await sim.stop()
            return (r, stats)
        } catch {
            try? await sim.stop()
            throw error
        }
    }

    /// A token's first round sends several pages at once: every 401 that went out is counted.
    @Test func aWrongTokenIsRecordedWithTheRequestsItMadeAndTheirIds() async throws {
        var config = SimulatorConfig()
        config.auth = .token("right-token")
        let cli = CLI()
        let (r, stats) = try await fetch(cli, config, token: "wrong-token")
        #expect(r.status == 1, "\(r.stderr)")
        let id = try #require(requestId(in: r.stderr), "\(r.stderr)")
        let run = try record(cli.path("f.sqlite"))
        #expect(run.outcome == "failed")
        #expect(run.requests == stats.requests && run.requests >= 1 && run.retries == 0, "\(stats)")
        // A request aborted once the first 401 stopped the scan was answered, but never read.
        #expect(run.ids.count >= 1 && run.ids.count <= stats.authFailures && run.ids.contains(id), "\(run.ids) \(stats)")
        #expect(run.message?.contains(id) == true)
    }

    @Test func aServerErrorThatOutlastsTheRetriesIsRecordedWithEveryAttempt() async throws {
        var config = SimulatorConfig()
        config.serverErrorRate = 1
        let cli = CLI()
        let (r, stats) = try await fetch(cli, config, token: "any")
        #expect(r.status == 1, "\(r.stderr)")
        let id = try #require(requestId(in: r.stderr), "\(r.stderr)")
        let run = try record(cli.path("f.sqlite"))
        #expect(run.outcome == "failed")
        #expect(run.requests == stats.requests && stats.requests >= RetryPolicy().maxAttempts, "\(stats)")
        #expect(run.retries >= RetryPolicy().maxAttempts - 1 && run.retries < run.requests)
        // Every answer read is recorded; when one worker gives up, the others' requests in flight are
        // aborted: answered by the server (up to one per other worker, of the default 4), never read.
        let answered = min(50, stats.serverErrors)
        #expect(run.ids.count <= answered && run.ids.count >= answered - 3 && run.ids.contains(id), "\(run.ids) \(stats)")
    }

    @Test func aRefusedConnectionIsRecordedWithItsAttempts() async throws {
        let cli = CLI()
        let port = MetaStudioSimulator.closedLoopbackPort()
        let r = try await cli.run(["fetch", "--db", "f.sqlite", "--endpoint", "http://127.0.0.1:\(port)", "--project-id", Self.project,
                                   "--concurrency", "1"], environment: ["METASTUDIO_AUTH_TOKEN": "any"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("connect"), "\(r.stderr)")
        let run = try record(cli.path("f.sqlite"))
        #expect(run.outcome == "failed")
        #expect(run.requests == RetryPolicy().maxAttempts && run.retries == RetryPolicy().maxAttempts - 1)
        #expect(run.ids.isEmpty)
    }
}
