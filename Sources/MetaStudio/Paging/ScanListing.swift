/// One listing a scan pages through: the query's filters narrowed to a create_time window
/// (inclusive edges, as the API's `create_since`/`create_until` are), in one sort direction.
struct ScanListing: Sendable {
    enum Purpose: Sendable, Equatable {
        /// The query itself, oldest first.
        case main
        /// A window no response showed completely, read again.
        case repair(CoverageGap)
        /// The query newest first, one page: the count now and the jobs created last.
        case newest
        /// One page of a window, to compare its count with the jobs seen in it.
        case probe(CoverageGap)

        /// Why a page of this listing is read beyond the main one, as logged (`reread.reason`):
        /// `repair`, `newest`, `probe`; nil for the main listing.
        var rereadReason: String? {
            switch self {
            case .main: return nil
            case .repair: return "repair"
            case .newest: return "newest"
            case .probe: return "probe"
            }
        }
    }

    var purpose: Purpose
    /// The window's edges on the create_time axis; an edge without text is the query's own bound.
    var lower: TimeEdge
    var upper: TimeEdge
    var descending = false
    var plan: PositionPlan
    /// Pages asked for so far.
    var requests = 0
    /// The first response's number, for the span of a tie read over several pages.
    var firstSeq: Int?
    /// Set once its outcome (a tie group read in full, a count not backed) has been taken into account.
    var accounted = false

    /// At most one page (offset 0).
    var onlyFirstPage: Bool {
        switch purpose {
        case .newest, .probe: return true
        case .main, .repair: return false
        }
    }

    var gap: CoverageGap? {
        switch purpose {
        case .repair(let gap), .probe(let gap): return gap
        case .main, .newest: return nil
        }
    }

    /// The request for the page at `offset`: `base` with the window and direction applied.
    func query(_ base: ListJobsQuery) -> ListJobsQuery {
        var query = base
        if let text = lower.text { query.createSince = text }
        if let text = upper.text { query.createUntil = text }
        query.descending = descending
        return query
    }

    /// "offset 200", or "offset 0 of create_time X to Y" for a window, for messages.
    func label(offset: Int) -> String {
        switch purpose {
        case .main: return "offset \(offset)"
        case .newest: return "offset \(offset), newest first"
        case .repair(let gap), .probe(let gap): return "offset \(offset) of \(gap.shown)"
        }
    }
}

/// What a worker read from one page before handing it to the scan's shared state (done outside
/// its lock: string work on a hundred jobs should not hold up the other workers).
struct PageFacts: Sendable {
    /// The jobs that have a `job_id`, and each one's create_time as epoch seconds (NaN when absent
    /// or unreadable).
    var ids: [String] = []
    var epochs: [Double] = []
    /// The create_times of the first and last job that has one, in listing order.
    var first: TimeEdge?
    var last: TimeEdge?
    /// Whether the jobs with a create_time come in the listing's order.
    var sorted = true
    /// The newest create_time no later than `newestAllowed`.
    var newest: Double?
    var count = 0
    var returned = 0

    /// `newestAllowed` (epoch seconds): a create_time later than this is no instant a job was
    /// really created at (a clock far off, a corrupt value) and is not taken as the page's newest.
    init(_ page: JobPage, descending: Bool, newestAllowed: Double = .infinity) {
        count = page.count
        returned = page.items.count
        ids.reserveCapacity(returned)
        epochs.reserveCapacity(returned)
        var previous: Double?
        var firstIndex: Int?
        var lastIndex: Int?
        for (index, job) in page.items.enumerated() {
            let created = job.timestamp("create_time")
            if let id = job.storedJobId {
                ids.append(id)
                epochs.append(created ?? .nan)
            }
            guard let created else { continue }
            if let previous, descending ? created > previous : created < previous { sorted = false }
            previous = created
            if firstIndex == nil { firstIndex = index }
            lastIndex = index
            if created <= newestAllowed { newest = max(newest ?? created, created) }
        }
        func edge(_ index: Int) -> TimeEdge? {
            let job = page.items[index]
            return job.timestamp("create_time").map { TimeEdge(epoch: $0, text: job.string("create_time")) }
        }
        first = firstIndex.flatMap(edge)
        last = lastIndex.flatMap(edge)
    }
}
