import Foundation

/// A stop raised once, from any thread (Ctrl-C, a failure, the end of a run), that threads can
/// wait for with a deadline: `wait(seconds:)` ends when its time is up, or at once when the stop is
/// raised, without sleeping or polling. The pager's retry back-off and rate limiter wait on one,
/// so a cancelled fetch stops within a lock hand-over instead of a sleep step; the CLI's progress
/// line waits on one between redraws.
///
/// Concurrency: one lock (`state`, a `Locked`) guards the flag and the count of waiting threads;
/// `raise` wakes every waiter.
package final class StopSignal: Sendable {
    private struct State: Sendable {
        var raised = false
        /// Threads now waiting in `wait(seconds:)`.
        var waiting = 0
    }

    private let state = Locked(State())

    /// A stop not yet raised.
    package init() {}

    /// Raises the stop (again: no change) and wakes every thread waiting in `wait(seconds:)`.
    package func raise() {
        state.update { $0.raised = true }
    }

    /// Whether the stop has been raised.
    package var isRaised: Bool { state.withLock { $0.raised } }

    /// Waits until `seconds` have passed on the monotonic clock or the stop is raised, whichever
    /// comes first: true when the stop is raised (at once when it already was), false when the
    /// time is up. A wait of no time (0, negative, NaN) only reads the flag.
    ///
    /// The condition variable's deadline is a wall-clock instant: a clock set forward mid-wait
    /// ends one wait early and the rest is waited again; a clock set back lengthens it (a stop
    /// still ends it at once).
    package func wait(seconds: Double) -> Bool {
        let until = ProcessInfo.processInfo.systemUptime + seconds
        while true {
            let left = until - ProcessInfo.processInfo.systemUptime
            guard left > 0 else { return isRaised }
            // At most a year at a time: an endless wait must not become a date the condition cannot hold.
            let deadline = Date(timeIntervalSinceNow: min(left, 365 * 86_400))
            let raised = state.withLock(when: { $0.raised }, deadline: deadline, wakes: false,
                                        waiters: \.waiting) { $0.raised }
            if raised { return true }
        }
    }

    /// Waits until at least `count` threads are waiting in `wait(seconds:)`: a test raises the stop
    /// only then, so it proves the stop wakes a waiter rather than being seen before the wait.
    package func waitForWaiters(_ count: Int) {
        state.withLock(when: { $0.waiting >= count }, wakes: false) { _ in }
    }
}
