import Foundation
import MetaStudio

/// Jobs as the list API lists them: filtered by create_time (inclusive edges), sorted by it, paged.
struct JobListing: Sendable {
    struct Job: Sendable {
        var id: String
        var epoch: Double
        var json: String { #"{"job_id":"\#(id)","state":"SUCCEED","create_time":"\#(RFC3339.format(epoch))"}"# }
    }

    var jobs: [Job]

    /// `count` jobs `j0000`, `j0001`, ... created one second apart from 2026-11-01T00:00:00Z.
    init(count: Int) {
        let start = RFC3339.parse("2026-11-01T00:00:00Z")!
        jobs = (0 ..< count).map { Job(id: String(format: "j%04d", $0), epoch: start + Double($0)) }
    }

    /// The `count` of a request and the jobs of its page.
    func answer(since: String?, until: String?, descending: Bool, offset: Int, limit: Int) -> (count: Int, page: [Job]) {
        let lower = since.flatMap(RFC3339.parse) ?? -.infinity
        let upper = until.flatMap(RFC3339.parse) ?? .infinity
        var listed = jobs.filter { $0.epoch >= lower && $0.epoch <= upper }
        if descending { listed.reverse() }
        return (listed.count, Array(listed.dropFirst(offset).prefix(limit)))
    }
}

/// A list API over `TestHTTPServer`: pages of a list of jobs by `offset` and `limit`, filtered by
/// `create_since`/`create_until` (inclusive) and sorted by create_time (`sort_dir`), as the
/// contract describes; with a hook that may answer a request otherwise (a 5xx, a 429) and one
/// that changes the jobs after an answer, so a test decides exactly what the pager meets.
final class ListingServer: @unchecked Sendable {
    /// One list request as received.
    struct Asked: Sendable, Equatable {
        var offset: Int
        var limit: Int
        var since: String?
        var until: String?
        var descending: Bool
        /// The main listing's request: no window, oldest first.
        var isMain: Bool { since == nil && until == nil && !descending }
    }

    private let lock = NSLock()
    private var listing: JobListing
    private var asked: [Asked] = []
    /// Called for each request before it is answered, with the request and how many requests
    /// came before it; a reply answers it instead of the page.
    private let fault: @Sendable (Asked, Int) -> TestReply?
    /// Called after each page answered, with how many pages were answered (1 for the first).
    private let afterPage: @Sendable (ListingServer, Int) -> Void
    private var pagesAnswered = 0
    private var http: TestHTTPServer!

    /// `count` jobs `j0000`, `j0001`, ... created one second apart from 2026-11-01T00:00:00Z.
    init(count: Int, fault: @escaping @Sendable (Asked, Int) -> TestReply? = { _, _ in nil },
         afterPage: @escaping @Sendable (ListingServer, Int) -> Void = { _, _ in }) throws {
        listing = JobListing(count: count)
        self.fault = fault
        self.afterPage = afterPage
        http = try TestHTTPServer { [unowned self] request in self.answer(request) }
    }

    var baseURL: String { http.baseURL }
    /// Every list request received, in order.
    var requests: [Asked] { lock.withLock { asked } }
    /// The raw requests (request line and header lines), as the server received them.
    var received: [ReceivedRequest] { http.requests }
    /// The ids of the jobs listed now.
    var ids: [String] { lock.withLock { listing.jobs.map(\.id) } }
    func stop() { http.stop() }

    /// Removes the jobs at `positions` of the listing (oldest first), as a deletion mid-scan does.
    func delete(at positions: [Int]) {
        lock.withLock {
            for position in positions.sorted(by: >) where position < listing.jobs.count { listing.jobs.remove(at: position) }
        }
    }

    private func answer(_ request: ReceivedRequest) -> TestReply {
        let target = request.requestLine.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        var parameters: [String: String] = [:]
        if let q = target.firstIndex(of: "?") {
            for pair in target[target.index(after: q)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if parts.count == 2 { parameters[parts[0]] = parts[1] }
            }
        }
        let asked = Asked(offset: Int(parameters["offset"] ?? "0") ?? 0, limit: Int(parameters["limit"] ?? "100") ?? 100,
                          since: parameters["create_since"], until: parameters["create_until"],
                          descending: parameters["sort_dir"] == "desc")
        let before: Int = lock.withLock {
            self.asked.append(asked)
            return self.asked.count - 1
        }
        if let reply = fault(asked, before) { return reply }
        let (body, answered): ([UInt8], Int) = lock.withLock {
            let (count, page) = listing.answer(since: asked.since, until: asked.until, descending: asked.descending,
                                               offset: asked.offset, limit: asked.limit)
            pagesAnswered += 1
            let items = page.map(\.json).joined(separator: ",")
            return (Array(#"{"count":\#(count),"smart_live_jobs":[\#(items)]}"#.utf8), pagesAnswered)
        }
        afterPage(self, answered)
        return .http(headers: [("Content-Type", "application/json"), ("X-Request-Id", "req-\(before)")], body: body)
    }
}

/// Keeps the ids of every job of every page stored, from any worker thread.
final class CollectingSink: PageSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    /// Called after each page stored, with how many pages were stored (1 for the first).
    var afterPage: ((Int) -> Void)?
    private var pages = 0

    func store(_ page: JobPage) throws {
        let count: Int = lock.withLock {
            stored += page.items.compactMap { $0.string("job_id") }
            pages += 1
            return pages
        }
        afterPage?(count)
    }

    /// Each job stored, once.
    var ids: Set<String> { lock.withLock { Set(stored) } }
}
