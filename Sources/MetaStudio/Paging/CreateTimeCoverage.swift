/// An instant on the create_time axis as a listing's edge: epoch seconds (UTC) for ordering, and
/// the API's own text for it, sent back unchanged as `create_since`/`create_until` so that a window
/// names exactly the jobs at that instant. `text` is nil for the open ends (−∞, +∞) and for the
/// query's own bounds, which the query already carries.
public struct TimeEdge: Sendable, Equatable {
    public var epoch: Double
    public var text: String?

    public init(epoch: Double, text: String?) {
        self.epoch = epoch
        self.text = text
    }

    static let below = TimeEdge(epoch: -.infinity, text: nil)
    static let above = TimeEdge(epoch: .infinity, text: nil)

    /// The text for messages: the API's text, or a formatted instant, or "the start"/"the end".
    public var shown: String {
        if let text { return text }
        if epoch == -.infinity { return "the start" }
        if epoch == .infinity { return "the end" }
        return RFC3339.format(epoch)
    }
}

/// A part of the create_time axis that one response showed completely, as the listing stood when it
/// was answered: every job listed then whose create_time lies in the span was in the response.
///
/// A page sorted by create_time shows completely the open span between its first and last jobs'
/// create_times (jobs tied with them may sit on the next or previous page), from the listing's
/// lower edge when it is the first page (offset 0), and to the listing's upper edge when it holds
/// the listing's last job by its own count. A job that existed during the whole scan lies in the
/// span of every response that covers its create_time, so when the spans of all responses cover the
/// whole axis of the query, no such job was missed: the check holds whatever moved between two
/// requests (jobs created, deleted, leaving or entering a state filter, ties reordered).
struct CoveredSpan: Sendable, Equatable {
    var lower: TimeEdge
    var lowerClosed: Bool
    var upper: TimeEdge
    var upperClosed: Bool
    /// Response number (answer order), to tell which sighting of a job is the later one.
    var seq: Int

    /// The span a page shows. `first`/`last` are the create_times of its first and last job in
    /// listing order (nil when it is empty); `window` is the listing's own create_time range.
    static func of(first: TimeEdge?, last: TimeEdge?, atStart: Bool, atEnd: Bool, descending: Bool,
                   window: (lower: TimeEdge, upper: TimeEdge), seq: Int) -> CoveredSpan? {
        guard let first, let last else {
            // An empty first page that holds the whole listing: nothing in the window.
            return atStart && atEnd ? CoveredSpan(lower: window.lower, lowerClosed: true, upper: window.upper,
                                                  upperClosed: true, seq: seq) : nil
        }
        // In create_time order, whatever the listing's direction.
        let (oldest, newest) = descending ? (last, first) : (first, last)
        let fromLower = descending ? atEnd : atStart
        let toUpper = descending ? atStart : atEnd
        let span = CoveredSpan(lower: fromLower ? window.lower : oldest, lowerClosed: fromLower,
                               upper: toUpper ? window.upper : newest, upperClosed: toUpper, seq: seq)
        return span.isEmpty ? nil : span
    }

    var isEmpty: Bool {
        lower.epoch > upper.epoch || (lower.epoch == upper.epoch && !(lowerClosed && upperClosed))
    }

    func contains(_ epoch: Double) -> Bool {
        (lowerClosed ? epoch >= lower.epoch : epoch > lower.epoch) && (upperClosed ? epoch <= upper.epoch : epoch < upper.epoch)
    }
}

/// A part of the query's create_time range that no response showed completely: the closed window
/// from `lower` to `upper` (wider than the uncovered part by its edges) is to be read again.
public struct CoverageGap: Sendable, Equatable {
    public var lower: TimeEdge
    public var upper: TimeEdge

    public var isPoint: Bool { lower.epoch == upper.epoch }

    /// For messages: "create_time 2026-11-03T08:15:00Z", "… to …".
    public var shown: String {
        isPoint ? "create_time \(lower.shown)" : "create_time \(lower.shown) to \(upper.shown)"
    }
}

/// The union of covered spans over the query's create_time range, and what it leaves out.
enum CreateTimeCoverage {
    /// The parts of `range` (closed at both ends) that no span covers, in create_time order.
    /// A range whose lower edge lies after its upper one holds no instant, so it has no gap.
    static func gaps(_ spans: [CoveredSpan], range: (lower: TimeEdge, upper: TimeEdge)) -> [CoverageGap] {
        guard range.lower.epoch <= range.upper.epoch else { return [] }
        let sorted = spans.sorted {
            $0.lower.epoch != $1.lower.epoch ? $0.lower.epoch < $1.lower.epoch : ($0.lowerClosed && !$1.lowerClosed)
        }
        var gaps: [CoverageGap] = []
        // Covered so far: from the range's lower edge up to `reach` (included when `reachClosed`).
        var reach = range.lower
        var reachClosed = false
        for span in sorted {
            if span.upper.epoch < range.lower.epoch { continue }
            let connects = span.lower.epoch < reach.epoch
                || (span.lower.epoch == reach.epoch && (reachClosed || span.lowerClosed))
            if !connects {
                gaps.append(CoverageGap(lower: reach, upper: span.lower))
                reach = span.lower
                reachClosed = span.lowerClosed
            }
            if span.upper.epoch > reach.epoch || (span.upper.epoch == reach.epoch && span.upperClosed && !reachClosed) {
                reach = span.upper
                reachClosed = span.upperClosed
            }
            if reach.epoch > range.upper.epoch || (reach.epoch == range.upper.epoch && reachClosed) { return gaps }
        }
        gaps.append(CoverageGap(lower: reach, upper: range.upper))
        return gaps
    }
}
