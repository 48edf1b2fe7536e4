import Foundation

/// A thread of its own running one function, whose end can be waited for (`join`): for work that
/// blocks (SQLite, file reads, condition waits), which must not hold one of Swift's few
/// cooperative threads.
final class WorkerThread: Sendable {
    private let ended = Locked(false)

    /// Starts `body` on a new thread named `name` (shown by debuggers and `top -H`), with a stack
    /// of `stackSize` bytes (0: the system's default). `body` is `sending`: the caller gives up
    /// what it captures, so it may hold what is not Sendable (a file reader) and still run there.
    init(name: String, stackSize: Int = 0, _ body: sending @escaping () -> Void) {
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
    func join() {
        ended.withLock(when: { $0 }, wakes: false) { _ in }
    }

    /// Waits until the thread's function has returned (true) or `deadline` has passed (false): for
    /// tests, which fail instead of hanging when a thread never ends.
    func join(until deadline: Date) -> Bool {
        ended.withLock(when: { $0 }, deadline: deadline, wakes: false) { $0 }
    }

    /// @unchecked: holds a `sending` closure, which no other code can reach any more; the
    /// new thread is the only one to call it.
    private struct Handed: @unchecked Sendable {
        let body: () -> Void
    }
}
