import Foundation
import MetaStudio
import MetaStudioSimulator
import Testing

/// A thousand jobs of the default window (Aug–Nov 2026), made once for the tests that only read them.
private let thousand = Array(JobGenerator(options: .init(jobs: 1000, seed: 42)).jobs())

private func text(_ job: JSONObject, _ key: String) -> String? { job[key]?.stringValue }
private func number(_ job: JSONObject, _ key: String) -> Double? { job[key]?.doubleValue }
private func instant(_ job: JSONObject, _ key: String) -> Double? { text(job, key).flatMap(RFC3339.parse) }

/// (year, month) of an instant, shifted by `offsetHours` first (8 for Asia/Shanghai).
private func month(_ epoch: Double, offsetHours: Double = 0) -> Int {
    let (y, m, _) = RFC3339.civilFromDays(Int(((epoch + offsetHours * 3600) / 86_400).rounded(.down)))
    return y * 12 + m
}

private func day(_ epoch: Double, offsetHours: Double = 0) -> Int {
    Int(((epoch + offsetHours * 3600) / 86_400).rounded(.down))
}

@Test(.timeLimit(.minutes(1))) func sameOptionsGiveByteIdenticalJobs() {
    let again = JobGenerator(options: .init(jobs: 1000, seed: 42))
    #expect(again.jobs().map { $0.serialized() } == thousand.map { $0.serialized() })
    #expect(again.job(at: 637).serialized() == thousand[637].serialized())
}

@Test(.timeLimit(.minutes(1))) func differentSeedGivesDifferentJobs() {
    let other = JobGenerator(options: .init(jobs: 1000, seed: 43))
    #expect(other.job(at: 0).serialized() != thousand[0].serialized())
    #expect(Set(other.jobs().compactMap { text($0, "job_id") }).isDisjoint(with: thousand.compactMap { text($0, "job_id") }))
}

@Test(.timeLimit(.minutes(1))) func projectTagChangesEveryId() {
    let tagged = JobGenerator(options: .init(jobs: 10, seed: 42, projectTag: "tenant-b"))
    #expect(text(tagged.job(at: 0), "job_id") != text(thousand[0], "job_id"))
    #expect(Set(tagged.rooms.map(\.id)).isDisjoint(with: JobGenerator(options: .init(jobs: 10, seed: 42)).rooms.map(\.id)))
}

@Test(.timeLimit(.minutes(1))) func jobIdsAreUniqueHexAndRoomIdsStablePerRoom() {
    let isHex32 = { (s: String?) in s.map { $0.utf8.count == 32 && $0.allSatisfy(\.isHexDigit) } ?? false }
    #expect(thousand.allSatisfy { isHex32(text($0, "job_id")) && isHex32(text($0, "room_id")) })
    #expect(Set(thousand.compactMap { text($0, "job_id") }).count == 1000)
    var namesById: [String: Set<String>] = [:]
    for job in thousand { namesById[text(job, "room_id")!, default: []].insert(text(job, "room_name")!) }
    #expect(namesById.count == 12)
    #expect(namesById.values.allSatisfy { $0.count == 1 })
}

@Test(.timeLimit(.minutes(1))) func roomNamesAreHostileAndPopularityIsSkewed() {
    let names = Set(thousand.compactMap { text($0, "room_name") })
    for expected in ["美妆直播间", "=HYPERLINK(\"http://x\",\"y\")", "+cmd", "-1+2", "@SUM(A1)", "Tea, \"Premium\" & Co."] {
        #expect(names.contains(expected), "missing room \(expected)")
    }
    #expect(names.contains { $0.contains("|") && $0.contains("\n") })
    #expect(names.contains { $0.unicodeScalars.contains { $0.properties.isEmojiPresentation } })
    var counts: [String: Int] = [:]
    for job in thousand { counts[text(job, "room_name")!, default: 0] += 1 }
    #expect(counts.values.max()! >= 10 * counts.values.min()!)
}

