import Foundation
import LiveJobsStore
import MetaStudio

/// Stores each fetched page through the same store as `import`, one transaction per page, so an
/// interrupted fetch keeps every page it received.
final class FetchSink: PageSink, @unchecked Sendable {
    let store: JobStore
    let projectId: String
    let region: String?
    let zones: [ZoneOffsets]
    private let lock = NSLock()
    private(set) var inserted = 0
    private(set) var updated = 0
    private(set) var unchanged = 0

    init(store: JobStore, projectId: String, region: String?) throws {
        self.store = store
        self.projectId = projectId
        self.region = region
        zones = try store.materializedZones()
    }

    func store(_ page: JobPage) throws {
        let context = "page at offset \(page.offset) (X-Request-Id \(page.requestId ?? "none"))"
        let s = try store.storeJobs(page.jobs, context: context, source: "fetch", projectId: projectId,
                                    region: region, zones: zones)
        lock.withLock {
            inserted += s.inserted
            updated += s.updated
            unchanged += s.unchanged
        }
    }
}

/// Progress on stderr: a line redrawn in place on a terminal, nothing when stderr is not one.
final class ProgressLine: @unchecked Sendable {
    private let enabled = isatty(STDERR_FILENO) == 1
    private var timer: DispatchSourceTimer?
    private var lastLength = 0

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
        let line = String(format: "pages %d/%d · jobs %d/%d · %.1f req/s (limit %@) · retries %d (429: %d) · %@ left",
                          p.pagesDone, p.pagesTotal, p.jobsSeen, p.expectedCount, pageRate,
                          p.rate.isFinite ? String(format: "%.1f", p.rate) : "none", p.retries, p.throttled,
                          ProgressLine.duration(left))
        let padded = line + String(repeating: " ", count: max(0, lastLength - line.count))
        lastLength = line.count
        FileHandle.standardError.write(Data("\r\(padded)".utf8))
    }

    func stop() {
        timer?.cancel()
        timer = nil
        if enabled && lastLength > 0 {
            FileHandle.standardError.write(Data("\r\(String(repeating: " ", count: lastLength))\r".utf8))
        }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
