import Foundation

/// Runs a producer of prepared jobs (and skipped items) on its own thread and hands them over in batches through a
/// bounded queue: parsing and normalizing overlap with SQLite writing, and memory stays bounded.
final class PreparePipeline: @unchecked Sendable {
    typealias Producer = (_ emit: (PreparedItem) throws -> Void) throws -> Void

    private let condition = NSCondition()
    private var batches: [[PreparedItem]] = []
    private var finished = false
    private var failure: Error?
    private var stopped = false
    private let producer: Producer
    static let batchSize = 256
    static let maxQueuedBatches = 4

    init(_ producer: @escaping Producer) {
        self.producer = producer
    }

    private struct Stopped: Error {}

    /// Calls `body` with every prepared job in order; rethrows the producer's error (a bad line) or
    /// `body`'s, after the producer thread has ended.
    func consume(_ body: (PreparedItem) throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            defer { done.signal() }
            var batch: [PreparedItem] = []
            batch.reserveCapacity(PreparePipeline.batchSize)
            do {
                try producer { job in
                    batch.append(job)
                    if batch.count == PreparePipeline.batchSize {
                        try push(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { try push(batch) }
                close(nil)
            } catch is Stopped {
                close(nil)
            } catch {
                close(error)
            }
        }
        thread.stackSize = 4 << 20
        thread.start()
        defer {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
            done.wait()
        }
        while let batch = try next() {
            for job in batch { try body(job) }
        }
    }

    private func push(_ batch: [PreparedItem]) throws {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= PreparePipeline.maxQueuedBatches && !stopped { condition.wait() }
        if stopped { throw Stopped() }
        batches.append(batch)
        condition.broadcast()
    }

    private func close(_ error: Error?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    private func next() throws -> [PreparedItem]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }
}
