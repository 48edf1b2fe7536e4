import Foundation

/// One page to fetch: which listing of the scan, at which offset, as which query.
struct PageRequest: Sendable {
    var listing: Int
    var offset: Int
    var query: ListJobsQuery
    var descending: Bool
    /// "offset 200", or "offset 0 of create_time X to Y", for messages.
    var label: String
    /// Why a page beyond the main listing is read (`ScanListing.Purpose.rereadReason`): `repair`,
    /// `newest` or `probe`; nil for a page of the main listing.
    var rereadReason: String?
}

/// The shared state of one scan: the planner (what to read next, when the scan is done) and the
/// counters, behind one lock. Workers take requests from here and hand back what they read.
///
/// Concurrency: one lock (`condition`) guards every `var` below; the pager's workers call in from
/// their own threads. `next` waits on its condition while other pages are in flight, and is woken
/// by `completed`, `abandon`, `fail` and `wake` (which the pager calls after raising its stop), so
/// it never waits on a timer.
final class ScanState: @unchecked Sendable {
    // Safe because every `var` below is read and written only between `condition.lock()` and
    // `unlock()`, and leaves as a copy of Sendable values (`ScanResult`, `ScanProgress`, `PageRequest`).
    private let condition = NSCondition()
    private let query: ListJobsQuery
    private var planner: ScanPlanner
    private var inFlight = 0
    /// Answers so far; each page's number orders the sightings of a job.
    private var answers = 0
    private var pagesStored = 0
    private var requests = 0
    private var retries = 0
    private var throttled = 0
    private var failedRequestIds: [String] = []
    /// Failed answers that carried an X-Request-Id, kept or not.
    private var failedWithId = 0
    private var newestCreateTime: Double?
    /// Create_times later than this (epoch seconds) are not taken as the newest.
    private let newestAllowed: Double
    private(set) var fatalError: Error?

    /// `firstPages`: pages asked for before the first count is known. One page alone proves the
    /// credentials before any other request goes out (the gateway locks an AK/SK pair after five
    /// failures, and parallel requests with a wrong key would all fail). `newestAllowed`: see
    /// `PagerOptions.newestAllowed`.
    init(query: ListJobsQuery, concurrency: Int, firstPages: Int = 1, newestAllowed: Double = .infinity) {
        self.query = query
        self.newestAllowed = newestAllowed
        let lower = query.createSince.flatMap(RFC3339.parse).map { TimeEdge(epoch: $0, text: nil) } ?? .below
        let upper = query.createUntil.flatMap(RFC3339.parse).map { TimeEdge(epoch: $0, text: nil) } ?? .above
        planner = ScanPlanner(limit: query.pageSize, firstRound: firstPages, concurrency: concurrency,
                              range: (lower, upper))
    }

