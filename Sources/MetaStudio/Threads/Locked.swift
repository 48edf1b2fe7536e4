import Foundation

/// A value that threads share, reachable only while holding its lock, so the compiler checks
/// what a comment would only say. A thread that must wait for the value to change (a queue to
/// fill, a count to fall, a stop) waits on the lock's condition variable, without sleeping or
/// polling; a change made with `update`, or with `withLock(when:)` and `wakes`, wakes every
/// waiting thread, which checks again. Every target of the package shares this one type: the
/// pager's workers (`StopSignal`, `RateLimiter`), the store's hand-offs (`HandOff`,
/// `GroupCommitter`), the CLI's stderr and the simulator's counters.
///
/// Built on `NSCondition` (a pthread mutex and condition variable) rather than Synchronization's
/// `Mutex`, which has no condition to wait on (and would need macOS 15; the package supports 14).
package final class Locked<State: Sendable>: @unchecked Sendable {
    // Safe because `state` is read and written only between `condition.lock()` and `unlock()`
    // below, and leaves them only as a copy (`State` is Sendable): no two threads touch it at once.
    private let condition = NSCondition()
    private var state: State

    /// A lock around `state`.
    package init(_ state: State) {
        self.state = state
    }

    /// Runs `body` holding the lock; wakes nobody (for reads, and for changes nobody waits for).
    package func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer { condition.unlock() }
        return try body(&state)
    }

    /// Runs `body` holding the lock, then wakes every thread waiting in `withLock(when:)`.
    @discardableResult
    package func update<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits until `ready` holds, or until `deadline` (a wall-clock instant) has passed, then runs
    /// `body` holding the lock; `ready` is checked holding the lock, first and each time another
    /// thread wakes this one. With `wakes`, the other waiting threads are woken after `body` (when
    /// it changed what they may wait for). While it waits, the count at `waiters` (if any) is one
    /// higher, and the waiting threads are woken to see that: a test can then tell a blocked
    /// thread from one that has not got there yet, without timing anything.
    package func withLock<Result>(when ready: (State) -> Bool, deadline: Date? = nil, wakes: Bool,
                                  waiters: WritableKeyPath<State, Int>? = nil,
                                  _ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            if wakes { condition.broadcast() }
            condition.unlock()
        }
        if !ready(state) {
            if let waiters {
                state[keyPath: waiters] += 1
                condition.broadcast()
            }
            while !ready(state) {
                if let deadline {
                    if !condition.wait(until: deadline) { break }
                } else {
                    condition.wait()
                }
            }
            if let waiters { state[keyPath: waiters] -= 1 }
        }
        return try body(&state)
    }
}
