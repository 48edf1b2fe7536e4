/// Every job a scan has seen: its create_time and the last response that listed it, so the scan can
/// tell which jobs are gone (a later response covering their create_time no longer lists them) and
/// how many listed jobs each create_time window should hold. Not thread-safe (`ScanState` locks it).
struct ScanLedger: Sendable {
    private struct Sighting: Sendable {
        /// NaN for a job without a readable create_time: no window can hold it, so it is never
        /// found gone and counts only in the totals.
        var epoch: Double
        var lastSeq: Int
    }

    private var jobs: [String: Sighting] = [:]
    /// Create_times of the jobs still listed, sorted; rebuilt by `settle(spans:)`.
    private var present: [Double] = []
    /// Create_times of jobs first seen after the last `settle`.
    private var presentSinceSettle: [Double] = []
    /// Jobs seen, then found gone by `settle`.
    private(set) var goneCount = 0
    /// Jobs seen without a create_time, as of the last `settle`.
    private var untimed = 0

    /// Distinct jobs seen.
    var count: Int { jobs.count }

    init(reserving capacity: Int = 0) {
        jobs.reserveCapacity(capacity)
    }

    /// Notes that response `seq` listed job `id` with create_time `epoch`.
    mutating func saw(_ id: String, epoch: Double, seq: Int) {
        if let old = jobs[id] {
            if seq > old.lastSeq { jobs[id] = Sighting(epoch: old.epoch, lastSeq: seq) }
        } else {
            jobs[id] = Sighting(epoch: epoch, lastSeq: seq)
            presentSinceSettle.append(epoch)
        }
    }

    /// Recounts which jobs are still listed: a job is gone when a span answered after its last
    /// sighting covers its create_time (that response would have listed it). Returns how many are.
    @discardableResult
    mutating func settle(spans: [CoveredSpan]) -> Int {
        let timed = jobs.values.filter { !$0.epoch.isNaN }
        untimed = jobs.count - timed.count
        let sorted = timed.sorted { $0.epoch < $1.epoch }
        var gone = [Bool](repeating: false, count: sorted.count)
        for span in spans {
            var index = firstIndex(in: sorted, atLeast: span.lower.epoch)
            while index < sorted.count, sorted[index].epoch <= span.upper.epoch {
                if span.seq > sorted[index].lastSeq, span.contains(sorted[index].epoch) { gone[index] = true }
                index += 1
            }
        }
        present = zip(sorted, gone).compactMap { $1 ? nil : $0.epoch }
        presentSinceSettle = []
        goneCount = sorted.count - present.count
        return goneCount
    }

    /// Jobs seen and not known to be gone.
    var presentCount: Int { present.count + untimed + presentSinceSettle.count }

    /// Jobs seen and not known to be gone whose create_time lies in the closed range.
    func presentCount(from lower: Double, to upper: Double) -> Int {
        let low = Self.firstIndex(in: present, atLeast: lower)
        let high = Self.firstIndex(in: present, above: upper)
        return max(0, high - low) + presentSinceSettle.lazy.filter { $0 >= lower && $0 <= upper }.count
    }

    /// The create_time in the middle of the present jobs strictly inside the open range, if any.
    func medianPresent(above lower: Double, below upper: Double) -> Double? {
        let low = Self.firstIndex(in: present, above: lower)
        let high = Self.firstIndex(in: present, atLeast: upper)
        guard low < high else { return nil }
        return present[(low + high) / 2]
    }

    private func firstIndex(in sorted: [Sighting], atLeast value: Double) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid].epoch < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func firstIndex(in sorted: [Double], atLeast value: Double) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func firstIndex(in sorted: [Double], above value: Double) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
