import Foundation
import GRDB
import MetaStudio

/// Stores pages arriving from several fetch workers. A worker hands its parsed page over and goes
/// straight back to the network; preparer threads turn pages into bind-ready rows (normalizing,
/// redacting, splitting usage by day); one writer thread writes them as they come into one open
/// transaction and commits it four times a second or every 96 pages (group commit), and a
/// checkpointer thread copies what is committed from the WAL into the database file. A page is never
/// split across transactions, so the database always holds whole pages; and a worker waits when
/// `maxUncommittedPages` pages are handed over but not committed, so that is the most a kill loses,
/// however busy the machine.
///
/// Concurrency: three locks, each guarding its own fields (`Locked`), so a worker handing a page
/// over never waits behind the writer or the checkpointer.
/// - `budget` (workers, writer): pages handed over and not committed; `submit` waits at
///   `maxUncommittedPages`, each commit gives its pages back.
/// - `inbox` (workers → preparers): a `HandOff` of at most `maxQueuedPages` unprepared pages.
/// - `shared` (preparers, writer, checkpointer, `flush`, `finish`): prepared pages waiting for the
///   writer, the commit counts and totals, flush requests, the first error. It is not a `HandOff`:
///   the writer takes every waiting page at once, stops waiting when its commit interval ends or a
///   flush is asked for, and the pages it holds are bounded by `budget`, not by a queue length.
/// Threads: the callers of `submit`/`flush`/`finish`; `preparers` preparer threads (niced below the
/// writer), one writer (owns the write transaction, and `written`), one checkpointer (owns its own
/// connection). The first error (a bad job, a failed commit) is kept in `shared`, cancels the inbox
/// and opens the budget, so every thread stops and the next `submit`, `flush` or `finish` throws it;
/// a page is committed whole or not at all. `finish` ends the inbox: the preparers drain it and end,
/// then the writer commits what is left and ends, then the checkpointer; `finish` joins all of them.
public final class GroupCommitter: Sendable {
    private struct Budget: Sendable {
        /// Pages handed over and not yet committed (or dropped by a failure).
        var uncommitted = 0
        /// Pages handed over so far (what `flush` waits to see committed).
        var submitted = 0
        /// Set by the first failure: nobody waits for room any more.
        var open = false
    }

    private struct Shared: Sendable {
        /// Prepared pages waiting for the writer, as the preparers finished them.
        var waiting: [[PreparedItem]] = []
        var preparersRunning: Int
        /// Callers waiting in `flush`: the writer commits now instead of at the end of its interval.
        var flushRequests = 0
        /// Pages committed so far (a page is committed whole or not at all).
        var committedPages = 0
        /// Commits so far, and whether the writer has ended: what the checkpointer waits for.
        var commits = 0
        var writerEnded = false
        /// The first error of any thread.
        var failure: Error?
        /// Distinct jobs written, as new, updated or unchanged by their first write of the run (a job
        /// new at its first write stays new when a later page holds it again).
        var totals = ImportSummary(file: "fetch", format: .page)
        /// Writes of a job already written in this run (pages overlap by two jobs; windows are read again).
        var rewrites = 0
        /// No page can reach `waiting` any more: the preparers have ended (the inbox is finished or cancelled).
        var drained: Bool { preparersRunning == 0 }
    }

    private struct UnpreparedPage: Sendable {
        var values: [PageJob]
        var context: String
    }

    private let store: JobStore
    private let source: String
    private let projectId: String?
    private let region: String?
    private let zones: [ZoneOffsets]
    private let strictness: Strictness
    /// When the run started (epoch seconds): the moment jobs are judged stale against.
    private let now = Date().timeIntervalSince1970
    /// How long one transaction may keep taking pages before it commits.
    private let commitInterval: TimeInterval
    private let maxUncommittedPages: Int
    /// The `sync_runs` row this committer's pages belong to, updated inside each commit's transaction.
    private let runProgress: SyncRunProgressRecorder?
    private let budget = Locked(Budget())
    private let inbox = HandOff<UnpreparedPage>(capacity: GroupCommitter.maxQueuedPages)
    private let shared: Locked<Shared>
    /// Every thread this committer started, for `finish` to join.
    private let threads = Locked<[WorkerThread]>([])

    /// Pages that may wait to be prepared before a worker blocks (bounds memory).
    static let maxQueuedPages = 16
    /// Pages handed over and not yet committed before a worker blocks, by default: what a kill can
    /// lose, on any machine. On an idle one a quarter second of pages is about 70 at the fastest
    /// (20,000 jobs in 0.72 s); with both cores busy the writer falls behind and this bounds the loss.
    public static let defaultMaxUncommittedPages = 128
    /// A transaction commits after `commitInterval` or this many pages, whichever comes first.
    static let maxPagesPerCommit = 96

