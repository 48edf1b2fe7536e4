import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MetaStudio
@testable import MetaStudioSimulator
import Testing

/// The simulator over real loopback HTTP: what the fetcher's tests rely on must hold on the wire.
@Suite(.timeLimit(.minutes(5))) struct SimulatorTests {
    static let generated = Array(JobGenerator(options: .init(jobs: 1234, seed: 7)).jobs())
    static let project = SimulatorConfig().projectId
    static let path = "/v1/\(project)/smart-live-jobs"

    // MARK: Paging and filters

    @Test func pagingAtLimit100CoversEveryJobExactlyOnce() async throws {
        try await withSimulator { sim in
            var seen: [String] = []
            var offset = 0
            while true {
                let page = try await listPage(sim, "offset=\(offset)&limit=100")
                #expect(page.count == 1234)
                seen += page.jobs.map { $0.serialized() }
                offset += 100
                if offset >= page.count { break }
            }
            #expect(seen.count == 1234)
            #expect(Set(seen).count == 1234)
            #expect(seen == Self.generated.map { $0.serialized() }) // original order and key order
        }
    }

    @Test func defaultLimitIsTen() async throws {
        try await withSimulator { sim in
            let page = try await listPage(sim, "")
            #expect(page.jobs.count == 10)
            #expect(page.count == 1234)
        }
    }

    @Test func stateFilterTakesACommaSeparatedList() async throws {
        try await withSimulator { sim in
            let jobs = try await scan(sim, "state=FAILED,SUCCEED")
            let expected = Self.generated.filter { ["FAILED", "SUCCEED"].contains(text($0, "state")) }
            #expect(!expected.isEmpty && expected.count < Self.generated.count)
            #expect(jobs.map { $0.serialized() } == expected.map { $0.serialized() })
            let encoded = try await listPage(sim, "state=FAILED%2CSUCCEED&limit=100")
            #expect(encoded.count == expected.count)
            let repeated = try await fetch(sim.baseURL + Self.path + "?state=FAILED&state=SUCCEED")
            #expect(repeated.status == 400)
        }
    }

    @Test func createBoundsAreInclusive() async throws {
        try await withSimulator { sim in
            let since = text(Self.generated[100], "create_time")!, until = text(Self.generated[300], "create_time")!
            let query = RequestSigner.canonicalQuery([("create_since", since), ("create_until", until)])
            let jobs = try await scan(sim, query)
            let ids = jobs.compactMap { text($0, "job_id") }
            #expect(ids.count == 201)
            #expect(ids.first == text(Self.generated[100], "job_id"))
            #expect(ids.last == text(Self.generated[300], "job_id"))
        }
    }

    @Test func roomNameIsASubstringMatch() async throws {
        try await withSimulator { sim in
            for fragment in ["Room", "直播", "| 夜场\nsecond"] {
                let jobs = try await scan(sim, RequestSigner.canonicalQuery([("room_name", fragment)]))
                let expected = Self.generated.filter { text($0, "room_name")!.contains(fragment) }
                #expect(!expected.isEmpty)
                #expect(jobs.map { $0.serialized() } == expected.map { $0.serialized() }, "room_name=\(fragment)")
            }
        }
    }

    @Test func sortDescendingByCreateTimeReversesTheList() async throws {
        try await withSimulator { sim in
            let jobs = try await scan(sim, "sort_key=create_time&sort_dir=desc")
            let times = jobs.compactMap { text($0, "create_time").flatMap(RFC3339.parse) }
            #expect(times.count == 1234)
            #expect(zip(times, times.dropFirst()).allSatisfy { $0 >= $1 })
            #expect(jobs.first.flatMap { text($0, "job_id") } == text(Self.generated.last!, "job_id"))
        }
    }

    // MARK: Errors

    @Test func invalidParametersGive400WithBodyAndRequestId() async throws {
        try await withSimulator { sim in
            var ids: Set<String> = []
            for (query, name) in [("limit=101", "limit"), ("limit=0", "limit"), ("offset=-1", "offset"),
                                  ("create_since=2026-09-01", "create_since"), ("sort_dir=up", "sort_dir")] {
                let reply = try await fetch(sim.baseURL + Self.path + "?" + query)
                #expect(reply.status == 400, "\(query)")
                let body = try parseObject(reply.body)
                #expect(text(body, "error_code") == "MSS.00000003")
                #expect(text(body, "error_msg") == "Invalid parameter: \(name)")
                let id = try #require(reply.headers["x-request-id"])
                #expect(id.count >= 32)
                ids.insert(id)
            }
            #expect(ids.count == 5)
            #expect(sim.stats.badRequests == 5)
        }
    }

    @Test func chineseAppUserIdAndUnknownProjectAreRejected() async throws {
        try await withSimulator { sim in
            let chinese = try await fetch(sim.baseURL + Self.path, headers: [("X-App-UserId", "用户42")])
            #expect(chinese.status == 400)
            #expect(text(try parseObject(chinese.body), "error_msg") == "Invalid parameter: X-App-UserId")
            #expect(try await fetch(sim.baseURL + Self.path, headers: [("X-App-UserId", "user-42")]).status == 200)
            let other = try await fetch(sim.baseURL + "/v1/ffffffffffffffffffffffffffffffff/smart-live-jobs")
            #expect(other.status == 404)
            #expect(text(try parseObject(other.body), "error_code") == "APIGW.0101")
            #expect(other.headers["x-request-id"] != nil)
        }
    }

    // MARK: Auth

    @Test func tokenAuthRejectsAMissingOrWrongToken() async throws {
        var config = SimulatorConfig()
        config.auth = .token("good-token")
        try await withSimulator(config: config) { sim in
            for headers in [[], [("X-Auth-Token", "bad-token")]] {
                let reply = try await fetch(sim.baseURL + Self.path, headers: headers)
                #expect(reply.status == 401)
                #expect(text(try parseObject(reply.body), "error_code") == "MSS.00000001")
            }
            #expect(try await fetch(sim.baseURL + Self.path, headers: [("X-Auth-Token", "good-token")]).status == 200)
            #expect(sim.stats.authFailures == 2 && sim.stats.ok == 1)
        }
    }

    @Test func akskSignedRequestPassesAndTamperingFails() async throws {
        try await withSimulator(config: akskConfig()) { sim in
            let items = [(name: "offset", value: "0"), (name: "limit", value: "100"), (name: "state", value: "FAILED,SUCCEED"),
                         (name: "room_name", value: "Demo Room 1")]
            let good = try await signedFetch(sim, items)
            #expect(good.status == 200)
            let signed = sign(sim, items)
            let tampered = try await fetch(sim.baseURL + Self.path + "?" + signed.query.replacingOccurrences(of: "limit=100", with: "limit=99"),
                                           headers: signed.headers)
            #expect(tampered.status == 401)
            let body = try parseObject(tampered.body)
            #expect(text(body, "error_code") == "APIGW.0301")
            #expect(text(body, "error_msg")?.contains("verify aksk signature fail") == true)
            let reordered = try await fetch(sim.baseURL + Self.path + "?limit=100&offset=0&state=FAILED%2CSUCCEED&room_name=Demo%20Room%201",
                                            headers: signed.headers)
            #expect(reordered.status == 401)
            let wrongSK = try await signedFetch(sim, items, sk: "not-the-secret")
            #expect(wrongSK.status == 401)
            #expect(!String(decoding: wrongSK.body, as: UTF8.self).contains("sim-secret-key"))
            let stale = try await signedFetch(sim, items, date: Date().addingTimeInterval(-16 * 60))
            #expect(stale.status == 401)
            #expect(try await signedFetch(sim, items).status == 200)
            #expect(sim.stats.authFailures == 4 && sim.stats.ok == 2)
        }
    }

    @Test func akskVerifierAcceptsTheContractTestVector() throws {
        var config = SimulatorConfig()
        config.auth = .aksk(ak: "AKTESTEXAMPLE", sk: "SKTESTEXAMPLE")
        let auth = SimulatorAuth(config: config)
        let now = try #require(SimulatorAuth.parseSdkDate("20261124T101500Z")) + 60
        #expect(now == RFC3339.parse("2026-11-24T10:16:00Z"))
        func check(signature: String, query: String) -> Bool {
            let headers = ["host": "metastudio.cn-north-4.myhuaweicloud.com", "x-sdk-date": "20261124T101500Z",
                           "x-project-id": Self.project, "content-type": "application/json",
                           "authorization": "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
                               + "Signature=\(signature)"]
            let received = SimulatorAuth.Received(method: "GET", rawPath: Self.path, rawQuery: query) { headers[$0] }
            if case .allowed = auth.check(received, now: now) { return true }
            return false
        }
        let signature = "7b0f3eaf43800ddb0e3d8d3941066ea20847390b5a00753f67ce4c06422f1417"
        let query = "limit=100&offset=0&room_name=Demo%20Room%201&state=FAILED%2CSUCCEED"
        #expect(check(signature: signature, query: query))
        #expect(!check(signature: "8" + signature.dropFirst(), query: query))
        #expect(!check(signature: signature, query: "limit=100&offset=0&room_name=Demo+Room+1&state=FAILED,SUCCEED"))
    }

    @Test func akIsLockedAfterMoreThanFiveConsecutiveFailures() async throws {
        try await withSimulator(config: akskConfig()) { sim in
            for _ in 0..<5 { #expect(try await signedFetch(sim, [], sk: "wrong").status == 401) }
            #expect(try await signedFetch(sim, []).status == 200) // five failures: not locked, and the count resets
            for _ in 0..<6 { #expect(try await signedFetch(sim, [], sk: "wrong").status == 401) }
            let locked = try await signedFetch(sim, [])
            #expect(locked.status == 401)
            #expect(text(try parseObject(locked.body), "error_msg")?.contains("locked") == true)
            #expect(sim.stats.lockouts == 1)
        }
    }

    /// The lock's expiry, on the verifier's own clock: locked one second before `authLockoutSeconds`
    /// have passed since the sixth failure, open one second after, with the failure count started again.
    @Test func aLockedAKOpensWhenTheLockoutHasPassed() throws {
        var config = akskConfig()
        config.authLockoutSeconds = 300
        let auth = SimulatorAuth(config: config)
        let t0 = try #require(RFC3339.parse("2026-11-24T10:15:00Z"))
        func allowed(sk: String, at now: Double) -> Bool {
            let signed = RequestSigner.sign(method: "GET", path: Self.path, query: [],
                                            headers: [("Host", "127.0.0.1:1"), ("X-Project-Id", Self.project), ("Content-Type", "application/json")],
                                            credentials: AKSKCredentials(accessKey: "SIMTESTAK", secretKey: sk),
                                            date: Date(timeIntervalSince1970: now))
            let headers = Dictionary(signed.headers.map { ($0.name.lowercased(), $0.value) } + [("host", "127.0.0.1:1")]) { $1 }
            let received = SimulatorAuth.Received(method: "GET", rawPath: Self.path, rawQuery: signed.query.isEmpty ? nil : signed.query) { headers[$0] }
            if case .allowed = auth.check(received, now: now) { return true }
            return false
        }
        #expect(allowed(sk: "sim-secret-key", at: t0), "a good request before any failure")
        for second in 0 ..< 6 { #expect(!allowed(sk: "wrong", at: t0 + Double(second))) }
        // The sixth failure, at t0 + 5, locked the AK until t0 + 305.
        #expect(!allowed(sk: "sim-secret-key", at: t0 + 6))
        #expect(!allowed(sk: "sim-secret-key", at: t0 + 304))
        #expect(allowed(sk: "sim-secret-key", at: t0 + 306))
        for second in 0 ..< 5 { #expect(!allowed(sk: "wrong", at: t0 + 400 + Double(second))) }
        #expect(allowed(sk: "sim-secret-key", at: t0 + 406), "five failures after the lock: not locked again")
    }

    // MARK: Faults

    @Test func throttleAnswers429WhenHammered() async throws {
        var config = SimulatorConfig()
        config.throttlePerSecond = 5
        try await withSimulator(config: config) { sim in
            let began = Date()
            let replies = try await concurrently(30) { _ in try await fetch(sim.baseURL + Self.path) }
            let elapsed = Date().timeIntervalSince(began)
            let throttled = replies.filter { $0.status == 429 }
            let ok = replies.filter { $0.status == 200 }.count
            #expect(ok + throttled.count == 30)
            #expect(ok <= 5 + Int((5 * elapsed).rounded(.up)), "\(ok) answered in \(elapsed) s at 5/s") // bucket + refill
            let first = try #require(throttled.first)
            let body = try parseObject(first.body)
            #expect(text(body, "error_code") == "APIGW.0308")
            #expect(text(body, "error_msg") == "The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 second")
            #expect(first.headers["retry-after"] == nil)
            #expect(sim.stats.throttled == throttled.count)
        }
        config.sendRetryAfter = true
        try await withSimulator(config: config) { sim in
            let replies = try await concurrently(12) { _ in try await fetch(sim.baseURL + Self.path) }
            #expect(replies.first { $0.status == 429 }?.headers["retry-after"] == "1")
        }
    }

    @Test func serverErrorsCarryAnErrorBody() async throws {
        var config = SimulatorConfig()
        config.serverErrorRate = 1
        try await withSimulator(config: config) { sim in
            for _ in 0..<5 {
                let reply = try await fetch(sim.baseURL + Self.path)
                #expect([500, 502, 503].contains(reply.status))
                #expect(text(try parseObject(reply.body), "error_code") != nil)
            }
            #expect(sim.stats.serverErrors == 5)
        }
    }

    @Test func truncatedBodiesAreNotValidJSONToAClient() async throws {
        var config = SimulatorConfig()
        config.truncateRate = 1
        try await withSimulator(config: config) { sim in
            for offset in stride(from: 0, to: 500, by: 100) {
                do {
                    let reply = try await fetch(sim.baseURL + Self.path + "?limit=100&offset=\(offset)")
                    let parsed = try? JSONParser.parse([UInt8](reply.body))
                    #expect(parsed == nil, "a truncated body parsed as JSON (\(reply.body.count) bytes)")
                } catch {
                    // The client noticed the short body itself: also a broken response.
                }
            }
            #expect(sim.stats.truncated == 5 && sim.stats.ok == 0)
        }
    }

    @Test func latencyDoesNotSerializeConcurrentConnections() async throws {
        var config = SimulatorConfig()
        config.latency = 0.5
        try await withSimulator(config: config) { sim in
            let replies = try await concurrently(8) { _ in try await fetch(sim.baseURL + Self.path) }
            #expect(replies.allSatisfy { $0.status == 200 })
            // Requests waiting out their latency must overlap, not queue behind each other.
            #expect(sim.stats.maxInFlight >= 4, "at most \(sim.stats.maxInFlight) requests were served at once")
        }
    }

    // MARK: A changing tenant

    @Test func insertDuringScanChangesCountMidScan() async throws {
        var config = SimulatorConfig()
        config.insertDuringScan = 5
        try await withSimulator(jobs: Array(Self.generated.prefix(250)), config: config) { sim in
            var counts: [Int] = []
            var ids: [String] = []
            var offset = 0
            repeat {
                let page = try await listPage(sim, "offset=\(offset)&limit=100&sort_key=create_time&sort_dir=asc")
                counts.append(page.count)
                ids += page.jobs.compactMap { text($0, "job_id") }
                offset += 100
            } while offset < counts.last!
            #expect(counts.first == 250)
            #expect(counts[1] > 250 && counts.last == 255)
            #expect(Set(ids).count == 255)
            #expect(ids.prefix(250) == Self.generated.prefix(250).compactMap { text($0, "job_id") }[...])
            #expect(try await listPage(sim, "limit=1").count == 255)
            #expect(sim.jobs.suffix(5).allSatisfy { text($0, "state") == "WAITING" })
        }
    }

    @Test func finishProcessingTurnsOpenJobsFinalOnTheSecondScan() async throws {
        var config = SimulatorConfig()
        config.finishProcessingBetweenScans = true
        try await withSimulator(config: config) { sim in
            let first = try await scan(sim, "")
            let open = first.filter { ["PROCESSING", "WAITING"].contains(text($0, "state")) }
            #expect(!open.isEmpty)
            let second = try await scan(sim, "")
            #expect(second.count == first.count)
            #expect(!second.contains { ["PROCESSING", "WAITING"].contains(text($0, "state")) })
            let byId = Dictionary(second.map { (text($0, "job_id") ?? "", $0) }) { first, _ in first }
            for before in open {
                let after = try #require(byId[text(before, "job_id")!])
                #expect(["SUCCEED", "FAILED"].contains(text(after, "state")))
                #expect(after["end_time"] != nil && after["duration"] != nil && after["stream_duration"] != nil)
                let updated = try #require(text(after, "lastupdate_time").flatMap(RFC3339.parse))
                #expect(updated > RFC3339.parse(text(before, "lastupdate_time")!)!)
            }
        }
    }

    // MARK: Operations

    @Test func statsEndpointAndStopWork() async throws {
        let sim = MetaStudioSimulator(jobs: Array(Self.generated.prefix(20)), config: SimulatorConfig())
        let port = try await sim.start()
        #expect(port > 0 && sim.baseURL == "http://127.0.0.1:\(port)")
        _ = try await fetch(sim.baseURL + Self.path)
        _ = try await fetch(sim.baseURL + "/nowhere")
        let stats = try #require(SimulatorStats(json: try JSONParser.parse([UInt8](try await fetch(sim.baseURL + "/_sim/stats").body))))
        #expect(stats.requests == 2 && stats.ok == 1 && stats.badRequests == 1)
        #expect(stats.firstRequestAt != nil)
        await #expect(throws: SimulatorStartError.self) { _ = try await sim.start() }
        let rival = MetaStudioSimulator(jobs: [], config: SimulatorConfig())
        await #expect(throws: (any Error).self) { _ = try await rival.start(port: port) }
        try await sim.stop()
        await #expect(throws: (any Error).self) { try await fetch(sim.baseURL + Self.path) }
    }
}

// MARK: Helpers

private struct Reply: Sendable {
    var status: Int
    /// Header names lower-cased.
    var headers: [String: String]
    var body: Data
}

private let session: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = 16
    configuration.timeoutIntervalForRequest = 30
    return URLSession(configuration: configuration)
}()

private func fetch(_ url: String, headers: [(name: String, value: String)] = []) async throws -> Reply {
    var request = URLRequest(url: URL(string: url)!)
    for (name, value) in headers where name != "Host" { request.setValue(value, forHTTPHeaderField: name) }
    return try await withCheckedThrowingContinuation { continuation in
        session.dataTask(with: request) { data, response, error in
            guard let http = response as? HTTPURLResponse, error == nil else {
                return continuation.resume(throwing: error ?? URLError(.badServerResponse))
            }
            var fields: [String: String] = [:]
            for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
            continuation.resume(returning: Reply(status: http.statusCode, headers: fields, body: data ?? Data()))
        }.resume()
    }
}

private func withSimulator(jobs: [JSONObject] = SimulatorTests.generated, config: SimulatorConfig = SimulatorConfig(),
                           _ body: (MetaStudioSimulator) async throws -> Void) async throws {
    let sim = MetaStudioSimulator(jobs: jobs, config: config)
    _ = try await sim.start()
    do {
        try await body(sim)
    } catch {
        try await sim.stop()
        throw error
    }
    try await sim.stop()
}

private func parseObject(_ data: Data) throws -> JSONObject {
    try #require(try JSONParser.parse([UInt8](data)).objectValue)
}

private func text(_ job: JSONObject, _ key: String) -> String? { job[key]?.stringValue }

private func listPage(_ sim: MetaStudioSimulator, _ query: String) async throws -> (count: Int, jobs: [JSONObject]) {
    let reply = try await fetch(sim.baseURL + SimulatorTests.path + (query.isEmpty ? "" : "?" + query))
    #expect(reply.status == 200, "\(query): \(String(decoding: reply.body, as: UTF8.self))")
    let page = try parseObject(reply.body)
    let count = try #require(page["count"]?.doubleValue)
    let jobs = try #require(page["smart_live_jobs"]?.arrayValue).compactMap(\.objectValue)
    return (Int(count), jobs)
}

/// Every page of a query at limit 100.
private func scan(_ sim: MetaStudioSimulator, _ query: String) async throws -> [JSONObject] {
    var jobs: [JSONObject] = []
    var offset = 0
    while true {
        let page = try await listPage(sim, (query.isEmpty ? "" : query + "&") + "offset=\(offset)&limit=100")
        jobs += page.jobs
        offset += 100
        if offset >= page.count { return jobs }
    }
}

private func akskConfig() -> SimulatorConfig {
    var config = SimulatorConfig()
    config.auth = .aksk(ak: "SIMTESTAK", sk: "sim-secret-key")
    return config
}

private func sign(_ sim: MetaStudioSimulator, _ items: [(name: String, value: String)], sk: String = "sim-secret-key",
                  date: Date = Date()) -> RequestSigner.Signed {
    let host = String(sim.baseURL.dropFirst("http://".count))
    return RequestSigner.sign(method: "GET", path: SimulatorTests.path, query: items,
                              headers: [("Host", host), ("X-Project-Id", SimulatorTests.project), ("Content-Type", "application/json")],
                              credentials: AKSKCredentials(accessKey: "SIMTESTAK", secretKey: sk), date: date)
}

private func signedFetch(_ sim: MetaStudioSimulator, _ items: [(name: String, value: String)], sk: String = "sim-secret-key",
                         date: Date = Date()) async throws -> Reply {
    let signed = sign(sim, items, sk: sk, date: date)
    return try await fetch(sim.baseURL + SimulatorTests.path + (signed.query.isEmpty ? "" : "?" + signed.query), headers: signed.headers)
}

private func concurrently<T: Sendable>(_ count: Int, _ work: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
    try await withThrowingTaskGroup(of: T.self) { group in
        for index in 0..<count { group.addTask { try await work(index) } }
        var results: [T] = []
        for try await result in group { results.append(result) }
        return results
    }
}
