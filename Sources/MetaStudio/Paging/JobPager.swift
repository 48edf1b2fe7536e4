import Foundation
import Logging

/// Where fetched pages go; called from worker threads, so it must be thread-safe.
public protocol PageSink: AnyObject, Sendable {
    func store(_ page: JobPage) throws
}

/// How a scan went, for the sync-run record and the summary line.
public struct ScanResult: Sendable {
    public var pagesStored = 0
    public var requests = 0
    public var retries = 0
    public var throttled = 0
    /// Pages read beyond the main listing: windows read again, the newest page, count probes.
    public var rereads = 0
    /// The API's latest `count` for the whole query.
    public var expectedCount = 0
    /// Distinct jobs received (jobs gone since they were received included).
    public var distinctJobs = 0
    /// The newest create_time received (epoch seconds), no later than `PagerOptions.newestAllowed`.
    public var newestCreateTime: Double?
    /// The X-Request-Ids of failed answers: the first `keptRequestIds`, each `storable`.
    public var failedRequestIds: [String] = []
    /// Failed answers that carried an X-Request-Id, those past `keptRequestIds` included.
    public var failedWithId = 0
    /// How many failed requests' ids a run keeps: enough to look a failure up, bounded however
    /// long a gateway fails.
    public static let keptRequestIds = 50
    /// The longest X-Request-Id kept, in characters (the vendor's are 32 or 36): a gateway sending
    /// kilobytes per id filled a sync_runs row with 105 KB.
    public static let requestIdLimit = 128

    /// An X-Request-Id as kept: control characters escaped, cut to `requestIdLimit` characters.
    public static func storable(_ requestId: String) -> String {
        SafeText.escaped(requestId, limit: requestIdLimit)
    }
    /// Whether the result set moved under the scan (counts changed, pages shifted, short pages).
    public var moved = false
    /// Whether the query's count differed between answers.
    public var countChanged = false
    /// Jobs received during the scan that the API no longer lists (deleted, or left a state filter).
    public var gone = 0
    /// The jobs per page the server served, when fewer than asked.
    public var pageSizeServed: Int?
    /// Why the scan cannot confirm it holds every job the API listed; empty when it can.
    public var issues: [ScanIssue] = []
    /// The oldest create_time the scan left unverified (RFC 3339), when incomplete.
    public var unresolvedSince: String?

    /// Why the distinct jobs seen may differ from what the API lists, as one line.
    public var incompleteReason: String? {
        guard let first = issues.first else { return nil }
        return issues.count == 1 ? first.description : "\(first.description) (and \(issues.count - 1) more)"
    }
    public var complete: Bool { issues.isEmpty }

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
    /// Pages asked for at once before any `count` is known (offsets 0, 100, 200, ...; at most
    /// `concurrency`). 1 sends the first page alone, so that it proves the credentials before any
    /// other request goes out; more saves a round trip on a result known or likely to span that
    /// many pages, at the cost of empty pages when it does not.
    public var firstRound = 1
    /// The latest create_time (epoch seconds) taken as a job's real creation: a later one (a job
    /// dated years ahead) is stored like any other but is not the scan's `newestCreateTime`, which
    /// the next incremental fetch starts from. `.infinity` takes every instant.
    public var newestAllowed: Double = .infinity
    /// Told of a wait of at least `RetryPolicy.announcedWait` before a page is asked for again, so
    /// that a user sees why nothing moves. Called from a worker thread; a wait that ends no later
    /// than one already announced (other workers held by the same throttle) is not told again.
    public var onLongWait: (@Sendable (LongWait) -> Void)?
    public init() {}
}

/// A long wait before a page is asked for again.
public struct LongWait: Sendable {
    /// Seconds this wait lasts.
    public var seconds: Double
    /// What the page was answered with (429, 503), or nil for a failure without a status.
    public var status: Int?
    /// Whether the server asked for the wait (`Retry-After`), rather than the back-off.
    public var retryAfter: Bool
    /// Seconds the server's `Retry-After` asked for, when it did: more than `seconds` when livejobs
    /// capped the wait (`RetryPolicy.maxRetryAfter`).
    public var asked: Double?
    /// Seconds the page had already waited before this wait (0 for its first long wait).
    public var waited: Double = 0
    /// The page ("offset 200").
    public var page: String
    /// The bound on all the waits of one page (`RetryPolicy.maxWaitPerPage`).
    public var bound: Double
}

