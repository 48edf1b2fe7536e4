import Foundation
import GRDB
import Testing
@testable import LiveJobsStore
import MetaStudio

@Suite(.timeLimit(.minutes(2))) struct ImportTests {
    @Test func importsAPageKeepingKnownNestedAndUnknownFields() throws {
        let dir = TempDir()
        let job = jobJSON(id: "j1", extra: """
            "error_info":{"error_code":"MSS.1","error_msg":"boom"},"rtc_room_info":{"app_id":"app","room_id":"r","users":[{"user_type":"CAPTURE","user_id":"u1","signature":"s","ctime":1700000000},{"user_type":"PLAYER","user_id":"u2","ctime":1700000001}]},"live_event_callback_config":{"auth_type":"NONE","callback_event_type":["SHOOT_SCRIPT_SWITCH","RTMP_STREAM_STATE_CHANGE"]},"rtc_callback_config":{"rtc_callback_event_type":["LIVE_PROGRESS"]},"digital_human_version":{"major":3,"tag":"v3"}
            """)
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let summary = try store.importFile(dir.file("p.json", page([job, jobJSON(id: "j2")])))
        #expect(summary.format == .page)
        #expect(summary.inserted == 2)
        try store.read { db throws in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE job_id = 'j1'"))
            #expect(row["error_code"] as String? == "MSS.1")
            #expect(row["error_msg"] as String? == "boom")
            #expect(row["duration"] as Double? == 3600)
            #expect(row["start_time"] as String? == "2026-03-10T10:00:00Z")
            let raw: String = row["raw_json"]
            #expect(raw.contains("\"digital_human_version\":{\"major\":3,\"tag\":\"v3\"}"))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM job_rtc_users WHERE job_id = 'j1'") == 2)
            #expect(try String.fetchAll(db, sql: "SELECT event_type FROM job_callback_event_types WHERE job_id = 'j1' ORDER BY event_type")
                    == ["LIVE_PROGRESS", "RTMP_STREAM_STATE_CHANGE", "SHOOT_SCRIPT_SWITCH"])
        }
    }

    @Test func detectsJSONLinesAndSkipsBlankLines() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let text = jobJSON(id: "a") + "\n\n" + jobJSON(id: "b") + "\r\n" + jobJSON(id: "c") + "\n"
        let summary = try store.importFile(dir.file("jobs.jsonl", text))
        #expect(summary.format == .jsonLines)
        #expect(summary.inserted == 3)
        #expect(try store.jobCount() == 3)
    }

    @Test func importingTheSameFileTwiceChangesNothing() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let file = dir.file("p.json", page((0..<20).map { jobJSON(id: "j\($0)") }))
        _ = try store.importFile(file)
        let before = try store.read { db in try Row.fetchAll(db, sql: "SELECT * FROM jobs ORDER BY job_id") }
        let again = try store.importFile(file)
        #expect(again.unchanged == 20 && again.inserted == 0 && again.updated == 0)
        let after = try store.read { db in try Row.fetchAll(db, sql: "SELECT * FROM jobs ORDER BY job_id") }
        #expect(before == after)
    }

    @Test func aNewerCopyReplacesTheStoredJobAndAnOlderOneDoesNot() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        _ = try store.importFile(dir.file("1.json", page([jobJSON(id: "j", state: "PROCESSING", duration: nil, lastupdate: "2026-03-10T10:30:00Z")])))
        let newer = try store.importFile(dir.file("2.json", page([jobJSON(id: "j", state: "SUCCEED", lastupdate: "2026-03-10T11:00:00Z")])))
        #expect(newer.updated == 1)
        let older = try store.importFile(dir.file("3.json", page([jobJSON(id: "j", state: "FAILED", lastupdate: "2026-03-10T10:45:00+00:00")])))
        #expect(older.unchanged == 1)
        try store.read { db throws in
            #expect(try String.fetchOne(db, sql: "SELECT state FROM jobs WHERE job_id = 'j'") == "SUCCEED")
            #expect(try Double.fetchOne(db, sql: "SELECT SUM(live_seconds) FROM job_day_usage WHERE job_id = 'j' AND tz = 'UTC'") == 3600)
        }
    }

    /// A job whose value cannot be used is stored flagged and the file goes on; under `.strict` it
    /// refuses the whole file instead and keeps what was stored before.
    @Test func aJobWithAnUnusableValueIsStoredFlaggedOrUnderStrictRefusesItsFile() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        _ = try store.importFile(dir.file("good.json", page([jobJSON(id: "kept")])))
        let lines = [jobJSON(id: "n1"), jobJSON(id: "n2"), jobJSON(id: "bad").replacingOccurrences(of: "\"duration\":3600.0", with: "\"duration\":\"long\"")]
        let bad = dir.file("bad.jsonl", lines.joined(separator: "\n"))
        let error = #expect(throws: ImportError.self) { try store.importFile(bad, strictness: .strict) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix(bad + ":3: job 2 (job_id bad): field 'duration': expected a number, got string"))
        #expect(try store.read { db in try String.fetchAll(db, sql: "SELECT job_id FROM jobs") } == ["kept"])

        let summary = try store.importFile(bad)
        #expect(summary.inserted == 3 && summary.flagged == 1)
        #expect(summary.flags == [FlagReport(jobId: "bad", field: "duration", reason: "wrong_type",
                                             detail: "expected a number, got string", excluded: "live_hours,stream_ratio")])
        try store.read { db throws in
            #expect(try String.fetchAll(db, sql: "SELECT job_id FROM jobs ORDER BY job_id") == ["bad", "kept", "n1", "n2"])
            let row = try #require(try Row.fetchOne(db, sql: "SELECT live_seconds, streamed_seconds, raw_json FROM jobs WHERE job_id = 'bad'"))
            #expect(row["live_seconds"] as Double? == nil && row["streamed_seconds"] as Double? == 3000)
            #expect((row["raw_json"] as String).contains("\"duration\":\"long\""))
            #expect(try String.fetchAll(db, sql: "SELECT field || ' ' || reason || ' ' || excluded FROM job_flags")
                    == ["duration wrong_type live_hours,stream_ratio"])
            #expect(try Int.fetchOne(db, sql: "SELECT flagged FROM import_runs ORDER BY id DESC LIMIT 1") == 1)
        }
    }

    @Test func malformedJSONIsReportedWithLineAndByte() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let text = jobJSON(id: "a") + "\n" + "{\"job_id\": \"b\", }\n"
        let file = dir.file("broken.jsonl", text)
        let error = #expect(throws: ImportError.self) { try store.importFile(file) }
        #expect(error?.line == 2)
        #expect(error?.description.contains("malformed JSON") == true)
        #expect(try store.jobCount() == 0)
    }

    @Test func invalidTimestampsAndMissingJobIdsAreFlaggedAndBadPagesRefused() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let badTime = jobJSON(id: "t", start: "2026-02-30T10:00:00Z")
        var error = #expect(throws: ImportError.self) { try store.importFile(dir.file("t.json", page([badTime])), strictness: .strict) }
        #expect(error?.description.contains("job 0 (job_id t): field 'start_time': invalid RFC 3339 timestamp") == true)
        let flagged = try store.importFile(dir.file("t2.json", page([badTime, "{\"room_id\":\"x\"}", "7"])))
        #expect(flagged.inserted == 2 && flagged.flagged == 2 && flagged.skipped.count == 1)
        #expect(flagged.flags.map(\.reason) == ["invalid_timestamp", "missing"])
        #expect(flagged.skipped.first?.index == 2 && flagged.skipped.first?.problem.contains("expected an object, got number") == true)
        error = #expect(throws: ImportError.self) { try store.importFile(dir.file("n.json", page(["{\"room_id\":\"x\"}"])), strictness: .strict) }
        #expect(error?.description.contains("field 'job_id': expected a job id, got nothing") == true)
        error = #expect(throws: ImportError.self) { try store.importFile(dir.file("c.json", "{\"count\":\"7\",\"smart_live_jobs\":[]}")) }
        #expect(error?.description.contains("field 'count'") == true)
        error = #expect(throws: ImportError.self) { try store.importFile(dir.file("e.json", "")) }
        #expect(error?.description.contains("empty file") == true)
    }

    /// A job flagged stale only because time has passed is updated (and its figures change) when it
    /// is read again with the same lastupdate_time; a fresh unfinished job read again is unchanged.
    @Test func anUnfinishedJobThatTimeMadeStaleIsReflaggedOnTheNextRead() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let fresh = jobJSON(id: "live", state: "PROCESSING", start: recent(3600), duration: nil, stream: nil,
                            lastupdate: recent(60), created: recent(4000))
        let file = dir.file("f.json", page([fresh]))
        _ = try store.importFile(file)
        #expect(try store.importFile(file).unchanged == 1)
        // The same job as it was a month ago: the stored copy is made to look old, as time would.
        let monthAgo = recent(30 * 86_400)
        try store.dbQueue.write { db in
            try db.execute(sql: "UPDATE jobs SET lastupdate_time = ?", arguments: [monthAgo])
        }
        let old = jobJSON(id: "live", state: "PROCESSING", start: recent(31 * 86_400), duration: nil, stream: nil,
                          lastupdate: monthAgo, created: recent(31 * 86_400))
        let again = try store.importFile(dir.file("o.json", page([old])))
        #expect(again.updated == 1 && again.flagged == 1)
        try store.read { db throws in
            #expect(try String.fetchAll(db, sql: "SELECT reason FROM job_flags WHERE job_id = 'live'") == ["stale_unfinished"])
            #expect(try Int.fetchOne(db, sql: "SELECT is_ongoing FROM jobs WHERE job_id = 'live'") == 0)
        }
        #expect(try store.importFile(dir.file("o2.json", page([old]))).unchanged == 1)
    }

    @Test func unknownStatesAreKeptAsSentAndStayOutOfRates() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        _ = try store.importFile(dir.file("p.json", page([jobJSON(id: "s", state: "SUSPENDED"), jobJSON(id: "f", state: "FAILED")])))
        try store.read { db throws in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT state, counts_in_rates, is_error FROM jobs WHERE job_id = 's'"))
            #expect(row["state"] as String == "SUSPENDED")
            #expect(row["counts_in_rates"] as Int == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT is_error FROM jobs WHERE job_id = 'f'") == 1)
        }
    }

    @Test func secretsNeverReachTheDatabaseFile() throws {
        let dir = TempDir()
        let secrets = ["RTC-SIGNATURE-0xdeadbeef", "CALLBACK-HMAC-KEY-c0ffee", "URL-TOKEN-777", "OBS-SIGNATURE-abc", "PASS-WORD-99"]
        let job = jobJSON(id: "s", extra: """
            "rtc_room_info":{"users":[{"user_type":"CAPTURE","user_id":"u","signature":"\(secrets[0])","ctime":1}]},\
            "live_event_callback_config":{"live_event_type_callback_url":"https://cb.example.com/hook?token=\(secrets[2])&room=1","auth_type":"MSS_A","key":"\(secrets[1])"},\
            "live_job_log":{"interaction_records_url":"https://obs.example.com/x.log?AccessKeyId=AK&Expires=1&Signature=\(secrets[3])"},\
            "cover_url":"https://user:\(secrets[4])@img.example.com/c.png"
            """)
        do {
            let store = try JobStore(path: dir.dbPath, logger: .discarding)
            _ = try store.importFile(dir.file("p.json", page([job])))
            let raw = try store.read { db in try String.fetchOne(db, sql: "SELECT raw_json FROM jobs") } ?? ""
            #expect(raw.contains("\"signature\":\"[REDACTED]\""))
            #expect(raw.contains("room=1"))
        }
        var bytes = Data()
        for suffix in ["", "-wal", "-shm"] {
            bytes += (try? Data(contentsOf: URL(fileURLWithPath: dir.dbPath + suffix))) ?? Data()
        }
        #expect(bytes.count > 0)
        for secret in secrets {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) reached the database")
        }
    }

    @Test func reopeningKeepsDataAndRecordsMigrations() throws {
        let dir = TempDir()
        do {
            let store = try JobStore(path: dir.dbPath, logger: .discarding)
            _ = try store.importFile(dir.file("p.json", page([jobJSON(id: "x")])))
        }
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        #expect(try store.jobCount() == 1)
        let applied = try store.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied.contains("v1-jobs"))
        #expect(try store.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == 16384, "a new file gets 16 KiB pages")
    }

    @Test func anOlderDatabaseFileUpgradesInPlace() throws {
        let dir = TempDir()
        do {
            // A file as the first release left it: only the v1 schema, with a job in it.
            let old = try DatabaseQueue(path: dir.dbPath)
            try Migrations.migrator.migrate(old, upTo: "v1-jobs")
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO jobs (job_id, state, counts_in_rates, is_error, is_blocked, raw_json, stored_at)
                    VALUES ('old', 'SUCCEED', 1, 0, 0, '{"job_id":"old"}', '2026-01-01T00:00:00Z')
                    """)
            }
            #expect(try old.read { db in try db.tableExists("sync_runs") } == false)
        }
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        try store.read { db throws in
            #expect(try db.tableExists("sync_runs"))
            // Every migration this livejobs has, whatever it adds next (SchemaUpgradeTests checks the schema).
            #expect(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                    == Migrations.migrator.migrations.sorted())
            #expect(Migrations.migrator.migrations.count >= 9)
            #expect(try String.fetchAll(db, sql: "SELECT job_id FROM jobs") == ["old"])
            // The figures' rollup is built on upgrade: the old job has no date, so it is on the undated row.
            #expect(try Int.fetchOne(db, sql: "SELECT SUM(jobs) FROM usage_rollup WHERE tz = 'UTC' AND day IS NULL") == 1)
            #expect(try Int.fetchOne(db, sql: "PRAGMA page_size") == 4096, "an existing file keeps its page size")
        }
        // The old file takes new jobs and newer copies of old ones like a new file.
        let summary = try store.importFile(dir.file("n.json", page([jobJSON(id: "new"), jobJSON(id: "old")])))
        #expect(summary.inserted == 1 && summary.updated == 1)
        #expect(try store.jobCount() == 2)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM job_day_usage WHERE job_id = 'old'") } == 1)
        // Its newer copy has a date: it moves from the undated row to its day.
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT SUM(jobs) FROM usage_rollup WHERE tz = 'UTC' AND day IS NULL") } == nil)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT SUM(jobs) FROM usage_rollup WHERE tz = 'UTC' AND day = '2026-03-10'") } == 2)
        try expectLiveSourceCheckWithoutInList(store)
    }

    @Test func aNewDatabaseGetsTheLiveSourceCheckAsComparisons() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        _ = try store.importFile(dir.file("p.json", page([jobJSON(id: "a"), jobJSON(id: "b", duration: nil, extra: "\"end_time\":\"2026-03-10T10:30:00Z\""),
                                                              jobJSON(id: "c", state: "PROCESSING", start: recent(3600), duration: nil,
                                                                      lastupdate: recent(60), created: recent(4000))])))
        try expectLiveSourceCheckWithoutInList(store)
        #expect(try store.read { db in try String.fetchAll(db, sql: "SELECT live_source FROM jobs WHERE job_id IN ('a', 'b', 'c') ORDER BY job_id") } == ["duration", "end_minus_start", "ongoing"])
    }

    /// The v3 CHECK says what v1's did: the three sources or NULL, nothing else.
    private func expectLiveSourceCheckWithoutInList(_ store: JobStore) throws {
        let sql = try #require(try store.read { db in try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'jobs'") })
        #expect(sql.contains(Migrations.v3LiveSourceCheck) && !sql.contains("live_source IN"))
        #expect(try store.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
        let insert = """
            INSERT INTO jobs (job_id, live_source, counts_in_rates, is_error, is_blocked, raw_json, stored_at)
            VALUES (?, ?, 1, 0, 0, '{}', '2026-01-01T00:00:00Z')
            """
        try store.dbQueue.write { db in
            for (i, source) in ["duration", "end_minus_start", "ongoing", nil].enumerated() {
                try db.execute(sql: insert, arguments: ["check-\(i)", source])
            }
            for bad in ["Duration", "other", ""] {
                #expect(throws: DatabaseError.self, "\(bad)") { try db.execute(sql: insert, arguments: ["bad-\(bad)", bad]) }
            }
        }
    }

    /// A fetch's commits are copied from the WAL into the database file while it runs, by the
    /// committer's own checkpointer, not at the 1,000-page mark or at close; afterwards commits on
    /// the store's connection checkpoint by themselves again.
    @Test func fetchedPagesReachTheDatabaseFileBeforeItCloses() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let emptySize = try fileSize(dir.dbPath)
        let committer = try GroupCommitter(store: store, source: "fetch", projectId: "p", region: nil, commitInterval: 0.01)
        for p in 0 ..< 5 {
            let text = page((0 ..< 50).map { jobJSON(id: "job-\(p)-\($0)", extra: "\"raw\":\"\(String(repeating: "x", count: 2000))\"") })
            let tape = try #require(JSONTape.parse(Array(text.utf8)))
            try committer.submit(try #require(tape.root["smart_live_jobs"]?.elements).map(PageJob.tape), context: "page \(p)")
            try committer.flush()
        }
        let summary = try committer.finish()
        #expect(summary.inserted == 250)
        let pages = try #require(try store.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") })
        let pageSize = try #require(try store.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") })
        #expect(try fileSize(dir.dbPath) >= pages * pageSize, "the database file holds every committed page")
        #expect(try fileSize(dir.dbPath) > emptySize + 250 * 2000)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") } == 1000)
        #expect(try store.jobCount() == 250)
    }

    private func fileSize(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }
}
