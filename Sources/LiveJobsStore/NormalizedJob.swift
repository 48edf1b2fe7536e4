import MetaStudio

/// The derived figures of one job, computed once at import and stored beside it. The rules are
/// the ones in docs/METRICS.md; every report reads these columns instead of recomputing them.
public struct NormalizedJob: Sendable {
    public enum LiveSource: String, Sendable {
        case duration
        case endMinusStart = "end_minus_start"
        case ongoing
    }

    public internal(set) var job: SmartLiveJob
    /// Seconds live; nil when the job carries no way to know ("no duration").
    public let liveSeconds: Double?
    public let liveSource: LiveSource?
    public let isOngoing: Bool
    public let streamedSeconds: Double?
    public let streamRatio: Double?
    /// SUCCEED, FAILED and BLOCKED jobs are the denominator of error and block rates.
    public let countsInRates: Bool
    public let isError: Bool
    public let isBlocked: Bool

    /// Longest plausible job; anything longer is a lying server or a corrupt file.
    public static let maximumLiveSeconds: Double = 366 * 86_400

    public init(_ job: SmartLiveJob) throws(JobFieldError) {
        self.job = job
        if let d = job.duration, d < 0 { throw JobFieldError(field: "duration", problem: "negative (\(d))") }
        if let d = job.streamDuration, d < 0 { throw JobFieldError(field: "stream_duration", problem: "negative (\(d))") }
        isOngoing = job.state == "PROCESSING"
        if let duration = job.duration {
            liveSeconds = duration
            liveSource = .duration
        } else if let start = job.startTime, let end = job.endTime {
            guard end >= start else { throw JobFieldError(field: "end_time", problem: "before start_time") }
            liveSeconds = end - start
            liveSource = .endMinusStart
        } else if isOngoing, let start = job.startTime, let last = job.lastupdateTime, last >= start {
            liveSeconds = last - start
            liveSource = .ongoing
        } else {
            liveSeconds = nil
            liveSource = nil
        }
        if let live = liveSeconds, live > NormalizedJob.maximumLiveSeconds {
            throw JobFieldError(field: liveSource == .duration ? "duration" : "end_time",
                                problem: "implausible length of \(Int(live)) seconds (over 366 days)")
        }
        streamedSeconds = job.streamDuration
        if let live = liveSeconds, live > 0, let streamed = streamedSeconds {
            streamRatio = streamed / live
        } else {
            streamRatio = nil
        }
        isError = job.state == "FAILED"
        isBlocked = job.state == "BLOCKED"
        countsInRates = job.state == "SUCCEED" || isError || isBlocked
    }

    /// The instant the job is counted at (its start, else its creation, else its last update).
    public var homeInstant: Double? { job.startTime ?? job.createTime ?? job.lastupdateTime }
}