    /// `commitInterval`: how long one transaction takes pages. Each commit rewrites the index
    /// leaves the random job ids touched, so commits should be rare; but the WAL can only be copied
    /// into the database file behind the writer once committed, so not too rare either.
    /// Throws the store's error when its time zones cannot be read or the checkpointer's
    /// connection cannot be opened.
    public init(store: JobStore, source: String, projectId: String?, region: String?, strictness: Strictness = .lenient,
                commitInterval: TimeInterval = 0.25, maxUncommittedPages: Int = GroupCommitter.defaultMaxUncommittedPages,
                preparers: Int = 2, runProgress: SyncRunProgressRecorder? = nil) throws {
        self.store = store
        self.runProgress = runProgress
        self.maxUncommittedPages = max(1, maxUncommittedPages)
        self.strictness = strictness
        self.commitInterval = commitInterval
        self.source = source
        self.projectId = projectId
        self.region = region
        zones = try store.materializedZones()
        let preparers = max(1, preparers)
        shared = Locked(Shared(preparersRunning: preparers))
        // Commits only append to the WAL; copying it into the database file (with its fsyncs) runs
        // on a thread of its own while the writer goes on, instead of inside whichever commit takes
        // the WAL past SQLite's 1,000-page mark.
        let checkpointConnection = try store.openCheckpointConnection()
        try store.setAutomaticCheckpoints(false)
        var started = (0 ..< preparers).map { _ in WorkerThread(name: "fetch-prepare") { [self] in preparerLoop() } }
        started.append(WorkerThread(name: "fetch-checkpoint") { [self] in checkpointerLoop(checkpointConnection) })
        started.append(WorkerThread(name: "fetch-writer") { [self] in writerLoop() })
        threads.withLock { $0 = started }
    }

    /// What has been committed so far, each job once: `inserted + updated + unchanged` is the
    /// number of distinct jobs stored.
    public var summary: ImportSummary { shared.withLock { $0.totals } }
    /// Pages committed so far (a page is committed whole or not at all).
    public var pagesCommitted: Int { shared.withLock { $0.committedPages } }
    /// Jobs committed again after their first write in this run: the same job on two pages.
    public var jobsWrittenAgain: Int { shared.withLock { $0.rewrites } }

    /// Queues one page for preparing and writing, first waiting while `maxUncommittedPages` pages
    /// are handed over and not committed, or `maxQueuedPages` wait to be prepared. Throws an earlier
    /// page's error (a bad job or a failed commit); a bad job in this page is reported by a later
    /// call or by `flush`/`finish`.
    public func submit(_ values: [PageJob], context: String) throws {
        let limit = maxUncommittedPages
        budget.withLock(when: { $0.uncommitted < limit || $0.open }, wakes: false) { budget in
            budget.uncommitted += 1
            budget.submitted += 1
        }
        try inbox.put(UnpreparedPage(values: values, context: context))
    }

    /// Waits until every page handed over so far is committed (for strictly sequential paging).
    /// Throws the first error of any page.
    public func flush() throws {
        let target = budget.withLock { $0.submitted }
        shared.update { $0.flushRequests += 1 }
        let failure = shared.withLock(when: { $0.committedPages >= target || $0.failure != nil }, wakes: false) { shared in
            shared.flushRequests -= 1
            return shared.failure
        }
        if let failure { throw failure }
    }

    /// Commits what is handed over, stops and joins the threads, and returns the totals; throws
    /// the first error of any page or commit instead.
    @discardableResult
    public func finish() throws -> ImportSummary {
        inbox.finish()
        for thread in threads.withLock({ $0 }) { thread.join() }
        try? store.setAutomaticCheckpoints(true)
        return try shared.withLock { shared in
            if let failure = shared.failure { throw failure }
            return shared.totals
        }
    }

    /// After each commit, copies what the WAL holds into the database file (a passive checkpoint:
    /// it never waits for the writer), until the writer has ended; then closes its connection.
    /// Whatever it has not copied when the committer finishes is copied when the database is
    /// closed, as SQLite always does.
    private func checkpointerLoop(_ connection: DatabaseQueue) {
        var seen = 0
        while true {
            let commits = shared.withLock(when: { $0.commits != seen || $0.writerEnded }, wakes: false) { $0.commits }
            if commits == seen { break }
            seen = commits
            // A checkpoint that cannot run now (busy) is only an optimization missed.
            _ = try? connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
        }
        try? connection.close()
    }

    /// Keeps the first error and stops every thread: the inbox drops its pages and makes every
    /// later `submit` throw it, workers waiting for budget go on (to that throw), and `flush` and
    /// `finish` throw it. The inbox is cancelled first, and decides which error is the first, so
    /// that once `flush` has thrown, `submit` throws too.
    private func recordFailure(_ error: Error) {
        let first = inbox.cancel(error)
        budget.update { $0.open = true }
        shared.update { shared in
            if shared.failure == nil { shared.failure = first }
        }
    }

