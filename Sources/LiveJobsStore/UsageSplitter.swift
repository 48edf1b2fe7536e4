import Foundation

/// The offset from UTC of a time zone at an instant; UTC gets a fast path with no Foundation calls.
public struct ZoneOffsets: Sendable {
    public let identifier: String
    private let zone: TimeZone?

    /// The one name a zone is stored and looked up under: `Etc/UTC` is `UTC`.
    public static func canonicalName(_ identifier: String) -> String {
        identifier == "Etc/UTC" ? "UTC" : identifier
    }

    /// nil when `identifier` is not an IANA time zone known to this system.
    public init?(identifier: String) {
        if ZoneOffsets.canonicalName(identifier) == "UTC" {
            self.identifier = "UTC"
            zone = nil
        } else {
            guard let tz = TimeZone(identifier: identifier) else { return nil }
            self.identifier = identifier
            zone = tz
        }
    }

    public static let utc = ZoneOffsets(identifier: "UTC")!

    @inline(__always)
    public func offset(at epoch: Double) -> Double {
        guard let zone else { return 0 }
        return Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: epoch)))
    }

    /// The local day number (days since 1970-01-01 in this zone) of an instant.
    public func day(of epoch: Double) -> Int {
        Int(((epoch + offset(at: epoch)) / 86_400).rounded(.down))
    }

    /// The UTC instant at which local day `day` begins.
    func startOfDay(_ day: Int, near epoch: Double) -> Double {
        let localMidnight = Double(day) * 86_400
        let guess = localMidnight - offset(at: epoch)
        return localMidnight - offset(at: guess)
    }
}

/// One job's share of one local day.
public struct DaySlice: Sendable, Equatable {
    public var day: Int
    public var liveSeconds: Double?
    public var streamedSeconds: Double?
    /// The day the job is counted on (jobs, error and block rates); exactly one slice per job has it.
    public var isHome: Bool
}

/// What the day split of one job needs: its live interval and the instant it is counted at.
/// Epoch seconds (UTC) and seconds.
public struct UsageInput: Sendable {
    public var start: Double?
    public var end: Double?
    /// The instant the job is counted at (its home day): its start, else its creation, else its last
    /// update. This is the one place that rule is written: the normalizer, a zone's first build and
    /// the stored `job_day_usage.is_home` all come from here.
    public var home: Double?
    public var liveSeconds: Double?
    public var streamedSeconds: Double?

    /// A job's instants (seconds since 1970, UTC) and measures (seconds); `home` is derived from
    /// `start`, `createTime` and `lastupdateTime` as documented on it.
    public init(start: Double?, end: Double?, createTime: Double?, lastupdateTime: Double?,
                liveSeconds: Double?, streamedSeconds: Double?) {
        self.start = start
        self.end = end
        self.home = start ?? createTime ?? lastupdateTime
        self.liveSeconds = liveSeconds
        self.streamedSeconds = streamedSeconds
    }
}

/// Splits a job's live and streamed time across the local days (hence months) it ran in.
/// The live interval is [start, start + live seconds] (or ending at end_time when there is no start);
/// streamed time is split in the same proportions, since the API gives no streaming interval.
public enum UsageSplitter {
    public static func slices(of job: NormalizedJob, in zone: ZoneOffsets) -> [DaySlice] {
        slices(of: job.usage, in: zone)
    }

    /// The slices of `job` in `zone`; live seconds must be at most 366 days (the normalizer sees to it).
    public static func slices(of job: UsageInput, in zone: ZoneOffsets) -> [DaySlice] {
        guard let home = job.home else { return [] }
        let homeDay = zone.day(of: home)
        guard let live = job.liveSeconds, live > 0,
              let start = job.start ?? job.end.map({ $0 - live }) else {
            return [DaySlice(day: homeDay, liveSeconds: job.liveSeconds, streamedSeconds: job.streamedSeconds, isHome: true)]
        }
        let end = start + live
        var slices: [DaySlice] = []
        var cursor = start
        var sawHome = false
        while cursor < end {
            let day = zone.day(of: cursor)
            var boundary = zone.startOfDay(day + 1, near: cursor)
            if boundary <= cursor { boundary = cursor + 1 }
            let sliceEnd = min(end, boundary)
            let share = sliceEnd - cursor
            let isHome = day == homeDay && !sawHome
            sawHome = sawHome || isHome
            slices.append(DaySlice(day: day, liveSeconds: share,
                                   streamedSeconds: job.streamedSeconds.map { $0 * share / live }, isHome: isHome))
            cursor = sliceEnd
        }
        if !sawHome {
            slices.append(DaySlice(day: homeDay, liveSeconds: 0, streamedSeconds: job.streamedSeconds == nil ? nil : 0, isHome: true))
        }
        return merged(slices)
    }

    /// Slices of the same day merged (a zone change can revisit a day), keeping one home flag.
    private static func merged(_ slices: [DaySlice]) -> [DaySlice] {
        var result: [DaySlice] = []
        for slice in slices {
            if let i = result.firstIndex(where: { $0.day == slice.day }) {
                result[i].liveSeconds = (result[i].liveSeconds ?? 0) + (slice.liveSeconds ?? 0)
                if let s = slice.streamedSeconds { result[i].streamedSeconds = (result[i].streamedSeconds ?? 0) + s }
                result[i].isHome = result[i].isHome || slice.isHome
            } else {
                result.append(slice)
            }
        }
        return result
    }
}
