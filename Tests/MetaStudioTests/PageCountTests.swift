import Foundation
@testable import MetaStudio
import Testing

/// A page's `count` is a JSON number from a server: every conversion of it is checked, and a count
/// that cannot be a number of jobs fails the fetch with one line, at once (retrying cannot change it).
@Suite(.timeLimit(.minutes(1))) struct PageCountTests {
    @Test func countsAreNonNegativeWholeNumbersUpToTwoToThe53() {
        let cases: [(text: String, value: Int?, reason: String?)] = [
            ("0", 0, nil), ("300", 300, nil), ("300.0", 300, nil), ("3e2", 300, nil), ("1e12", 1_000_000_000_000, nil),
            ("9007199254740992", 9_007_199_254_740_992, nil),
            ("9007199254740993", nil, "out of range"), ("99999999999999999999", nil, "out of range"),
            ("1e400", nil, "out of range"), ("1e16", nil, "out of range"), ("-1", nil, "negative"), ("-1e400", nil, "out of range"),
            ("1.5", nil, "not a whole number"), ("2.5e-1", nil, "not a whole number"),
        ]
        for c in cases {
            switch MetaStudioClient.checkedCount(c.text) {
            case .success(let value): #expect(value == c.value, "\(c.text)")
            case .failure(let problem):
                #expect(c.value == nil, "\(c.text): \(problem.reason)")
                #expect(problem.reason.hasPrefix(c.reason ?? "-"), "\(c.text): \(problem.reason)")
            }
        }
    }

    @Test func aCountOutOfRangeIsOneLineAndNotRetried() throws {
        let server = try TestHTTPServer { _ in
            .http(headers: [("Content-Type", "application/json"), ("X-Request-Id", "req-1e400")],
                  body: Array(#"{"count":1e400,"smart_live_jobs":[]}"#.utf8))
        }
        defer { server.stop() }
        var options = PagerOptions()
        options.rate = .unlimited
        let pager = JobPager(query: ListJobsQuery(), options: options, logger: .discarding, throttleLogger: .discarding) {
            try MetaStudioClient(endpoint: APIEndpoint(region: nil, override: server.baseURL), projectId: "p",
                                 credentials: .token("t"), options: HTTPClientOptions(), logger: .discarding)
        }
        let failure = try #require(throws: ScanFailed.self) { try pager.run(into: DiscardingSink()) }
        #expect("\(failure)".contains("field 'count' is 1e400: out of range (0 … 9007199254740992)"), "\(failure)")
        #expect(!"\(failure)".contains("\n"))
        #expect(server.requests.count == 1, "a whole page with an impossible count is not asked for again")
        #expect(failure.result.requests == 1 && failure.result.retries == 0)
        #expect(failure.result.failedRequestIds == ["req-1e400"])
    }
}

/// Takes pages and keeps nothing.
final class DiscardingSink: PageSink, @unchecked Sendable {
    func store(_ page: JobPage) throws {}
}
