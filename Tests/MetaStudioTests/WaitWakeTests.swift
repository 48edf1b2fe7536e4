import Foundation
import Logging
@testable import MetaStudio
import Testing

/// The waits of a fetch end at once when it is stopped: a waiter blocked on a `StopSignal`, a
/// worker waiting for its slot from the rate limiter, and a page waiting out a server's
/// `Retry-After`, each with a deadline past this suite's time limit, are woken by the stop.
/// Each test raises the stop only once the waiter is seen waiting (`StopSignal.waitForWaiters`),
/// so a stop seen before the wait proves nothing; the bounds asserted are half the deadline or
/// less, never a measure of speed.
@Suite(.timeLimit(.minutes(1))) struct WaitWakeTests {
    /// Runs `body` on a thread of its own and returns its result: the waits here block, and must
    /// not hold one of Swift concurrency's few threads.
    func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    @Test func aStopWakesAWaiterLongBeforeItsDeadline() async {
        let stop = StopSignal()
        let woken = Locked<Bool?>(nil)
        let waiter = WorkerThread(name: "test-waiter") {
            let raised = stop.wait(seconds: 90)
            woken.update { $0 = raised }
        }
        let joined = await onThread { () -> Bool in
            stop.waitForWaiters(1)
            stop.raise()
            return waiter.join(until: Date(timeIntervalSinceNow: 30))
        }
        #expect(joined, "the waiter was still waiting 30 s after the stop (its deadline: 90 s)")
        #expect(woken.withLock { $0 } == true, "the wait says it ended by the stop")
    }

    @Test func aWaitWithNoStopEndsAtItsDeadlineAndSaysSo() async {
        let stop = StopSignal()
        #expect(await onThread { stop.wait(seconds: 0.05) } == false)
        #expect(await onThread { stop.wait(seconds: 0) } == false)
        stop.raise()
        #expect(await onThread { stop.wait(seconds: 90) } == true, "a stop already raised ends a wait at once")
    }

    @Test func aStopWakesAWorkerWaitingForItsRateSlot() async {
        // One request every 80 s: the first slot is now, the second 80 s away.
        let limiter = RateLimiter(mode: .fixed(0.0125), logger: .discarding)
        let stop = StopSignal()
        #expect(await onThread { limiter.acquire(unless: stop) }, "the first slot is taken at once")
        let acquired = Locked<Bool?>(nil)
        let worker = WorkerThread(name: "test-worker") {
            let slot = limiter.acquire(unless: stop)
            acquired.update { $0 = slot }
        }
        let joined = await onThread { () -> Bool in
            stop.waitForWaiters(1)
            stop.raise()
            return worker.join(until: Date(timeIntervalSinceNow: 30))
        }
        #expect(joined, "the worker was still waiting for its slot 30 s after the stop (the slot: 80 s away)")
        #expect(acquired.withLock { $0 } == false, "a stopped wait takes no slot")
    }

    @Test func aCancelWakesAPageWaitingOutARetryAfter() async throws {
        // Every answer asks to wait 60 s (the longest one wait): the page waits, then is cancelled.
        let server = try ListingServer(count: 150) { _, _ in
            .http(503, "Service Unavailable", headers: [("Retry-After", "60"), ("X-Request-Id", "req-wait")],
                  body: Array(#"{"error_code":"APIGW.0201","error_msg":"Backend unavailable."}"#.utf8))
        }
        defer { server.stop() }
        var options = PagerOptions()
        options.concurrency = 1
        options.rate = .unlimited
        let base = server.baseURL
        let pager = JobPager(query: ListJobsQuery(pageSize: 100), options: options, logger: .discarding, throttleLogger: .discarding) {
            try MetaStudioClient(endpoint: APIEndpoint(region: nil, override: base), projectId: "p",
                                 credentials: .token("TOKEN-wait-0001"), options: HTTPClientOptions(), logger: .discarding)
        }
        let ended = Locked<(end: ScanEnd, at: Double)?>(nil)
        let scanning = WorkerThread(name: "test-scan") {
            let end = pager.scan(into: CollectingSink())
            ended.update { $0 = (end, ProcessInfo.processInfo.systemUptime) }
        }
        let cancelledAt = await onThread { () -> Double in
            pager.stop.waitForWaiters(1)
            let now = ProcessInfo.processInfo.systemUptime
            pager.cancel()
            return now
        }
        #expect(await onThread { scanning.join(until: Date(timeIntervalSinceNow: 30)) },
                "the scan was still waiting 30 s after the cancel (the wait: 60 s)")
        let end = try #require(ended.withLock { $0 })
        #expect(end.end.outcome == .interrupted)
        #expect(end.at - cancelledAt < 30, "the cancel ended the wait, not its 60 s")
        #expect(server.requests.count == 1 && end.end.result.requests == 1, "no page is asked for again after the cancel")
    }
}
