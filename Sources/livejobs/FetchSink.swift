import Foundation
import LiveJobsStore
import MetaStudio

/// Stores each fetched page through the same store as `import`, handing pages to a group-commit
/// writer; a transaction holds whole pages only, so an interrupted fetch keeps every page committed.
final class FetchSink: PageSink, @unchecked Sendable {
    let committer: GroupCommitter
    /// Store each page before the next request, as a hand-written pager over the vendor's SDK does.
    let sequential: Bool
    /// For messages: a full disk or a read-only file is said with the path (`DatabaseProblem`).
    let databasePath: String

    init(store: JobStore, projectId: String, region: String?, sequential: Bool, strictness: Strictness,
         maxUncommittedPages: Int) throws {
        committer = try GroupCommitter(store: store, source: "fetch", projectId: projectId, region: region,
                                       strictness: strictness, maxUncommittedPages: maxUncommittedPages)
        self.sequential = sequential
        databasePath = store.path
    }

    func store(_ page: JobPage) throws {
        try DatabaseProblem.mapping(path: databasePath) {
            try committer.submit(page.items, context: "page at \(page.label ?? "offset \(page.offset)") (X-Request-Id \(page.requestId ?? "none"))")
            if sequential { try committer.flush() }
        }
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

    var inserted: Int { committer.summary.inserted }
    var updated: Int { committer.summary.updated }
    var unchanged: Int { committer.summary.unchanged }
    /// What was stored: counts, flagged values, skipped items.
    var summary: ImportSummary { committer.summary }
}
