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
public final class GroupCommitter: @unchecked Sendable {
    private struct Page {
        var items: [PreparedItem]
    }


    private let store: JobStore
    private let source: String
    private let projectId: String?
    private let region: String?
    private let zones: [ZoneOffsets]
    private let strictness: Strictness
    /// When the run started (epoch seconds): the moment jobs are judged stale against.
    private let now = Date().timeIntervalSince1970
    /// The hand-off from the fetch workers to the preparers has a lock of its own, so that a
    /// worker handing over a page never waits behind the writer or the checkpointer.
    private let inbox = NSCondition()
    /// Pages handed over and not yet taken by a preparer (under `inbox`).
    private var unprepared: [(values: [PageJob], context: String)] = []
    private var submitted = 0
    private var inboxClosed = false
    private var inboxFailure: Error?
    /// Everything else is under `condition`.
    private let condition = NSCondition()
    private var preparersRunning: Int
    /// Pages committed so far (for `flush`).
    private var committedPages = 0
    /// Prepared pages waiting for the writer.
    private var waiting: [Page] = []
    private var closed = false
    private var writing = false
    private var flushRequests = 0
    /// How long one transaction may keep taking pages before it commits.
    private let commitInterval: TimeInterval
    /// The background checkpointer's connection, and how many commits it has been told of.
    private var checkpointQueue: DatabaseQueue?
    private var commits = 0
    private var checkpointerRunning = false
    private var failure: Error?
    /// Distinct jobs written, as new, updated or unchanged by their first write of the run (a job
    /// new at its first write stays new when a later page holds it again).
    private var totals = ImportSummary(file: "fetch", format: .page)
    /// Writes of a job already written in this run (pages overlap by two jobs; windows are read again).
    private var rewrites = 0
    /// Each job written in this run and how its writes counted it (the writer thread's alone).
    private var written: [String: JobWriter.Outcome] = [:]
    private let finished = DispatchSemaphore(value: 0)
    /// Pages that may wait to be prepared before a worker blocks (bounds memory).
    static let maxQueuedPages = 16
    /// Pages handed over and not yet committed before a worker blocks, by default: what a kill can
    /// lose, on any machine. On an idle one a quarter second of pages is about 70 at the fastest
    /// (20,000 jobs in 0.72 s); with both cores busy the writer falls behind and this bounds the loss.
    public static let defaultMaxUncommittedPages = 128
    private let maxUncommittedPages: Int
    /// A transaction commits after `commitInterval` or this many pages, whichever comes first.
    static let maxPagesPerCommit = 96
    /// The count behind `maxUncommittedPages`, with a lock of its own so that a worker's hand-off
    /// waits behind nothing else.
    private let budget = NSCondition()
    private var uncommitted = 0
    private var budgetClosed = false
    /// The `sync_runs` row this committer's pages belong to, updated inside each commit's transaction.
    private let runProgress: SyncRunProgressRecorder?

