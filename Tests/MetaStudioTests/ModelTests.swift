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

    @Test func redactorMasksSecretsByNameAndInURLs() throws {
        let job = try JSONParser.parse(#"""
            {"job_id":"1","rtc_room_info":{"users":[{"user_id":"u","signature":"SIG"}]},
             "live_event_callback_config":{"key":"K","auth_type":"MSS_A","live_event_type_callback_url":"https://h/p?a=1&token=T&Sign=S#frag"},
             "extra":{"streamKey":"SK1","security_token":"ST","voice_asset_id":"v","sort":"ok"},
             "cover_url":"rtmp://user:pw@host/live?room=2"}
            """#)
        let redacted = SecretRedactor.redact(try #require(job.objectValue)).serialized()
        for secret in ["SIG", "\"K\"", "token=T", "Sign=S", "SK1", "\"ST\"", ":pw@"] {
            #expect(!redacted.contains(secret), "\(secret) survived")
        }
        #expect(redacted.contains("https://h/p?a=1&token=[REDACTED]&Sign=[REDACTED]#frag"))
        #expect(redacted.contains("rtmp://user:[REDACTED]@host/live?room=2"))
        #expect(redacted.contains("\"voice_asset_id\":\"v\""))
        #expect(redacted.contains("\"auth_type\":\"MSS_A\""))
    }

    /// The one-pass writer that fills `raw_json` must say exactly what redact-then-serialize says,
    /// on the hand-made secrets above and on every job of the generator's data.
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
            let expected = SecretRedactor.redact(object).serialized()
            #expect(String(decoding: out, as: UTF8.self) == expected)
            if expected != object.serialized() { masked += 1 }
        }
        #expect(masked > 100, "the generated jobs should carry secrets to mask")
    }

    @Test func wrongTypesNameTheFullPathOfTheField() throws {
        let job = try JSONParser.parse(#"{"job_id":"1","rtc_room_info":{"users":[{"ctime":1},{"ctime":"soon"}]}}"#)
        #expect(throws: JobFieldError(field: "rtc_room_info.users[1].ctime", problem: "expected a number, got string")) {
            try SmartLiveJob(json: job)
        }
        #expect(throws: JobFieldError(field: "state", problem: "expected a string, got number")) {
            try SmartLiveJob(json: try JSONParser.parse(#"{"job_id":"1","state":3}"#))
        }
    }

    @Test func nullMembersCountAsAbsent() throws {
        let job = try SmartLiveJob(json: try JSONParser.parse(#"{"job_id":"1","duration":null,"error_info":null}"#))
        #expect(job.duration == nil && job.errorCode == nil)
    }
}
