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

/// The tenant's job set as the server sees it, changing while clients page through it (new jobs,
/// deleted jobs and jobs that end during a scan, running jobs ending between scans), because a pager
/// that assumes a frozen list skips or repeats jobs in production. Thread-safe: every request reads a
/// consistent snapshot.
///
/// Concurrency: one lock (`lock`) guards every `var` below, for the server's request tasks.
final class SimulatedTenant: @unchecked Sendable {
    // Safe because every `var` below is touched only holding `lock`: `snapshot` and `willAnswer`
    // hold it throughout, and the private helpers that change the jobs run only inside `willAnswer`.
    private let lock = NSLock()
    private var entries: [TenantJob]
    /// Bumped on every change, so cached query results know they are stale.
    private var version = 0
    private var rng: SplitMix64
    private let finishBetweenScans: Bool
    /// Changes spread over the first scan: jobs inserted, deleted and finished so far, and how many.
    private var inserts: ScanChange
    private var deletes: ScanChange
    private var finishes: ScanChange
    private var scansStarted = 0
    private var sawFirstScanStart = false
    /// Requests with offset > 0 seen in the first scan, and how many it was expected to take.
    private var laterRequests = 0
    private var plannedLaterRequests = 1

    /// Takes any sequence, so generated jobs are stored one at a time without a second full copy.
    /// With `tieSize` > 1, each run of that many jobs takes the create_time of its first job.
    init<Jobs: Sequence<JSONObject>>(jobs: Jobs, config: SimulatorConfig) {
        let tieSize = max(1, config.tieSize)
        var groupTime: JSONValue?
        entries = jobs.enumerated().map { index, job in
            guard tieSize > 1 else { return TenantJob(job, sequence: index) }
            var job = job
            if index % tieSize == 0 { groupTime = job["create_time"] } else if let groupTime { job["create_time"] = groupTime }
            return TenantJob(job, sequence: index)
        }
        rng = SplitMix64(seed: SplitMix64.mix(config.seed ^ 0x5445_4E41_4E54))
        inserts = ScanChange(total: config.insertDuringScan)
        deletes = ScanChange(total: config.deleteDuringScan)
        finishes = ScanChange(total: config.finishDuringScan)
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

    /// Applies the changes due before a valid list request is answered. A scan starts with an
    /// ascending listing at offset 0 that is not a create_time window (no `create_until`): a pager's
    /// re-reads of a window or its newest jobs (`sort_dir=desc`) do not start one. The first scan is
    /// expected to read every job it lists (ceil(listed / limit) - 1 requests with offset > 0), and the jobs
    /// to insert, delete and finish are spread evenly over those requests; any left when the next
    /// scan starts are applied then, and finishing all open jobs happens after that.
    func willAnswer(_ query: ListQuery) {
        lock.lock()
        defer { lock.unlock() }
        if query.offset == 0 {
            guard !query.descending, query.createUntil == nil else { return }
            // A concurrent pager's first offset 0 may arrive after its first offset 100: it still
            // belongs to the first scan.
            if !sawFirstScanStart {
                sawFirstScanStart = true
                if scansStarted == 0 { openFirstScan(query) }
            } else {
                scansStarted += 1
                insert(inserts.takeRest())
                delete(deletes.takeRest(), before: query)
                finish(finishes.takeRest())
                if finishBetweenScans { finishOpenJobs() }
            }
            return
        }
        if scansStarted == 0 { openFirstScan(query) } // a scan that did not begin at offset 0 counts as the first
        guard scansStarted == 1 else { return }
        laterRequests += 1
        insert(inserts.take(request: laterRequests, of: plannedLaterRequests))
        delete(deletes.take(request: laterRequests, of: plannedLaterRequests), before: query)
        finish(finishes.take(request: laterRequests, of: plannedLaterRequests))
    }

    /// The first scan is expected to read every job its listing holds, a page at a time.
    private func openFirstScan(_ query: ListQuery) {
        scansStarted = 1
        let listed = ListJobsHandler.filterAndSort(query, jobs: entries).count
        plannedLaterRequests = max(1, (listed + query.limit - 1) / query.limit - 1)
    }

    /// Deletes `count` jobs, each picked among the jobs listed before `query.offset` in the order
    /// `query` lists them (any job when none is), so that the jobs after it shift back.
    private func delete(_ count: Int, before query: ListQuery) {
        guard count > 0 else { return }
        for _ in 0..<count where !entries.isEmpty {
            let order = ListJobsHandler.filterAndSort(query, jobs: entries)
            let passed = min(query.offset, order.count)
            let index = passed > 0 ? order[rng.below(passed)] : rng.below(entries.count)
            entries.remove(at: index)
        }
        version += 1
    }

    /// Ends `count` WAITING/PROCESSING jobs picked at random (fewer when fewer are open).
    private func finish(_ count: Int) {
        guard count > 0 else { return }
        for _ in 0..<count {
            let open = entries.indices.filter { entries[$0].state == "WAITING" || entries[$0].state == "PROCESSING" }
            guard !open.isEmpty else { break }
            finish(at: open[rng.below(open.count)])
        }
        version += 1
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
        version += 1
    }

    /// Ends every WAITING or PROCESSING job.
    private func finishOpenJobs() {
        var changed = false
        for index in entries.indices where entries[index].state == "WAITING" || entries[index].state == "PROCESSING" {
            finish(at: index)
            changed = true
        }
        if changed { version += 1 }
    }

    /// Ends one job: mostly SUCCEED, about one in seven FAILED, with end_time, duration,
    /// stream_duration and a newer lastupdate_time.
    private func finish(at index: Int) {
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
    }

    /// Sets `key`, putting a new key just before `create_time` as the real API orders its fields.
    private static func place(_ job: inout JSONObject, _ key: String, _ value: JSONValue) {
        if job[key] != nil { job[key] = value; return }
        let at = job.fields.firstIndex { $0.key == "create_time" } ?? job.fields.count
        job.fields.insert((key: key, value: value), at: at)
    }
}

/// One kind of change spread evenly over the first scan's requests with offset > 0.
struct ScanChange {
    let total: Int
    private(set) var done = 0

    init(total: Int) { self.total = max(0, total) }

    /// How many are due at the `request`-th request with offset > 0 of `planned`, not yet applied.
    mutating func take(request: Int, of planned: Int) -> Int {
        guard done < total else { return 0 }
        let due = min(total, (total * request + planned - 1) / max(1, planned))
        defer { done = max(done, due) }
        return max(0, due - done)
    }

    /// What is left, all at once (when the next scan starts).
    mutating func takeRest() -> Int {
        defer { done = total }
        return total - done
    }
}
