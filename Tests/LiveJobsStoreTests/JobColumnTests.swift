import Foundation
import GRDB
import MetaStudio
import Testing
@testable import LiveJobsStore

/// `JobColumn` declares each `jobs` column once; these tests hold the declaration to the table a new
/// database gets and to what a written job stores.
@Suite(.timeLimit(.minutes(1))) struct JobColumnTests {
    @Test func everyDeclaredColumnIsATableColumnOfTheSameTypeAndEveryTableColumnIsDeclared() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let table = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT name, type FROM pragma_table_info('jobs')").map { "\($0[0] as String) \($0[1] as String)" }
        }
        let declared = JobColumn.allCases.map { "\($0.name) \($0.type)" }
        #expect(Set(declared) == Set(table), "declared \(declared.sorted()) vs table \(table.sorted())")
        #expect(declared.count == table.count)
    }

    @Test func preparedColumnsComeFirstSoEachValueSitsAtItsColumnsPosition() {
        #expect(JobColumn.prepared + JobColumn.run == JobColumn.allCases)
        #expect(JobColumn.prepared.enumerated().allSatisfy { $0.offset == $0.element.position })
        #expect(JobColumn.run.map(\.name) == ["project_id", "region", "source", "stored_at"])
    }

    /// A job whose every field has its own value: each lands in the column of its name.
    @Test func eachValueOfAWrittenJobIsStoredInTheColumnOfItsName() throws {
        let dir = TempDir()
        let store = try JobStore(path: dir.dbPath, logger: .discarding)
        let job = jobJSON(id: "j-1", room: "room-r", name: "Name N", state: "FAILED", start: "2026-03-10T10:00:01Z",
                          duration: 3601, stream: 3002, lastupdate: "2026-03-10T11:00:04Z", created: "2026-03-10T09:55:03Z",
                          extra: #""end_time":"2026-03-10T11:00:02Z","error_info":{"error_code":"E-C","error_msg":"E-M"},"block_reason":"B-R","used_resource_type":"PERIOD""#)
        _ = try store.importFile(dir.file("p.json", "{\"count\":1,\"smart_live_jobs\":[\(job)]}"), projectId: "p-1", region: "r-1")
        let row = try #require(try store.read { db in try Row.fetchOne(db, sql: "SELECT * FROM jobs") })
        let expected: [JobColumn: DatabaseValue] = [
            .jobId: "j-1".databaseValue, .roomId: "room-r".databaseValue, .roomName: "Name N".databaseValue,
            .state: "FAILED".databaseValue, .duration: 3601.0.databaseValue, .streamDuration: 3002.0.databaseValue,
            .startTime: "2026-03-10T10:00:01Z".databaseValue, .endTime: "2026-03-10T11:00:02Z".databaseValue,
            .createTime: "2026-03-10T09:55:03Z".databaseValue, .lastupdateTime: "2026-03-10T11:00:04Z".databaseValue,
            .errorCode: "E-C".databaseValue, .errorMsg: "E-M".databaseValue, .blockReason: "B-R".databaseValue,
            .usedResourceType: "PERIOD".databaseValue, .liveSeconds: 3601.0.databaseValue, .liveSource: "duration".databaseValue,
            .isOngoing: 0.databaseValue, .streamedSeconds: 3002.0.databaseValue, .countsInRates: 1.databaseValue,
            .isError: 1.databaseValue, .isBlocked: 0.databaseValue, .projectId: "p-1".databaseValue, .region: "r-1".databaseValue,
        ]
        for (column, value) in expected {
            #expect(row[column.name] as DatabaseValue == value, "\(column.name)")
        }
        #expect((row[JobColumn.streamRatio.name] as Double?).map { abs($0 - 3002.0 / 3601.0) < 1e-12 } == true)
        #expect((row[JobColumn.rawJSON.name] as String?)?.hasPrefix("{\"job_id\":\"j-1\"") == true)
        #expect((row[JobColumn.source.name] as String?)?.hasSuffix("p.json") == true)
        #expect((row[JobColumn.storedAt.name] as String?).flatMap(MetaStudio.RFC3339.parse) != nil)
    }
}