/// A page given up because its waits would pass `RetryPolicy.maxWaitPerPage`: the last answer,
/// and how long was waited and asked for.
public struct WaitBoundReached: Error, Sendable, CustomStringConvertible {
    /// The answer that asked for the wait.
    public var error: APIError
    /// Seconds already waited for this page.
    public var waited: Double
    /// Seconds the next wait would have lasted.
    public var asked: Double
    /// The bound (`RetryPolicy.maxWaitPerPage`).
    public var bound: Double
    public var description: String {
        "\(error); gave up on the page after waiting \(Int(waited.rounded())) s for it: the next wait "
            + "(\(Self.why(asked, error.retryAfter))) would pass the \(Int(bound.rounded())) s a page may wait in all"
    }

    /// `60 s, the server's Retry-After`, or when the server asked for more than livejobs waits at a
    /// time, `60 s: the server's Retry-After asks for 100000 s, livejobs waits at most 60 s at a time`.
    static func why(_ wait: Double, _ retryAfter: Double?) -> String {
        let seconds = "\(Int(wait.rounded())) s"
        guard let retryAfter, retryAfter >= wait - 0.001 else { return seconds }
        if retryAfter.rounded() > wait.rounded() {
            return "\(seconds): the server's Retry-After asks for \(RetryPolicy.seconds(retryAfter)), "
                + "livejobs waits at most \(Int(RetryPolicy.maxRetryAfter)) s at a time"
        }
        return "\(seconds), the server's Retry-After"
    }
}

/// Reads every page of a query: the first page (or first round of pages), then all the pages its
/// `count` says remain, concurrently under the rate limiter, consecutive pages overlapping by two
/// jobs; then re-reads, by create_time window, whatever moved under the scan (see `ScanPlanner`).
/// Failed requests are retried per `RetryPolicy`.
///
/// Logs to the logger its caller hands it (e.g. `livejobs.fetch.pager`), with `page.offset`,
/// `page.limit`, `attempt`, `http.status`, `request.id`, `retry.after` and `retry.wait` (seconds):
/// at `.info` each page asked for again (a 5xx, a 429 with what the server asked, a timeout, a
/// body cut short) and each page read again because the listing moved (`reread.reason`,
/// `create_since`, `create_until`, `sort_dir`); at `.debug` the scan's start and end and each page
/// stored (`page.jobs`, `page.count`).
///
/// Concurrency: `concurrency` worker threads (`WorkerThread`, joined by `run`), each with a client of
/// its own that no other thread touches. What they share is behind locks of its own: the plan and
/// the counts in `state` (`ScanState`), the pace in `limiter`, the stop in `stop` (raised by
/// `cancel`, from any thread: Ctrl-C, or the first worker to fail), and the last long wait announced
/// in `announced`. A worker waiting out a back-off or for its rate slot waits on `stop`, so a cancel
/// wakes it at once; a request in flight is aborted by its client's `shouldAbort`.
public final class JobPager: Sendable {
    let makeClient: @Sendable () throws -> MetaStudioClient
    let query: ListJobsQuery
    let options: PagerOptions
    let limiter: RateLimiter
    let state: ScanState
    let logger: Logger
    /// Raised by `cancel`: every wait of the workers ends, and no new request starts.
    let stop = StopSignal()
    /// Until when (monotonic seconds) a long wait has been announced; raised only forward.
    let announced = Locked(-Double.infinity)

    /// A pager of `query` under `options`; each worker makes its own client with `makeClient`. It
    /// logs to `logger` and its rate limiter to `throttleLogger` (see `RateLimiter`).
    public init(query: ListJobsQuery, options: PagerOptions, logger: Logger, throttleLogger: Logger,
                makeClient: @escaping @Sendable () throws -> MetaStudioClient) {
        self.query = query
        self.options = options
        self.makeClient = makeClient
        self.logger = logger
        limiter = RateLimiter(mode: options.rate, logger: throttleLogger)
        state = ScanState(query: query, concurrency: max(1, options.concurrency),
                          firstPages: min(max(1, options.firstRound), max(1, options.concurrency)),
                          newestAllowed: options.newestAllowed)
    }

    /// Jobs that consecutive pages share, so that each boundary can be checked (see `PositionPlan`).
    public static let pageOverlap = PositionPlan.overlap
    /// The fewest jobs per page a scan can work with: the overlap and one new job.
    public static let minimumPageSize = PositionPlan.overlap + 1

    /// Pages a quiet scan of `count` jobs takes: consecutive pages overlap by two jobs, so
    /// 1 + ⌈(count − pageSize) / (pageSize − 2)⌉ (at least 1).
    public static func pages(forCount count: Int, pageSize: Int) -> Int {
        let stride = max(1, pageSize - PositionPlan.overlap)
        return count <= pageSize ? 1 : 1 + (count - pageSize + stride - 1) / stride
    }

    /// Stops the scan: no new request starts and requests in flight are aborted.
    public func cancel() { stop.raise(); state.wake() }
    /// Whether `cancel` was called.
    public var isCancelled: Bool { stop.isRaised }

