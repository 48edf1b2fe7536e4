import Foundation
import MetaStudio

/// Makes the livestreaming jobs of a simulated tenant, deterministically: the same options give
/// byte-identical jobs on every run and machine, so sample data, tests and benchmarks can be rebuilt
/// from a command line instead of being trusted as opaque files.
public struct JobGenerator: Sendable {
    /// What to generate; everything else follows from the seed.
    public struct Options: Sendable, Equatable {
        /// How many jobs in the whole set (the API's `count`).
        public var jobs: Int
        public var seed: UInt64
        /// The start of the window; the first create_time falls just after it.
        public var start: Date
        /// The window's length in calendar months; its end plays "now" (nothing ends after it).
        public var months: Int
        /// How many live rooms the jobs are spread over (the first twelve have hand-picked names).
        public var rooms: Int
        /// Salts every id, so two simulated projects with the same seed share no job_id or room_id.
        public var projectTag: String?
        /// The first this-many rooms keep the room_id they have without `projectTag` (same seed):
        /// two projects that share room ids, as two tenants may. 0 with no tag changes nothing.
        public var sharedRoomIds: Int
        /// Plants what a report's Anomalies section looks for (see `PlantedAnomalies`): one room's
        /// error rate jumps in the last month, another's jobs (hence hours) mostly go elsewhere,
        /// and three odd jobs: a stream ratio just above 1, a zero-length job, a job still
        /// PROCESSING about 41 hours after it started.
        public var anomalies: Bool

        public init(jobs: Int = 3000, seed: UInt64 = 42, start: Date = Options.defaultStart, months: Int = 4,
                    rooms: Int = 12, projectTag: String? = nil, sharedRoomIds: Int = 0, anomalies: Bool = false) {
            self.jobs = jobs
            self.seed = seed
            self.start = start
            self.months = months
            self.rooms = rooms
            self.projectTag = projectTag
            self.sharedRoomIds = sharedRoomIds
            self.anomalies = anomalies
        }

        /// 2026-08-01T00:00:00Z, the start of the bundled sample.
        public static let defaultStart = Date(timeIntervalSince1970: 1_785_542_400)

        /// Midnight UTC of a `YYYY-MM-DD` day, or nil when the text is not a real calendar day.
        public static func day(_ text: String) -> Date? {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                  parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
                  (1...12).contains(month), day >= 1 else { return nil }
            let days = RFC3339.daysFromCivil(year: year, month: month, day: day)
            guard RFC3339.civilFromDays(days) == (year, month, day) else { return nil }
            return Date(timeIntervalSince1970: Double(days) * 86_400)
        }
    }

    public let options: Options
    /// The tenant's rooms, busiest first.
    public let rooms: [SimulatedRoom]
    /// The tenant's project id (32 hex digits), as it appears in URLs inside the jobs.
    public let projectId: String
    private let salt: UInt64
    private let roomWeights: [Int]
    private let planner: TimelinePlanner