    /// `commitInterval`: how long one transaction takes pages. Each commit rewrites the index
    /// leaves the random job ids touched, so commits should be rare; but the WAL can only be copied
    /// into the database file behind the writer once committed, so not too rare either.
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
        preparersRunning = max(1, preparers)
        // Commits only append to the WAL; copying it into the database file (with its fsyncs) runs
        // on a thread of its own while the writer goes on, instead of inside whichever commit takes
        // the WAL past SQLite's 1,000-page mark.
        checkpointQueue = try store.openCheckpointConnection()
        try store.setAutomaticCheckpoints(false)
        checkpointerRunning = true
        for _ in 0 ..< preparersRunning {
            Thread { [self] in preparerLoop() }.start()
        }
        Thread { [self] in checkpointerLoop() }.start()
        Thread { [self] in writerLoop() }.start()
    }

    /// What has been committed so far, each job once: `inserted + updated + unchanged` is the
    /// number of distinct jobs stored.
    public var summary: ImportSummary { condition.withLock { totals } }
    /// Pages committed so far (a page is committed whole or not at all).
    public var pagesCommitted: Int { condition.withLock { committedPages } }
    /// Jobs committed again after their first write in this run: the same job on two pages.
    public var jobsWrittenAgain: Int { condition.withLock { rewrites } }

    /// Queues one page for preparing and writing. Throws an earlier page's error (a bad job or a
    /// failed commit); a bad job in this page is reported by a later call or by `flush`/`finish`.
    public func submit(_ values: [PageJob], context: String) throws {
        budget.lock()
        while uncommitted >= maxUncommittedPages && !budgetClosed { budget.wait() }
        uncommitted += 1
        budget.unlock()
        inbox.lock()
        defer { inbox.unlock() }
        while unprepared.count >= GroupCommitter.maxQueuedPages && inboxFailure == nil { inbox.wait() }
        if let inboxFailure { throw inboxFailure }
        unprepared.append((values, context))
        submitted += 1
        inbox.broadcast()
    }

    /// Waits until every page handed over so far is committed (for strictly sequential paging).
    public func flush() throws {
        let target = inbox.withLock { submitted }
        condition.lock()
        flushRequests += 1
        condition.broadcast()
        defer { flushRequests -= 1; condition.unlock() }
        while committedPages < target && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Commits what is queued, stops the threads and returns the totals (or the first error).
    @discardableResult
    public func finish() throws -> ImportSummary {
        inbox.withLock {
            inboxClosed = true
            inbox.broadcast()
        }
        condition.withLock {
            closed = true
            condition.broadcast()
        }
        finished.wait()
        finished.signal()
        condition.lock()
        while checkpointerRunning { condition.wait() }
        condition.unlock()
        try? store.setAutomaticCheckpoints(true)
        if let failure { throw failure }
        return summary
    }

    /// After each commit, copies what the WAL holds into the database file (a passive checkpoint:
    /// it never waits for the writer). Whatever it has not copied when the committer finishes is
    /// copied when the database is closed, as SQLite always does.
    private func checkpointerLoop() {
        var seen = 0
        condition.lock()
        defer {
            checkpointerRunning = false
            checkpointQueue = nil
            condition.broadcast()
            condition.unlock()
        }
        while true {
            while commits == seen && !(drained && waiting.isEmpty && !writing) { condition.wait() }
            if commits == seen { return }
            seen = commits
            let queue = checkpointQueue
            condition.unlock()
            // A checkpoint that cannot run now (busy) is only an optimization missed.
            _ = try? queue?.writeWithoutTransaction { try $0.checkpoint(.passive) }
            condition.lock()
        }
    }

    /// Keeps the first error (under `condition`) and makes the next `submit` throw it.
    private func recordFailure(_ error: Error) {
        let first: Error = condition.withLock {
            if failure == nil { failure = error }
            condition.broadcast()
            return failure!
        }
        inbox.withLock {
            inboxFailure = first
            inbox.broadcast()
        }
        budget.withLock {
            budgetClosed = true
            budget.broadcast()
        }
    }

    /// Called with the lock held: no page can reach `waiting` any more.
    private var drained: Bool { closed && preparersRunning == 0 }

    private func preparerLoop() {
        #if os(Linux)
        // Below the writer: on a busy machine the one thread holding the write transaction is the
        // bottleneck, and preparing more pages than it can take only makes it wait for a core.
        // (On Linux this renices only the calling thread.)
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 8)
        #endif
        defer {
            condition.withLock {
                preparersRunning -= 1
                condition.broadcast()
            }
        }
        while true {
            inbox.lock()
            while unprepared.isEmpty && !inboxClosed && inboxFailure == nil { inbox.wait() }
            if inboxFailure != nil || unprepared.isEmpty {
                unprepared.removeAll()
                inbox.broadcast()
                inbox.unlock()
                return
            }
            let page = unprepared.removeFirst()
            inbox.broadcast()
            inbox.unlock()
            let prepared = Result {
                try page.values.enumerated().map { index, value in
                    try JobStore.prepare(value, zones: zones, now: now, strictness: strictness, file: page.context,
                                         index: index, line: nil, offset: nil, isFetched: true)
                }
            }
            switch prepared {
            case .success(let jobs):
                condition.withLock {
                    if failure == nil { waiting.append(Page(items: jobs)) }
                    condition.broadcast()
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
    private func writerLoop() {
        defer { finished.signal() }
        while true {
            condition.lock()
            while waiting.isEmpty && !drained { condition.wait() }
            if waiting.isEmpty {
                condition.unlock()
                return
            }
            writing = true
            condition.unlock()
            do {
                let committed = try commitTurn()
                condition.withLock {
                    commits += 1
                    writing = false
                    committedPages += committed.pages
                    totals.add(committed.summary)
                    rewrites += committed.again
                    condition.broadcast()
                }
                budget.withLock {
                    uncommitted -= committed.pages
                    budget.broadcast()
                }
                store.logger.debug("pages committed", metadata: [
                    "pages": "\(committed.pages)", "jobs.inserted": "\(committed.summary.inserted)",
                    "jobs.updated": "\(committed.summary.updated)", "jobs.unchanged": "\(committed.summary.unchanged)",
                    "jobs.again": "\(committed.again)",
                ])
            } catch {
                condition.withLock {
                    writing = false
                    waiting.removeAll()
                }
                recordFailure(error)
                return
            }
        }
    }

    /// One transaction: takes waiting pages until the interval ends, a flush is asked for or the
    /// committer closes, then commits them all.
    private func commitTurn() throws -> (summary: ImportSummary, pages: Int, again: Int) {
        var summary = ImportSummary(file: "fetch", format: .page)
        var again = 0
        // Counted once the transaction commits: a failed one leaves `written` as it was.
        var firstSeen: [String: JobWriter.Outcome] = [:]
        let storedAt = RFC3339.format(Date().timeIntervalSince1970.rounded(.down))
        let deadline = Date(timeIntervalSinceNow: commitInterval)
        var pages = 0
        try store.writeJobs(source: source, storedAt: storedAt, projectId: projectId, region: region, zones: zones) { db, writer in
            while true {
                condition.lock()
                while waiting.isEmpty && !drained && flushRequests == 0 && Date() < deadline {
                    _ = condition.wait(until: deadline)
                }
                let batch = waiting
                waiting.removeAll()
                pages += batch.count
                condition.unlock()
                for page in batch {
                    for item in page.items {
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
                var stored = condition.withLock { totals }
                stored.add(summary)
                let pagesSoFar = condition.withLock { committedPages } + pages
                try runProgress.record(db, pages: pagesSoFar, jobs: stored.inserted + stored.updated + stored.unchanged,
                                       flagged: stored.flagged)
            }
        }
        written.merge(firstSeen) { _, new in new }
        return (summary, pages, again)
    }
}
