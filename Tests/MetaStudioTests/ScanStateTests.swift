@testable import MetaStudio
import Testing

/// The scan's shared state without HTTP: which page it hands out next, what an answer teaches it,
/// when the scan is over, and the counts it reports. Pages are answered here, one at a time, from
/// a `JobListing` the test may change between answers.
@Suite(.timeLimit(.minutes(1))) struct ScanStateTests {
    /// A page of `listing` as the API would answer `request`.
    func page(_ listing: JobListing, for request: PageRequest) -> JobPage {
        let (count, jobs) = listing.answer(since: request.query.createSince, until: request.query.createUntil,
                                           descending: request.descending, offset: request.offset, limit: request.query.pageSize)
        let items = jobs.map { job in
            PageJob.tape(JSONTape(.object(JSONObject([("job_id", .string(job.id)), ("create_time", .string(RFC3339.format(job.epoch)))]))).root)
        }
        return JobPage(offset: request.offset, count: count, items: items, requestId: nil)
    }

    /// Answers every request `state` hands out until it says the scan is over; `change` may alter
    /// the listing after each answer (1 for the first). Returns the requests in order.
    @discardableResult
    func drive(_ state: ScanState, _ listing: inout JobListing, change: (inout JobListing, Int) -> Void = { _, _ in }) -> [PageRequest] {
        var requests: [PageRequest] = []
        while let request = state.next(cancelled: { false }) {
            requests.append(request)
            state.completed(page(listing, for: request), for: request)
            change(&listing, requests.count)
            if requests.count > 1000 { break }
        }
        return requests
    }

    @Test func aQuietListingIsReadOnceInOrderAndEndsComplete() {
        var listing = JobListing(count: 250)
        let state = ScanState(query: ListJobsQuery(pageSize: 100), concurrency: 1)
        let requests = drive(state, &listing)
        #expect(requests.map(\.offset) == [0, 98, 196])
        #expect(requests.allSatisfy { $0.rereadReason == nil && $0.label == "offset \($0.offset)" })
        let r = state.result()
        #expect(r.complete && !r.moved && r.gone == 0 && r.rereads == 0)
        #expect(r.pagesStored == 3 && r.distinctJobs == 250 && r.expectedCount == 250)
        #expect(r.newestCreateTime == listing.jobs.last?.epoch)
    }

    @Test func aFirstRoundGoesOutBeforeAnyCountArrives() {
        let state = ScanState(query: ListJobsQuery(pageSize: 100), concurrency: 4, firstPages: 3)
        let first = (0 ..< 3).compactMap { _ in state.next(cancelled: { false }) }
        #expect(first.map(\.offset) == [0, 98, 196])
        // A fourth would wait for an answer: the scan is stopped instead, and hands out nothing more.
        state.fail(ScanStateTestError())
        #expect(state.next(cancelled: { false }) == nil)
        #expect(state.fatalError is ScanStateTestError)
    }

    @Test func jobsDeletedBehindTheScanAreFoundGoneAfterTheirWindowIsReadAgain() {
        var listing = JobListing(count: 300)
        let state = ScanState(query: ListJobsQuery(pageSize: 100), concurrency: 1)
        let requests = drive(state, &listing) { listing, answered in
            if answered == 1 { for position in [30, 20, 10] { listing.jobs.remove(at: position) } }
        }
        let r = state.result()
        #expect(r.complete, "\(r.issues)")
        #expect(r.moved && r.countChanged && r.gone == 3)
        #expect(r.distinctJobs == 300 && r.expectedCount == 297)
        let rereads = requests.filter { $0.rereadReason != nil }
        #expect(rereads.count == r.rereads && r.rereads > 0)
        #expect(rereads.contains { $0.rereadReason == "repair" && $0.query.createSince != nil && $0.query.createUntil != nil })
        #expect(rereads.contains { $0.rereadReason == "newest" && $0.descending })
    }

    @Test func aCreateTimeFarInTheFutureIsStoredButNotTakenAsTheNewest() {
        var listing = JobListing(count: 5)
        listing.jobs.append(.init(id: "future", epoch: RFC3339.parse("2099-01-01T00:00:00Z")!))
        let allowed = listing.jobs[4].epoch + 1
        let state = ScanState(query: ListJobsQuery(pageSize: 100), concurrency: 1, newestAllowed: allowed)
        drive(state, &listing)
        let r = state.result()
        #expect(r.distinctJobs == 6)
        #expect(r.newestCreateTime == listing.jobs[4].epoch)
    }

    @Test func requestsRetriesAndThrottlesAreCountedAndFailedIdsKeptUpToTheBound() {
        let state = ScanState(query: ListJobsQuery(), concurrency: 1)
        state.countRequest(retry: false)
        state.countRequest(retry: true)
        state.countRequest(retry: true)
        state.countThrottle(requestId: nil)
        state.countFailure(requestId: nil)
        for n in 0 ..< 60 { state.countFailure(requestId: "id-\(n)") }
        state.countFailure(requestId: "bad\u{1B}[2Jid")
        let r = state.result()
        #expect(r.requests == 3 && r.retries == 2 && r.throttled == 1)
        #expect(r.failedWithId == 61)
        #expect(r.failedRequestIds.count == ScanResult.keptRequestIds)
        #expect(r.failedRequestIds.prefix(3) == ["id-0", "id-1", "id-2"])
        #expect(r.failedRequestIds.last == "bad\\u{1B}[2Jid", "the latest, which ends a run, stays findable and terminal-safe")
    }

    @Test func aCancelledScanHandsOutNothingMore() {
        let state = ScanState(query: ListJobsQuery(), concurrency: 2)
        #expect(state.next(cancelled: { true }) == nil)
        #expect(state.result().requests == 0)
    }

    @Test func theLedgerCountsEachJobOnceAndJobsSeenSinceTheLastSettleAsPresent() throws {
        var ledger = ScanLedger()
        ledger.saw("a", epoch: 1, seq: 1)
        ledger.saw("b", epoch: 2, seq: 1)
        ledger.saw("a", epoch: 1, seq: 2)
        ledger.saw("untimed", epoch: .nan, seq: 1)
        #expect(ledger.count == 3)
        let span = CoveredSpan(lower: TimeEdge(epoch: 0, text: nil), lowerClosed: true, upper: TimeEdge(epoch: 3, text: nil),
                               upperClosed: true, seq: 2)
        #expect(ledger.settle(spans: [span]) == 1, "b was listed at answer 1 only; answer 2 covered its create_time without it")
        #expect(ledger.presentCount == 2 && ledger.goneCount == 1)
        ledger.saw("c", epoch: 2.5, seq: 3)
        #expect(ledger.presentCount == 3)
        #expect(ledger.presentCount(from: 0, to: 3) == 2, "a, and c seen since the settle; the untimed job is in no window")
        #expect(ledger.medianPresent(above: 0, below: 3) == 1)
    }
}

private struct ScanStateTestError: Error {}
