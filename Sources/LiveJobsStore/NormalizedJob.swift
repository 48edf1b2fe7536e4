import MetaStudio

/// A figure a flagged value can leave a job out of; the names are the report's column names
/// (docs/METRICS.md, "Flagged jobs").
public enum Figure: String, Sendable, CaseIterable {
    case liveHours = "live_hours"
    case streamedHours = "streamed_hours"
    case streamRatio = "stream_ratio"
    case errorRate = "error_rate"
    case blockRate = "block_rate"
    case ongoingJobs = "ongoing_jobs"
    case errorCodes = "error_codes"
    case room
    case month
}

/// A flag with what it cost: the figures the job is left out of because of it (empty: the value
/// feeds no figure, so the job counts everywhere).
public struct FlaggedValue: Sendable, Equatable {
    public var flag: JobFlag
    public var excluded: [Figure]

    /// `live_hours,stream_ratio`, as stored in `job_flags.excluded`.
    public var excludedText: String { excluded.map(\.rawValue).joined(separator: ",") }
}

/// The derived figures of one job, computed once when it is stored and kept beside it. The rules are
/// the ones in docs/METRICS.md; every report reads these columns instead of recomputing them. A value
/// that is impossible or unreadable never stops the job from being stored: it is flagged, and the
/// figures that would need it leave the job out.
public struct NormalizedJob: Sendable {
    public enum LiveSource: String, Sendable {
        case duration
        case endMinusStart = "end_minus_start"
        case ongoing
    }

    public internal(set) var job: SmartLiveJob
    /// Seconds live; nil when the job carries no usable way to know ("no duration").
    public let liveSeconds: Double?
    public let liveSource: LiveSource?
    /// PROCESSING and not stale.
    public let isOngoing: Bool
    /// Seconds streamed; nil when absent or unusable.
    public let streamedSeconds: Double?
    /// streamed / live, a fraction.
    public let streamRatio: Double?
    /// SUCCEED, FAILED and BLOCKED jobs are the denominator of error and block rates.
    public let countsInRates: Bool
    public let isError: Bool
    public let isBlocked: Bool
    /// Every flag of the job (the reader's and the metric rules'), with the figures each cost.
    public let flags: [FlaggedValue]
    /// WAITING or PROCESSING for longer than `maximumUnfinishedAge` before `now`.
    public let isStale: Bool

    /// How far a job's date-time may lie after the moment it is read before it is flagged
    /// `in_the_future`, seconds: a day, for clocks and time zones set wrong.
    public static let maximumClockSkew: Double = 86_400

    /// Longest plausible live length, seconds: a year. A longer one is a lying server or a corrupt
    /// file, flagged and left out of the hours (a job may have run longer than `maxLiveDuration` under
    /// an older configuration, so this bound is far looser).
    public static let maximumPlausibleLiveSeconds: Double = 366 * 86_400

    /// The longest a livestream runs, seconds: the largest `max_live_duration` a MetaStudio tenant
    /// can configure, 168 hours (ShowSmartLiveUserConfig, `live_exit_config`).
    public static let maxLiveDuration: Double = 168 * 3600

    /// How long a job may stay WAITING or PROCESSING after its last sign of life (its newest
    /// timestamp) before it is flagged stale, seconds: `maxLiveDuration`, 7 days.
    public static let maximumUnfinishedAge: Double = maxLiveDuration

