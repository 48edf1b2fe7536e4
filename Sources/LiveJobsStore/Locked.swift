import Foundation

/// A value that threads share, reachable only while holding its lock, so the compiler checks
/// what a comment would only say. A thread that must wait for the value to change (a queue to
/// fill, a count to fall) waits on the lock's condition variable, without sleeping or polling; a
/// change made with `update`, or with `withLock(when:)` and `wakes`, wakes every waiting thread,
/// which checks again.
///
/// Built on `NSCondition` (a pthread mutex and condition variable) rather than Synchronization's
/// `Mutex`, which has no condition to wait on (and would need macOS 15; the package supports 14).
final class Locked<State: Sendable>: @unchecked Sendable {
    // @unchecked: `state` is read and written only inside `condition.lock()` ... `unlock()` below,
    // and leaves them only as a copy (`State` is Sendable); so no two threads touch it at once.
    private let condition = NSCondition()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    /// Runs `body` holding the lock; wakes nobody (for reads, and for changes nobody waits for).
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer { condition.unlock() }
        return try body(&state)
    }

    /// Runs `body` holding the lock, then wakes every thread waiting in `withLock(when:)`.
    @discardableResult
    func update<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits until `ready` holds, or until `deadline` (UTC instant) has passed, then runs `body`
    /// holding the lock; `ready` is checked holding the lock, first and each time another thread
    /// wakes this one. With `wakes`, the other waiting threads are woken after `body` (when it
    /// changed what they may wait for). While it waits, the count at `waiters` (if any) is one
    /// higher, and the waiting threads are woken to see that: a test can then tell a blocked
    /// thread from one that has not got there yet, without timing anything.
    func withLock<Result>(when ready: (State) -> Bool, deadline: Date? = nil, wakes: Bool,
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
