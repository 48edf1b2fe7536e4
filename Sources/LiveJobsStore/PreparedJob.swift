import MetaStudio

/// A job turned into the rows the database stores, with every value ready to bind: normalized
/// figures, redacted raw JSON, canonical timestamps, child rows and per-day usage for every zone.
/// All of this CPU work runs on a worker or producer thread; the thread holding the write
/// transaction only binds and steps. Text values live in one byte arena that SQLite reads in place
/// (no copy per value), and the job's parsed tree is freed here rather than on the writer.
struct PreparedJob: Sendable {
    /// One bound value: text points into `arena`.
    enum Value: Sendable {
        case null
        case integer(Int64)
        case real(Double)
        case text(start: Int32, count: Int32)
    }

    /// The values of the `jobs` row in `JobColumn.prepared` order (the run's own columns, project,
    /// region, source and stored_at, are bound by the writer).
    private(set) var jobRow: [Value] = []
    /// `job_rtc_users` rows (position, user_type, user_id, ctime), then `job_callback_event_types`
    /// rows (source, event_type), then `job_flags` rows (field, reason, detail, excluded), then
    /// `job_day_usage` rows (tz, day, live µs, streamed µs, is_home); each row without its job_id.
    private(set) var childValues: [Value] = []
    let userCount: Int
    let eventTypeCount: Int
    /// The job's flags, for the run's summary (their rows are in `childValues`).
    let flags: [FlaggedValue]
    /// Whether the job is stored as stale (WAITING or PROCESSING far too long).
    let isStale: Bool
    private(set) var usageCount = 0
    private(set) var arena: [UInt8] = []
    /// What `UsageRollup` sums for the job (its per-day slices in every zone, its room and state).
    private(set) var rollupFacts = RollupFacts()
    /// For the update check when the job is already stored.
    let lastupdateTime: Double?
    let jobId: String

    static let userWidth = 4
    static let eventTypeWidth = 2
    static let flagWidth = 4
    static let usageWidth = 5

    /// `now` (epoch seconds, UTC) is when the job is read, which decides whether it is stale.
    init(_ job: SmartLiveJob, zones: [ZoneOffsets], now: Double) {
        let normalized = NormalizedJob(job, now: now)
        let job = normalized.job
        jobId = job.jobId
        lastupdateTime = job.lastupdateTime
        userCount = job.rtcUsers.count
        eventTypeCount = job.callbackEventTypes.count
        flags = normalized.flags
        isStale = normalized.isStale
        // The stored JSON is about as long as the job's text, and the columns' text is small:
        // reserved once, the arena is not copied to a larger one halfway through (a dense job's
        // JSON is over 3 KB, past the 2 KB reserved before).
        arena.reserveCapacity(job.byteCount + 512)
        jobRow.reserveCapacity(23)
        for column in JobColumn.prepared {
            jobRow.append(value(of: column, job, normalized))
        }
        rollupFacts = RollupFacts(
            group: RollupGroup(roomId: job.roomId, roomName: job.roomName, state: job.state,
                               errorCode: job.errorCode, errorMsg: job.errorMsg, usedResourceType: job.usedResourceType),
            countsInRates: normalized.countsInRates, isError: normalized.isError, isBlocked: normalized.isBlocked,
            isOngoing: normalized.isOngoing, isFlagged: !flags.isEmpty, liveSeconds: normalized.liveSeconds,
            streamedSeconds: normalized.streamedSeconds)
        rollupFacts.startTime = jobRow[JobColumn.startTime.position]
        rollupFacts.createTime = jobRow[JobColumn.createTime.position]
        childValues.reserveCapacity(userCount * PreparedJob.userWidth + eventTypeCount * PreparedJob.eventTypeWidth
                                    + flags.count * PreparedJob.flagWidth + 2 * zones.count * PreparedJob.usageWidth)
        for (position, user) in job.rtcUsers.enumerated() {
            childValues.append(.integer(Int64(position)))
            childValues.append(text(user.userType))
            childValues.append(text(user.userId))
            childValues.append(user.ctime.map { .integer($0) } ?? .null)
        }
        for type in job.callbackEventTypes {
            childValues.append(text(type.source))
            childValues.append(text(type.eventType))
        }
        for flagged in flags {
            childValues.append(text(flagged.flag.field))
            childValues.append(text(flagged.flag.reason.rawValue))
            childValues.append(text(flagged.flag.detail))
            childValues.append(text(flagged.excludedText))
        }
        appendUsage(of: normalized.usage, zones: zones)
    }

