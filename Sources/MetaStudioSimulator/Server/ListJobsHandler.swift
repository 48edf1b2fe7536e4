import Foundation
import MetaStudio

/// A validated `GET /v1/{project_id}/smart-live-jobs` query, so that paging and filtering work on
/// typed values and every invalid input is rejected the way the real API rejects it.
struct ListQuery: Sendable, Equatable {
    var offset = 0
    var limit = 10
    var states: [String]?
    var sortKey: String?
    var descending = false
    var createSince: Double?
    var createUntil: Double?
    var roomName: String?

    /// Everything but offset and limit: the pages of one scan share it, and so share one sorted result.
    var resultKey: String {
        "\(states ?? [])|\(sortKey ?? "")|\(descending)|\(createSince.map { "\($0)" } ?? "")|"
            + "\(createUntil.map { "\($0)" } ?? "")|\(roomName ?? "")"
    }
}

/// Answers the list route: parses the query like the service does (one comma-separated `state`
/// value, inclusive RFC 3339 bounds, substring room names), then filters, sorts and pages the
/// tenant's jobs and writes the 200 body from each job's stored text.
///
/// Concurrency: the server's request tasks call in at once; one lock (`memo`, a `Locked`) guards the
/// cached orders and the PRNG that reorders ties. The filtering itself runs outside it, on a
/// snapshot of the tenant.
final class ListJobsHandler: Sendable {
    private struct Memo: Sendable {
        /// Filtered and sorted positions per `resultKey`, valid for one tenant version: a scan of
        /// 10,000 pages filters once instead of 10,000 times.
        var cache: [String: Cached] = [:]
        var tieRNG: SplitMix64
    }

    private struct Cached: Sendable {
        var version: Int
        var order: [Int]
    }

    private let tenant: SimulatedTenant
    private let memo: Locked<Memo>
    /// The page-shape faults: page cap, lying counts, reordered ties.
    private let pageCap: Int?
    private let countExcess: Int
    private let claimedCount: Int?
    private let shuffleTies: Bool

    init(tenant: SimulatedTenant, config: SimulatorConfig = SimulatorConfig()) {
        self.tenant = tenant
        pageCap = config.pageCap.map { max(1, $0) }
        countExcess = min(max(0, config.countExcess), 1 << 53)  // never overflows a count
        claimedCount = config.claimedCount
        shuffleTies = config.shuffleTies
        memo = Locked(Memo(tieRNG: SplitMix64(seed: SplitMix64.mix(config.seed ^ 0x5449_4553))))
    }

    // MARK: Query parsing

