import Foundation
import MetaStudio
import MetaStudioSimulator
import Testing

/// The simulator's faults of a result set that moves under a scan, over real loopback HTTP: what
/// the fetcher's moving-set tests rely on must hold on the wire, seeded and repeatable.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SimulatorFaultTests {
    static let jobs = Array(JobGenerator(options: .init(jobs: 500, seed: 23)).jobs())
    static let path = "/v1/\(SimulatorConfig().projectId)/smart-live-jobs"

    /// One page as (count, jobs), over one libcurl connection. Blocking, so the tests run on a
    /// thread of their own (see `with`), never on the few threads the simulator's tasks need.
    func page(_ sim: MetaStudioSimulator, _ query: String) throws -> (count: Int, jobs: [JSONObject]) {
        let reply = try HTTPConnection(options: HTTPClientOptions()).get(sim.baseURL + Self.path + "?" + query, headers: [])
        #expect(reply.status == 200, "\(query): \(String(decoding: reply.body, as: UTF8.self))")
        let object = try #require(try JSONParser.parse(reply.body).objectValue)
        let count = try #require(object["count"]?.doubleValue.map { Int($0) })
        return (count, try #require(object["smart_live_jobs"]?.arrayValue).compactMap(\.objectValue))
    }

    func with(_ config: SimulatorConfig, jobs: [JSONObject] = SimulatorFaultTests.jobs,
              _ body: @escaping @Sendable (MetaStudioSimulator) throws -> Void) async throws {
        let sim = MetaStudioSimulator(jobs: jobs, config: config)
        _ = try await sim.start()
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                Thread { continuation.resume(with: Result { try body(sim) }) }.start()
            }
        } catch {
            try? await sim.stop()
            throw error
        }
        try await sim.stop()
    }

    func ids(_ jobs: [JSONObject]) -> [String] { jobs.compactMap { $0["job_id"]?.stringValue } }

    @Test func aPageCapServesFewerJobsThanTheLimitAsks() async throws {
        var config = SimulatorConfig()
        config.pageCap = 30
        try await with(config) { sim in
            let first = try page(sim, "offset=0&limit=100&sort_key=create_time&sort_dir=asc")
            #expect(first.count == 500 && first.jobs.count == 30)
            #expect(ids(first.jobs) == ids(Array(Self.jobs.prefix(30))))
            #expect(try page(sim, "offset=490&limit=100").jobs.count == 10)
        }
    }

    @Test func countFaultsClaimMoreThanThePagesHold() async throws {
        var excess = SimulatorConfig()
        excess.countExcess = 7
        try await with(excess) { sim in
            #expect(try page(sim, "offset=0&limit=100").count == 507)
            let beyond = try page(sim, "offset=500&limit=100")
            #expect(beyond.count == 507 && beyond.jobs.isEmpty)
        }
        var claimed = SimulatorConfig()
        claimed.claimedCount = 1_000_000_000_000
        try await with(claimed) { sim in
            let claim = try page(sim, "offset=0&limit=10&create_since=2026-10-01T00:00:00Z")
            #expect(claim.count == 1_000_000_000_000 && claim.jobs.count == 10)
        }
    }

    @Test func tiesShareCreateTimeAndComeInANewOrderOnEveryRequest() async throws {
        var config = SimulatorConfig()
        config.tieSize = 50
        config.shuffleTies = true
        try await with(config) { sim in
            var orders = Set<[String]>()
            var seen = Set<String>()
            for _ in 0..<5 {
                let first = try page(sim, "offset=0&limit=20&sort_key=create_time&sort_dir=asc")
                #expect(Set(first.jobs.compactMap { $0["create_time"]?.stringValue }).count == 1)
                orders.insert(ids(first.jobs))
                seen.formUnion(ids(first.jobs))
            }
            #expect(orders.count > 1, "the same 20 jobs in the same order on every request")
            #expect(seen.isSubset(of: Set(ids(Array(Self.jobs.prefix(50))))))
            #expect(seen.count > 20, "a page of a shuffled tie shows different members of it")
        }
        var stable = SimulatorConfig()
        stable.tieSize = 50
        try await with(stable) { sim in
            let a = try page(sim, "offset=0&limit=20"), b = try page(sim, "offset=0&limit=20")
            #expect(ids(a.jobs) == ids(b.jobs))
        }
    }

    /// The example on the wire: one of the first 100 jobs is deleted before the second page
    /// is served, so offset 100 starts one job later than a frozen list would.
    @Test func aDeletionShiftsTheJobsAfterItBackByOne() async throws {
        var config = SimulatorConfig()
        config.deleteDuringScan = 1
        let jobs = Array(Self.jobs.prefix(300))
        try await with(config, jobs: jobs) { sim in
            let first = try page(sim, "offset=0&limit=100&sort_key=create_time&sort_dir=asc")
            #expect(first.count == 300)
            let second = try page(sim, "offset=100&limit=100&sort_key=create_time&sort_dir=asc")
            #expect(second.count == 299)
            let gone = Set(ids(jobs)).subtracting(ids(sim.jobs))
            #expect(gone.count == 1 && gone.isSubset(of: Set(ids(first.jobs))))
            #expect(ids(second.jobs).first == ids(jobs)[101], "job 100 shifted into the first page's range")
        }
    }

    @Test func jobsFinishingMidScanLeaveTheProcessingListing() async throws {
        var config = SimulatorConfig()
        config.finishDuringScan = 20
        var jobs = Self.jobs
        for index in stride(from: 0, to: jobs.count, by: 2) { jobs[index]["state"] = .string("PROCESSING") }
        try await with(config, jobs: jobs) { sim in
            let first = try page(sim, "offset=0&limit=100&state=PROCESSING")
            #expect(first.count == 250)
            let second = try page(sim, "offset=100&limit=100&state=PROCESSING")
            #expect(second.count < 250)
            let finished = sim.jobs.filter { ["SUCCEED", "FAILED"].contains($0["state"]?.stringValue) && $0["end_time"] != nil }
            #expect(finished.count >= 250 - second.count)
        }
    }

    /// A concurrent pager's offset 0 may arrive after its offset 100: both belong to the first
    /// scan, so the changes stay spread over it instead of all landing at once.
    @Test func anOffsetZeroArrivingLateStillBelongsToTheFirstScan() async throws {
        var config = SimulatorConfig()
        config.deleteDuringScan = 4
        try await with(config) { sim in
            _ = try page(sim, "offset=100&limit=100")
            #expect(try page(sim, "offset=0&limit=100").count == 499)
            #expect(try page(sim, "offset=0&limit=100&sort_dir=desc").count == 499, "a newest-first page starts no scan")
            #expect(try page(sim, "offset=0&limit=100&create_until=2026-12-01T00:00:00Z").count == 499, "nor does a window")
            #expect(try page(sim, "offset=0&limit=100").count == 496, "the next scan applies what is left")
        }
    }
}
