import MetaStudioSimulator
import Testing
@testable import MetaStudio

@Suite(.timeLimit(.minutes(2))) struct ModelTests {
    @Test func rfc3339ParsesOffsetsFractionsAndRejectsImpossibleDates() {
        #expect(RFC3339.parse("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.parse("2021-01-10T08:43:17Z") == 1_610_268_197)
        #expect(RFC3339.parse("2021-01-10T16:43:17+08:00") == 1_610_268_197)
        #expect(RFC3339.parse("2021-01-10t08:43:17.250z") == 1_610_268_197.25)
        #expect(RFC3339.parse("2024-02-29T00:00:00Z") != nil)
        for bad in ["2023-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "2021-01-10 08:43", "2021-01-10T08:43:17", "2021-01-10T25:00:00Z", "", "2021-01-10T08:43:17+0800"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func rfc3339FormatsUTCWithMillisecondsOnlyWhenNeeded() {
        #expect(RFC3339.format(1_610_268_197) == "2021-01-10T08:43:17Z")
        #expect(RFC3339.format(1_610_268_197.25) == "2021-01-10T08:43:17.250Z")
        #expect(RFC3339.format(-1) == "1969-12-31T23:59:59Z")
        #expect(RFC3339.formatDay(RFC3339.daysFromCivil(year: 2026, month: 2, day: 28) + 1) == "2026-03-01")
    }

    /// Fractions beyond the stored millisecond are cut, never rounded into the next second, day,
    /// month or year; a leap second keeps its minute.
    @Test(arguments: [
        ("2026-12-31T23:59:59.9999Z", "2026-12-31T23:59:59.999Z"),
        ("2026-12-31T23:59:59.9995Z", "2026-12-31T23:59:59.999Z"),
        ("2026-12-31T23:59:59.99999999999999999999Z", "2026-12-31T23:59:59.999Z"),
        ("2027-01-01T07:59:59.9999+08:00", "2026-12-31T23:59:59.999Z"),
        ("2026-02-28T23:59:59.5Z", "2026-02-28T23:59:59.500Z"),
        ("2026-06-30T23:59:60Z", "2026-06-30T23:59:59.999Z"),
        ("2026-06-30T23:59:60.5Z", "2026-06-30T23:59:59.999Z"),
        ("2026-11-03T08:15:00.0004Z", "2026-11-03T08:15:00Z"),
        ("2026-11-03T08:15:00.25Z", "2026-11-03T08:15:00.250Z"),
        ("1969-12-31T23:59:59.9999Z", "1969-12-31T23:59:59.999Z"),
    ])
    func timestampsKeepTheirDay(_ text: String, _ stored: String) throws {
        let epoch = try #require(RFC3339.parse(text))
        #expect(RFC3339.format(epoch) == stored)
        let day = RFC3339.formatDay(Int((epoch / 86_400).rounded(.down)))
        #expect(stored.hasPrefix(day))
    }

    @Test func redactorMasksSecretsByNameAndInURLs() throws {
        let job = try JSONParser.parse(#"""
            {"job_id":"1","rtc_room_info":{"users":[{"user_id":"u","signature":"SIG"}]},
             "live_event_callback_config":{"key":"K","auth_type":"MSS_A","live_event_type_callback_url":"https://h/p?a=1&token=T&Sign=S#frag"},
             "extra":{"streamKey":"SK1","security_token":"ST","voice_asset_id":"v","sort":"ok"},
             "cover_url":"rtmp://user:pw@host/live?room=2"}
            """#)
        var out: [UInt8] = []
        try SmartLiveJob(json: job).writeRedactedJSON(to: &out)
        let redacted = String(decoding: out, as: UTF8.self)
        for secret in ["SIG", "\"K\"", "token=T", "Sign=S", "SK1", "\"ST\"", ":pw@"] {
            #expect(!redacted.contains(secret), "\(secret) survived")
        }
        #expect(redacted.contains("https://h/p?a=1&token=[REDACTED]&Sign=[REDACTED]#frag"))
        #expect(redacted.contains("rtmp://user:[REDACTED]@host/live?room=2"))
        #expect(redacted.contains("\"voice_asset_id\":\"v\""))
        #expect(redacted.contains("\"auth_type\":\"MSS_A\""))
    }

    /// The one walker that fills `raw_json` (over a tape, copying bytes where nothing changes) must
    /// write exactly what the reference walker's redact-then-serialize says, on the hand-made
    /// secrets above, on every job of the generator's data, and on those jobs made hostile.
    @Test func redactingWriterMatchesRedactThenSerialize() throws {
        var values = try JobGenerator(options: .init(jobs: 400, seed: 3)).jobs().map { try JSONParser.parse($0.serialized()) }
        values.append(try JSONParser.parse(#"""
            {"job_id":"1","key":null,"token":"[REDACTED]","pwd":5,"nested":[{"sig":{"a":1}},"ftp://u:p@h/x?session=9"],
             "rtc_room_info":{"users":[{"user_id":"u","signature":"SIG"}]},"text":"line\nbreak \"quoted\" 中文"}
            """#))
        var masked = 0
        for value in values {
            let object = try #require(value.objectValue)
            var out: [UInt8] = []
            try SmartLiveJob(json: value).writeRedactedJSON(to: &out)
            let expected = ReferenceRedactor.storedText(object)
            #expect(String(decoding: out, as: UTF8.self) == expected)
            if expected != object.serialized() { masked += 1 }
        }
        #expect(masked > 100, "the generated jobs should carry secrets to mask")
    }

    @Test func wrongTypesAreFlaggedWithTheFullPathOfTheFieldAndTheRestIsRead() throws {
        let job = try SmartLiveJob(json: try JSONParser.parse(
            #"{"job_id":"1","state":"SUCCEED","duration":60,"rtc_room_info":{"users":[{"ctime":1,"user_id":"a"},{"ctime":"soon","user_id":"b"}]}}"#))
        #expect(job.flags == [JobFlag(field: "rtc_room_info.users[1].ctime", reason: .wrongType, detail: "expected a number, got string")])
        #expect(job.rtcUsers.map(\.userId) == ["a", "b"] && job.rtcUsers.map(\.ctime) == [1, nil])
        #expect(job.state == "SUCCEED" && job.duration == 60)
        let state = try SmartLiveJob(json: try JSONParser.parse(#"{"job_id":"1","state":3}"#))
        #expect(state.flags == [JobFlag(field: "state", reason: .wrongType, detail: "expected a string, got number")])
        #expect(state.flags[0].description == "field 'state': expected a string, got number")
    }

    /// Every JSON number conversion is checked: a number no double holds, or epoch seconds past 64
    /// bits, is flagged out of range (never a trap), and the job is read all the same.
    @Test func numbersOutOfRangeAreFlaggedNotTrapped() throws {
        let job = try SmartLiveJob(json: try JSONParser.parse(
            #"{"job_id":"x","duration":1e400,"stream_duration":-1e400,"rtc_room_info":{"users":[{"ctime":1e19},{"ctime":-9.3e18},{"ctime":1700000000.9}]}}"#))
        #expect(job.flags.map(\.field) == ["duration", "stream_duration", "rtc_room_info.users[0].ctime", "rtc_room_info.users[1].ctime"])
        #expect(job.flags.allSatisfy { $0.reason == .outOfRange })
        #expect(job.flags[0].detail == "number 1e400 is out of range")
        #expect(job.rtcUsers.map(\.ctime) == [nil, nil, 1_700_000_000])
        #expect(job.duration == nil && job.jobId == "x")
    }

    /// A job without a usable job_id is still a job: stored under its number's digits, or under an id
    /// made from its content (the same content, the same id).
    @Test func aJobWithoutAUsableIdGetsOneFromItsContent() throws {
        let a = try SmartLiveJob(json: try JSONParser.parse(#"{"state":"SUCCEED","duration":5}"#))
        let b = try SmartLiveJob(json: try JSONParser.parse(#"{"state":"SUCCEED","duration":5}"#))
        let c = try SmartLiveJob(json: try JSONParser.parse(#"{"job_id":null,"state":"FAILED"}"#))
        #expect(a.jobId.hasPrefix("missing-job-id-") && a.jobId.count == "missing-job-id-".count + 16)
        #expect(a.jobId == b.jobId && a.jobId != c.jobId)
        #expect(a.flags.first?.field == "job_id" && a.flags.first?.reason == .missing)
        let number = try SmartLiveJob(json: try JSONParser.parse(#"{"job_id":12345}"#))
        #expect(number.jobId == "12345" && number.flags.first?.reason == .wrongType)
        let object = try SmartLiveJob(json: try JSONParser.parse(#"{"job_id":{"id":1}}"#))
        #expect(object.jobId.hasPrefix("missing-job-id-") && object.flags.first?.reason == .wrongType)
        #expect(throws: JobFieldError.self) { try SmartLiveJob(json: .number("7")) }
    }

    @Test func nullMembersCountAsAbsent() throws {
        let job = try SmartLiveJob(json: try JSONParser.parse(#"{"job_id":"1","duration":null,"error_info":null}"#))
        #expect(job.duration == nil && job.errorCode == nil)
    }
}