    /// `name=value` pairs of a raw query string, percent-decoded (`+` stays a plus, as in RFC 3986);
    /// nil when a pair has invalid percent-encoding.
    static func decodePairs(_ raw: String) -> [(name: String, value: String)]? {
        guard !raw.isEmpty else { return [] }
        var pairs: [(name: String, value: String)] = []
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = String(pieces[0]).removingPercentEncoding,
                  let value = (pieces.count > 1 ? String(pieces[1]) : "").removingPercentEncoding else { return nil }
            pairs.append((name: name, value: value))
        }
        return pairs
    }

    /// Parses and validates the raw query. A parameter given twice is rejected (the contract has one
    /// value per name; `state=A&state=B` is a client bug, not a list). Unknown names are ignored.
    static func parseQuery(_ raw: String?) -> Result<ListQuery, SimulatorError> {
        guard let pairs = decodePairs(raw ?? "") else { return .failure(.invalidParameter("query")) }
        var query = ListQuery()
        var seen = Set<String>()
        for (name, value) in pairs {
            guard seen.insert(name).inserted else { return .failure(.invalidParameter(name)) }
            switch name {
            case "offset":
                guard let n = strictInt(value), (0...2_147_483_647).contains(n) else { return .failure(.invalidParameter(name)) }
                query.offset = n
            case "limit":
                guard let n = strictInt(value), (1...100).contains(n) else { return .failure(.invalidParameter(name)) }
                query.limit = n
            case "state":
                let states = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard !value.isEmpty, states.allSatisfy({ !$0.isEmpty }) else { return .failure(.invalidParameter(name)) }
                query.states = states
            case "sort_key":
                guard ["create_time", "update_time", "asset_order"].contains(value) else { return .failure(.invalidParameter(name)) }
                query.sortKey = value
            case "sort_dir":
                guard value == "asc" || value == "desc" else { return .failure(.invalidParameter(name)) }
                query.descending = value == "desc"
            case "create_since", "create_until":
                guard let instant = RFC3339.parse(value) else { return .failure(.invalidParameter(name)) }
                if name == "create_since" { query.createSince = instant } else { query.createUntil = instant }
            case "room_name":
                query.roomName = value.isEmpty ? nil : value
            default:
                continue
            }
        }
        return .success(query)
    }

    /// Decimal digits only (no sign, no spaces, no `0x`), as a Java `Integer` parameter accepts.
    private static func strictInt(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 12, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }

    /// True when `text` has a Chinese (CJK) character, which `X-App-UserId` must not contain.
    static func containsChinese(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x2E80...0x2FDF, 0x3000...0x303F, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,
                 0xFF00...0xFFEF, 0x20000...0x3134F:
                return true
            default:
                return false
            }
        }
    }

    // MARK: Answering

    /// The 200 body for `query` and the `count` it claims (the number of matching jobs, unless a
    /// count fault lies about it). A page cap serves fewer than `limit`; with `shuffleTies`, jobs
    /// sharing a create_time are listed in a new order on every request.
    func page(_ query: ListQuery) -> (count: Int, body: [UInt8]) {
        let (jobs, version) = tenant.snapshot()
        var order = matching(query, jobs: jobs, version: version)
        var body: [UInt8] = []
        let start = min(query.offset, order.count)
        let end = min(order.count, start + min(query.limit, pageCap ?? query.limit))
        if shuffleTies { reorderTies(&order, around: start..<end, jobs: jobs) }
        let count = claimedCount ?? order.count + countExcess
        body.reserveCapacity(order[start..<end].reduce(64) { $0 + jobs[$1].bytes.count + 1 })
        body.append(contentsOf: "{\"count\":\(count),\"smart_live_jobs\":[".utf8)
        for position in start..<end {
            if position > start { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: jobs[order[position]].bytes)
        }
        body.append(contentsOf: "]}".utf8)
        return (count, body)
    }

    /// Shuffles each run of jobs with equal create_time that reaches into `range` (the positions a
    /// page serves), so the page shows a different selection and order of a tie on each request.
    private func reorderTies(_ order: inout [Int], around range: Range<Int>, jobs: [TenantJob]) {
        guard !range.isEmpty else { return }
        func created(_ position: Int) -> Double? { jobs[order[position]].created }
        var low = range.lowerBound
        while low > 0, created(low - 1) == created(range.lowerBound) { low -= 1 }
        var high = range.upperBound
        while high < order.count, created(high) == created(range.upperBound - 1) { high += 1 }
        memo.withLock { memo in
            var runStart = low
            while runStart < high {
                var runEnd = runStart + 1
                while runEnd < high, created(runEnd) == created(runStart) { runEnd += 1 }
                if runEnd - runStart > 1 {
                    for i in stride(from: runEnd - 1, to: runStart, by: -1) {
                        order.swapAt(i, runStart + memo.tieRNG.below(i - runStart + 1))
                    }
                }
                runStart = runEnd
            }
        }
    }

    /// Positions in `jobs` of the jobs that match, in the requested order.
    private func matching(_ query: ListQuery, jobs: [TenantJob], version: Int) -> [Int] {
        let key = query.resultKey
        if let hit = memo.withLock({ $0.cache[key] }), hit.version == version { return hit.order }
        let order = Self.filterAndSort(query, jobs: jobs)
        memo.withLock { memo in
            if memo.cache.count >= 32 { memo.cache.removeAll() }
            memo.cache[key] = Cached(version: version, order: order)
        }
        return order
    }

    /// Filters by state, inclusive create_time bounds and room-name substring (case-sensitive; a job
    /// without a parseable create_time never matches a bound), then sorts. Jobs missing the sort field
    /// come first in ascending order; ties keep creation order, and `desc` is the exact reverse of `asc`.
    static func filterAndSort(_ query: ListQuery, jobs: [TenantJob]) -> [Int] {
        let states = query.states.map(Set.init)
        var order: [Int] = []
        order.reserveCapacity(jobs.count)
        for (index, job) in jobs.enumerated() {
            if let states, !states.contains(job.state ?? "") { continue }
            if let since = query.createSince, !(job.created.map { $0 >= since } ?? false) { continue }
            if let until = query.createUntil, !(job.created.map { $0 <= until } ?? false) { continue }
            if let room = query.roomName, !(job.roomName?.contains(room) ?? false) { continue }
            order.append(index)
        }
        let field: ((TenantJob) -> Double?)?
        switch query.sortKey {
        case "create_time": field = { $0.created }
        case "update_time": field = { $0.updated }
        default: field = nil // asset_order and no key: creation order
        }
        if let field {
            order.sort { a, b in
                let (x, y) = (field(jobs[a]) ?? -.infinity, field(jobs[b]) ?? -.infinity)
                return x != y ? x < y : jobs[a].sequence < jobs[b].sequence
            }
        } else {
            order.sort { jobs[$0].sequence < jobs[$1].sequence }
        }
        if query.descending { order.reverse() }
        return order
    }
}