@Test(.timeLimit(.minutes(1))) func createTimeAscendsWithIndex() {
    let times = thousand.map { instant($0, "create_time") }
    #expect(times.allSatisfy { $0 != nil })
    #expect(zip(times, times.dropFirst()).allSatisfy { $0! <= $1! })
    #expect(month(times.first!!) == 2026 * 12 + 8)
    #expect(month(times.last!!) == 2026 * 12 + 11)
}

@Test(.timeLimit(.minutes(1)), arguments: [42, 1, 2, 3, 2026] as [UInt64])
func everyStateAppearsInAThousandJobs(seed: UInt64) {
    let jobs = seed == 42 ? thousand : Array(JobGenerator(options: .init(jobs: 1000, seed: seed)).jobs())
    let states = Set(jobs.compactMap { text($0, "state") })
    #expect(states == ["SUCCEED", "FAILED", "BLOCKED", "PROCESSING", "WAITING", "SUSPENDED"])
}

@Test(.timeLimit(.minutes(1))) func stateMixIsMostlySuccess() {
    var counts: [String: Int] = [:]
    for job in JobGenerator(options: .init(jobs: 10_000, seed: 42)).jobs() { counts[text(job, "state")!, default: 0] += 1 }
    #expect((8000...9200).contains(counts["SUCCEED"]!))
    #expect((600...1000).contains(counts["FAILED"]!))
    #expect((250...550).contains(counts["BLOCKED"]!))
    #expect((20...45).contains(counts["SUSPENDED"]!))
}

@Test(.timeLimit(.minutes(1))) func unfinishedJobsAreOnlyAmongTheNewest() {
    for (index, job) in thousand.enumerated() {
        switch text(job, "state") {
        case "PROCESSING":
            #expect(index >= 990 && job["start_time"] != nil && job["end_time"] == nil && job["duration"] == nil)
        case "WAITING":
            #expect(index >= 990 && job["start_time"] == nil && job["end_time"] == nil)
        default:
            #expect(job["start_time"] != nil)
        }
    }
}

@Test(.timeLimit(.minutes(1))) func failuresCarryErrorInfoAndBlocksCarryAReason() {
    for job in thousand {
        let error = job["error_info"]?.objectValue
        #expect((text(job, "state") == "FAILED") == (error != nil))
        if let error { #expect(text(error, "error_code")?.hasPrefix("MSS.") == true && text(error, "error_msg") != nil) }
        #expect((text(job, "state") == "BLOCKED") == (text(job, "block_reason") != nil))
    }
    #expect(Set(thousand.compactMap { $0["error_info"]?.objectValue.flatMap { text($0, "error_code") } }).count >= 5)
}

@Test(.timeLimit(.minutes(1))) func durationsMatchTimesAndStreamNeverExceedsDuration() {
    var withStream = 0, withTimes = 0
    for job in thousand {
        if let duration = number(job, "duration"), let stream = number(job, "stream_duration") {
            #expect(stream <= duration)
            withStream += 1
        }
        if let duration = number(job, "duration"), let start = instant(job, "start_time"), let end = instant(job, "end_time") {
            #expect(abs(end - start - duration) < 1.0)
            withTimes += 1
        }
    }
    #expect(withStream > 700)
    #expect(withTimes > 500, "only \(withTimes) jobs carry a duration with both times: the check above barely ran")
    let finished = thousand.filter { $0["end_time"] != nil || $0["duration"] != nil }
    #expect(finished.contains { $0["end_time"] != nil && $0["duration"] == nil })
    #expect(thousand.contains { text($0, "state") == "SUCCEED" && $0["end_time"] == nil && $0["duration"] == nil })
    #expect(thousand.contains { $0["duration"].map { if case .number(let n) = $0 { n.hasSuffix(".0") } else { false } } == true })
}

@Test(.timeLimit(.minutes(1))) func jobsCrossEveryMonthEndAndMidnightsOfBothZones() {
    let runs = thousand.compactMap { job -> (Double, Double)? in
        guard let start = instant(job, "start_time"), let end = instant(job, "end_time") else { return nil }
        return (start, end)
    }
    for boundaryMonth in [9, 10, 11] {
        let crossing = runs.filter { month($0.0) == 2026 * 12 + boundaryMonth - 1 && month($0.1) == 2026 * 12 + boundaryMonth }
        #expect(crossing.count >= 2, "only \(crossing.count) jobs cross into month \(boundaryMonth)")
        #expect(runs.contains { month($0.0, offsetHours: 8) < 2026 * 12 + boundaryMonth
                                && month($0.1, offsetHours: 8) == 2026 * 12 + boundaryMonth
                                && month($0.1) < 2026 * 12 + boundaryMonth })
    }
    #expect(runs.contains { day($0.0) != day($0.1) && day($0.0, offsetHours: 8) == day($0.1, offsetHours: 8) })
    #expect(runs.contains { day($0.0) == day($0.1) && day($0.0, offsetHours: 8) != day($0.1, offsetHours: 8) })
}