    /// A snapshot for progress display.
    public func progress(elapsed: Double) -> ScanProgress { state.progress(rate: limiter.currentRate, elapsed: elapsed) }

    /// Runs the scan to the end and says how it ended (`ScanEnd`), never throwing: what `run`
    /// throws is a failure or an interruption with the scan's counts.
    public func scan(into sink: PageSink) -> ScanEnd {
        let end = ScanEnd.of { try run(into: sink) }
        let r = end.result
        logger.debug("scan ended", metadata: [
            "fetch.outcome": "\(end.outcome.rawValue)", "pages": "\(r.pagesStored)", "requests": "\(r.requests)",
            "retries": "\(r.retries)", "throttled": "\(r.throttled)", "rereads": "\(r.rereads)", "count": "\(r.expectedCount)",
        ])
        return end
    }

    /// Runs the scan to the end. Throws `ScanFailed` (the first error that retries could not fix,
    /// after stopping the other workers, with the counts so far) or `ScanCancelled`. Pages stored
    /// before an error stay stored.
    public func run(into sink: PageSink) throws -> ScanResult {
        let workers = max(1, options.concurrency)
        logger.debug("scan starting", metadata: [
            "fetch.query": "\(query.summary)", "page.limit": "\(query.pageSize)", "concurrency": "\(workers)",
            "first_round": "\(min(max(1, options.firstRound), workers))", "rate.mode": "\(options.rate)",
        ])
        let threads = (0..<workers).map { index in
            WorkerThread(name: "fetch-page", stackSize: 1 << 20) { [self] in work(index: index, sink: sink) }
        }
        threads.forEach { $0.join() }
        if let error = state.fatalError { throw ScanFailed(error: error, result: state.result()) }
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
        let cancelled: @Sendable () -> Bool = { [stop] in stop.isRaised }
        client.shouldAbort = cancelled
        var random = SystemRandomNumberGenerator()
        while let request = state.next(cancelled: cancelled) {
            if let reason = request.rereadReason {
                logger.info("page read again: the listing moved under the scan", metadata: [
                    "page.offset": "\(request.offset)", "page.limit": "\(request.query.pageSize)", "reread.reason": "\(reason)",
                    "create_since": "\(request.query.createSince ?? "none")", "create_until": "\(request.query.createUntil ?? "none")",
                    "sort_dir": "\(request.descending ? "desc" : "asc")",
                ])
            }
            do {
                var page = try fetchWithRetries(client, request: request, random: &random)
                page.label = request.label
                try sink.store(page)
                logger.debug("page stored", metadata: [
                    "page.offset": "\(request.offset)", "page.limit": "\(request.query.pageSize)", "page.jobs": "\(page.items.count)",
                    "page.count": "\(page.count)", "request.id": "\(page.requestId ?? "none")",
                ])
                state.completed(page, for: request)
            } catch {
                if !isCancelled { state.fail(error) }
                cancel()
                state.abandon(request)
                return
            }
        }
    }

    /// One page, retried per `RetryPolicy`. Every failed answer's X-Request-Id is recorded (the
    /// last one, not retried, too; a body cut short or over the cap when its headers carried one;
    /// a 429 only when it is not retried, since then it is the throttle working); `retries` counts
    /// the requests really sent again.
    private func fetchWithRetries(_ client: MetaStudioClient, request: PageRequest, random: inout SystemRandomNumberGenerator) throws -> JobPage {
        var failures = 0
        var throttles = 0
        var waited = 0.0
        var lastError: APIError?
        /// The last failure of any kind, for the log line of the retry it causes.
        var failure: Error?
        while true {
            guard limiter.acquire(unless: stop) else { throw ScanCancelled(result: ScanResult()) }
            state.countRequest(retry: failures + throttles > 0)
            let retryAfter: Double?
            do {
                let page = try client.fetchPage(request.query, offset: request.offset)
                limiter.onSuccess()
                return page
            } catch let error as APIError where error.isThrottle {
                throttles += 1
                let retry = throttles < options.retry.maxThrottledAttempts
                state.countThrottle(requestId: retry ? nil : error.requestId)
                limiter.onThrottle(message: error.errorMessage)
                guard retry else { throw error }
                retryAfter = error.retryAfter
                lastError = error
                failure = error
            } catch let error as APIError {
                failures += 1
                let retry = error.isRetryable && failures < options.retry.maxAttempts
                state.countFailure(requestId: error.requestId)
                guard retry else { throw error }
                retryAfter = error.retryAfter
                lastError = error
                failure = error
            } catch let error as TransportError {
                failures += 1
                // A response whose headers arrived (a body cut short or over the cap) has an id.
                if !isCancelled { state.countFailure(requestId: error.requestId) }
                guard error.isRetryable && !isCancelled && failures < options.retry.maxAttempts else { throw error }
                retryAfter = nil
                lastError = nil
                failure = error
            } catch let error as PageDecodeError {
                failures += 1
                let retry = error.isRetryable && failures < options.retry.maxAttempts
                state.countFailure(requestId: error.requestId)
                guard retry else { throw error }
                retryAfter = nil
                lastError = nil
                failure = error
            }
            let attempt = max(1, failures + (throttles > 0 ? 1 : 0))
            let wait = options.retry.delay(afterAttempt: attempt, retryAfter: retryAfter, random: &random)
            if waited + wait > options.retry.maxWaitPerPage, let lastError {
                // Recorded as the failure that ends the run, like a last attempt's.
                if lastError.isThrottle { state.keepFailedId(lastError.requestId) }
                throw WaitBoundReached(error: lastError, waited: waited, asked: wait, bound: options.retry.maxWaitPerPage)
            }
            logRetry(request, attempt: failures + throttles + 1, wait: wait, retryAfter: retryAfter, error: failure)
            if wait >= options.retry.announcedWait {
                announce(wait, error: lastError, retryAfter: retryAfter, waited: waited, page: request.label)
            }
            waited += wait
            // A condition wait on the stop: a cancel ends it at once.
            if stop.wait(seconds: wait) { throw ScanCancelled(result: ScanResult()) }
        }
    }
}

