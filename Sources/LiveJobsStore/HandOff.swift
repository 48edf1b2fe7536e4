import Foundation
import MetaStudio

/// A bounded first-in, first-out queue from producing threads to consuming threads: `put` waits
/// while `capacity` elements are queued (back-pressure: memory stays bounded however far ahead the
/// producer is), `take` waits while none is; nobody sleeps or polls. Import hands batches of
/// prepared jobs from its parsing thread to the writing one through one (`PreparePipeline`);
/// fetch hands pages from its workers to the preparers through another (`GroupCommitter`).
///
/// It ends one of two ways. `finish(throwing:)`, from the producing side: what is queued is still
/// taken, then `take` returns nil, or throws the producer's error. `cancel(_:)`, from the
/// consuming side or on a failure elsewhere: what is queued is dropped, and every waiting or later
/// `put` and `take` throws the error, so a producer blocked on a full queue stops at once. A `cancel`
/// takes effect even after `finish` (what is still queued is dropped); only the first `cancel`
/// counts, and a `finish` after either is ignored.
///
/// Concurrency: one lock (`state`, a `Locked`) guards the queue, how it ended and the counts of
/// blocked callers; any number of threads may put and take, and each waits on that lock's
/// condition until it can go on.
final class HandOff<Element: Sendable>: Sendable {
    private struct State: Sendable {
        var elements: [Element] = []
        /// Set by `finish`: nothing more is put; `take` returns nil (or throws `failure`) once empty.
        var finished = false
        var failure: Error?
        /// Set by the first `cancel`: thrown by every `put` and `take` from then on.
        var cancellation: Error?
        /// Callers waiting for room (`put`) or for an element (`take`).
        var blockedPuts = 0
        var blockedTakes = 0
    }

    /// Thrown by `put` after `finish`: the element would never be taken.
    struct Finished: Error, CustomStringConvertible {
        var description: String { "an element was handed over after its hand-off had finished" }
    }

    /// Most elements queued at once (at least 1).
    let capacity: Int
    private let state: Locked<State>

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Locked(State())
    }

    /// Queues `element` behind those already queued, first waiting while `capacity` are. Throws
    /// the cancellation's error, or `Finished` after `finish`.
    func put(_ element: Element) throws {
        let capacity = self.capacity
        try state.withLock(when: { $0.elements.count < capacity || $0.cancellation != nil || $0.finished },
                           wakes: true, waiters: \.blockedPuts) { state in
            if let cancellation = state.cancellation { throw cancellation }
            if state.finished { throw Finished() }
            state.elements.append(element)
        }
    }

    /// The element queued first, waiting while none is; nil once the hand-off is finished and
    /// empty. Throws the producer's error (after the elements queued before it) or the cancellation's.
    func take() throws -> Element? {
        try state.withLock(when: { !$0.elements.isEmpty || $0.finished || $0.cancellation != nil },
                           wakes: true, waiters: \.blockedTakes) { state in
            if let cancellation = state.cancellation { throw cancellation }
            if !state.elements.isEmpty { return state.elements.removeFirst() }
            if let failure = state.failure { throw failure }
            return nil
        }
    }

    /// Ends the hand-off from the producing side (see the type). Ignored after `finish` or `cancel`.
    func finish(throwing error: Error? = nil) {
        state.update { state in
            guard !state.finished && state.cancellation == nil else { return }
            state.finished = true
            state.failure = error
        }
    }

    /// Ends the hand-off at once, dropping what is queued (see the type). Ignored after a `cancel`.
    /// Returns the error in effect: `error`, or the first cancel's.
    @discardableResult
    func cancel(_ error: Error) -> Error {
        state.update { state in
            if let first = state.cancellation { return first }
            state.cancellation = error
            state.elements.removeAll()
            return error
        }
    }

    /// What the hand-off holds and who waits on it, at one moment.
    struct Status: Sendable {
        var queued: Int
        var blockedPuts: Int
        var blockedTakes: Int
    }

    /// Waits until `condition` holds for the hand-off's status, re-checked at each change, or
    /// until `deadline` (then false): for tests, which can then make an interleaving happen (wait
    /// for a producer to block on a full queue) instead of sleeping and hoping, and fail instead
    /// of hanging when it never comes.
    func waitForStatus(until deadline: Date, _ condition: (Status) -> Bool) -> Bool {
        func holds(_ state: State) -> Bool {
            condition(Status(queued: state.elements.count, blockedPuts: state.blockedPuts, blockedTakes: state.blockedTakes))
        }
        return state.withLock(when: holds, deadline: deadline, wakes: false) { holds($0) }
    }
}
