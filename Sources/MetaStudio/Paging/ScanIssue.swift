/// Why a scan could not confirm that it holds every job the API listed: one of the ways a result
/// set moves under a scan, or a server whose answers contradict themselves, with the create_time
/// window it concerns. `description` is the one line `livejobs fetch` prints before exiting 3.
public enum ScanIssue: Sendable, Equatable, CustomStringConvertible {
    /// Pages came back empty (or with nothing past the page before) before the end `count` gave.
    case countNotBacked(claimed: Int, received: Int, endOffset: Int, after: TimeEdge)
    /// Jobs sharing one create_time came back in a different order on every request, and repeated
    /// reads did not find as many distinct ones as the count.
    case unstableTies(at: TimeEdge, count: Int, found: Int, reads: Int)
    /// Jobs moved during the scan and a window could not be re-read within the scan's budget.
    case unverified(CoverageGap, counts: String, rereads: Int)
    /// The count says more jobs are listed than were found after every window was verified: jobs
    /// entered the listing mid-order (a state filter they now match) and were not located.
    case entered(missing: Int, counts: String, window: CoverageGap?)
    /// A page was not sorted by create_time, so no boundary between pages can be checked.
    case unsorted(offset: Int)
    /// The count reaches past the largest offset the API accepts.
    case beyondOffsetLimit(count: Int)
    /// The server serves at most `served` jobs per page (fewer than `PositionPlan.overlap` + 1),
    /// whatever `limit` asks: consecutive pages cannot overlap, so no boundary can be checked.
    case tooFewPerPage(served: Int, asked: Int)

    /// True for an issue that no re-read can resolve: the scan stops at once.
    var endsScan: Bool {
        switch self {
        case .tooFewPerPage: return true
        default: return false
        }
    }

    /// The oldest create_time the issue leaves unverified (nil: from the start of the query).
    var since: TimeEdge? {
        switch self {
        case .countNotBacked(_, _, _, let after): return after.text == nil && after.epoch.isInfinite ? nil : after
        case .unstableTies(let at, _, _, _): return at
        case .unverified(let gap, _, _): return gap.lower.epoch.isInfinite ? nil : gap.lower
        case .entered(_, _, let window): return window.flatMap { $0.lower.epoch.isInfinite ? nil : $0.lower }
        case .unsorted, .beyondOffsetLimit, .tooFewPerPage: return nil
        }
    }

    public var description: String {
        switch self {
        case .countNotBacked(let claimed, let received, let endOffset, let after):
            return "the API counted \(claimed) jobs but sent \(received): its pages end at offset \(endOffset), "
                + "with nothing after create_time \(after.shown) although the count promised more"
        case .unstableTies(let at, let count, let found, let reads):
            return "the \(count) jobs created at \(at.shown) came back in a different order on every request; "
                + "\(reads) reads found \(found) of them"
        case .unverified(let gap, let counts, let rereads):
            return "jobs moved during the scan (\(counts)) and \(gap.shown) was still unverified after \(rereads) re-reads"
        case .entered(let missing, let counts, let window):
            return "\(missing) jobs entered the listing mid-order (\(counts)) and were not found"
                + (window.map { " (\($0.shown))" } ?? "")
        case .unsorted(let offset):
            return "the page at offset \(offset) is not sorted by create_time, so the pages' boundaries cannot be checked"
        case .beyondOffsetLimit(let count):
            return "the API counts \(count) jobs, more than offsets up to \(PositionPlan.maxOffset) can reach"
        case .tooFewPerPage(let served, let asked):
            return "the server serves at most \(served) \(served == 1 ? "job" : "jobs") per page (\(asked) asked): "
                + "pages must overlap by \(PositionPlan.overlap) jobs to be checked, so at least \(PositionPlan.overlap + 1) per page are needed"
        }
    }
}