@Test(.timeLimit(.minutes(1))) func timestampsUseEveryRFC3339Form() {
    let stamps = thousand.flatMap { job in ["create_time", "start_time", "end_time", "lastupdate_time"].compactMap { text(job, $0) } }
    #expect(stamps.allSatisfy { RFC3339.parse($0) != nil })
    #expect(stamps.contains { $0.hasSuffix("Z") && !$0.contains(".") })
    #expect(stamps.contains { $0.range(of: #"\.\d{3}Z$"#, options: .regularExpression) != nil })
    #expect(stamps.contains { $0.hasSuffix("+08:00") })
}

@Test(.timeLimit(.minutes(1))) func everyContractFieldAndAnUnknownOneAppear() {
    let known = ["job_id", "room_id", "room_name", "state", "duration", "start_time", "end_time", "error_info",
                 "create_time", "lastupdate_time", "rtc_room_info", "live_event_report_url",
                 "live_event_callback_config", "rtc_callback_config", "stream_duration", "block_reason", "cover_url",
                 "co_streamer_config", "live_job_log", "relation_live_platform_info", "used_resource_type", "is_ai_mark_on"]
    let seen = Set(thousand.flatMap(\.keys))
    #expect(seen.isSuperset(of: known))
    #expect(!seen.subtracting(known).isEmpty)
    for job in thousand {
        let order = job.keys.compactMap { known.firstIndex(of: $0) }
        #expect(order == order.sorted(), "keys out of API order: \(job.keys)")
    }
    let callback = thousand.compactMap { $0["live_event_callback_config"]?.objectValue }.first!
    #expect(text(callback, "live_event_type_callback_url")!.contains("?token=") && text(callback, "key")!.count == 64)
    let log = thousand.compactMap { $0["live_job_log"]?.objectValue }.first!
    #expect(text(log, "interaction_records_url")!.contains("AccessKeyId="))
}

/// Real jobs carry secrets on every job, so redaction works on every one: the generated set must
/// be as dense (RTC users with signatures, a callback configuration with a key and a signed URL,
/// nested objects, rooms named in Chinese or with emoji) or benchmarks measure an easier load.
@Test(.timeLimit(.minutes(1))) func everyJobCarriesSecretsAsRealJobsDo() {
    for job in thousand {
        let callback = job["live_event_callback_config"]?.objectValue
        #expect(text(callback ?? JSONObject(), "key")?.isEmpty == false, "no callback key: \(job.serialized().prefix(80))")
        #expect(text(callback ?? JSONObject(), "live_event_type_callback_url")?.contains("token=") == true)
        let users = job["rtc_room_info"]?.objectValue?["users"]?.arrayValue ?? []
        if text(job, "state") == "WAITING" {
            #expect(users.isEmpty, "a waiting job has not joined its RTC room yet")
        } else {
            #expect(users.count >= 2, "\(text(job, "job_id") ?? "")")
            #expect(users.allSatisfy { $0.objectValue.flatMap { text($0, "signature") }?.isEmpty == false })
        }
        if job["end_time"] != nil {
            #expect(job["live_job_log"]?.objectValue.flatMap { text($0, "scripts_records_url") }?.contains("Signature=") == true)
        }
    }
    let nonASCII = thousand.filter { text($0, "room_name")!.utf8.contains { $0 >= 0x80 } }.count
    #expect(nonASCII * 10 >= thousand.count * 8, "\(nonASCII) of \(thousand.count) rooms named in Chinese or with emoji")
    #expect(thousand.contains { text($0, "room_name")!.utf8.allSatisfy { $0 < 0x80 } }, "the ASCII hostile names stay")
}

