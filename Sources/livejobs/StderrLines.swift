import Foundation

/// Standard error shared by the threads that write to it: log lines and notices, each a line of its
/// own, and on a terminal the progress line redrawn in place. One lock orders them, so a line never
/// lands inside another; a line written while the progress line is shown clears it first (it is
/// drawn again at its next tick).
final class StderrLines: @unchecked Sendable {
    /// The process's standard error.
    static let shared = StderrLines()

    private let lock = NSLock()
    /// Characters of the progress line now on the terminal (0: none).
    private var drawn = 0

    /// Writes `text` and a line break, after clearing a progress line that is shown.
    func line(_ text: String) {
        lock.withLock {
            clearLocked()
            Output.error(text + "\n")
        }
    }

    /// Draws `text` over the progress line shown, padded to cover a longer one.
    func draw(_ text: String) {
        lock.withLock {
            let padded = text + String(repeating: " ", count: max(0, drawn - text.count))
            drawn = text.count
            Output.error("\r\(padded)")
        }
    }

    /// Clears the progress line, if one is shown.
    func clear() {
        lock.withLock { clearLocked() }
    }

    private func clearLocked() {
        guard drawn > 0 else { return }
        Output.error("\r\(String(repeating: " ", count: drawn))\r")
        drawn = 0
    }
}
