import Foundation
import GRDB
import MetaStudio
import Testing
@testable import LiveJobsStore

@Suite(.timeLimit(.minutes(2))) struct NormalizerTests {
    func normalized(_ json: String) throws -> NormalizedJob {
        try NormalizedJob(try SmartLiveJob(json: try JSONParser.parse(json)))
    }

    @Test func liveSecondsComeFromDurationThenTimesThenLastUpdateForOngoingJobs() throws {
        let withDuration = try normalized(#"{"job_id":"a","state":"SUCCEED","duration":100.5,"start_time":"2026-01-01T00:00:00Z","end_time":"2026-01-01T01:00:00Z"}"#)
        #expect(withDuration.liveSeconds == 100.5 && withDuration.liveSource == .duration)
        let fromTimes = try normalized(#"{"job_id":"b","state":"SUCCEED","start_time":"2026-01-01T00:00:00Z","end_time":"2026-01-01T01:00:00Z"}"#)
        #expect(fromTimes.liveSeconds == 3600 && fromTimes.liveSource == .endMinusStart)
        let ongoing = try normalized(#"{"job_id":"c","state":"PROCESSING","start_time":"2026-01-01T00:00:00Z","lastupdate_time":"2026-01-01T00:30:00Z"}"#)
        #expect(ongoing.liveSeconds == 1800 && ongoing.liveSource == .ongoing && ongoing.isOngoing)
        let none = try normalized(#"{"job_id":"d","state":"FAILED","start_time":"2026-01-01T00:00:00Z"}"#)
        #expect(none.liveSeconds == nil && none.liveSource == nil && none.isError && none.countsInRates)
    }

    @Test func streamRatioNeedsBothDurationsAndPositiveLiveTime() throws {
        let job = try normalized(#"{"job_id":"a","duration":200,"stream_duration":150}"#)
        #expect(job.streamRatio == 0.75)
        #expect(try normalized(#"{"job_id":"b","duration":0,"stream_duration":0}"#).streamRatio == nil)
        #expect(try normalized(#"{"job_id":"c","duration":10}"#).streamRatio == nil)
    }

    @Test func liesAboutTimeAreRefused() throws {
        #expect(throws: JobFieldError.self) { try normalized(#"{"job_id":"a","duration":-5}"#) }
        #expect(throws: JobFieldError.self) {
            try normalized(#"{"job_id":"b","start_time":"2026-01-02T00:00:00Z","end_time":"2026-01-01T00:00:00Z"}"#)
        }
        #expect(throws: JobFieldError.self) { try normalized(#"{"job_id":"c","start_time":"2026-01-02T00:00:00Z","duration":1e12}"#) }
    }

    @Test func aJobAcrossAMonthEndSplitsByTheReportsTimeZone() throws {
        let job = try normalized(#"{"job_id":"x","state":"SUCCEED","start_time":"2026-01-31T23:00:00Z","duration":7200,"stream_duration":3600}"#)
        let utc = UsageSplitter.slices(of: job, in: .utc)
        #expect(utc.map { RFC3339.formatDay($0.day) } == ["2026-01-31", "2026-02-01"])
        #expect(utc.map(\.liveSeconds) == [3600, 3600])
        #expect(utc.map(\.streamedSeconds) == [1800, 1800])
        #expect(utc.map(\.isHome) == [true, false])
        let shanghai = UsageSplitter.slices(of: job, in: try #require(ZoneOffsets(identifier: "Asia/Shanghai")))
        #expect(shanghai.map { RFC3339.formatDay($0.day) } == ["2026-02-01"])
        #expect(shanghai.map(\.liveSeconds) == [7200])
    }

    @Test func daysFollowDaylightSavingChanges() throws {
        // New York: 2026-03-08 has 23 hours. A job from 2026-03-08 00:00 local for 24 h ends 2026-03-09 01:00 local.
        let job = try normalized(#"{"job_id":"d","start_time":"2026-03-08T05:00:00Z","duration":86400}"#)
        let slices = UsageSplitter.slices(of: job, in: try #require(ZoneOffsets(identifier: "America/New_York")))
        #expect(slices.map { RFC3339.formatDay($0.day) } == ["2026-03-08", "2026-03-09"])
        #expect(slices.map(\.liveSeconds) == [23 * 3600, 3600])
    }

    @Test func storedMonthlyHoursMatchTheDefinitionInEveryZone() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath)
        let job = #"{"job_id":"x","state":"SUCCEED","start_time":"2026-01-31T23:00:00Z","duration":7200,"lastupdate_time":"2026-02-01T01:00:00Z"}"#
        _ = try store.importFile(dir.file("p.json", page([job])))
        try store.ensureUsage(for: try #require(ZoneOffsets(identifier: "Asia/Shanghai")))
        let sql = "SELECT substr(day,1,7) AS m, SUM(live_seconds) / 3600.0 FROM job_day_usage WHERE tz = ? GROUP BY m ORDER BY m"
        let utc = try store.read { db in try Row.fetchAll(db, sql: sql, arguments: ["UTC"]).map { "\($0[0] as String)=\($0[1] as Double)" } }
        #expect(utc == ["2026-01=1.0", "2026-02=1.0"])
        let sh = try store.read { db in try Row.fetchAll(db, sql: sql, arguments: ["Asia/Shanghai"]).map { "\($0[0] as String)=\($0[1] as Double)" } }
        #expect(sh == ["2026-02=2.0"])
        // A later import keeps the materialized zone current.
        _ = try store.importFile(dir.file("q.json", page([#"{"job_id":"y","start_time":"2026-02-10T00:00:00Z","duration":3600}"#])))
        let count = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM job_day_usage WHERE tz = 'Asia/Shanghai' AND job_id = 'y'") }
        #expect(count == 1)
    }
}
