import Foundation

/// Where fetched pages go; called from worker threads, so it must be thread-safe.
public protocol PageSink: AnyObject {
    func store(_ page: JobPage) throws
}

/// How a scan went, for the sync-run record and the summary line.
public struct ScanResult: Sendable {
    public var pagesStored = 0
    public var requests = 0
    public var retries = 0
    public var throttled = 0
    public var passes = 0
    public var expectedCount = 0
    public var distinctJobs = 0
    public var newestCreateTime: Double?
    public var failedRequestIds: [String] = []
    /// Why the distinct jobs seen differ from the API's last count, when they do.
    public var incompleteReason: String?
    public var complete: Bool { incompleteReason == nil }

    public init() {}
}

/// A moment of a scan, for progress lines.
public struct ScanProgress: Sendable {
    public var pagesDone: Int
    public var pagesTotal: Int
    public var jobsSeen: Int
    public var expectedCount: Int
    public var requests: Int
    public var retries: Int
    public var throttled: Int
    public var rate: Double
    public var elapsed: Double
}

/// Options of a scan.
public struct PagerOptions: Sendable {
    public var concurrency = 4
    public var rate: RateLimiter.Mode = .adaptive(initial: 20)
    public var retry = RetryPolicy()
    /// Full re-reads allowed after the tail re-read, when jobs appeared mid-scan in the middle of the order.
    public var maxPasses = 4
    /// Pages asked for at once before any `count` is known (offsets 0, 100, 200, ...; at most
    /// `concurrency`). 1 sends the first page alone, so that it proves the credentials before any
    /// other request goes out; more saves a round trip on a result known or likely to span that
    /// many pages, at the cost of empty pages when it does not.
    public var firstRound = 1
    public init() {}
}

/// Reads every page of a query: the first page (or first round of pages), then all the pages its `count` says remain,
/// concurrently under the rate limiter; re-reads when the count moves or pages overlap, until the
/// distinct jobs seen match the API's count. Failed requests are retried per `RetryPolicy`.
public final class JobPager: @unchecked Sendable {
    let makeClient: () throws -> MetaStudioClient
    let query: ListJobsQuery
    let options: PagerOptions
    let limiter: RateLimiter
    let state: ScanState
    private let cancelFlag = AtomicFlag()

    public init(query: ListJobsQuery, options: PagerOptions, makeClient: @escaping () throws -> MetaStudioClient) {
        self.query = query
        self.options = options
        self.makeClient = makeClient
        limiter = RateLimiter(mode: options.rate)
        state = ScanState(pageSize: query.pageSize, maxPasses: options.maxPasses,
                          firstPages: min(max(1, options.firstRound), max(1, options.concurrency)))
    }

    /// Stops the scan: no new request starts and requests in flight are aborted.
    public func cancel() { cancelFlag.set(); state.wake() }
    public var isCancelled: Bool { cancelFlag.isSet }

    /// A snapshot for progress display.
    public func progress(elapsed: Double) -> ScanProgress { state.progress(rate: limiter.currentRate, elapsed: elapsed) }

    /// Runs the scan to the end; throws the first error that retries could not fix (after
    /// stopping the other workers). Pages stored before an error stay stored.
    public func run(into sink: PageSink) throws -> ScanResult {
        let workers = max(1, options.concurrency)
        let group = DispatchGroup()
        for index in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                work(index: index, sink: sink)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        if let error = state.fatalError { throw error }
        if isCancelled { throw ScanCancelled(result: state.result()) }
        return state.result()
    }

    private func work(index: Int, sink: PageSink) {
        let client: MetaStudioClient
        do {
            client = try makeClient()
        } catch {
            state.fail(error)
            cancel()
            return
        }
        let cancelled: @Sendable () -> Bool = { [cancelFlag] in cancelFlag.isSet }
        client.shouldAbort = cancelled
        var random = SystemRandomNumberGenerator()
        while let offset = state.next(cancelled: cancelled) {
            do {
                let page = try fetchWithRetries(client, offset: offset, random: &random)
                try sink.store(page)
                state.completed(page)
            } catch {
                if !isCancelled { state.fail(error) }
                cancel()
                state.abandon()
                return
            }
        }
    }

    private func fetchWithRetries(_ client: MetaStudioClient, offset: Int, random: inout SystemRandomNumberGenerator) throws -> JobPage {
        var failures = 0
        var throttles = 0
        while true {
            guard limiter.acquire(cancelled: { isCancelled }) else { throw ScanCancelled(result: ScanResult()) }
            state.countRequest()
            let retryAfter: Double?
            do {
                let page = try client.fetchPage(query, offset: offset)
                limiter.onSuccess()
                return page
            } catch let error as APIError where error.isThrottle {
                throttles += 1
                state.countThrottle(requestId: error.requestId)
                limiter.onThrottle(message: error.errorMessage)
                guard throttles < options.retry.maxThrottledAttempts else { throw error }
                retryAfter = error.retryAfter
            } catch let error as APIError where error.isRetryable {
                failures += 1
                state.countRetry(requestId: error.requestId)
                guard failures < options.retry.maxAttempts else { throw error }
                retryAfter = error.retryAfter
            } catch let error as TransportError where error.isRetryable && !isCancelled {
                failures += 1
                state.countRetry(requestId: nil)
                guard failures < options.retry.maxAttempts else { throw error }
                retryAfter = nil
            } catch let error as PageDecodeError {
                failures += 1
                state.countRetry(requestId: error.requestId)
                guard failures < options.retry.maxAttempts else { throw error }
                retryAfter = nil
            }
            let attempt = max(1, failures + (throttles > 0 ? 1 : 0))
            let wait = options.retry.delay(afterAttempt: attempt, retryAfter: retryAfter, random: &random)
            let until = ProcessInfo.processInfo.systemUptime + wait
            while ProcessInfo.processInfo.systemUptime < until {
                if isCancelled { throw ScanCancelled(result: ScanResult()) }
                Thread.sleep(forTimeInterval: min(0.05, max(0, until - ProcessInfo.processInfo.systemUptime)))
            }
        }
    }
}

/// The scan was stopped (Ctrl-C); pages stored until then are kept.
public struct ScanCancelled: Error, Sendable, CustomStringConvertible {
    public var result: ScanResult
    public var description: String { "interrupted" }
}

/// A set-once flag readable from any thread.
final class AtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
