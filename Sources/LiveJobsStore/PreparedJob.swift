import MetaStudio

/// A job with everything computed that the database needs (normalized figures, redacted raw JSON,
/// canonical timestamps, per-day usage for every zone), so that this CPU work can run on another
/// thread than the one holding the write transaction.
struct PreparedJob: Sendable {
    struct Usage: Sendable {
        var zone: String
        var day: String
        var liveSeconds: Double?
        var streamedSeconds: Double?
        var isHome: Bool
    }

    let normalized: NormalizedJob
    let rawJSON: String
    let startTime: String?
    let endTime: String?
    let createTime: String?
    let lastupdateTime: String?
    let usage: [Usage]

    var job: SmartLiveJob { normalized.job }

    init(_ value: JSONValue, zones: [ZoneOffsets]) throws(JobFieldError) {
        var normalized = try NormalizedJob(try SmartLiveJob(json: value))
        rawJSON = normalized.job.raw.serialized()
        // The tree is no longer needed: free it here, not on the thread that holds the write lock.
        normalized.job.raw = JSONObject()
        self.normalized = normalized
        let job = normalized.job
        startTime = job.startTime.map(RFC3339.format)
        endTime = job.endTime.map(RFC3339.format)
        createTime = job.createTime.map(RFC3339.format)
        lastupdateTime = job.lastupdateTime.map(RFC3339.format)
        usage = PreparedJob.usage(of: normalized, zones: zones)
    }

    /// The `job_day_usage` rows of a job in each zone.
    static func usage(of job: NormalizedJob, zones: [ZoneOffsets]) -> [Usage] {
        zones.flatMap { zone in
            UsageSplitter.slices(of: job, in: zone).map { slice in
                Usage(zone: zone.identifier, day: RFC3339.formatDay(slice.day), liveSeconds: slice.liveSeconds,
                      streamedSeconds: slice.streamedSeconds, isHome: slice.isHome)
            }
        }
    }
}