    /// How each `jobs` column's value is computed: the one place that says it (`JobColumn` names
    /// and orders the columns). Text is written into the arena as it is computed.
    private mutating func value(of column: JobColumn, _ job: SmartLiveJob, _ normalized: NormalizedJob) -> Value {
        switch column {
        case .jobId: text(job.jobId)
        case .roomId: text(job.roomId)
        case .roomName: text(job.roomName)
        case .state: text(job.state)
        case .duration: real(job.duration)
        case .streamDuration: real(job.streamDuration)
        case .startTime: timestamp(job.startTime)
        case .endTime: timestamp(job.endTime)
        case .createTime: timestamp(job.createTime)
        case .lastupdateTime: timestamp(job.lastupdateTime)
        case .errorCode: text(job.errorCode)
        case .errorMsg: text(job.errorMsg)
        case .blockReason: text(job.blockReason)
        case .usedResourceType: text(job.usedResourceType)
        case .liveSeconds: real(normalized.liveSeconds)
        case .liveSource: text(normalized.liveSource?.rawValue)
        case .isOngoing: .integer(normalized.isOngoing ? 1 : 0)
        case .streamedSeconds: real(normalized.streamedSeconds)
        case .streamRatio: real(normalized.streamRatio)
        case .countsInRates: .integer(normalized.countsInRates ? 1 : 0)
        case .isError: .integer(normalized.isError ? 1 : 0)
        case .isBlocked: .integer(normalized.isBlocked ? 1 : 0)
        case .rawJSON: redactedJSON(job)
        case .projectId, .region, .source, .storedAt:
            preconditionFailure("\(column.name) is the run's value, bound by JobWriter")
        }
    }

    private mutating func redactedJSON(_ job: SmartLiveJob) -> Value {
        let start = arena.count
        job.writeRedactedJSON(to: &arena)
        return .text(start: Int32(start), count: Int32(arena.count - start))
    }

    /// Only the per-day usage of a stored job, for filling in a newly asked-for zone.
    /// With `facts` (and the stored `start_time` and `create_time` texts), also what `UsageRollup` sums.
    init(usageOf usage: UsageInput, jobId: String, zones: [ZoneOffsets], facts: RollupFacts = RollupFacts(),
         startTime: String? = nil, createTime: String? = nil) {
        self.jobId = jobId
        lastupdateTime = nil
        userCount = 0
        eventTypeCount = 0
        flags = []
        isStale = false
        rollupFacts = facts
        rollupFacts.startTime = text(startTime)
        rollupFacts.createTime = text(createTime)
        appendUsage(of: usage, zones: zones)
    }

    var users: ArraySlice<Value> { childValues[0 ..< userCount * PreparedJob.userWidth] }

    var eventTypes: ArraySlice<Value> {
        let start = userCount * PreparedJob.userWidth
        return childValues[start ..< start + eventTypeCount * PreparedJob.eventTypeWidth]
    }

    var flagRows: ArraySlice<Value> {
        let start = userCount * PreparedJob.userWidth + eventTypeCount * PreparedJob.eventTypeWidth
        return childValues[start ..< start + flags.count * PreparedJob.flagWidth]
    }

    var usageRows: ArraySlice<Value> {
        childValues[(userCount * PreparedJob.userWidth + eventTypeCount * PreparedJob.eventTypeWidth
                     + flags.count * PreparedJob.flagWidth)...]
    }

    /// The redacted raw JSON's bytes, in `arena`.
    func rawJSON(in arena: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard jobRow.count > JobColumn.rawJSON.position,
              case .text(let start, let count) = jobRow[JobColumn.rawJSON.position] else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(rebasing: arena[Int(start) ..< Int(start) + Int(count)])
    }

    /// The job_id value (first of the job row, or placed in the arena for usage-only jobs).
    var jobIdValue: Value { jobRow.first ?? .null }

    /// The `job_day_usage` rows of the job in each zone (see `UsageSplitter`).
    private mutating func appendUsage(of job: UsageInput, zones: [ZoneOffsets]) {
        if jobRow.isEmpty { jobRow.append(text(jobId)) }
        for (zoneIndex, zone) in zones.enumerated() {
            let tz = text(zone.identifier)
            for slice in UsageSplitter.slices(of: job, in: zone) {
                // Stored and summed as whole microseconds (`Microseconds`): the row and the
                // rollup's in-memory sum get the same integers.
                let live = Microseconds.of(slice.liveSeconds), streamed = Microseconds.of(slice.streamedSeconds)
                rollupFacts.slices.append(RollupFacts.Slice(zone: Int32(zoneIndex), day: Int32(slice.day), isHome: slice.isHome,
                                                            live: live, streamed: streamed))
                childValues.append(tz)
                let start = arena.count
                RFC3339.appendDay(slice.day, to: &arena)
                childValues.append(.text(start: Int32(start), count: Int32(arena.count - start)))
                childValues.append(live.map { .integer($0) } ?? .null)
                childValues.append(streamed.map { .integer($0) } ?? .null)
                childValues.append(.integer(slice.isHome ? 1 : 0))
                usageCount += 1
            }
        }
    }

    private mutating func text(_ string: String?) -> Value {
        guard var string else { return .null }
        return string.withUTF8 { text(bytes: $0) }
    }

    private mutating func text<C: Collection>(bytes: C) -> Value where C.Element == UInt8 {
        let start = arena.count
        arena.append(contentsOf: bytes)
        return .text(start: Int32(start), count: Int32(arena.count - start))
    }

    /// A timestamp in its canonical stored form, written straight into the arena.
    private mutating func timestamp(_ epoch: Double?) -> Value {
        guard let epoch else { return .null }
        let start = arena.count
        RFC3339.append(epoch, to: &arena)
        return .text(start: Int32(start), count: Int32(arena.count - start))
    }

    private func real(_ value: Double?) -> Value {
        value.map { .real($0) } ?? .null
    }
}