extension JobPager {
    /// One `.info` line for a page about to be asked for again: what it was answered (a 429 with
    /// the server's `Retry-After` and message, which may state its limit; a 5xx; a failure below
    /// HTTP), which attempt comes next and how long it waits first. Server text is as the error
    /// holds it: credentials masked, cut to 400 characters (`APIError.from`); a failure below HTTP
    /// is its own description, its URL without the query.
    func logRetry(_ request: PageRequest, attempt: Int, wait: Double, retryAfter: Double?, error: Error?) {
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "page.offset": "\(request.offset)", "page.limit": "\(request.query.pageSize)", "attempt": "\(attempt)",
            "retry.after": "\(retryAfter.map { "\($0)" } ?? "none")", "retry.wait": "\(String(format: "%.3f", wait))",
        ]
        switch error {
        case let api as APIError:
            metadata["http.status"] = "\(api.status)"
            metadata["request.id"] = "\(api.requestId ?? "none")"
            metadata["error.code"] = "\(api.errorCode ?? "none")"
            metadata["error.message"] = "\(api.errorMessage ?? "none")"
        case let transport as TransportError:
            metadata["request.id"] = "\(transport.requestId ?? "none")"
            metadata["error"] = "\(transport.kind.rawValue) error (curl \(transport.curlCode)): \(transport.message)"
        case let decode as PageDecodeError:
            metadata["request.id"] = "\(decode.requestId ?? "none")"
            metadata["error"] = "\(decode.message)"
        default:
            metadata["error"] = "\(error.map { "\($0)" } ?? "none")"
        }
        let throttled = (error as? APIError)?.isThrottle == true
        logger.info(throttled ? "page throttled (HTTP 429): asking again after the wait" : "page failed: asking again after the wait",
                    metadata: metadata)
    }

    /// Tells `onLongWait` of a wait, unless one already told ends as late (several workers held by
    /// one throttle make one notice, not one each).
    func announce(_ wait: Double, error: APIError?, retryAfter: Double?, waited: Double, page: String) {
        guard let onLongWait = options.onLongWait else { return }
        let until = ProcessInfo.processInfo.systemUptime + wait
        // Told when it ends over a second later than the last one told.
        let later = announced.withLock { announced in
            guard until > announced + 1 else { return false }
            announced = until
            return true
        }
        guard later else { return }
        let fromServer = (retryAfter ?? 0) >= wait - 0.001
        onLongWait(LongWait(seconds: wait, status: error?.status, retryAfter: fromServer, asked: fromServer ? retryAfter : nil,
                            waited: waited, page: page, bound: options.retry.maxWaitPerPage))
    }
}

/// The scan was stopped (Ctrl-C); pages stored until then are kept.
public struct ScanCancelled: Error, Sendable, CustomStringConvertible {
    public var result: ScanResult
    public var description: String { "interrupted" }
}

/// The scan stopped on an error that retries could not fix; `result` holds its true counts (pages,
/// requests, retries, the X-Request-Ids of the failed requests, the last one included).
public struct ScanFailed: Error, Sendable, CustomStringConvertible {
    public var error: Error
    public var result: ScanResult
    /// The underlying error's line.
    public var description: String { "\(error)" }
}