@Test(.timeLimit(.minutes(1))) func pageWriterWritesTheAPIPagesOfTheSet() throws {
    let generator = JobGenerator(options: .init(jobs: 250, seed: 9))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobgen-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data("stale".utf8).write(to: folder.appendingPathComponent("page-00007.json"))
    let pages = try SampleWriter(generator: generator).writePages(to: folder)

    #expect(pages.map(\.lastPathComponent) == ["page-00000.json", "page-00001.json", "page-00002.json"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == pages.map(\.lastPathComponent))
    var ids: [String] = []
    var bodies: [String] = []
    for page in pages {
        let data = try Data(contentsOf: page)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["count"] as? Int == 250)
        let jobs = try #require(object["smart_live_jobs"] as? [[String: Any]])
        #expect(jobs.count <= SampleWriter.pageSize)
        ids += jobs.compactMap { $0["job_id"] as? String }
        let text = String(decoding: data, as: UTF8.self)
        bodies.append(String(text.dropFirst("{\"count\":250,\"smart_live_jobs\":[".count).dropLast("]}\n".count)))
    }
    let expected = Array(generator.jobs())
    #expect(ids == expected.compactMap { text($0, "job_id") })
    #expect(bodies.joined(separator: ",") == expected.map { $0.serialized() }.joined(separator: ","))
}

@Test(.timeLimit(.minutes(1))) func jsonLinesWriterWritesOneJobPerLine() throws {
    let generator = JobGenerator(options: .init(jobs: 120, seed: 5))
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("jobgen-\(UUID().uuidString).jsonl")
    defer { try? FileManager.default.removeItem(at: file) }
    try SampleWriter(generator: generator).writeJSONLines(to: file)
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 121 && lines.last == "")
    #expect(lines.dropLast().map(String.init) == generator.jobs().map { $0.serialized() })
}

@Test(.timeLimit(.minutes(1))) func writerReportsAnUnwritablePath() {
    let generator = JobGenerator(options: .init(jobs: 3, seed: 1))
    #expect(throws: SampleWriteError.self) {
        try SampleWriter(generator: generator).writeJSONLines(to: URL(fileURLWithPath: "/nonexistent-dir/x.jsonl"))
    }
}

/// The options of the bundled sample's two projects (sample-data/README.md gives the commands).
private let sampleMain = JobGenerator.Options(jobs: 3000, seed: 42, start: JobGenerator.Options.day("2026-08-01")!, months: 4,
                                              anomalies: true)
private let sampleSecond = JobGenerator.Options(jobs: 300, seed: 42, start: JobGenerator.Options.day("2026-08-01")!, months: 4,
                                                rooms: 3, projectTag: "second", sharedRoomIds: 1)

