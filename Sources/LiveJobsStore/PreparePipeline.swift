import Foundation
import MetaStudio

/// Import's two threads: a producer of prepared jobs (and skipped items) runs on a thread of its
/// own, parsing and normalizing, while the caller's thread writes them into SQLite; batches of
/// `batchSize` go through a `HandOff` of at most `maxQueuedBatches`, so memory stays bounded
/// however large the input.
///
/// Concurrency: the producer thread owns what the producer closure captured (a `LineReader`; the
/// closure is `sending`, so the compiler checks that no one else holds it); the caller's thread
/// takes batches in order in `consume`. The producer's error reaches `consume` after the batches
/// before it; an error of `consume`'s body, or `stop`, cancels the hand-off, which stops the
/// producer at its next hand-over. `consume` and `stop` return only once the producer thread has ended.
final class PreparePipeline: Sendable {
    typealias Producer = (_ emit: (PreparedItem) throws -> Void) throws -> Void

    static let batchSize = 256
    static let maxQueuedBatches = 4
    private let queue = HandOff<[PreparedItem]>(capacity: PreparePipeline.maxQueuedBatches)
    private let producer: WorkerThread

    /// The consumer went away: what a producer blocked on the full queue is stopped with.
    private struct Stopped: Error {}

    /// Starts `produce` at once on a thread of its own (with a 4 MiB stack, for deeply nested JSON);
    /// it calls `emit` with each item in order, and `emit` waits while `maxQueuedBatches` batches wait.
    init(_ produce: sending @escaping Producer) {
        let queue = self.queue
        producer = WorkerThread(name: "import-prepare", stackSize: 4 << 20) {
            var batch: [PreparedItem] = []
            batch.reserveCapacity(PreparePipeline.batchSize)
            do {
                try produce { item in
                    batch.append(item)
                    if batch.count == PreparePipeline.batchSize {
                        try queue.put(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { try queue.put(batch) }
                queue.finish()
            } catch {
                queue.finish(throwing: error)
            }
        }
    }

    /// Calls `body` with every prepared item in order; rethrows the producer's error (a bad line) or
    /// `body`'s, after the producer thread has ended.
    func consume(_ body: (PreparedItem) throws -> Void) throws {
        defer { stop() }
        while let batch = try queue.take() {
            for item in batch { try body(item) }
        }
    }

    /// Stops the producer if it is still running (what it has not handed over is dropped) and
    /// waits until its thread has ended. Calling it again does nothing more.
    func stop() {
        queue.cancel(Stopped())
        producer.join()
    }
}
