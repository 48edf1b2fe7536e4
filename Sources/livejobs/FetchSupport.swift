import Foundation
import LiveJobsStore
import MetaStudio

/// Ctrl-C and SIGTERM cancel the scan instead of killing the process, so the run is recorded
/// and every page already received stays stored; a second Ctrl-C exits at once.
///
/// Concurrency: both signals' handlers run on one serial queue (`livejobs.signals`); the count of
/// signals received is behind `hits` (a `Locked`) all the same, since `release` runs on the main thread.
final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []
    private let hits = Locked(0)

    init(_ onSignal: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "livejobs.signals")
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [hits] in
                let count = hits.withLock { hits in
                    hits += 1
                    return hits
                }
                if count > 1 { exit(130) }
                Output.error("\nlivejobs fetch: interrupted; storing what has arrived (Ctrl-C again to quit now)\n")
                onSignal()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops trapping: the handlers are cancelled and both signals kill the process again.
    func release() {
        sources.forEach { $0.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// The end of a fetch as one line, one JSON object and one sync-run record.
struct FetchSummary {
    let projectId: String
    let region: String?
    let mode: FetchMode
    let since: String?
    let end: ScanEnd
    let sink: FetchSink
    let elapsed: Double
    let credentials: Credentials

    var result: ScanResult { end.result }
    var outcome: FetchOutcome { end.outcome }

    /// The error or the reason the set is incomplete, one line, secrets masked.
    var errorLine: String? {
        switch end {
        case .failed(let error, _):
            return SecretRedactor.masking(credentials.secrets, in: "\(error)")
        case .finished(let r): return r.incompleteReason
        case .interrupted: return nil
        }
    }

    var newest: String? { result.newestCreateTime.map { RFC3339.format($0.rounded(.down)) } }

    /// The X-Request-Ids of the failed requests, and of the page the store refused (`--strict`).
    var failedRequestIds: [String] {
        var ids = result.failedRequestIds
        if let id = refusedPageId, !ids.contains(id) {
            if ids.count >= ScanResult.keptRequestIds { ids.removeLast() }
            ids.append(id)
        }
        return ids
    }

    /// The X-Request-Id of the page the store refused (`--strict`), as kept.
    var refusedPageId: String? {
        guard let error = end.error, let id = sink.requestId(of: error) else { return nil }
        return ScanResult.storable(id)
    }

    /// Failed requests that carried an X-Request-Id, kept in `failedRequestIds` or not.
    var failedRequests: Int {
        let refused = refusedPageId.map { result.failedRequestIds.contains($0) ? 0 : 1 } ?? 0
        return result.failedWithId + refused
    }

    /// What was really stored: whole pages committed, distinct jobs in them (a run the store
    /// stopped has received more than it kept).
    var pagesStored: Int { sink.pagesStored }
    var jobsStored: Int { sink.jobsStored }

    var record: SyncRunOutcome {
        let r = result
        var record = SyncRunOutcome(outcome: outcome, pages: pagesStored, requests: r.requests, retries: r.retries,
                                    throttled: r.throttled, jobs: jobsStored, expectedCount: r.expectedCount,
                                    newestCreateTime: newest, failedRequestIds: failedRequestIds, message: errorLine,
                                    flagged: sink.summary.flagged)
        record.failedRequests = failedRequests
        record.unresolvedSince = outcome == .incomplete ? r.unresolvedSince : nil
        return record
    }

    /// "fetch succeeded: 301 jobs (API count 301) in 4 pages, 301 new, 0 updated, 0 unchanged, 0
    /// flagged; 4 requests, 0 retries, 0 throttled, 6 jobs read again; 0.3s (13.3 pages/s), full".
    /// Jobs are distinct jobs stored (a job on two overlapping pages is one job, read again); every
    /// count is written in full, whatever its size.
    var line: String {
        let r = result
        let rate = elapsed > 0 ? Double(pagesStored) / elapsed : 0
        var text = "fetch \(outcome.rawValue): \(jobsStored) jobs (API count \(r.expectedCount)) in \(pagesStored) pages, "
            + "\(sink.inserted) new, \(sink.updated) updated, \(sink.unchanged) unchanged, \(sink.summary.flagged) flagged; "
            + "\(r.requests) requests, \(r.retries) retries, \(r.throttled) throttled"
        if sink.jobsReadAgain > 0 { text += ", \(sink.jobsReadAgain) jobs read again" }
        text += "; " + String(format: "%.1fs (%.1f pages/s)", elapsed, rate) + ", "
        text += mode == .incremental ? "since \(since ?? "-")" : mode.rawValue
        return text + movement
    }

    /// "; the listing moved during the scan: 3 jobs no longer listed, 12 pages read again, the server
    /// served 50 jobs per page": what the scan had to do beyond reading each page once. The listing
    /// is said to have moved only when it did (its count changed, jobs left it); re-reads alone (a
    /// tie on a page boundary, a count the pages never backed up) are said without that.
    var movement: String {
        let r = result
        var parts: [String] = []
        if r.gone > 0 { parts.append("\(r.gone) \(r.gone == 1 ? "job" : "jobs") no longer listed") }
        if r.rereads > 0 { parts.append("\(r.rereads) \(r.rereads == 1 ? "page" : "pages") read again") }
        if let served = r.pageSizeServed { parts.append("the server served \(served) \(served == 1 ? "job" : "jobs") per page") }
        let moved = r.countChanged || r.gone > 0
        guard moved || !parts.isEmpty else { return "" }
        guard moved else { return "; " + parts.joined(separator: ", ") }
        return "; the listing moved during the scan" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }

    var json: String {
        let r = result
        var fields: [(key: String, value: JSONValue)] = [
            ("outcome", .string(outcome.rawValue)), ("project_id", .string(projectId)),
            ("region", region.map { .string($0) } ?? .null), ("mode", .string(mode.rawValue)),
            ("create_since", since.map { .string($0) } ?? .null),
            ("jobs", .number("\(jobsStored)")), ("expected_count", .number("\(r.expectedCount)")),
            ("pages", .number("\(pagesStored)")), ("requests", .number("\(r.requests)")),
            ("retries", .number("\(r.retries)")), ("throttled", .number("\(r.throttled)")),
            ("inserted", .number("\(sink.inserted)")), ("updated", .number("\(sink.updated)")),
            ("unchanged", .number("\(sink.unchanged)")), ("jobs_read_again", .number("\(sink.jobsReadAgain)")),
            ("rereads", .number("\(r.rereads)")),
            ("moved", .bool(r.moved)), ("gone", .number("\(r.gone)")),
            ("page_size_served", r.pageSizeServed.map { .number("\($0)") } ?? .null),
            ("unresolved_since", record.unresolvedSince.map { .string($0) } ?? .null),
            ("seconds", .number(String(format: "%.3f", elapsed))),
            ("newest_create_time", newest.map { .string($0) } ?? .null),
        ]
        fields.append(("failed_request_ids", .array(failedRequestIds.map { .string($0) })))
        fields.append(("failed_requests", .number("\(failedRequests)")))
        fields.append(("error", errorLine.map { .string($0) } ?? .null))
        let stored = sink.summary
        fields.append(("flagged", .number("\(stored.flagged)")))
        fields.append(("flags", .array(stored.flags.map { f in
            .object(JSONObject([("job_id", .string(f.jobId)), ("field", .string(f.field)), ("reason", .string(f.reason)),
                                ("detail", .string(f.detail)),
                                ("excluded", .array(f.excluded.split(separator: ",").map { .string(String($0)) }))]))
        })))
        fields.append(("skipped", .array(stored.skipped.map { item in
            .object(JSONObject([("index", .number("\(item.index)")), ("problem", .string(item.problem))]))
        })))
        return JSONObject(fields).serializedForTerminal()
    }
}
