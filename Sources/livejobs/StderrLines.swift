import Foundation
import MetaStudio

/// Standard error shared by the threads that write to it: log lines and notices, each a line of its
/// own, and on a terminal the progress line redrawn in place. One lock orders them, so a line never
/// lands inside another; a line written while the progress line is shown clears it first (it is
/// drawn again at its next tick).
///
/// Concurrency: one lock (`drawn`, a `Locked`) guards the width of the progress line shown and is
/// held through each write, which orders the writes of the pager's workers, the store's threads,
/// the progress line's thread and the main thread.
final class StderrLines: Sendable {
    /// The process's standard error.
    static let shared = StderrLines()

    /// Characters of the progress line now on the terminal (0: none).
    private let drawn = Locked(0)

    /// Writes `text` and a line break, after clearing a progress line that is shown.
    func line(_ text: String) {
        drawn.withLock { drawn in
            Self.clear(&drawn)
            Output.error(text + "\n")
        }
    }

    /// Draws `text` over the progress line shown, padded to cover a longer one.
    func draw(_ text: String) {
        drawn.withLock { drawn in
            let padded = text + String(repeating: " ", count: max(0, drawn - text.count))
            drawn = text.count
            Output.error("\r\(padded)")
        }
    }

    /// Clears the progress line, if one is shown.
    func clear() {
        drawn.withLock { Self.clear(&$0) }
    }

    /// Blanks a progress line `drawn` characters wide, if one is shown; called holding the lock.
    private static func clear(_ drawn: inout Int) {
        guard drawn > 0 else { return }
        Output.error("\r\(String(repeating: " ", count: drawn))\r")
        drawn = 0
    }
}