    private func preparerLoop() {
        #if os(Linux)
        // Below the writer: on a busy machine the one thread holding the write transaction is the
        // bottleneck, and preparing more pages than it can take only makes it wait for a core.
        // (On Linux this renices only the calling thread.)
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 8)
        #endif
        defer { shared.update { $0.preparersRunning -= 1 } }
        // Ends when the inbox is finished and empty, or cancelled by a failure.
        while let page = try? inbox.take() {
            let prepared = Result {
                try page.values.enumerated().map { index, value in
                    try JobStore.prepare(value, zones: zones, now: now, strictness: strictness, file: page.context,
                                         index: index, line: nil, offset: nil, isFetched: true)
                }
            }
            switch prepared {
            case .success(let jobs):
                shared.update { shared in
                    if shared.failure == nil { shared.waiting.append(jobs) }
                }
            case .failure(let error):
                recordFailure(error)
            }
        }
    }

    /// Runs one transaction per turn: it writes pages as they arrive and commits once
    /// `commitInterval` has passed, when a caller flushes, or at finish. Committing every few pages
    /// would rewrite the same B-tree pages into the WAL each time (the job ids are random, so every
    /// commit touches most index leaves); one commit per interval writes each of them once.
    /// Ends when the preparers have ended and nothing waits, or at its first failed commit.
    private func writerLoop() {
        // Each job written in this run and how its first write counted it: this thread's alone.
        var written: [String: JobWriter.Outcome] = [:]
        defer { shared.update { $0.writerEnded = true } }
        while true {
            let hasPages = shared.withLock(when: { !$0.waiting.isEmpty || $0.drained }, wakes: false) { !$0.waiting.isEmpty }
            if !hasPages { return }
            do {
                let committed = try commitTurn(&written)
                shared.update { shared in
                    shared.commits += 1
                    shared.committedPages += committed.pages
                    shared.totals.add(committed.summary)
                    shared.rewrites += committed.again
                }
                budget.update { $0.uncommitted -= committed.pages }
                store.logger.debug("pages committed", metadata: [
                    "pages": "\(committed.pages)", "jobs.inserted": "\(committed.summary.inserted)",
                    "jobs.updated": "\(committed.summary.updated)", "jobs.unchanged": "\(committed.summary.unchanged)",
                    "jobs.again": "\(committed.again)",
                ])
            } catch {
                shared.withLock { $0.waiting.removeAll() }
                recordFailure(error)
                return
            }
        }
    }

    /// One transaction: takes waiting pages until the interval ends, a flush is asked for or the
    /// preparers have ended, then commits them all. `written` gains this turn's first writes only
    /// once the transaction commits.
    private func commitTurn(_ written: inout [String: JobWriter.Outcome]) throws -> (summary: ImportSummary, pages: Int, again: Int) {
        var summary = ImportSummary(file: "fetch", format: .page)
        var again = 0
        // Counted once the transaction commits: a failed one leaves `written` as it was.
        var firstSeen: [String: JobWriter.Outcome] = [:]
        let storedAt = RFC3339.format(Date().timeIntervalSince1970.rounded(.down))
        let deadline = Date(timeIntervalSinceNow: commitInterval)
        var pages = 0
        try store.writeJobs(source: source, storedAt: storedAt, projectId: projectId, region: region, zones: zones) { db, writer in
            while true {
                let batch = shared.withLock(when: { !$0.waiting.isEmpty || $0.drained || $0.flushRequests > 0 },
                                            deadline: deadline, wakes: false) { shared in
                    defer { shared.waiting = [] }
                    return shared.waiting
                }
                pages += batch.count
                for page in batch {
                    for item in page {
                        guard case .job(let job) = item else {
                            try summary.record(item, writer)
                            continue
                        }
                        let outcome = try writer.write(job)
                        summary.count(outcome, of: job)
                        guard let first = firstSeen[job.jobId] ?? written[job.jobId] else {
                            firstSeen[job.jobId] = outcome
                            continue
                        }
                        // The same job again: one job, counted as its first write, unless it was
                        // unchanged then and has changed since (it finished mid-scan).
                        again += 1
                        switch outcome {
                        case .inserted: summary.inserted -= 1
                        case .updated: summary.updated -= 1
                        case .unchanged: summary.unchanged -= 1
                        }
                        if first == .unchanged && outcome == .updated {
                            summary.unchanged -= 1
                            summary.updated += 1
                            firstSeen[job.jobId] = .updated
                        }
                    }
                }
                if batch.isEmpty || Date() >= deadline || pages >= GroupCommitter.maxPagesPerCommit { break }
            }
            // The run's counts commit with its pages: a kill after this commit leaves the row saying
            // exactly what is stored, never zeros under thousands of stored jobs.
            if let runProgress {
                var (stored, pagesBefore) = shared.withLock { ($0.totals, $0.committedPages) }
                stored.add(summary)
                try runProgress.record(db, pages: pagesBefore + pages, jobs: stored.inserted + stored.updated + stored.unchanged,
                                       flagged: stored.flagged)
            }
        }
        written.merge(firstSeen) { _, new in new }
        return (summary, pages, again)
    }
}
