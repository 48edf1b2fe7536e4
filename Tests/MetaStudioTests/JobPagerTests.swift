import Foundation
import InMemoryLogging
import Logging
@testable import MetaStudio
import Testing

/// The pager against a list API on 127.0.0.1 whose every answer the test decides: the order pages
/// are asked for, what is asked again after a 5xx or a 429, what is read again when the listing
/// moves, when the scan stops, and what it logs on the way.
@Suite(.timeLimit(.minutes(2))) struct JobPagerTests {
    /// Loggers that keep what they are told, at every level.
    struct Logs {
        let pager = InMemoryLogHandler()
        let throttle = InMemoryLogHandler()
        let http = InMemoryLogHandler()

        /// A logger writing into `handler` from `.trace` up.
        func logger(_ handler: InMemoryLogHandler, _ label: String) -> Logger {
            var logger = Logger(label: label) { _ in handler }
            logger.logLevel = .trace
            return logger
        }

        var all: [InMemoryLogHandler.Entry] { pager.entries + throttle.entries + http.entries }
    }

    static let token = "TOKEN-pager-5c1e77"

    func pager(_ server: ListingServer, logs: Logs, pageSize: Int = 100, concurrency: Int = 1, rate: RateLimiter.Mode = .unlimited,
               credentials: Credentials = .token(JobPagerTests.token)) -> JobPager {
        var options = PagerOptions()
        options.concurrency = concurrency
        options.rate = rate
        options.retry.baseDelay = 0.01
        let base = server.baseURL
        let http = logs.logger(logs.http, "livejobs.http")
        return JobPager(query: ListJobsQuery(pageSize: pageSize), options: options,
                        logger: logs.logger(logs.pager, "livejobs.fetch.pager"),
                        throttleLogger: logs.logger(logs.throttle, "livejobs.fetch.throttle")) {
            try MetaStudioClient(endpoint: APIEndpoint(region: nil, override: base), projectId: "p", credentials: credentials,
                                 options: HTTPClientOptions(), logger: http)
        }
    }

    /// Runs the scan on a thread of its own: a test blocking one of Swift concurrency's few threads
    /// (two on a 2-core machine) would starve the in-process simulators of the suites beside it.
    func scan(_ pager: JobPager, into sink: PageSink) async -> ScanEnd {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: pager.scan(into: sink)) }.start()
        }
    }

    func messages(_ handler: InMemoryLogHandler, _ text: String) -> [InMemoryLogHandler.Entry] {
        handler.entries.filter { "\($0.message)".hasPrefix(text) }
    }

    @Test func pagesAreAskedForOldestFirstOverlappingByTwoUntilTheCount() async throws {
        let server = try ListingServer(count: 250)
        defer { server.stop() }
        let logs = Logs()
        let sink = CollectingSink()
        let end = await scan(pager(server, logs: logs), into: sink)
        #expect(end.outcome == .succeeded, "\(String(describing: end.error))")
        #expect(server.requests.map(\.offset) == [0, 98, 196])
        #expect(server.requests.allSatisfy { $0.isMain })
        #expect(sink.ids == Set(server.ids))
        #expect(end.result.requests == 3 && end.result.retries == 0 && end.result.rereads == 0)
        #expect(end.result.expectedCount == 250 && end.result.distinctJobs == 250)
        let stored = messages(logs.pager, "page stored")
        #expect(stored.compactMap { $0.metadata["page.offset"].map { "\($0)" } } == ["0", "98", "196"])
        #expect(stored.map { $0.level } == [.debug, .debug, .debug])
        #expect(messages(logs.pager, "page failed").isEmpty && messages(logs.pager, "page read again").isEmpty)
    }

    @Test func aServerErrorAndAThrottledAnswerAreAskedAgainAndEachRetryIsLogged() async throws {
        let limit = #"{"error_code":"APIGW.0308","error_msg":"policy user over ratelimit,limit:10,time:1 second"}"#
        let server = try ListingServer(count: 150) { asked, before in
            guard asked.offset == 98 else { return nil }
            switch before {
            case 1: return .http(503, "Service Unavailable", headers: [("X-Request-Id", "req-503")],
                                 body: Array(#"{"error_code":"APIGW.0203","error_msg":"Service Unavailable"}"#.utf8))
            case 2: return .http(429, "Too Many Requests", headers: [("X-Request-Id", "req-429"), ("Retry-After", "0")],
                                 body: Array(limit.utf8))
            default: return nil
            }
        }
        defer { server.stop() }
        let logs = Logs()
        let sink = CollectingSink()
        let end = await scan(pager(server, logs: logs, rate: .adaptive(initial: 20)), into: sink)
        #expect(end.outcome == .succeeded, "\(String(describing: end.error))")
        #expect(server.requests.map(\.offset) == [0, 98, 98, 98])
        #expect(sink.ids == Set(server.ids))
        #expect(end.result.requests == 4 && end.result.retries == 2 && end.result.throttled == 1)
        #expect(end.result.failedRequestIds == ["req-503"], "a 429 that was retried is the throttle working, not a failure")

        let failed = messages(logs.pager, "page failed")
        #expect(failed.count == 1)
        #expect(failed.first?.level == .info)
        #expect(failed.first?.metadata["http.status"] == "503" && failed.first?.metadata["attempt"] == "2")
        #expect(failed.first?.metadata["request.id"] == "req-503" && failed.first?.metadata["page.offset"] == "98")
        let throttled = messages(logs.pager, "page throttled (HTTP 429)")
        #expect(throttled.count == 1)
        #expect(throttled.first?.metadata["attempt"] == "3" && throttled.first?.metadata["retry.after"] == "0.0")
        #expect(throttled.first?.metadata["error.message"] == "policy user over ratelimit,limit:10,time:1 second")
        // The gateway stated its limit: the pace drops below it, and says so.
        let lowered = messages(logs.throttle, "request rate lowered")
        #expect(lowered.count == 1)
        #expect(lowered.first?.metadata["rate.stated"] == "10.00" && lowered.first?.metadata["rate.now"] == "9.50")
        #expect(lowered.first?.level == .info)
    }

    @Test func anAnswerThatNoRetryCanChangeStopsTheScanAtOnce() async throws {
        let server = try ListingServer(count: 300) { asked, _ in
            asked.offset == 0 ? .http(401, "Unauthorized", headers: [("X-Request-Id", "req-401")],
                                      body: Array(#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}"#.utf8))
                : nil
        }
        defer { server.stop() }
        let logs = Logs()
        let end = await scan(pager(server, logs: logs, concurrency: 4), into: CollectingSink())
        #expect(end.outcome == .failed)
        #expect((end.error as? APIError)?.status == 401)
        #expect(server.requests.count == 1, "the gateway locks an AK/SK pair after five failures: a 401 is never asked again")
        #expect(end.result.failedRequestIds == ["req-401"])
        #expect(messages(logs.pager, "page failed").isEmpty)
        #expect(messages(logs.http, "error answer").first?.metadata["http.status"] == "401")
    }

    @Test func jobsDeletedMidScanAreFoundByReadingTheirWindowAgain() async throws {
        // After the first page, three jobs it listed are deleted: the page at offset 98 starts three
        // jobs later than it would have, so the jobs between the two pages are on neither.
        let server = try ListingServer(count: 300) { _, _ in nil } afterPage: { server, answered in
            if answered == 1 { server.delete(at: [10, 20, 30]) }
        }
        defer { server.stop() }
        let logs = Logs()
        let sink = CollectingSink()
        let end = await scan(pager(server, logs: logs), into: sink)
        #expect(end.outcome == .succeeded, "\(String(describing: end.error)) \(end.result.issues)")
        #expect(sink.ids.isSuperset(of: Set(server.ids)), "every job still listed is stored")
        #expect(end.result.gone == 3 && end.result.moved)
        #expect(end.result.rereads > 0)
        let windows = server.requests.filter { !$0.isMain }
        #expect(windows.count == end.result.rereads)
        let rereads = messages(logs.pager, "page read again")
        #expect(rereads.count == end.result.rereads)
        #expect(rereads.allSatisfy { $0.level == .info })
        let repair = try #require(rereads.first { $0.metadata["reread.reason"] == "repair" })
        #expect(repair.metadata["create_since"] != "none" && repair.metadata["create_until"] != "none")
        // The URLs logged are shown as every message shows one: without their query.
        let urls = logs.http.entries.compactMap { $0.metadata["url"].map { "\($0)" } }
        #expect(!urls.isEmpty && urls.allSatisfy { $0 == server.baseURL + "/v1/p/smart-live-jobs" })
    }

    @Test func aCancelledScanStopsAskingAndSaysItWasInterrupted() async throws {
        let server = try ListingServer(count: 1000)
        defer { server.stop() }
        let logs = Logs()
        let sink = CollectingSink()
        let pager = pager(server, logs: logs)
        sink.afterPage = { pages in if pages == 2 { pager.cancel() } }
        let end = await scan(pager, into: sink)
        #expect(end.outcome == .interrupted)
        #expect(server.requests.count == 2, "no page is asked for after the cancel")
        #expect(end.result.pagesStored == 2 && end.result.requests == 2)
        #expect(sink.ids.count == 198, "the pages received before the cancel are kept")
    }

    @Test func noLogLineHoldsACredentialEvenAtTrace() async throws {
        let keys = AKSKCredentials(accessKey: "AKPAGERLOG0001", secretKey: "SK-pager-log-77aa", securityToken: "STS-pager-log-9911")
        let server = try ListingServer(count: 120) { asked, before in
            before == 1 ? .http(500, "Internal Server Error", body: Array(#"{"error_code":"MSS.00000004","error_msg":"Internal Error"}"#.utf8)) : nil
        }
        defer { server.stop() }
        let logs = Logs()
        let end = await scan(pager(server, logs: logs, credentials: .aksk(keys)), into: CollectingSink())
        #expect(end.outcome == .succeeded)
        let signatures = server.received.flatMap { $0.values("Authorization") }.compactMap { value -> String? in
            value.range(of: "Signature=").map { String(value[$0.upperBound...]) }
        }
        #expect(signatures.count == server.requests.count && signatures.allSatisfy { $0.count == 64 })
        let lines = logs.all.map { entry in "\(entry.message) " + entry.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
        #expect(lines.contains { $0.hasPrefix("request sent") } && lines.contains { $0.hasPrefix("page failed") })
        for secret in [keys.accessKey, keys.secretKey, keys.securityToken!] + signatures {
            #expect(!lines.contains { $0.contains(secret) }, "\(secret) logged")
        }
    }
}