    /// Precondition: `jobs >= 0`, `months >= 1`, `rooms >= 1` (the CLI validates these first).
    public init(options: Options) {
        precondition(options.jobs >= 0 && options.months >= 1 && options.rooms >= 1, "invalid generator options")
        self.options = options
        var tagHash: UInt64 = 0xCBF2_9CE4_8422_2325 // FNV-1a, stable across runs unlike Hasher
        for byte in (options.projectTag ?? "").utf8 { tagHash = (tagHash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        salt = SplitMix64.mix(options.seed ^ (options.projectTag == nil ? 0 : tagHash))
        rooms = SimulatedRoom.catalog(count: options.rooms, salt: salt,
                                      shared: options.sharedRoomIds, sharedSalt: SplitMix64.mix(options.seed))
        roomWeights = rooms.map(\.weight)
        var projectRNG = SplitMix64(seed: salt ^ 0x5052_4F4A)
        projectId = projectRNG.hex(32)
        let startMillis = Int64((options.start.timeIntervalSince1970 * 1000).rounded(.down))
        planner = TimelinePlanner(count: options.jobs, startMillis: startMillis, months: options.months, salt: salt,
                                  anomalies: options.anomalies)
    }

    /// The instant that plays "now": the end of the window, after which no job has ended.
    public var windowEnd: Date { Date(timeIntervalSince1970: Double(planner.nowMillis) / 1000) }

    /// Job number `index` (0-based) as the API would return it; it depends only on the options and
    /// `index`, and create_time ascends with `index`.
    public func job(at index: Int) -> JSONObject {
        precondition(index >= 0 && index < options.jobs, "job index out of range")
        var rng = SplitMix64(seed: SplitMix64.mix(salt &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        // The low half is a bijection of the index, so job_ids never collide.
        let jobId = SplitMix64.hex(of: rng.next()) + SplitMix64.hex(of: SplitMix64.mix(salt ^ 0x4A4F_42 ^ UInt64(index)))
        var room = index % 50 == 0 ? rooms[(index / 50) % rooms.count] : rooms[rng.weightedIndex(roomWeights)]
        var t = planner.plan(index: index, rng: &rng)
        if options.anomalies {
            // A stream of its own, so that planting changes nothing else of the job.
            var planted = SplitMix64(seed: SplitMix64.mix(salt ^ 0x414E_4F4D ^ UInt64(index)))
            let lastMonth = t.create >= planner.lastMonthStart
            if lastMonth, rooms.count > PlantedAnomalies.errorJumpRoom, room == rooms[PlantedAnomalies.errorJumpRoom],
               t.state == "SUCCEED", planted.chance(PlantedAnomalies.errorJumpBasisPoints) {
                t.state = "FAILED"
            }
            if lastMonth, rooms.count > PlantedAnomalies.collapseRoom, room == rooms[PlantedAnomalies.collapseRoom],
               planted.chance(PlantedAnomalies.collapseBasisPoints) {
                room = rooms[0]
            }
        }
        let time = { (millis: Int64) in JSONValue.string(t.style.format(millis: millis)) }

        var job = JSONObject()
        job.fields.reserveCapacity(24)
        job.fields.append(("job_id", .string(jobId)))
        job.fields.append(("room_id", .string(room.id)))
        job.fields.append(("room_name", .string(room.name)))
        job.fields.append(("state", .string(t.state)))
        if let duration = t.duration { job.fields.append(("duration", .number(SimTime.secondsText(hundredths: duration)))) }
        if let start = t.start { job.fields.append(("start_time", time(start))) }
        if let end = t.end { job.fields.append(("end_time", time(end))) }
        if t.state == "FAILED" { job.fields.append(("error_info", JobExtras.errorInfo(&rng))) }
        job.fields.append(("create_time", time(t.create)))
        job.fields.append(("lastupdate_time", time(t.lastUpdate)))
        // As dense as a real tenant's jobs (see the README's Benchmark section): every job that has started
        // streamed into an RTC room whose users each carry a signature, and every job has its
        // callback configuration (a key and a signed URL), so redaction works on every job.
        if let start = t.start {
            job.fields.append(("rtc_room_info", JobExtras.rtcRoomInfo(&rng, expiresAt: start / 1000 + 86_400)))
        }
        if rng.chance(9000) {
            job.fields.append(("live_event_report_url", JobExtras.liveEventReportURL(projectId: projectId, jobId: jobId)))
        }
        job.fields.append(("live_event_callback_config", JobExtras.liveEventCallbackConfig(&rng)))
        if rng.chance(8000) { job.fields.append(("rtc_callback_config", JobExtras.rtcCallbackConfig(&rng))) }
        if let stream = t.streamDuration {
            job.fields.append(("stream_duration", .number(SimTime.secondsText(hundredths: stream))))
        }
        if t.state == "BLOCKED" { job.fields.append(("block_reason", .string(rng.pick(JobExtras.blockReasons)))) }
        if rng.chance(5000) { job.fields.append(("cover_url", .string(room.coverURL))) }
        if rng.chance(3000) { job.fields.append(("co_streamer_config", JobExtras.coStreamerConfig(&rng))) }
        // A job that ran has its record files, as pre-signed URLs.
        if let end = t.trueEnd {
            job.fields.append(("live_job_log", JobExtras.liveJobLog(&rng, jobId: jobId, expires: end / 1000 + 7 * 86_400)))
        }
        if rng.chance(7000) { job.fields.append(("relation_live_platform_info", JobExtras.relationLivePlatformInfo(&rng))) }
        if rng.chance(7500) { job.fields.append(("used_resource_type", JobExtras.usedResourceType(&rng))) }
        if rng.chance(6000) { job.fields.append(("is_ai_mark_on", .bool(rng.chance(5000)))) }
        if rng.chance(200) { job.fields.append(JobExtras.unknownField(&rng)) }
        return job
    }

    /// The jobs' indexes that `anomalies` makes odd on purpose (nil: none, the set being too small).
    public var plantedJobs: (streamOverLive: Int?, zeroLength: Int?, longProcessing: Int?) {
        (planner.planted.first { $0.value == .streamOverLive }?.key,
         planner.planted.first { $0.value == .zeroLength }?.key,
         planner.planted.first { $0.value == .longProcessing }?.key)
    }

    /// All jobs in index (create_time) order, made one at a time as they are read, so a million
    /// jobs can be streamed without holding them.
    public func jobs() -> LazyMapSequence<Range<Int>, JSONObject> {
        (0..<options.jobs).lazy.map { self.job(at: $0) }
    }
}

/// What `Options.anomalies` plants, so that a report over the set has something real to show in its
/// Anomalies section (docs/METRICS.md, "Anomalies").
public enum PlantedAnomalies {
    /// In the last month, this room's SUCCEED jobs turn FAILED at this rate (basis points).
    public static let errorJumpRoom = 2
    public static let errorJumpBasisPoints = 4000
    /// In the last month, this room's jobs go to room 0 instead at this rate: its hours collapse.
    public static let collapseRoom = 10
    public static let collapseBasisPoints = 8000
}