    /// Normalizes `job` as read at `now` (epoch seconds, UTC): `now` only decides staleness.
    public init(_ job: SmartLiveJob, now: Double) {
        // A date-time after the moment the job is read is impossible: read as absent, flagged. Kept,
        // it would make the job look live forever, lock its stored copy against every real update,
        // and send the next incremental fetch past every new job.
        var job = job
        var future: [(field: String, epoch: Double)] = []
        let horizon = now + NormalizedJob.maximumClockSkew
        func check(_ value: inout Double?, _ field: String) {
            if let v = value, v > horizon { future.append((field, v)); value = nil }
        }
        check(&job.startTime, "start_time")
        check(&job.endTime, "end_time")
        check(&job.createTime, "create_time")
        check(&job.lastupdateTime, "lastupdate_time")
        self.job = job
        var rules = Rules(job: job)
        for (field, epoch) in future {
            rules.flag(field, .inTheFuture, "\(RFC3339.format(epoch.rounded(.down))) is after the job was read (\(RFC3339.format(now.rounded(.down))))")
        }
        let state = job.state
        let unfinished = state == "WAITING" || state == "PROCESSING"
        let lastSign = NormalizedJob.newest(job.lastupdateTime, job.startTime, job.createTime)
        isStale = unfinished && lastSign.map { now - $0 > NormalizedJob.maximumUnfinishedAge } ?? false
        let processing = state == "PROCESSING"
        isOngoing = processing && !isStale

        let duration = rules.plausibleSeconds(job.duration, field: "duration")
        let streamed = rules.plausibleSeconds(job.streamDuration, field: "stream_duration")
        var live: Double?
        var source: LiveSource?
        if rules.isFlagged("duration") {
            rules.exclude([.liveHours, .streamRatio], field: "duration")
        } else if let duration {
            (live, source) = (duration, .duration)
        } else if job.startTime != nil && job.endTime != nil {
            live = rules.interval(from: job.startTime, to: job.endTime, endField: "end_time")
            source = live == nil ? nil : .endMinusStart
        } else if isOngoing, job.startTime != nil, job.lastupdateTime != nil {
            live = rules.interval(from: job.startTime, to: job.lastupdateTime, endField: "lastupdate_time")
            source = live == nil ? nil : .ongoing
        } else if rules.any {
            // No live length: say which flagged value it would have come from.
            rules.exclude([.liveHours, .streamRatio], field: "start_time")
            rules.exclude([.liveHours, .streamRatio], field: processing ? "lastupdate_time" : "end_time")
        }
        liveSeconds = live
        liveSource = source

        // The API gives both durations rounded; a second (or a tenth of a percent) of slack. A job
        // still live cannot have streamed longer than it has existed.
        let streamLimit = liveSource == .ongoing ? job.startTime.map { max(live ?? 0, now - $0) } : live
        if let streamed, let limit = streamLimit, streamed > limit * 1.001 + 1 {
            rules.flag("stream_duration", .exceedsLiveSeconds,
                       "streamed \(JobFlag.show(streamed)) seconds but live only \(JobFlag.show(limit))")
            streamedSeconds = nil
        } else {
            streamedSeconds = streamed
        }
        if rules.any { rules.exclude([.streamedHours, .streamRatio], field: "stream_duration") }
        if let live, live > 0, let streamed = streamedSeconds {
            streamRatio = streamed / live
        } else {
            streamRatio = nil
        }

        if isStale, let lastSign {
            let days = Int(((now - lastSign) / 86_400).rounded(.down))
            rules.flag("state", .staleUnfinished,
                       "still \(state ?? "") \(days) days after its newest timestamp (\(RFC3339.format(lastSign.rounded(.down))))")
            // The hours lost are the ongoing estimate it would have had (no duration, no end).
            let lostOngoingHours = processing && job.duration == nil && !rules.isFlagged("duration") && job.endTime == nil
                && job.startTime != nil && job.lastupdateTime != nil
            rules.exclude(lostOngoingHours ? [.liveHours, .streamRatio, .ongoingJobs] : processing ? [.ongoingJobs] : [],
                          field: "state", reason: .staleUnfinished)
        }
        if rules.any {
            rules.exclude([.errorRate, .blockRate, .ongoingJobs], field: "state", reason: .wrongType)
            rules.exclude([.errorCodes], fieldPrefix: "error_info")
            rules.exclude([.room], field: "room_id")
            if job.startTime == nil && job.createTime == nil && job.lastupdateTime == nil {
                for field in ["start_time", "create_time", "lastupdate_time"] { rules.exclude([.month], field: field) }
            }
        }
        isError = state == "FAILED"
        isBlocked = state == "BLOCKED"
        countsInRates = state == "SUCCEED" || isError || isBlocked
        flags = rules.flags
    }

    /// The latest of the instants that are known (no array: this runs for every stored job).
    private static func newest(_ a: Double?, _ b: Double?, _ c: Double?) -> Double? {
        var m = a
        if let b, m == nil || b > m! { m = b }
        if let c, m == nil || c > m! { m = c }
        return m
    }

    /// What the day split needs (see `UsageSplitter`), with the job's home instant (`UsageInput.home`).
    public var usage: UsageInput {
        UsageInput(start: job.startTime, end: job.endTime, createTime: job.createTime,
                   lastupdateTime: job.lastupdateTime, liveSeconds: liveSeconds, streamedSeconds: streamedSeconds)
    }
}

/// The metric rules' bookkeeping for one job: its flags so far and what each excludes.
private struct Rules {
    var flags: [FlaggedValue]

    init(job: SmartLiveJob) {
        flags = job.flags.map { FlaggedValue(flag: $0, excluded: []) }
    }

    /// Whether any value is flagged so far: almost never, so the bookkeeping below is skipped.
    var any: Bool { !flags.isEmpty }

    func isFlagged(_ field: String) -> Bool { !flags.isEmpty && flags.contains { $0.flag.field == field } }

    mutating func flag(_ field: String, _ reason: JobFlag.Reason, _ detail: String) {
        flags.append(FlaggedValue(flag: JobFlag(field: field, reason: reason, detail: detail), excluded: []))
    }

    /// Adds `figures` to what the flags on `field` (of `reason`, if given) exclude.
    mutating func exclude(_ figures: [Figure], field: String, reason: JobFlag.Reason? = nil) {
        for i in flags.indices where flags[i].flag.field == field && (reason == nil || flags[i].flag.reason == reason) {
            for figure in figures where !flags[i].excluded.contains(figure) { flags[i].excluded.append(figure) }
        }
    }

    mutating func exclude(_ figures: [Figure], fieldPrefix: String) {
        for field in Set(flags.map(\.flag.field)) where field == fieldPrefix || field.hasPrefix(fieldPrefix + ".") {
            exclude(figures, field: field)
        }
    }

    /// A duration in seconds if it is possible: negative or over 366 days is flagged and gives nil.
    mutating func plausibleSeconds(_ value: Double?, field: String) -> Double? {
        guard let value else { return nil }
        if value < 0 {
            flag(field, .negative, "negative (\(JobFlag.show(value)))")
            return nil
        }
        if value > NormalizedJob.maximumPlausibleLiveSeconds {
            flag(field, .over366Days, "implausible length of \(JobFlag.show(value)) seconds (over 366 days)")
            return nil
        }
        return value
    }

    /// `end - start` when both are known and the interval is possible; an end before the start or
    /// an interval over 366 days is flagged on `endField` and gives nil.
    mutating func interval(from start: Double?, to end: Double?, endField: String) -> Double? {
        guard let start, let end else { return nil }
        guard end >= start else {
            flag(endField, .beforeStartTime, "before start_time")
            exclude([.liveHours, .streamRatio], field: endField)
            return nil
        }
        guard end - start <= NormalizedJob.maximumPlausibleLiveSeconds else {
            flag(endField, .over366Days, "implausible length of \(JobFlag.show(end - start)) seconds (over 366 days)")
            exclude([.liveHours, .streamRatio], field: endField)
            return nil
        }
        return end - start
    }
}
