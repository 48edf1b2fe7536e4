import Foundation
import MetaStudio

/// Progress on stderr: a line redrawn in place on a terminal, nothing when stderr is not one. Drawn
/// through `StderrLines`, so that a notice or a log line never lands in the middle of it.
final class ProgressLine: @unchecked Sendable {
    private let enabled = isatty(STDERR_FILENO) == 1
    private var timer: DispatchSourceTimer?

    func start(every interval: Double, _ snapshot: @escaping () -> ScanProgress) {
        guard enabled else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "livejobs.progress"))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.draw(snapshot()) }
        timer.resume()
        self.timer = timer
    }

    private func draw(_ p: ScanProgress) {
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

    func stop() {
        timer?.cancel()
        timer = nil
        StderrLines.shared.clear()
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
