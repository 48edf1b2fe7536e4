import Foundation
import GRDB
import MetaStudio
import Testing
@testable import LiveJobsStore

@Suite(.timeLimit(.minutes(2))) struct NormalizerTests {
    /// When the jobs are read: 2026-03-01T00:00:00Z.
    static let now = 1_772_323_200.0

    func normalized(_ json: String, now: Double = NormalizerTests.now) throws -> NormalizedJob {
        NormalizedJob(try SmartLiveJob(json: try JSONParser.parse(json)), now: now)
    }

    @Test func liveSecondsComeFromDurationThenTimesThenLastUpdateForOngoingJobs() throws {
        let withDuration = try normalized(#"{"job_id":"a","state":"SUCCEED","duration":100.5,"start_time":"2026-01-01T00:00:00Z","end_time":"2026-01-01T01:00:00Z"}"#)
        #expect(withDuration.liveSeconds == 100.5 && withDuration.liveSource == .duration)
        let fromTimes = try normalized(#"{"job_id":"b","state":"SUCCEED","start_time":"2026-01-01T00:00:00Z","end_time":"2026-01-01T01:00:00Z"}"#)
        #expect(fromTimes.liveSeconds == 3600 && fromTimes.liveSource == .endMinusStart)
        let ongoing = try normalized(#"{"job_id":"c","state":"PROCESSING","start_time":"2026-01-01T00:00:00Z","lastupdate_time":"2026-01-01T00:30:00Z"}"#,
                                     now: try #require(RFC3339.parse("2026-01-01T01:00:00Z")))
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

    /// Every rule of docs/METRICS.md "Flagged jobs": which field and reason a value gets, which figures
    /// leave the job out, and what the job still counts in.
    @Test(arguments: [
        (#"{"job_id":"a","state":"SUCCEED","duration":-5,"stream_duration":10}"#, "duration", "negative", "live_hours,stream_ratio"),
        (#"{"job_id":"b","state":"SUCCEED","start_time":"2026-01-02T00:00:00Z","end_time":"2026-01-01T00:00:00Z"}"#, "end_time", "before_start_time", "live_hours,stream_ratio"),
        (#"{"job_id":"c","state":"SUCCEED","start_time":"2026-01-02T00:00:00Z","duration":1e12}"#, "duration", "over_366_days", "live_hours,stream_ratio"),
        (#"{"job_id":"d","state":"SUCCEED","start_time":"2026-01-02T00:00:00Z","duration":1e19}"#, "duration", "over_366_days", "live_hours,stream_ratio"),
        (#"{"job_id":"e","state":"SUCCEED","start_time":"2024-01-02T00:00:00Z","end_time":"2026-01-02T00:00:00Z"}"#, "end_time", "over_366_days", "live_hours,stream_ratio"),
        (#"{"job_id":"f","state":"SUCCEED","duration":1e400}"#, "duration", "out_of_range", "live_hours,stream_ratio"),
        (#"{"job_id":"g","state":"SUCCEED","duration":"an hour"}"#, "duration", "wrong_type", "live_hours,stream_ratio"),
        (#"{"job_id":"h","state":"SUCCEED","duration":100,"stream_duration":-1}"#, "stream_duration", "negative", "streamed_hours,stream_ratio"),
        (#"{"job_id":"i","state":"SUCCEED","duration":100,"stream_duration":500}"#, "stream_duration", "exceeds_live_seconds", "streamed_hours,stream_ratio"),
        (#"{"job_id":"j","state":"SUCCEED","start_time":"2026-13-01T00:00:00Z","end_time":"2026-01-01T01:00:00Z","create_time":"2026-01-01T00:00:00Z"}"#, "start_time", "invalid_timestamp", "live_hours,stream_ratio"),
        (#"{"job_id":"k","state":"PROCESSING","start_time":"2026-01-01T00:00:00Z","lastupdate_time":"2026-01-01T05:00:00Z"}"#, "state", "stale_unfinished", "live_hours,stream_ratio,ongoing_jobs"),
        (#"{"job_id":"l","state":"WAITING","create_time":"2025-06-01T00:00:00Z"}"#, "state", "stale_unfinished", ""),
        (#"{"job_id":"m","state":7,"duration":60}"#, "state", "wrong_type", "error_rate,block_rate,ongoing_jobs"),
        (#"{"job_id":"n","state":"FAILED","error_info":"boom"}"#, "error_info", "wrong_type", "error_codes"),
        (#"{"job_id":"o","state":"SUCCEED","cover_url":5,"duration":60}"#, "cover_url", "wrong_type", ""),
        (#"{"job_id":"p","state":"PROCESSING","start_time":"2026-02-28T10:00:00Z","lastupdate_time":"2026-02-28T09:00:00Z"}"#, "lastupdate_time", "before_start_time", "live_hours,stream_ratio"),
        (#"{"job_id":"q","create_time":"yesterday"}"#, "create_time", "invalid_timestamp", "month"),
    ])
    func impossibleValuesAreFlaggedAndLeftOutOfTheirFigures(_ json: String, _ field: String, _ reason: String, _ excluded: String) throws {
        let job = try normalized(json)
        let flag = try #require(job.flags.first { $0.flag.field == field }, "\(job.flags)")
        #expect(flag.flag.reason.rawValue == reason)
        #expect(flag.excludedText == excluded)
        if excluded.contains("live_hours") { #expect(job.liveSeconds == nil && job.streamRatio == nil) }
        if excluded.contains("streamed_hours") { #expect(job.streamedSeconds == nil) }
        if excluded.contains("error_rate") { #expect(!job.countsInRates) }
        if excluded.contains("ongoing_jobs") { #expect(!job.isOngoing) }
    }

    /// A flagged value costs only its own figures: the rest of the job counts as before.
    @Test func aFlaggedValueCostsOnlyItsOwnFigures() throws {
        let negative = try normalized(#"{"job_id":"a","state":"FAILED","duration":-5,"stream_duration":10,"start_time":"2026-01-02T00:00:00Z"}"#)
        #expect(negative.liveSeconds == nil && negative.streamedSeconds == 10)
        #expect(negative.countsInRates && negative.isError)
        #expect(UsageSplitter.slices(of: negative, in: .utc).map(\.isHome) == [true])
        let badEnd = try normalized(#"{"job_id":"b","state":"SUCCEED","duration":3600,"start_time":"2026-01-02T00:00:00Z","end_time":"soon"}"#)
        #expect(badEnd.liveSeconds == 3600 && badEnd.liveSource == .duration)
        #expect(badEnd.flags.map(\.excludedText) == [""])
        let fresh = try normalized(#"{"job_id":"c","state":"PROCESSING","start_time":"2026-02-28T10:00:00Z","lastupdate_time":"2026-02-28T12:00:00Z"}"#)
        #expect(fresh.flags.isEmpty && fresh.isOngoing && fresh.liveSeconds == 7200)
        #expect(try normalized(#"{"job_id":"d","state":"SUCCEED","duration":60}"#).flags.isEmpty)
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

    /// A job counts on its home day: the day of its start, else of its creation, else of its last
    /// update (docs/METRICS.md); a zone built later reads the same rule from `UsageInput`.
    @Test func aJobCountsOnTheDayOfItsStartElseItsCreationElseItsLastUpdate() throws {
        let cases = [
            (#"{"job_id":"s","start_time":"2026-01-05T10:00:00Z","create_time":"2026-01-03T10:00:00Z","lastupdate_time":"2026-01-07T10:00:00Z"}"#, "2026-01-05"),
            (#"{"job_id":"c","create_time":"2026-01-03T10:00:00Z","lastupdate_time":"2026-01-07T10:00:00Z"}"#, "2026-01-03"),
            (#"{"job_id":"u","lastupdate_time":"2026-01-07T10:00:00Z"}"#, "2026-01-07"),
        ]
        for (json, day) in cases {
            let slices = UsageSplitter.slices(of: try normalized(json), in: .utc)
            #expect(slices.filter(\.isHome).map { RFC3339.formatDay($0.day) } == [day], "\(json)")
        }
        #expect(UsageSplitter.slices(of: try normalized(#"{"job_id":"n","state":"FAILED"}"#), in: .utc).isEmpty)
    }

    @Test func daysFollowDaylightSavingChanges() throws {
        // New York: 2026-03-08 has 23 hours. A job from 2026-03-08 00:00 local for 24 h ends 2026-03-09 01:00 local.
        let job = try normalized(#"{"job_id":"d","start_time":"2026-03-08T05:00:00Z","duration":86400}"#,
                                 now: try #require(RFC3339.parse("2026-03-10T00:00:00Z")))
        let slices = UsageSplitter.slices(of: job, in: try #require(ZoneOffsets(identifier: "America/New_York")))
        #expect(slices.map { RFC3339.formatDay($0.day) } == ["2026-03-08", "2026-03-09"])
        #expect(slices.map(\.liveSeconds) == [23 * 3600, 3600])
    }

    @Test func storedMonthlyHoursMatchTheDefinitionInEveryZone() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
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
