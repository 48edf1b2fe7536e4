import Foundation

/// Decides what a scan reads, and when it is done. Not thread-safe: `ScanState` calls it under its lock.
///
/// 1. **Main listing**: every page of the query, oldest first, consecutive pages overlapping by two
///    jobs (`PositionPlan`). Each answer shows a span of the create_time axis completely
///    (`CoveredSpan`).
/// 2. **Repairs**: where the spans leave a gap (jobs shifted between two pages, a tie group on a
///    boundary, the end moved), that window is read again with `create_since`/`create_until`,
///    usually in one small request; a window holding more jobs than a page is paged the same way.
///    A single create_time holding more jobs than a page (a tie group) is read until as many
///    distinct jobs were seen as its count, a bounded number of times.
/// 3. **Accounting**, only when something moved: one page newest first gives the count now and
///    the jobs created last; jobs a later answer no longer lists are gone (not a failure); if the
///    count still exceeds the jobs found (jobs entered mid-order, a state filter they now match),
///    windows are halved by create_time, comparing each one's count with the jobs seen in it,
///    until the missing ones are found; or, when so many are missing that halving would cost more
///    than reading every page again, every page is read again.
///
/// In the quiet case (nothing moved) this costs only the overlap: no request beyond the main listing.
struct ScanPlanner: Sendable {
    enum Phase: Sendable { case reading, settling, probing, finished }

    /// Repeated reads allowed for one gap before it is reported unverified.
    static let maxAttempts = 4
    /// Newest-first pages (each after a round of repairs or probes).
    static let maxSettles = 3

    let concurrency: Int
    let range: (lower: TimeEdge, upper: TimeEdge)
    private(set) var listings: [ScanListing]
    private(set) var phase = Phase.reading
    private(set) var ledger: ScanLedger
    private(set) var spans: [CoveredSpan] = []
    private(set) var issues: [ScanIssue] = []
    /// Anything moved: counts changed, a gap was found, a page was short or the pages ended early.
    private(set) var moved = false
    /// The query's count differed between answers: the listing itself moved.
    private(set) var countChanged = false
    /// Requests of listings other than the main one.
    private(set) var rereads = 0
    private var firstMainCount: Int?
    private var latestMainCount: (count: Int, seq: Int)?
    private var attempts: [String: Int] = [:]
    private var tieReads: [Double: Int] = [:]
    private var closedGaps: [String: ScanIssue] = [:]
    private var settles = 0

    /// `limit`: jobs per page; `firstRound`: pages asked for before the first count arrives;
    /// `range`: the query's create_time bounds (edges without text; ±∞ when unbounded).
    init(limit: Int, firstRound: Int, concurrency: Int, range: (lower: TimeEdge, upper: TimeEdge)) {
        self.concurrency = max(1, concurrency)
        self.range = range
        ledger = ScanLedger()
        listings = [ScanListing(purpose: .main, lower: range.lower, upper: range.upper,
                                plan: PositionPlan(limit: limit, firstRound: firstRound))]
    }

    var main: ScanListing { listings[0] }
    var isIdle: Bool { listings.allSatisfy(\.plan.isIdle) }

    /// The API's count as the latest answer of the whole query gave it.
    var latestCount: Int { latestMainCount?.count ?? 0 }

    /// "count 300", or "count 300 → 299" when it moved.
    var countsShown: String {
        guard let first = firstMainCount else { return "no count" }
        return first == latestCount ? "count \(first)" : "count \(first) → \(latestCount)"
    }

    /// The next page to ask for: (listing, offset), or nil when none is due until answers arrive.
    mutating func next() -> (listing: Int, offset: Int)? {
        guard phase != .finished, !issues.contains(where: \.endsScan) else { return nil }
        for index in listings.indices {
            if listings[index].onlyFirstPage && listings[index].requests > 0 { continue }
            if index > 0 && rereads >= budget { continue }
            if let offset = listings[index].plan.next(maxInFlight: concurrency) {
                listings[index].requests += 1
                if index > 0 { rereads += 1 }
                return (index, offset)
            }
        }
        return nil
    }

    /// Re-reads allowed: generous next to the main listing, bounded whatever the server does.
    var budget: Int { 64 + 3 * main.requests }

