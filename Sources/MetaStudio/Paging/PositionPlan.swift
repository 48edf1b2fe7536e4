/// Which offsets of one listing to read: every position from 0 to the end the latest `count` gives,
/// each page overlapping the one before by `overlap` jobs, so that `CreateTimeCoverage` can check the
/// boundary between them. Planned from what has been read (coverage), not from a fixed list: a page
/// shorter than asked before the end lowers the page size to what the server serves and leaves its
/// unread tail to be planned; a count that the pages do not back up (a page that brings nothing new
/// before the count's end) ends the listing where the data ends, so an absurd count costs a few
/// empty pages, never an array of every offset it implies. A page of one or two jobs short of the
/// count cannot be followed with an overlap of two: one request at the position after it tells a
/// server that serves fewer than three jobs per page (there are more jobs) from data that ends there
/// (there are none). Not thread-safe (`ScanState` locks it).
struct PositionPlan: Sendable {
    /// Jobs shared by consecutive pages. Two, not one: with one, a job deleted before the boundary
    /// while two jobs tied on create_time swap places leaves the overlap looking intact and hides
    /// one of them; with two distinct create_times on the overlap, each page covers the other's
    /// edge (see `CreateTimeCoverage`).
    static let overlap = 2
    /// The largest offset the API accepts (CONTRACT.md: offset 0 … 2147483647).
    static let maxOffset = 2_147_483_647

    /// Jobs asked for per page (`limit`).
    let limit: Int
    /// Jobs the server is believed to serve per page: `limit` until a page shorter than asked
    /// arrives before the end.
    private(set) var served: Int
    /// The latest `count` of this listing (by response order), nil before the first answer.
    private(set) var count: Int?
    private var countSeq = -1
    /// The first position known to hold no job although `count` said it would.
    private(set) var dataEnd: Int?
    /// What the count claimed when the data was found to end early.
    private(set) var claimedAtDataEnd: Int?
    /// Positions read, less the last `overlap` of each page (they must be read again by the next
    /// page for its boundary to be checked).
    private var covered = PositionRanges()
    /// Offsets asked for and not yet answered, with the end of what each is expected to cover.
    private var inFlight: [Int: Int] = [:]
    /// Pages that may go out before any count is known.
    private var firstRoundLeft: Int
    private var offsetZeroAnswered = false
    /// True once the plan wanted an offset past `maxOffset`.
    private(set) var beyondOffsetLimit = false
    /// Pages shorter than asked before the end of the count.
    private(set) var shortPages = 0
    /// For each size of short page seen, the nearest position such a page ended at.
    private var shortPageSizes: [Int: Int] = [:]
    /// The farthest position any page reached with a job.
    private var farthestData = 0
    /// Positions read by pages of more than `overlap` jobs (a page of one or two that lies inside
    /// them brought nothing new).
    private var readByFullerPages = PositionRanges()
    /// Positions to read once, right after a page of one or two jobs short of its count.
    private var probesDue: Set<Int> = []
    private var probesAsked: Set<Int> = []
    private var probesInFlight: Set<Int> = []
    private var smallPageMost = 0
    /// Set when a page of one or two jobs short of the count was followed by more jobs: the server
    /// serves at most this many per page, too few for pages that overlap by `overlap` jobs.
    private(set) var servesTooFew: Int?

    /// `firstRound`: pages asked for before the first count arrives (offsets 0, stride, 2×stride…).
    init(limit: Int, firstRound: Int = 1) {
        self.limit = max(1, limit)
        served = self.limit
        firstRoundLeft = max(1, firstRound)
    }

    /// Where the listing ends: its latest count, or earlier where the data was found to end.
    var end: Int? { count.map { min($0, dataEnd ?? Int.max) } }

    var isIdle: Bool { inFlight.isEmpty }

    /// True when the count claims more jobs than the pages held.
    var countNotBacked: Bool { dataEnd != nil }

    /// The next offset to ask for, or nil when nothing is due now (all read, or `maxInFlight` pages
    /// of this listing already out).
    mutating func next(maxInFlight: Int) -> Int? {
        guard inFlight.count < max(1, maxInFlight), servesTooFew == nil else { return nil }
        if let probe = probesDue.min() {
            probesDue.remove(probe)
            probesAsked.insert(probe)
            probesInFlight.insert(probe)
            inFlight[probe] = probe + 1
            return probe
        }
        let position = firstUnplanned()
        if firstRoundLeft > 0 {
            // The first round goes out whole, whatever an early answer says (the pages past the
            // end come back empty): the round trip it saves must not depend on thread timing.
            firstRoundLeft -= 1
        } else if count == nil {
            return nil
        } else if position == 0 && !offsetZeroAnswered {
            // The first page is always read, whatever the count.
        } else {
            guard let end, position + Self.overlap < end else { return nil }
        }
        guard position <= Self.maxOffset else {
            beyondOffsetLimit = true
            return nil
        }
        inFlight[position] = position + stride
        return position
    }

