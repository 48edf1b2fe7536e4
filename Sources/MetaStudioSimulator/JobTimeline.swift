/// When one simulated job was created, ran and ended, and in which state it is; all instants in
/// milliseconds since 1970 UTC, already truncated to what the job's timestamp style shows.
struct JobTimeline {
    var state: String
    var style: TimestampStyle
    var create: Int64
    var start: Int64?
    /// The instant the job ended, whether or not the API reports it (`end`).
    var trueEnd: Int64?
    var end: Int64?
    /// Seconds × 100, as reported (nil when the API leaves it out).
    var duration: Int64?
    var streamDuration: Int64?
    var lastUpdate: Int64
}

/// Lays jobs out in time: create_time spread evenly (with jitter) over the window and ascending with
/// the index, a state mix, durations, and jobs placed on purpose across month ends.
struct TimelinePlanner {
    /// A job placed on purpose so its run crosses a month end (given as the UTC month start, ms).
    enum Crossing {
        /// Starts a few hours before midnight UTC of the month's first day and runs past it.
        case utcMonthEnd(Int64)
        /// Crosses the month end in Asia/Shanghai (16:00 UTC on the last day) but ends before it in UTC.
        case shanghaiMonthEnd(Int64)
    }

    let count: Int
    let startMillis: Int64
    /// The end of the window, which plays "now": nothing has ended after it.
    let nowMillis: Int64
    let slot: Double
    /// Jobs from this index on are the newest: the only ones that can be WAITING or PROCESSING.
    let tailStart: Int
    /// Sub-second timestamps only when consecutive create times are at least 1 s apart (10% of a
    /// slot), so that truncating a neighbour to whole seconds can never put it before a fractional one.
    let fractionsAllowed: Bool
    let salt: UInt64
    let crossings: [Int: Crossing]
    /// A job made odd on purpose (`JobGenerator.Options.anomalies`).
    enum Planted: Equatable {
        /// SUCCEED, its stream_duration 2 s longer than its duration (within what import accepts).
        case streamOverLive
        /// SUCCEED, started and ended at the same instant: duration 0.
        case zeroLength
        /// Still PROCESSING at the window's end, about 41 hours after it was created.
        case longProcessing
    }
    let planted: [Int: Planted]
    /// The first instant of the window's last calendar month.
    let lastMonthStart: Int64

    init(count: Int, startMillis: Int64, months: Int, salt: UInt64, anomalies: Bool = false) {
        self.count = count
        self.startMillis = startMillis
        self.salt = salt
        nowMillis = SimTime.adding(months: months, to: startMillis)
        slot = count > 0 ? Double(nowMillis - startMillis) / Double(count) : 0
        tailStart = count - min(count, max(2, count / 200))
        fractionsAllowed = slot >= 10_000
        var crossings: [Int: Crossing] = [:]
        var boundary = SimTime.nextMonthStart(after: startMillis)
        while boundary < nowMillis, slot > 0 {
            // The last jobs created 20+ minutes before midnight UTC run past it (a third when they
            // are close enough); one created about 10 h before runs past midnight in Shanghai only.
            let last = Int(Double(boundary - 20 * SimTime.minute - startMillis) / slot) - 1
            let utcCount = 3 * slot <= Double(8 * SimTime.hour) ? 3 : 2
            var shanghai = Int(Double(boundary - 10 * SimTime.hour - startMillis) / slot)
            shanghai = min(shanghai, last - utcCount)
            if shanghai >= 0, shanghai < tailStart { crossings[shanghai] = .shanghaiMonthEnd(boundary) }
            for index in (last - utcCount + 1)...last where index >= 0 && index < tailStart {
                crossings[index] = .utcMonthEnd(boundary)
            }
            boundary = SimTime.nextMonthStart(after: boundary)
        }
        self.crossings = crossings
        lastMonthStart = SimTime.adding(months: months - 1, to: startMillis)
        var chosen: [Int: Planted] = [:]
        if anomalies, slot > 0 {
            // Jobs of the last days, clear of the month-end crossings and of the newest (open) jobs.
            let wanted: [(Int, Planted)] = [(count - 200, .zeroLength), (count - 100, .streamOverLive),
                                            (count - Int(Double(41 * SimTime.hour) / slot), .longProcessing)]
            for (first, kind) in wanted {
                var index = max(first, 0)
                while index < tailStart, crossings[index] != nil || chosen[index] != nil { index += 1 }
                if index < tailStart { chosen[index] = kind }
            }
        }
        planted = chosen
    }

    func plan(index: Int, rng: inout SplitMix64) -> JobTimeline {
        let styleRoll = rng.below(100)
        let style: TimestampStyle = styleRoll < 10 && fractionsAllowed ? .utcMillis : (styleRoll >= 98 ? .shanghaiOffset : .utc)
        let jitter = 0.05 + 0.9 * rng.unit()
        let create = style.visible(startMillis + Int64((Double(index) + jitter) * slot))
        var timeline = JobTimeline(state: state(index: index, rng: &rng), style: style, create: create, lastUpdate: create)
        switch planted[index] {
        case .longProcessing?: return processing(timeline, rng: &rng)
        case .streamOverLive?, .zeroLength?: timeline.state = "SUCCEED"
        case nil: break
        }
        switch timeline.state {
        case "WAITING":
            return timeline
        case "PROCESSING":
            return processing(timeline, rng: &rng)
        default:
            return finished(timeline, index: index, rng: &rng)
        }
    }

