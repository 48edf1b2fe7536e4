@testable import MetaStudio
import Testing

/// The pieces of the scan's planning, without HTTP: which offsets a listing reads, what a page's
/// answer proves about the create_time axis, and which jobs are gone.
@Suite(.timeLimit(.minutes(1))) struct ScanPlanningTests {
    /// Answers every planned offset from a frozen list of `total` jobs, `served` per page at most;
    /// returns the offsets read in order.
    func drain(_ plan: inout PositionPlan, total: Int, served: Int? = nil, claimed: Int? = nil) -> [Int] {
        var read: [Int] = []
        var seq = 0
        while let offset = plan.next(maxInFlight: 1) {
            read.append(offset)
            seq += 1
            let returned = max(0, min(total - offset, served ?? plan.limit, plan.limit))
            plan.completed(offset: offset, returned: returned, count: claimed ?? total, seq: seq)
            if read.count > 10_000 { break }
        }
        return read
    }

    @Test func consecutivePagesOverlapByTwoJobsAndStopAtTheCount() {
        var plan = PositionPlan(limit: 100)
        #expect(drain(&plan, total: 300) == [0, 98, 196, 294])
        var exact = PositionPlan(limit: 100)
        #expect(drain(&exact, total: 296) == [0, 98, 196])
        var small = PositionPlan(limit: 100)
        #expect(drain(&small, total: 0) == [0])
        #expect(JobPager.pages(forCount: 300, pageSize: 100) == 4 && JobPager.pages(forCount: 296, pageSize: 100) == 3)
        #expect(JobPager.pages(forCount: 100, pageSize: 100) == 1 && JobPager.pages(forCount: 0, pageSize: 100) == 1)
    }

    @Test func aFirstRoundGoesOutBeforeAnyCountAndAGrowingCountIsFollowed() {
        var plan = PositionPlan(limit: 100, firstRound: 3)
        #expect(plan.next(maxInFlight: 8) == 0)
        #expect(plan.next(maxInFlight: 8) == 98)
        #expect(plan.next(maxInFlight: 8) == 196)
        #expect(plan.next(maxInFlight: 8) == nil, "no fourth page before a count")
        plan.completed(offset: 0, returned: 100, count: 250, seq: 1)
        plan.completed(offset: 98, returned: 100, count: 250, seq: 2)
        plan.completed(offset: 196, returned: 54, count: 250, seq: 3)
        #expect(plan.next(maxInFlight: 8) == nil)
        plan.completed(offset: 0, returned: 100, count: 260, seq: 4) // a later answer: 10 more jobs
        #expect(plan.next(maxInFlight: 8) == 248, "the last page's two last jobs are read again with the new ones")
    }

    @Test func aServerThatCapsPagesIsReadAtItsPageSize() {
        var plan = PositionPlan(limit: 100)
        let read = drain(&plan, total: 200, served: 30)
        #expect(plan.served == 30)
        #expect(read == [0] + Array(stride(from: 28, to: 200 - 2, by: 28)))
    }

    @Test func aCountThePagesNeverBackUpEndsWhereTheDataEnds() {
        var plan = PositionPlan(limit: 100)
        let read = drain(&plan, total: 300, claimed: 1_000_000_000_000)
        #expect(read.count < 10, "\(read)")
        #expect(plan.countNotBacked && plan.dataEnd == 300 && plan.claimedAtDataEnd == 1_000_000_000_000)
        var beyond = PositionPlan(limit: 100)
        beyond.completed(offset: 0, returned: 100, count: 1 << 40, seq: 1)
        var offsets: [Int] = []
        while let offset = beyond.next(maxInFlight: 4) { offsets.append(offset) }
        #expect(offsets.count == 4, "only as many pages ahead as may be in flight, not one per offset the count implies")
    }

    @Test func offsetsStayWithinTheContract() {
        var plan = PositionPlan(limit: 100)
        #expect(plan.next(maxInFlight: 1) == 0)
        // An answer claiming three billion jobs, of which the first 2147483700 arrived at once.
        plan.completed(offset: 0, returned: 2_147_483_700, count: 3_000_000_000, seq: 1)
        #expect(plan.next(maxInFlight: 1) == nil, "offset 2147483698 is past the largest the API accepts")
        #expect(plan.beyondOffsetLimit)
        #expect(ScanIssue.beyondOffsetLimit(count: 3_000_000_000).description
                == "the API counts 3000000000 jobs, more than offsets up to 2147483647 can reach")
    }

    func edge(_ epoch: Double) -> TimeEdge { TimeEdge(epoch: epoch, text: "t\(Int(epoch))") }
    let whole = (lower: TimeEdge.below, upper: TimeEdge.above)

    func span(_ first: Double?, _ last: Double?, start: Bool = false, end: Bool = false, desc: Bool = false, seq: Int = 1) -> CoveredSpan? {
        CoveredSpan.of(first: first.map(edge), last: last.map(edge), atStart: start, atEnd: end, descending: desc,
                       window: whole, seq: seq)
    }

    @Test func pagesOverlappingOnTwoDistinctTimesCoverTheWholeAxis() throws {
        // Pages [1..5] and [4..9] (offset 0, then the end): 4 and 5 are on both.
        let spans = [try #require(span(1, 5, start: true)), try #require(span(4, 9, end: true))]
        #expect(CreateTimeCoverage.gaps(spans, range: whole).isEmpty)
    }

    @Test func pagesMeetingOnOneTimeLeaveThatInstantToReadAgain() throws {
        // The overlap shrank to one job (one deleted before the boundary), or a tie straddles it.
        let spans = [try #require(span(1, 5, start: true)), try #require(span(5, 9, end: true))]
        let gaps = CreateTimeCoverage.gaps(spans, range: whole)
        #expect(gaps == [CoverageGap(lower: edge(5), upper: edge(5))])
        #expect(gaps.first?.isPoint == true && gaps.first?.shown == "create_time t5")
    }

    @Test func pagesThatShiftedApartLeaveTheWindowBetweenThem() throws {
        let spans = [try #require(span(1, 5, start: true)), try #require(span(7, 9, end: true))]
        #expect(CreateTimeCoverage.gaps(spans, range: whole) == [CoverageGap(lower: edge(5), upper: edge(7))])
        // Without a page reaching the end by its own count, the tail is open too.
        let noEnd = [try #require(span(1, 5, start: true)), try #require(span(4, 9))]
        #expect(CreateTimeCoverage.gaps(noEnd, range: whole) == [CoverageGap(lower: edge(9), upper: .above)])
    }

    @Test func aNewestFirstPageCoversFromItsOldestJobUp() throws {
        let newest = try #require(span(9, 6, start: true, desc: true))
        #expect(newest.lower == edge(6) && !newest.lowerClosed && newest.upper == .above && newest.upperClosed)
        #expect(span(5, 5) == nil, "a page of one tie shows nothing completely")
        let whole = try #require(span(5, 5, start: true, end: true))
        #expect(whole.contains(5) && whole.contains(-1e12))
    }

    @Test func aJobIsGoneOnlyWhenALaterCompleteAnswerLeavesItOut() throws {
        var ledger = ScanLedger()
        ledger.saw("a", epoch: 2, seq: 1)
        ledger.saw("b", epoch: 3, seq: 1)
        ledger.saw("c", epoch: 5, seq: 1)
        ledger.saw("d", epoch: .nan, seq: 1)
        // Answer 2 covers (1, 4) completely and lists only "a": "b" is gone. Answer 0 (older) proves nothing.
        ledger.saw("a", epoch: 2, seq: 2)
        let later = try #require(span(1, 4, seq: 2))
        let older = try #require(span(4, 6, seq: 0))
        #expect(ledger.settle(spans: [later, older]) == 1)
        #expect(ledger.count == 4 && ledger.presentCount == 3)
        #expect(ledger.presentCount(from: 2, to: 5) == 2)
        #expect(ledger.medianPresent(above: 0, below: 10) == 5)
    }
}