@Test(.timeLimit(.minutes(1)), arguments: [("", sampleMain, [0, 29]), ("second-project", sampleSecond, [0, 1, 2])])
func bundledSampleIsWhatTheGeneratorMakes(folderName: String, options: JobGenerator.Options, pages: [Int]) throws {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../sample-data").appendingPathComponent(folderName)
    let generator = JobGenerator(options: options)
    var expected: [UInt8] = []
    for index in pages {
        expected = Array("{\"count\":\(options.jobs),\"smart_live_jobs\":[".utf8)
        for (n, job) in (index * 100..<min(options.jobs, index * 100 + 100)).map(generator.job(at:)).enumerated() {
            if n > 0 { expected.append(UInt8(ascii: ",")) }
            job.write(to: &expected)
        }
        expected += Array("]}\n".utf8)
        let file = folder.appendingPathComponent(SampleWriter.pageFileName(index))
        #expect(try Data(contentsOf: file) == Data(expected), "sample-data is stale: regenerate it (see sample-data/README.md)")
    }
}

@Test(.timeLimit(.minutes(1))) func sharedRoomIdsShareOnlyTheFirstRooms() {
    let first = JobGenerator(options: .init(jobs: 10, seed: 42))
    let second = JobGenerator(options: .init(jobs: 10, seed: 42, rooms: 3, projectTag: "second", sharedRoomIds: 1))
    let alone = JobGenerator(options: .init(jobs: 10, seed: 42, rooms: 3, projectTag: "second"))
    #expect(second.rooms[0].id == first.rooms[0].id && second.rooms[0].name == first.rooms[0].name)
    #expect(Set(second.rooms.dropFirst().map(\.id)).isDisjoint(with: first.rooms.map(\.id)))
    // Only the shared room's id changes: the other rooms, the project and every job id are the tag's.
    #expect(Array(second.rooms.dropFirst()) == Array(alone.rooms.dropFirst()) && second.projectId == alone.projectId)
    #expect(second.projectId != first.projectId)
    #expect(second.jobs().map { text($0, "job_id") } == alone.jobs().map { text($0, "job_id") })
}

@Test(.timeLimit(.minutes(1))) func anomaliesArePlantedInTheLastMonthOnly() throws {
    let options = JobGenerator.Options(jobs: 3000, seed: 42)
    var planted = options
    planted.anomalies = true
    let plain = Array(JobGenerator(options: options).jobs())
    let generator = JobGenerator(options: planted)
    let odd = Array(generator.jobs())
    let november = RFC3339.parse("2026-11-01T00:00:00Z")!
    // Nothing before the last month changes.
    for (a, b) in zip(plain, odd) where instant(a, "create_time")! < november { #expect(a.serialized() == b.serialized()) }
    let (ratio, zero, long) = generator.plantedJobs
    let r = odd[try #require(ratio)], z = odd[try #require(zero)], l = odd[try #require(long)]
    #expect(text(r, "state") == "SUCCEED" && number(r, "stream_duration")! == number(r, "duration")! + 2)
    #expect(text(z, "state") == "SUCCEED" && number(z, "duration") == 0 && text(z, "start_time") == text(z, "end_time"))
    #expect(text(l, "state") == "PROCESSING" && l["duration"] == nil)
    let running = instant(l, "lastupdate_time")! - instant(l, "start_time")!
    #expect(running > 36 * 3600 && running < 46 * 3600, "\(running)")
    // The error-jump room fails more in November than before; the collapsing room has far fewer jobs.
    func share(_ jobs: [JSONObject], room: String, state: String? = nil, from: Double, to: Double) -> Double {
        let inRoom = jobs.filter { text($0, "room_id") == room && (from..<to).contains(instant($0, "create_time")!) }
        return state.map { s in Double(inRoom.filter { text($0, "state") == s }.count) / Double(inRoom.count) } ?? Double(inRoom.count)
    }
    let jump = generator.rooms[PlantedAnomalies.errorJumpRoom].id, gone = generator.rooms[PlantedAnomalies.collapseRoom].id
    #expect(share(odd, room: jump, state: "FAILED", from: november, to: .infinity)
            > share(odd, room: jump, state: "FAILED", from: 0, to: november) + 0.15)
    #expect(share(odd, room: gone, from: november, to: .infinity) < share(plain, room: gone, from: november, to: .infinity) / 2)
}