    /// A page of `listing` at `offset` arrived as answer number `seq`.
    mutating func completed(listing index: Int, offset: Int, facts: PageFacts, seq: Int) {
        var listing = listings[index]
        listing.plan.completed(offset: offset, returned: facts.returned, count: facts.count, seq: seq)
        if listing.firstSeq == nil { listing.firstSeq = seq }
        for (id, epoch) in zip(facts.ids, facts.epochs) { ledger.saw(id, epoch: epoch, seq: seq) }
        if case .main = listing.purpose { noteMainCount(facts.count, seq: seq) }
        if case .newest = listing.purpose { noteMainCount(facts.count, seq: seq) }
        let reachesEnd = offset + facts.returned >= facts.count
        if facts.returned < listing.plan.limit && !reachesEnd { moved = true }
        if !facts.sorted {
            if !issues.contains(.unsorted(offset: offset)) { issues.append(.unsorted(offset: offset)) }
        } else if let span = CoveredSpan.of(first: facts.first, last: facts.last, atStart: offset == 0,
                                            atEnd: reachesEnd, descending: listing.descending,
                                            window: (listing.lower, listing.upper), seq: seq) {
            spans.append(span)
        }
        listings[index] = listing
        if let few = listing.plan.servesTooFew, !issues.contains(where: \.endsScan) {
            issues.append(.tooFewPerPage(served: few, asked: listing.plan.limit))
        }
        if case .probe(let gap) = listing.purpose, !reachesEnd, facts.count > ledger.presentCount(from: gap.lower.epoch, to: gap.upper.epoch) {
            split(gap)
        }
    }

    /// A request that will not be answered (the scan is stopping).
    mutating func abandoned(listing: Int, offset: Int) { listings[listing].plan.abandoned(offset: offset) }

    private mutating func noteMainCount(_ count: Int, seq: Int) {
        if firstMainCount == nil { firstMainCount = count }
        if count != firstMainCount { moved = true; countChanged = true }
        if seq > latestMainCount?.seq ?? -1 { latestMainCount = (count, seq) }
    }

    /// Called when nothing is in flight and nothing is due: plans the next step, or finishes.
    mutating func advance() {
        switch phase {
        case .finished:
            return
        case .settling:
            settle()
        case .reading, .probing:
            phase = .reading
            if issues.contains(where: { if case .unsorted = $0 { return true } else { return $0.endsScan } }) {
                phase = .finished
                return
            }
            closeRepairs()
            if main.plan.beyondOffsetLimit, let count = main.plan.count, !issues.contains(.beyondOffsetLimit(count: count)) {
                issues.append(.beyondOffsetLimit(count: count))
            }
            let gaps = CreateTimeCoverage.gaps(spans, range: range)
            if gaps.isEmpty { account() } else { repair(gaps) }
        }
    }

    // MARK: Repairs

    private mutating func repair(_ found: [CoverageGap]) {
        moved = true
        ledger.settle(spans: spans)
        var started = 0
        for gap in merged(found) {
            let key = Self.key(gap)
            if let issue = closedGaps[key] {
                if !issues.contains(issue) { issues.append(issue) }
                continue
            }
            attempts[key, default: 0] += 1
            let tooMany = gap.isPoint ? tieReads[gap.lower.epoch, default: 0] >= tieLimit(gap) : attempts[key]! > Self.maxAttempts
            if tooMany || rereads >= budget {
                issues.append(issue(for: gap))
                continue
            }
            listings.append(ScanListing(purpose: .repair(gap), lower: gap.lower, upper: gap.upper,
                                        plan: PositionPlan(limit: main.plan.limit)))
            started += 1
        }
        if started == 0 { phase = .finished }
    }

    /// Reads allowed for one tie group: enough for a group whose order changes on every request
    /// to show every member with near certainty when it is a few pages long, bounded for any size.
    private func tieLimit(_ gap: CoverageGap) -> Int {
        let count = listings.last { $0.gap == gap }?.plan.count ?? 0
        let pages = (count + main.plan.served - 1) / max(1, main.plan.served)
        return 4 * pages + 6
    }

    private func issue(for gap: CoverageGap) -> ScanIssue {
        if gap.isPoint, let listing = listings.last(where: { $0.gap == gap }), let count = listing.plan.count {
            return .unstableTies(at: gap.lower, count: count,
                                 found: ledger.presentCount(from: gap.lower.epoch, to: gap.lower.epoch),
                                 reads: tieReads[gap.lower.epoch, default: 0])
        }
        return .unverified(gap, counts: countsShown, rereads: rereads)
    }

    /// After a round, each repair listing that found its count not backed by pages closes its gap
    /// with that issue; each tie group read in full (as many distinct jobs as its count) is covered.
    private mutating func closeRepairs() {
        var settled = false
        for index in listings.indices where !listings[index].accounted && listings[index].plan.isIdle {
            guard case .repair(let gap) = listings[index].purpose, listings[index].requests > 0 else { continue }
            listings[index].accounted = true
            let listing = listings[index]
            if listing.plan.countNotBacked, closedGaps[Self.key(gap)] == nil {
                closedGaps[Self.key(gap)] = notBacked(listing)
            }
            guard gap.isPoint, let count = listing.plan.count, count > 0 else { continue }
            tieReads[gap.lower.epoch, default: 0] += listing.requests
            if !settled {
                ledger.settle(spans: spans)
                settled = true
            }
            if ledger.presentCount(from: gap.lower.epoch, to: gap.lower.epoch) >= count {
                // Complete as the union of several reads, not as one moment: it proves no job gone.
                spans.append(CoveredSpan(lower: gap.lower, lowerClosed: true, upper: gap.upper, upperClosed: true, seq: 0))
            }
        }
    }

