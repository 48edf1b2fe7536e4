import Foundation
import MetaStudio

/// Progress on stderr: a line redrawn in place on a terminal, nothing when stderr is not one. Drawn
/// through `StderrLines`, so that a notice or a log line never lands in the middle of it.
///
/// Concurrency: `start` runs a drawing thread of its own (`WorkerThread`) that redraws the line,
/// then waits out the interval on `stopped` (a `StopSignal`: a condition wait, not a sleep);
/// `stop` raises it and joins the thread, so no redraw lands after the line is cleared. `drawer`
/// (a `Locked`) holds that thread between `start` and `stop`, which may run on different threads.
final class ProgressLine: Sendable {
    private let enabled = isatty(STDERR_FILENO) == 1
    private let stopped = StopSignal()
    private let drawer = Locked<WorkerThread?>(nil)

    /// Redraws the line from `snapshot` every `interval` seconds, the first after one interval,
    /// until `stop`; does nothing when stderr is not a terminal, or after `stop`.
    func start(every interval: Double, _ snapshot: @escaping @Sendable () -> ScanProgress) {
        guard enabled else { return }
        drawer.withLock { drawer in
            guard drawer == nil, !stopped.isRaised else { return }
            drawer = WorkerThread(name: "fetch-progress") { [stopped] in
                while !stopped.wait(seconds: interval) { ProgressLine.draw(snapshot()) }
            }
        }
    }

    private static func draw(_ p: ScanProgress) {
        let pageRate = p.elapsed > 0 ? Double(p.pagesDone) / p.elapsed : 0
        let left = pageRate > 0 ? Double(max(0, p.pagesTotal - p.pagesDone)) / pageRate : 0
        let line = String(format: "pages %d/%d · jobs %d/%d · %.1f pages/s (limit %@ req/s) · retries %d (429: %d) · %@ left",
                          p.pagesDone, p.pagesTotal, p.jobsSeen, p.expectedCount, pageRate,
                          p.rate.isFinite ? String(format: "%.1f", p.rate) : "none", p.retries, p.throttled,
                          ProgressLine.duration(left))
        StderrLines.shared.draw(line)
    }

    /// Writes `line` on stderr as a line of its own: on a terminal the progress line drawn is
    /// cleared first (and drawn again at the next tick); elsewhere nothing but the line is written.
    func notice(_ line: String) {
        StderrLines.shared.line(line)
    }

    /// Stops the redraws, waits for a redraw under way to end, and clears the line.
    func stop() {
        stopped.raise()
        drawer.withLock { $0 }?.join()
        StderrLines.shared.clear()
    }

    /// `1m05s`, `42s`: whole seconds, rounded.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
