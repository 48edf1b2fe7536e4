@testable import MetaStudio
import Testing

/// The pieces behind the fetch edges, without HTTP: pages too small to overlap, the page size a
/// server is said to serve, conversions that must not trap, paces that must not stop.
@Suite(.timeLimit(.minutes(1))) struct FetchEdgeUnitTests {
    /// Answers planned offsets from `total` jobs, at most `served` per page, claiming `claimed`.
    func drain(_ plan: inout PositionPlan, total: Int, served: Int, claimed: Int) -> [Int] {
        var read: [Int] = []
        var seq = 0
        while let offset = plan.next(maxInFlight: 1) {
            read.append(offset)
            seq += 1
            plan.completed(offset: offset, returned: max(0, min(total - offset, served, plan.limit)), count: claimed, seq: seq)
            if read.count > 1000 { break }
        }
        return read
    }

    @Test func aServerServingOneOrTwoPerPageIsToldFromDataThatEnds() {
        for served in [1, 2] {
            var plan = PositionPlan(limit: 100)
            #expect(drain(&plan, total: 120, served: served, claimed: 120) == [0, served], "one page, then the position after it")
            #expect(plan.servesTooFew == served && plan.servedShown == served)
        }
        // Two jobs where the count claims more, and nothing after them: the data ends there.
        var lie = PositionPlan(limit: 100)
        #expect(drain(&lie, total: 2, served: 100, claimed: 1000) == [0, 2])
        #expect(lie.servesTooFew == nil && lie.countNotBacked && lie.dataEnd == 2)
    }

    @Test func aShortLastPageOfACountThatLiesIsNoServedPageSize() {
        var lie = PositionPlan(limit: 100)
        _ = drain(&lie, total: 300, served: 100, claimed: 303)
        #expect(lie.servedShown == nil && lie.countNotBacked)
        var capped = PositionPlan(limit: 100)
        _ = drain(&capped, total: 250, served: 60, claimed: 253)
        #expect(capped.servedShown == 60)
    }

    @Test func anInvertedRangeHasNoGap() {
        let range = (lower: TimeEdge(epoch: 2e9, text: nil), upper: TimeEdge(epoch: 1e9, text: nil))
        #expect(CreateTimeCoverage.gaps([], range: range).isEmpty)
    }

    @Test func timeoutsOfAnySizeBecomeMillisecondsWithoutATrap() {
        #expect(HTTPConnection.millis(60) == 60_000)
        #expect(HTTPConnection.millis(0.0001) == 1)
        for huge in [9.3e18, 1e300, Double.greatestFiniteMagnitude] { #expect(HTTPConnection.millis(huge) == Int(Int32.max)) }
        for none in [0, -1, Double.nan, Double.infinity] { #expect(HTTPConnection.millis(none) == 0) }
    }

    @Test func noRateStopsThePace() {
        #expect(RateLimiter(mode: .fixed(1e-300), logger: .discarding).currentRate == RateLimiter.minimumFixedRate)
        #expect(RateLimiter(mode: .fixed(.nan), logger: .discarding).currentRate > 0)
        let limiter = RateLimiter(mode: .adaptive(initial: 20), logger: .discarding)
        limiter.onThrottle(message: "policy user over ratelimit,limit:0.0000001,time:1 second")
        #expect(limiter.currentRate == RateLimiter.minimumRate)
        limiter.onThrottle(message: "policy user over ratelimit,limit:5,time:99999999999999999999 hour")
        #expect(limiter.currentRate == RateLimiter.minimumRate)
    }
}
