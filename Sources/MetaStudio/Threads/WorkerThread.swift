import Foundation

/// A thread of its own running one function, whose end can be waited for (`join`): for work that
/// blocks (SQLite, file reads, condition waits, the network), which must not hold one of Swift's
/// few cooperative threads.
///
/// Concurrency: one lock (`ended`, a `Locked`) guards whether the function has returned; `join`
/// waits on it.
package final class WorkerThread: Sendable {
    private let ended = Locked(false)

    /// Starts `body` on a new thread named `name` (shown by debuggers and `top -H`), with a stack
    /// of `stackSize` bytes (0: the system's default). `body` is `sending`: the caller gives up
    /// what it captures, so it may hold what is not Sendable (a file reader) and still run there.
    package init(name: String, stackSize: Int = 0, _ body: sending @escaping () -> Void) {
        let work = Handed(body: body)
        let thread = Thread { [ended] in
            work.body()
            ended.update { $0 = true }
        }
        thread.name = name
        if stackSize > 0 { thread.stackSize = stackSize }
        thread.start()
    }

    /// Waits until the thread's function has returned.
    package func join() {
        ended.withLock(when: { $0 }, wakes: false) { _ in }
    }

    /// Waits until the thread's function has returned (true) or `deadline` has passed (false): for
    /// tests, which fail instead of hanging when a thread never ends.
    package func join(until deadline: Date) -> Bool {
        ended.withLock(when: { $0 }, deadline: deadline, wakes: false) { $0 }
    }

    /// A `sending` closure carried to the new thread.
    private struct Handed: @unchecked Sendable {
        // Safe because the closure was `sending`: no other code can reach what it captures any
        // more, and the new thread is the only one to call it.
        let body: () -> Void
    }
}