    /// The next page to fetch, waiting while others are in flight; nil when the scan is over, has
    /// failed, or `cancelled()` holds. Whoever makes `cancelled()` true calls `wake()` after, so a
    /// waiting worker sees it.
    func next(cancelled: () -> Bool) -> PageRequest? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if fatalError != nil || cancelled() { return nil }
            if let due = planner.next() {
                inFlight += 1
                let listing = planner.listings[due.listing]
                return PageRequest(listing: due.listing, offset: due.offset, query: listing.query(query),
                                   descending: listing.descending, label: listing.label(offset: due.offset),
                                   rereadReason: listing.purpose.rereadReason)
            }
            if planner.phase == .finished { return nil }
            if inFlight == 0 {
                planner.advance()
                condition.broadcast()
                continue
            }
            condition.wait()
        }
    }

    /// A page arrived and was stored: what it shows goes to the planner, which may plan more.
    func completed(_ page: JobPage, for request: PageRequest) {
        // Read before taking the lock: workers whose pages arrive together should not queue
        // behind each other's string work.
        let facts = PageFacts(page, descending: request.descending, newestAllowed: newestAllowed)
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        inFlight -= 1
        pagesStored += 1
        answers += 1
        if let newest = facts.newest { newestCreateTime = max(newestCreateTime ?? newest, newest) }
        planner.completed(listing: request.listing, offset: request.offset, facts: facts, seq: answers)
    }

    /// A worker gave up its request (an error or Ctrl-C).
    func abandon(_ request: PageRequest) {
        condition.lock()
        inFlight -= 1
        planner.abandoned(listing: request.listing, offset: request.offset)
        condition.broadcast()
        condition.unlock()
    }

    /// Wakes the workers waiting in `next`, to look at `cancelled()` again.
    func wake() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    func fail(_ error: Error) {
        condition.lock()
        if fatalError == nil { fatalError = error }
        condition.broadcast()
        condition.unlock()
    }

    /// A request is being sent; `retry` when it is a page asked for again.
    func countRequest(retry: Bool) {
        condition.lock()
        requests += 1
        if retry { retries += 1 }
        condition.unlock()
    }

    /// A failed answer: its X-Request-Id is kept (up to `ScanResult.keptRequestIds`, each cut to
    /// `ScanResult.requestIdLimit` characters and made terminal-safe: a gateway may send anything).
    func countFailure(requestId: String?) {
        condition.lock()
        keep(requestId)
        condition.unlock()
    }

    /// Called with the lock held.
    private func keep(_ requestId: String?) {
        guard let requestId else { return }
        failedWithId += 1
        // Past the bound, the last slot holds the latest: the failure that ends a run is the one
        // its error line names, and must stay findable.
        if failedRequestIds.count < ScanResult.keptRequestIds {
            failedRequestIds.append(ScanResult.storable(requestId))
        } else {
            failedRequestIds[ScanResult.keptRequestIds - 1] = ScanResult.storable(requestId)
        }
    }

    /// A 429; `requestId` when it ends the scan.
    func countThrottle(requestId: String?) {
        condition.lock()
        throttled += 1
        keep(requestId)
        condition.unlock()
    }

    /// The X-Request-Id of an answer already counted that now ends the scan.
    func keepFailedId(_ requestId: String?) {
        condition.lock()
        keep(requestId)
        condition.unlock()
    }

    func result() -> ScanResult {
        condition.lock()
        defer { condition.unlock() }
        var r = ScanResult()
        r.pagesStored = pagesStored
        r.requests = requests
        r.retries = retries
        r.throttled = throttled
        r.rereads = planner.rereads
        r.expectedCount = planner.latestCount
        r.distinctJobs = planner.ledger.count
        r.newestCreateTime = newestCreateTime
        r.failedRequestIds = failedRequestIds
        r.failedWithId = failedWithId
        r.moved = planner.moved
        r.countChanged = planner.countChanged
        r.pageSizeServed = planner.main.plan.servedShown
        let issues = planner.phase == .finished ? planner.issues : []
        r.issues = issues
        if issues.isEmpty {
            r.gone = max(0, planner.ledger.count - planner.latestCount)
        } else {
            r.gone = planner.ledger.goneCount
            let since = issues.map { $0.since }
            if since.contains(where: { $0 == nil }) {
                r.unresolvedSince = query.createSince ?? "1970-01-01T00:00:00Z"
            } else if let earliest = since.compactMap({ $0 }).min(by: { $0.epoch < $1.epoch }) {
                r.unresolvedSince = earliest.text ?? RFC3339.format(earliest.epoch.rounded(.down))
            }
        }
        return r
    }

    func progress(rate: Double, elapsed: Double) -> ScanProgress {
        condition.lock()
        defer { condition.unlock() }
        let plan = planner.main.plan
        let count = planner.latestCount
        let stride = max(1, plan.stride)
        let expected = count <= plan.served ? 1 : 1 + (min(count, 1 << 40) - plan.served + stride - 1) / stride
        let pages = max(pagesStored + inFlight, expected + planner.rereads)
        return ScanProgress(pagesDone: pagesStored, pagesTotal: pages, jobsSeen: planner.ledger.count, expectedCount: count,
                            requests: requests, retries: retries, throttled: throttled, rate: rate, elapsed: elapsed)
    }
}