    /// Offsets between consecutive pages when every page is full.
    var stride: Int { max(1, served - Self.overlap) }

    /// The jobs per page the server is known to serve when fewer than asked: the smallest short
    /// page that more jobs followed. Nil when every page was full, or when the only short page was
    /// the last one holding jobs (the data ended there, whatever `count` said).
    var servedShown: Int? {
        if let servesTooFew { return servesTooFew }
        return shortPageSizes.filter { $0.value < farthestData }.keys.min()
    }

    /// A page of `returned` jobs at `offset` arrived with `count`, as response number `seq`.
    mutating func completed(offset: Int, returned: Int, count claimed: Int, seq: Int) {
        inFlight[offset] = nil
        if offset == 0 { offsetZeroAnswered = true }
        if seq > countSeq {
            count = claimed
            countSeq = seq
        }
        let (reach, overflow) = offset.addingReportingOverflow(returned)
        if returned > 0 && !overflow { farthestData = max(farthestData, reach) }
        if probesInFlight.remove(offset) != nil, !overflow, returned > 0 {
            // Jobs after a page of one or two: that page was not where the data ends.
            if returned <= Self.overlap {
                servesTooFew = max(smallPageMost, returned)
                return
            }
            if let end = dataEnd, end <= offset { dataEnd = nil; claimedAtDataEnd = nil }
        }
        if overflow || reach >= claimed {
            // The end of the listing as this page saw it; its last jobs are read again if it grows.
            covered.insert(offset, offset + max(0, returned - Self.overlap))
            return
        }
        if returned > Self.overlap {
            if returned < served {
                served = returned
                shortPages += 1
            }
            if returned < limit { shortPageSizes[returned] = min(shortPageSizes[returned] ?? reach, reach) }
            readByFullerPages.insert(offset, reach)
            covered.insert(offset, reach - Self.overlap)
            return
        }
        if dataEnd.map({ reach < $0 }) ?? true {
            // Nothing past what the page before it held: the data ends here, not where the count says.
            dataEnd = reach
            claimedAtDataEnd = claimed
        }
        // A page of one or two jobs that a fuller page did not already show may be all the server
        // serves per page: the position after it says which.
        if returned > 0, reach <= Self.maxOffset, !probesAsked.contains(reach),
           (readByFullerPages.upper(containing: offset) ?? offset) < reach {
            smallPageMost = max(smallPageMost, returned)
            probesDue.insert(reach)
        }
    }

    /// A request that will not be answered (the scan is stopping).
    mutating func abandoned(offset: Int) { inFlight[offset] = nil }

    /// The lowest position neither read nor expected from a page in flight.
    private func firstUnplanned() -> Int {
        var position = 0
        var moved = true
        while moved {
            moved = false
            if let upper = covered.upper(containing: position) { position = upper; moved = true }
            for (start, upper) in inFlight where start <= position && position < upper {
                position = upper
                moved = true
            }
        }
        return position
    }
}

/// Disjoint, sorted half-open ranges of positions, merged as they touch; a normal scan keeps one.
struct PositionRanges: Sendable {
    private var ranges: [(lower: Int, upper: Int)] = []

    mutating func insert(_ lower: Int, _ upper: Int) {
        guard lower < upper else { return }
        var merged = (lower: lower, upper: upper)
        var kept: [(lower: Int, upper: Int)] = []
        kept.reserveCapacity(ranges.count + 1)
        var placed = false
        for range in ranges {
            if range.upper < merged.lower {
                kept.append(range)
            } else if range.lower > merged.upper {
                if !placed { kept.append(merged); placed = true }
                kept.append(range)
            } else {
                merged = (min(range.lower, merged.lower), max(range.upper, merged.upper))
            }
        }
        if !placed { kept.append(merged) }
        ranges = kept
    }

    /// The end of the range holding `position`, if one does.
    func upper(containing position: Int) -> Int? {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upper <= position { low = mid + 1 } else { high = mid }
        }
        guard low < ranges.count, ranges[low].lower <= position else { return nil }
        return ranges[low].upper
    }
}