    /// The count of the whole query (or, when that was backed, of the window) against what arrived.
    private func notBacked(_ listing: ScanListing) -> ScanIssue {
        let plan = main.plan.countNotBacked ? main.plan : listing.plan
        return .countNotBacked(claimed: plan.claimedAtDataEnd ?? plan.count ?? 0, received: ledger.count,
                               endOffset: plan.dataEnd ?? 0, after: listing.lower)
    }

    /// Neighbouring gaps with few jobs between them are read as one window: one request instead of
    /// two. A tie group already being read keeps a listing of its own (its distinct jobs are counted).
    private func merged(_ gaps: [CoverageGap]) -> [CoverageGap] {
        var result: [CoverageGap] = []
        for gap in gaps {
            let reading = { (gap: CoverageGap) in gap.isPoint && tieReads[gap.lower.epoch] != nil }
            if let last = result.last, !reading(last), !reading(gap),
               ledger.presentCount(from: last.upper.epoch, to: gap.lower.epoch) <= main.plan.served / 2 {
                result[result.count - 1] = CoverageGap(lower: last.lower, upper: gap.upper)
            } else {
                result.append(gap)
            }
        }
        return result
    }

    private static func key(_ gap: CoverageGap) -> String { "\(gap.lower.epoch)|\(gap.upper.epoch)" }

    // MARK: Accounting

    /// Every part of the range is covered: done when nothing moved; else read the newest page for
    /// the count now and compare it with the jobs still listed.
    private mutating func account() {
        if !issues.isEmpty { phase = .finished; return }
        if !moved && ledger.count == latestCount { phase = .finished; return }
        moved = true
        guard settles < Self.maxSettles else {
            ledger.settle(spans: spans)
            let missing = latestCount - ledger.presentCount
            if missing > 0 { issues.append(.entered(missing: missing, counts: countsShown, window: nil)) }
            phase = .finished
            return
        }
        settles += 1
        listings.append(ScanListing(purpose: .newest, lower: range.lower, upper: range.upper, descending: true,
                                    plan: PositionPlan(limit: main.plan.limit)))
        phase = .settling
    }

    private mutating func settle() {
        ledger.settle(spans: spans)
        let missing = latestCount - ledger.presentCount
        guard missing > 0 else { phase = .finished; return }
        guard rereads < budget else {
            issues.append(.entered(missing: missing, counts: countsShown, window: nil))
            phase = .finished
            return
        }
        phase = .probing
        // Halving finds m missing jobs among P pages in about 2m(log2(P/m) + 1) probes; when that
        // is no cheaper than reading every page again (many jobs entered, all over), read them again.
        let whole = CoverageGap(lower: range.lower, upper: range.upper)
        let pages = JobPager.pages(forCount: latestCount, pageSize: main.plan.served)
        let probes = 2.0 * Double(missing) * (log2(max(1, Double(pages) / Double(missing))) + 1)
        if probes >= Double(pages) {
            listings.append(ScanListing(purpose: .repair(whole), lower: range.lower, upper: range.upper,
                                        plan: PositionPlan(limit: main.plan.limit)))
        } else {
            split(whole)
        }
    }

    /// Halves a window whose count exceeds the jobs seen in it (at the median create_time of those
    /// jobs, else at the middle instant) and probes each half; a window that cannot be halved is
    /// read in full.
    private mutating func split(_ gap: CoverageGap) {
        guard rereads < budget else { return }
        let middle: TimeEdge?
        if let median = ledger.medianPresent(above: gap.lower.epoch, below: gap.upper.epoch) {
            middle = TimeEdge(epoch: median, text: RFC3339.format(median))
        } else if gap.lower.epoch.isFinite, gap.upper.epoch.isFinite, gap.upper.epoch - gap.lower.epoch >= 0.002 {
            let instant = ((gap.lower.epoch + gap.upper.epoch) / 2 * 1000).rounded(.down) / 1000
            middle = TimeEdge(epoch: instant, text: RFC3339.format(instant))
        } else {
            middle = nil
        }
        guard let middle else {
            listings.append(ScanListing(purpose: .repair(gap), lower: gap.lower, upper: gap.upper,
                                        plan: PositionPlan(limit: main.plan.limit)))
            attempts[Self.key(gap), default: 0] += 1
            return
        }
        for half in [CoverageGap(lower: gap.lower, upper: middle), CoverageGap(lower: middle, upper: gap.upper)] {
            listings.append(ScanListing(purpose: .probe(half), lower: half.lower, upper: half.upper,
                                        plan: PositionPlan(limit: main.plan.limit)))
        }
    }
}
