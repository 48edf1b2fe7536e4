import Foundation

/// The shared state of one scan: which offsets are due, what was seen, and when the set is complete.
/// Workers take offsets from here; when a pass ends it plans the next one or declares the scan done.
final class ScanState: @unchecked Sendable {
    private let condition = NSCondition()
    private let pageSize: Int
    private let maxPasses: Int
    private var pending: [Int]
    private var inFlight = 0
    /// Pages for jobs up to this count are scheduled in the current pass.
    private var scheduledCount: Int
    private var pass = 1
    private var ids = Set<String>()
    private var latestCount: Int?
    private var done = false
    private var incompleteReason: String?
    private var pagesStored = 0
    private var requests = 0
    private var retries = 0
    private var throttled = 0
    private var failedRequestIds: [String] = []
    private var newestCreateTime: Double?
    private(set) var fatalError: Error?

    /// Starts with the first `firstPages` pages; their `count` says which pages follow. One page
    /// alone proves the credentials before any other request goes out (the gateway locks an AK/SK
    /// pair after five failures, and parallel requests with a wrong key would all fail).
    init(pageSize: Int, maxPasses: Int, firstPages: Int = 1) {
        self.pageSize = pageSize
        self.maxPasses = maxPasses
        pending = Array(stride(from: 0, to: max(1, firstPages) * pageSize, by: pageSize))
        scheduledCount = max(1, firstPages) * pageSize
    }

    /// The next offset to fetch, waiting while others are in flight; nil when the scan is over.
    func next(cancelled: () -> Bool) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if done || fatalError != nil || cancelled() { return nil }
            if !pending.isEmpty {
                inFlight += 1
                return pending.removeFirst()
            }
            if inFlight == 0 {
                planNextPass()
                condition.broadcast()
                continue
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
        }
    }

    /// A page arrived and was stored: note its jobs and its count; a larger count schedules more pages,
    /// starting again at the page that held the previous end (it may have grown).
    func completed(_ page: JobPage) {
        // The page is read before taking the lock: workers whose pages arrive together should not
        // queue behind each other's string work.
        var pageIds: [String] = []
        pageIds.reserveCapacity(page.items.count)
        var pageNewest: Double?
        for job in page.items {
            if let id = job.string("job_id") { pageIds.append(id) }
            if let created = job.timestamp("create_time") {
                pageNewest = max(pageNewest ?? created, created)
            }
        }
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        inFlight -= 1
        pagesStored += 1
        for id in pageIds { ids.insert(id) }
        if let pageNewest { newestCreateTime = max(newestCreateTime ?? pageNewest, pageNewest) }
        latestCount = page.count
        if page.count > scheduledCount {
            let from = (scheduledCount / pageSize) * pageSize
            let end = ((page.count + pageSize - 1) / pageSize) * pageSize
            pending.append(contentsOf: stride(from: from, to: end, by: pageSize))
            scheduledCount = page.count
        }
    }

    /// A worker gave up its offset (an error or Ctrl-C).
    func abandon() {
        condition.lock()
        inFlight -= 1
        condition.broadcast()
        condition.unlock()
    }

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

    func countRequest() { condition.lock(); requests += 1; condition.unlock() }

    func countRetry(requestId: String?) {
        condition.lock()
        retries += 1
        if let requestId, failedRequestIds.count < 50 { failedRequestIds.append(requestId) }
        condition.unlock()
    }

    func countThrottle(requestId: String?) {
        condition.lock()
        throttled += 1
        retries += 1
        condition.unlock()
    }

    /// Called with the lock held when a pass has drained: done if the distinct jobs match the count,
    /// else re-read every page (jobs moved in the order), up to `maxPasses` passes.
    private func planNextPass() {
        let count = latestCount ?? 0
        if ids.count == count { done = true; return }
        if ids.count > count {
            incompleteReason = "saw \(ids.count) distinct jobs but the API now counts \(count): jobs were removed during the scan"
            done = true
            return
        }
        guard pass < maxPasses else {
            incompleteReason = "the API counts \(count) jobs but \(ids.count) distinct ones came back after \(pass) passes"
            done = true
            return
        }
        pass += 1
        let end = ((count + pageSize - 1) / pageSize) * pageSize
        pending = Array(stride(from: 0, to: end, by: pageSize))
        scheduledCount = count
    }

    func result() -> ScanResult {
        condition.lock()
        defer { condition.unlock() }
        var r = ScanResult()
        r.pagesStored = pagesStored
        r.requests = requests
        r.retries = retries
        r.throttled = throttled
        r.passes = pass
        r.expectedCount = latestCount ?? 0
        r.distinctJobs = ids.count
        r.newestCreateTime = newestCreateTime
        r.failedRequestIds = failedRequestIds
        r.incompleteReason = incompleteReason
        return r
    }

    func progress(rate: Double, elapsed: Double) -> ScanProgress {
        condition.lock()
        defer { condition.unlock() }
        let count = latestCount ?? 0
        let pages = max(pagesStored + pending.count + inFlight, (count + pageSize - 1) / pageSize)
        return ScanProgress(pagesDone: pagesStored, pagesTotal: pages, jobsSeen: ids.count, expectedCount: count,
                            requests: requests, retries: retries, throttled: throttled, rate: rate, elapsed: elapsed)
    }
}
