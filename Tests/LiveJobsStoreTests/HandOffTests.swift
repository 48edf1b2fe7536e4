import Foundation
import Testing
@testable import LiveJobsStore
import MetaStudio

/// How long a test waits for what should happen at once (a thread to block, or to end) before it
/// fails instead of holding the suite: a guard against a hang, not a speed bound. (`.timeLimit`
/// cannot stop a test blocked in a condition wait.)
let patience: TimeInterval = 30

func deadline() -> Date { Date(timeIntervalSinceNow: patience) }

/// Runs `body` on a thread of its own and returns what it returned, failing the test when it has
/// not returned after `patience` (a hang: a producer that is never stopped, a consumer never woken).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
    let result = Locked<Result<T, Error>?>(nil)
    let thread = WorkerThread(name: "test") { result.update { $0 = Result { try body() } } }
    try #require(thread.join(until: deadline()), "still running after \(Int(patience)) s")
    return try #require(result.withLock { $0 }).get()
}

struct Failure: Error, Equatable { var name: String }

/// The hand-off between threads that import and fetch share, and the two that use it. Each
/// interleaving is made to happen by waiting for it (a thread blocked in `put` or `take`, as the
/// hand-off counts them), never by sleeping.
@Suite(.timeLimit(.minutes(1))) struct HandOffTests {

    @Test func elementsComeOutInTheOrderTheyWentIn() throws {
        let handOff = HandOff<Int>(capacity: 3)
        let producer = WorkerThread(name: "test-producer") {
            for i in 0 ..< 1_000 { try? handOff.put(i) }
            handOff.finish()
        }
        let taken = try onThread { () throws -> [Int] in
            var taken: [Int] = []
            while let i = try handOff.take() { taken.append(i) }
            return taken
        }
        try #require(producer.join(until: deadline()))
        #expect(taken == Array(0 ..< 1_000))
    }

    /// Back-pressure: a producer ahead of its consumer waits with `capacity` elements queued, and
    /// each `take` lets exactly one more `put` through.
    @Test func aProducerBlocksWhileTheQueueIsFullAndOneTakeLetsOnePutThrough() throws {
        let capacity = 2
        let handOff = HandOff<Int>(capacity: capacity)
        let putsReturned = Locked(0)
        let producer = WorkerThread(name: "test-producer") {
            for i in 0 ..< 6 {
                guard (try? handOff.put(i)) != nil else { return }
                putsReturned.update { $0 += 1 }
            }
            handOff.finish()
        }
        var seen: [HandOff<Int>.Status] = []
        try #require(handOff.waitForStatus(until: deadline()) { status in seen.append(status); return status.blockedPuts == 1 })
        #expect(putsReturned.withLock { $0 } == capacity)
        for taken in 0 ..< 3 {
            #expect(try handOff.take() == taken)
            // The put that waited has gone through, and the next one waits on a full queue again.
            try #require(handOff.waitForStatus(until: deadline()) { status in seen.append(status); return status.blockedPuts == 1 && status.queued == capacity })
            #expect(putsReturned.withLock { $0 } == capacity + taken + 1)
        }
        var rest: [Int] = []
        while let i = try handOff.take() { rest.append(i) }
        try #require(producer.join(until: deadline()))
        #expect(rest == [3, 4, 5])
        #expect(seen.allSatisfy { $0.queued <= capacity }, "\(seen)")
    }

    @Test func finishingWakesEveryWaitingConsumerWithNothingLeft() throws {
        let handOff = HandOff<Int>(capacity: 4)
        let outcomes = Locked<[String]>([])
        let consumers = (0 ..< 2).map { _ in
            WorkerThread(name: "test-consumer") {
                let outcome: String
                do { outcome = try handOff.take().map { "took \($0)" } ?? "ended" } catch { outcome = "threw \(error)" }
                outcomes.update { $0.append(outcome) }
            }
        }
        try #require(handOff.waitForStatus(until: deadline()) { $0.blockedTakes == 2 })
        #expect(outcomes.withLock { $0 }.isEmpty)
        handOff.finish()
        for consumer in consumers { try #require(consumer.join(until: deadline())) }
        #expect(outcomes.withLock { $0 } == ["ended", "ended"])
    }

    @Test func cancellingWakesWaitingConsumersWithTheErrorAndDropsWhatIsQueued() throws {
        let handOff = HandOff<Int>(capacity: 4)
        let errors = Locked<[Failure]>([])
        let consumer = WorkerThread(name: "test-consumer") {
            do { _ = try handOff.take() } catch { errors.update { $0.append(error as! Failure) } }
        }
        try #require(handOff.waitForStatus(until: deadline()) { $0.blockedTakes == 1 })
        handOff.cancel(Failure(name: "stop"))
        try #require(consumer.join(until: deadline()))
        #expect(errors.withLock { $0 } == [Failure(name: "stop")])
        // Queued before a cancel: dropped, and later puts refused with the same error.
        let second = HandOff<Int>(capacity: 4)
        try second.put(1)
        second.cancel(Failure(name: "gone"))
        #expect(throws: Failure(name: "gone")) { try second.take() }
        #expect(throws: Failure(name: "gone")) { try second.put(2) }
    }

    /// The producer's error comes after everything it handed over before failing, and ends it.
    @Test func aProducersErrorReachesTheConsumerAfterWhatItQueuedBefore() throws {
        let handOff = HandOff<Int>(capacity: 4)
        try handOff.put(1)
        try handOff.put(2)
        handOff.finish(throwing: Failure(name: "bad line"))
        #expect(throws: HandOff<Int>.Finished.self) { try handOff.put(3) }
        #expect(try handOff.take() == 1)
        #expect(try handOff.take() == 2)
        #expect(throws: Failure(name: "bad line")) { try handOff.take() }
    }

    /// A consumer that gives up (its write failed) stops a producer blocked on the full queue: the
    /// blocked `put` throws the consumer's error.
    @Test func aConsumersCancelStopsAProducerBlockedOnAFullQueue() throws {
        let handOff = HandOff<Int>(capacity: 2)
        let producerError = Locked<Failure?>(nil)
        let producer = WorkerThread(name: "test-producer") {
            var i = 0
            while true {
                do { try handOff.put(i) } catch { producerError.update { $0 = error as? Failure }; return }
                i += 1
            }
        }
        #expect(try handOff.take() == 0)
        try #require(handOff.waitForStatus(until: deadline()) { $0.blockedPuts == 1 })
        handOff.cancel(Failure(name: "disk full"))
        try #require(producer.join(until: deadline()))
        #expect(producerError.withLock { $0 } == Failure(name: "disk full"))
    }
}

/// Import's use of the hand-off: a producer thread of prepared items and the caller's thread.
@Suite(.timeLimit(.minutes(1))) struct PreparePipelineTests {

    static func item(_ index: Int) -> PreparedItem {
        .notAJob(SkippedItem(index: index, line: index + 1, problem: "item \(index)"))
    }

    static func index(_ item: PreparedItem) -> Int? {
        if case .notAJob(let skipped) = item { return skipped.index }
        return nil
    }

    @Test func itemsReachTheConsumerInTheOrderTheyWereProduced() throws {
        let count = 3 * PreparePipeline.batchSize + 17
        let pipeline = PreparePipeline { emit in
            for i in 0 ..< count { try emit(PreparePipelineTests.item(i)) }
        }
        let consumed = try onThread { () throws -> [Int?] in
            var consumed: [Int?] = []
            try pipeline.consume { consumed.append(PreparePipelineTests.index($0)) }
            return consumed
        }
        #expect(consumed == Array(0 ..< count))
    }

    /// A bad line: the whole batches handed over before it are consumed (the import's transaction
    /// is rolled back anyway), then its error is thrown, and the producer thread has ended by the
    /// time `consume` returns.
    @Test func aProducersErrorReachesConsumeAfterTheBatchesBeforeIt() throws {
        let ended = Locked(false)
        let whole = 2 * PreparePipeline.batchSize
        let pipeline = PreparePipeline { emit in
            defer { ended.update { $0 = true } }
            for i in 0 ..< whole + 44 { try emit(PreparePipelineTests.item(i)) }
            throw Failure(name: "bad line")
        }
        let consumed = try onThread { () -> (count: Int, error: Failure?) in
            var count = 0
            do { try pipeline.consume { _ in count += 1 } } catch { return (count, error as? Failure) }
            return (count, nil)
        }
        #expect(consumed.error == Failure(name: "bad line"))
        #expect(consumed.count == whole)
        #expect(ended.withLock { $0 })
    }

    /// A failed write stops a producer that would never end by itself, after at most the batches
    /// the queue holds (memory stays bounded), and `consume` throws the write's error.
    @Test func aConsumersErrorStopsTheProducerWithinTheQueuesBound() throws {
        let emitted = Locked(0)
        let producerError = Locked<String?>(nil)
        let pipeline = PreparePipeline { emit in
            do {
                var i = 0
                while true {
                    try emit(PreparePipelineTests.item(i))
                    emitted.update { $0 += 1 }
                    i += 1
                }
            } catch {
                producerError.update { $0 = "\(type(of: error))" }
                throw error
            }
        }
        let consumeError = try onThread { () -> Failure? in
            var consumed = 0
            do {
                try pipeline.consume { _ in
                    consumed += 1
                    if consumed == 10 { throw Failure(name: "disk full") }
                }
            } catch {
                return error as? Failure
            }
            return nil
        }
        #expect(consumeError == Failure(name: "disk full"))
        // Stopped at a hand-over: one batch taken, the queued ones, and the one it was handing over.
        #expect(emitted.withLock { $0 } <= (PreparePipeline.maxQueuedBatches + 2) * PreparePipeline.batchSize)
        #expect(producerError.withLock { $0 } != nil, "the producer was stopped by an error, not left running")
    }
}

/// Fetch's use of it: the group committer's first error stops it, and what it committed is whole.
@Suite(.timeLimit(.minutes(1))) struct GroupCommitterFailureTests {
    func jobs(_ objects: [String]) throws -> [PageJob] {
        let tape = try #require(JSONTape.parse(Array(page(objects).utf8)))
        return try #require(tape.root["smart_live_jobs"]?.elements).map(PageJob.tape)
    }

    /// Under `--strict`, a page with a job that cannot be used is not stored at all; the pages
    /// committed before it stay; every later `submit`, `flush` and `finish` throws its error.
    @Test func aBadJobStopsTheCommitterAndLeavesOnlyWholePagesBeforeIt() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let committer = try GroupCommitter(store: store, source: "fetch", projectId: "p", region: nil, strictness: .strict)
        try committer.submit(try jobs((0 ..< 10).map { jobJSON(id: "good-\($0)") }), context: "page 1")
        try onThread { try committer.flush() }
        let bad = jobJSON(id: "bad").replacingOccurrences(of: "\"duration\":3600.0", with: "\"duration\":\"long\"")
        try committer.submit(try jobs([jobJSON(id: "before-bad"), bad]), context: "page 2")
        let flushError = #expect(throws: ImportError.self) { try onThread { try committer.flush() } }
        #expect(flushError?.file == "page 2" && flushError?.jobId == "bad")
        #expect(throws: ImportError.self) { try committer.submit(try jobs([jobJSON(id: "after")]), context: "page 3") }
        #expect(throws: ImportError.self) { try onThread { try committer.finish() } }
        #expect(committer.pagesCommitted == 1)
        #expect(try store.read { db in try String.fetchAll(db, sql: "SELECT job_id FROM jobs ORDER BY job_id") }
                == (0 ..< 10).map { "good-\($0)" }.sorted())
    }
}
