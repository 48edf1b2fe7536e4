import Foundation
import MetaStudio

/// One stored job: its exact JSON text (sent as is, so key order and number text survive) and the few
/// fields that filters and sorting read, parsed once instead of on every request.
struct TenantJob: Sendable {
    var bytes: [UInt8]
    var state: String?
    var created: Double?
    var updated: Double?
    var roomName: String?
    /// Position in creation order: the default sort, and the tie-breaker of every other sort.
    var sequence: Int

    init(_ object: JSONObject, sequence: Int) {
        var bytes: [UInt8] = []
        object.write(to: &bytes)
        self.bytes = bytes
        state = object["state"]?.stringValue
        created = object["create_time"]?.stringValue.flatMap(RFC3339.parse)
        updated = object["lastupdate_time"]?.stringValue.flatMap(RFC3339.parse)
        roomName = object["room_name"]?.stringValue
        self.sequence = sequence
    }

    /// The job as a JSON object, parsed back from the stored text (only for mutation and assertions).
    var object: JSONObject { (try? JSONParser.parse(bytes))?.objectValue ?? JSONObject() }
}

/// The tenant's job set as the server sees it, changing while clients page through it (new jobs
/// during a scan, running jobs ending between scans), because a pager that assumes a frozen list
/// skips or repeats jobs in production. Thread-safe: every request reads a consistent snapshot.
final class SimulatedTenant: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [TenantJob]
    /// Bumped on every change, so cached query results know they are stale.
    private var version = 0
    private var rng: SplitMix64
    private let insertTotal: Int
    private let finishBetweenScans: Bool
    private var scansStarted = 0
    private var inserted = 0
    /// Requests with offset > 0 seen in the first scan, and how many it was expected to take.
    private var laterRequests = 0
    private var plannedLaterRequests = 1

    /// Takes any sequence, so generated jobs are stored one at a time without a second full copy.
    init<Jobs: Sequence<JSONObject>>(jobs: Jobs, config: SimulatorConfig) {
        entries = jobs.enumerated().map { TenantJob($1, sequence: $0) }
        rng = SplitMix64(seed: SplitMix64.mix(config.seed ^ 0x5445_4E41_4E54))
        insertTotal = max(0, config.insertDuringScan)
        finishBetweenScans = config.finishProcessingBetweenScans
    }

    /// The current jobs and their version; the array is copy-on-write, so this is cheap.
    func snapshot() -> (jobs: [TenantJob], version: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (entries, version)
    }

    /// The current jobs as JSON objects, in creation order.
    var jobs: [JSONObject] { snapshot().jobs.map(\.object) }

    /// Applies the changes due before a valid list request at `offset` is answered. A scan starts with
    /// offset 0. The first scan is expected to read every job (ceil(total / limit) - 1 requests with
    /// offset > 0), and `insertDuringScan` jobs are spread evenly over those requests; any not yet
    /// created when the next scan starts are created then, and finishing happens after that.
    func willAnswer(offset: Int, limit: Int) {
        lock.lock()
        defer { lock.unlock() }
        if offset == 0 {
            scansStarted += 1
            if scansStarted == 1 {
                plannedLaterRequests = max(1, (entries.count + limit - 1) / limit - 1)
            } else {
                insert(insertTotal - inserted)
                if finishBetweenScans { finishOpenJobs() }
            }
            return
        }
        if scansStarted == 0 { scansStarted = 1 } // a scan that did not begin at offset 0 counts as the first
        guard scansStarted == 1, inserted < insertTotal else { return }
        laterRequests += 1
        let due = min(insertTotal, (insertTotal * laterRequests + plannedLaterRequests - 1) / plannedLaterRequests)
        insert(due - inserted)
    }

    /// Appends `count` new WAITING jobs, each created a second after the newest job so far.
    private func insert(_ count: Int) {
        guard count > 0 else { return }
        var newest = entries.lazy.compactMap(\.created).max() ?? Date().timeIntervalSince1970.rounded(.down)
        newest = newest.rounded(.down)
        for _ in 0..<count {
            newest += 1
            let room = entries.isEmpty ? nil : entries[rng.below(entries.count)].object
            var job = JSONObject()
            job.fields.append(("job_id", .string(rng.hex(32))))
            job.fields.append(("room_id", room?["room_id"] ?? .string(rng.hex(32))))
            job.fields.append(("room_name", room?["room_name"] ?? .string("Demo Room 1")))
            job.fields.append(("state", .string("WAITING")))
            job.fields.append(("create_time", .string(RFC3339.format(newest))))
            job.fields.append(("lastupdate_time", .string(RFC3339.format(newest))))
            entries.append(TenantJob(job, sequence: entries.count))
        }
        inserted += count
        version += 1
    }

    /// Ends every WAITING or PROCESSING job: mostly SUCCEED, about one in seven FAILED.
    private func finishOpenJobs() {
        var changed = false
        for index in entries.indices where entries[index].state == "WAITING" || entries[index].state == "PROCESSING" {
            let old = entries[index]
            var job = old.object
            let created = old.created ?? Date().timeIntervalSince1970.rounded(.down)
            let start = job["start_time"]?.stringValue.flatMap(RFC3339.parse)?.rounded(.down)
                ?? created.rounded(.down) + Double(rng.int(in: 30...900))
            let end = max(start, (old.updated ?? created).rounded(.down)) + Double(rng.int(in: 600...7200))
            let hundredths = Int64((end - start) * 100)
            let failed = rng.chance(1500)
            job["state"] = .string(failed ? "FAILED" : "SUCCEED")
            if job["start_time"] == nil { Self.place(&job, "start_time", .string(RFC3339.format(start))) }
            Self.place(&job, "duration", .number(SimTime.secondsText(hundredths: hundredths)))
            Self.place(&job, "end_time", .string(RFC3339.format(end)))
            if failed {
                Self.place(&job, "error_info", .object(JSONObject([("error_code", .string("MSS.10000013")),
                                                                   ("error_msg", .string("stream push failed"))])))
            }
            job["lastupdate_time"] = .string(RFC3339.format(end))
            job["stream_duration"] = .number(SimTime.secondsText(hundredths: hundredths * Int64(rng.int(in: 8500...10_000)) / 10_000))
            entries[index] = TenantJob(job, sequence: old.sequence)
            changed = true
        }
        if changed { version += 1 }
    }

    /// Sets `key`, putting a new key just before `create_time` as the real API orders its fields.
    private static func place(_ job: inout JSONObject, _ key: String, _ value: JSONValue) {
        if job[key] != nil { job[key] = value; return }
        let at = job.fields.firstIndex { $0.key == "create_time" } ?? job.fields.count
        job.fields.insert((key: key, value: value), at: at)
    }
}
