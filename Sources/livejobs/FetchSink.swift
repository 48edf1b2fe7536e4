import Foundation
import LiveJobsStore
import MetaStudio

/// Stores each fetched page through the same store as `import`, handing pages to a group-commit
/// writer; a transaction holds whole pages only, so an interrupted fetch keeps every page committed.
///
/// Concurrency: the pager's workers call `store` at once; the committer has locks of its own
/// (`GroupCommitter`), and the request ids by page are behind `requestIds` (a `Locked`); the other
/// fields are constants.
final class FetchSink: PageSink, Sendable {
    let committer: GroupCommitter
    /// Store each page before the next request, as a hand-written pager over the vendor's SDK does.
    let sequential: Bool
    /// For messages: a full disk or a read-only file is said with the path (`DatabaseProblem`).
    let databasePath: String
    /// Each page's context (what an `ImportError` about it names as its file) and X-Request-Id,
    /// so that the page a `--strict` fetch stops at is recorded by its request id.
    private let requestIds = Locked<[String: String]>([:])

    init(store: JobStore, projectId: String, region: String?, sequential: Bool, strictness: Strictness,
         maxUncommittedPages: Int, runProgress: SyncRunProgressRecorder? = nil) throws {
        committer = try GroupCommitter(store: store, source: "fetch", projectId: projectId, region: region,
                                       strictness: strictness, maxUncommittedPages: maxUncommittedPages,
                                       runProgress: runProgress)
        self.sequential = sequential
        databasePath = store.path
    }

    func store(_ page: JobPage) throws {
        let context = "page at \(page.label ?? "offset \(page.offset)") (X-Request-Id \(page.requestId ?? "none"))"
        if let id = page.requestId { requestIds.withLock { $0[context] = id } }
        try DatabaseProblem.mapping(path: databasePath) {
            try committer.submit(page.items, context: context)
            if sequential { try committer.flush() }
        }
    }

    /// The X-Request-Id of the page `error` is about, when it is a job the store refused.
    func requestId(of error: Error) -> String? {
        guard let refused = error as? ImportError else { return nil }
        return requestIds.withLock { $0[refused.file] }
    }

    /// Waits for the writer to commit every page handed over; the first commit error, if any.
    func finish() -> Error? {
        do {
            try DatabaseProblem.mapping(path: databasePath) { _ = try committer.finish() }
            return nil
        } catch {
            return error
        }
    }

    /// Distinct jobs stored, by what their first write did.
    var inserted: Int { committer.summary.inserted }
    var updated: Int { committer.summary.updated }
    var unchanged: Int { committer.summary.unchanged }
    /// Distinct jobs stored.
    var jobsStored: Int { inserted + updated + unchanged }
    /// Pages committed (whole).
    var pagesStored: Int { committer.pagesCommitted }
    /// Jobs stored again after their first write in this run (the same job on two pages).
    var jobsReadAgain: Int { committer.jobsWrittenAgain }
    /// What was stored: counts, flagged values, skipped items.
    var summary: ImportSummary { committer.summary }
}