    /// The state mix: ~8% FAILED, ~4% BLOCKED, one SUSPENDED (a state the contract does not know)
    /// in every 300 jobs, WAITING and PROCESSING only among the newest, the rest SUCCEED.
    private func state(index: Int, rng: inout SplitMix64) -> String {
        let roll = rng.below(10_000)
        if index == count - 1 { return "WAITING" }
        if index == count - 2 { return "PROCESSING" }
        if index >= tailStart {
            if index >= count - (count - tailStart) / 3 - 1, roll < 4000 { return "WAITING" }
            if roll < 5500 { return "PROCESSING" }
        } else {
            let block = UInt64(index / 300)
            if index % 300 == Int(SplitMix64.mix(salt ^ 0x5355_5350 ^ block) % 300) { return "SUSPENDED" }
        }
        let mixRoll = rng.below(10_000)
        if mixRoll < 800 { return "FAILED" }
        if mixRoll < 1200 { return "BLOCKED" }
        return "SUCCEED"
    }

    private func startTime(after create: Int64, style: TimestampStyle, rng: inout SplitMix64) -> Int64 {
        style.visible(create + rng.int64(in: 30_000...900_000) + Int64(rng.below(1000)))
    }

    private func processing(_ base: JobTimeline, rng: inout SplitMix64) -> JobTimeline {
        var timeline = base
        timeline.state = "PROCESSING"
        let start = max(timeline.create, min(startTime(after: timeline.create, style: timeline.style, rng: &rng),
                                             nowMillis - 30_000))
        timeline.start = timeline.style.visible(start)
        timeline.lastUpdate = timeline.style.visible(max(start, nowMillis - rng.int64(in: 0...600_000)))
        return timeline
    }

    private func finished(_ base: JobTimeline, index: Int, rng: inout SplitMix64) -> JobTimeline {
        var timeline = base
        let start = startTime(after: timeline.create, style: timeline.style, rng: &rng)
        var hundredths = duration(state: timeline.state, rng: &rng)
        let earlyFailure = timeline.state == "FAILED" && hundredths <= 12_000
        var end = start + hundredths * 10
        var placed = false
        let boundary = SimTime.nextMonthStart(after: start)
        switch crossings[index] {
        case .utcMonthEnd(let b)? where start < b && b - start <= 20 * SimTime.hour:
            end = b + rng.int64(in: 30 * SimTime.minute...3 * SimTime.hour)
            placed = true
        case .shanghaiMonthEnd(let b)? where start < b - 8 * SimTime.hour - 30 * SimTime.minute
                                          && b - 8 * SimTime.hour - start <= 20 * SimTime.hour:
            end = b - 8 * SimTime.hour + rng.int64(in: 30 * SimTime.minute...3 * SimTime.hour)
            placed = true
        default:
            if !earlyFailure, boundary < nowMillis, boundary - start <= 6 * SimTime.hour, rng.chance(3500) {
                end = boundary + rng.int64(in: 20 * SimTime.minute...3 * SimTime.hour)
            }
        }
        if end > nowMillis - 60_000 {
            let clamped = nowMillis - 60_000 - rng.int64(in: 0...300_000)
            if timeline.state == "SUCCEED" || clamped - start < 60_000 { return processing(base, rng: &rng) }
            end = clamped
        }
        hundredths = (end - start) / 10
        end = start + hundredths * 10
        timeline.start = start
        timeline.trueEnd = end
        timeline.end = timeline.style.visible(end)
        timeline.duration = hundredths
        timeline.lastUpdate = timeline.style.visible(end + (rng.chance(3000) ? rng.int64(in: 0...5000) : 0))

        let streamRatio = earlyFailure ? rng.int64(in: 0...10_000) : rng.int64(in: 8500...10_000)
        var stream = hundredths * streamRatio / 10_000
        var missing = placed || earlyFailure ? 10_000 : rng.below(10_000)
        switch planted[index] {
        case .streamOverLive?:
            stream = hundredths + 200
            missing = 10_000
        case .zeroLength?:
            timeline.end = start
            timeline.trueEnd = start
            timeline.duration = 0
            timeline.lastUpdate = start
            stream = 0
            missing = 10_000
        default: break
        }
        if missing < 100 {
            timeline.end = nil
            timeline.duration = nil
        } else if missing < 400 {
            timeline.duration = nil
        }
        let hasStream = (timeline.duration != nil ? rng.chance(9200) : rng.chance(5000)) || planted[index] != nil
        timeline.streamDuration = hasStream ? stream : nil
        return timeline
    }

    /// Seconds × 100: mostly 30 min – 6 h for a finished stream, shorter for failures and blocks;
    /// a third of the successful ones in whole minutes (`5400.0`), as a scheduled stream would be.
    private func duration(state: String, rng: inout SplitMix64) -> Int64 {
        let seconds: ClosedRange<Int64>
        switch state {
        case "FAILED":
            seconds = rng.chance(3500) ? 0...120 : 300...10_800
        case "BLOCKED":
            seconds = 600...14_400
        case "SUSPENDED":
            seconds = 1800...10_800
        default:
            let buckets: [ClosedRange<Int64>] = [120...1800, 1800...3600, 3600...7200, 7200...14_400,
                                                 14_400...21_600, 21_600...43_200]
            seconds = buckets[rng.weightedIndex([4, 30, 30, 22, 10, 4])]
        }
        let hundredths = rng.int64(in: (seconds.lowerBound * 100)...(seconds.upperBound * 100))
        if state == "SUCCEED" || state == "SUSPENDED", rng.chance(3300) { return max(6000, hundredths / 6000 * 6000) }
        return hundredths
    }
}
