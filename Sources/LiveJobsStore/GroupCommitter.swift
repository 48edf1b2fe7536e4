import Foundation
import GRDB
import MetaStudio

/// Stores pages arriving from several fetch workers. Each worker prepares its page on its own
/// thread and hands it over; one writer thread commits every page waiting at that moment in one
/// transaction (group commit), so workers go back to the network instead of queueing for SQLite.
/// A page is never split across transactions: the database always holds whole pages.
public final class GroupCommitter: @unchecked Sendable {
    private struct Page {
        var jobs: [PreparedJob]
    }

    private let store: JobStore
    private let source: String
    private let projectId: String?
    private let region: String?
    private let zones: [ZoneOffsets]
    private let condition = NSCondition()
    private var waiting: [Page] = []
    private var closed = false
    private var writing = false
    private var failure: Error?
    private var totals = ImportSummary(file: "fetch", format: .page)
    private let finished = DispatchSemaphore(value: 0)
    /// Pages that may wait for the writer before a worker blocks (bounds memory).
    static let maxWaitingPages = 32

    public init(store: JobStore, source: String, projectId: String?, region: String?) throws {
        self.store = store
        self.source = source
        self.projectId = projectId
        self.region = region
        zones = try store.materializedZones()
        let thread = Thread { [self] in writerLoop() }
        thread.start()
    }

    /// What has been committed so far.
    public var summary: ImportSummary { condition.withLock { totals } }

    /// Prepares one page on the calling thread and queues it for the writer. Throws a bad job's
    /// error at once, and an earlier commit's error on the next call.
    public func submit(_ values: [JSONValue], context: String) throws {
        let prepared = try values.enumerated().map { index, value in
            try JobStore.prepare(value, zones: zones, file: context, index: index, line: nil, offset: nil)
        }
        condition.lock()
        defer { condition.unlock() }
        while waiting.count >= GroupCommitter.maxWaitingPages && failure == nil { condition.wait() }
        if let failure { throw failure }
        waiting.append(Page(jobs: prepared))
        condition.broadcast()
    }

    /// Waits until every page handed over so far is committed (for strictly sequential paging).
    public func flush() throws {
        condition.lock()
        defer { condition.unlock() }
        while (!waiting.isEmpty || writing) && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Commits what is queued, stops the writer and returns the totals (or the first commit error).
    @discardableResult
    public func finish() throws -> ImportSummary {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
        finished.signal()
        if let failure { throw failure }
        return summary
    }

    private func writerLoop() {
        defer { finished.signal() }
        while true {
            condition.lock()
            while waiting.isEmpty && !closed { condition.wait() }
            let batch = waiting
            waiting.removeAll()
            let stop = batch.isEmpty && closed
            writing = !stop
            condition.broadcast()
            condition.unlock()
            if stop { return }
            do {
                let committed = try commit(batch)
                condition.withLock {
                    writing = false
                    condition.broadcast()
                    totals.jobsRead += committed.jobsRead
                    totals.inserted += committed.inserted
                    totals.updated += committed.updated
                    totals.unchanged += committed.unchanged
                }
            } catch {
                condition.lock()
                if failure == nil { failure = error }
                writing = false
                waiting.removeAll()
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }

    private func commit(_ batch: [Page]) throws -> ImportSummary {
        var summary = ImportSummary(file: "fetch", format: .page)
        let storedAt = RFC3339.format(Date().timeIntervalSince1970.rounded(.down))
        try store.writeJobs { db in
            let writer = try JobWriter(db, source: source, storedAt: storedAt, projectId: projectId, region: region)
            for page in batch {
                for job in page.jobs { try summary.count(writer.write(job)) }
            }
        }
        return summary
    }
}
