/// The columns of the `jobs` table (docs/SCHEMA.md), each declared once: its name, its SQL type,
/// and, in `PreparedJob.value(of:)`, how its value is computed. The insert statement, the order of
/// the bound values and the upsert's update list are all derived from `allCases`, so a value cannot
/// be bound to the wrong column: adding a case without saying how it is computed does not compile,
/// and `JobColumnTests` checks the names and types against the table a new database gets.
///
/// Cases are in binding order: first the values prepared per job, then the run's own (`projectId`,
/// `region`, `source`, `storedAt`), which the writer binds once per run.
enum JobColumn: Int, CaseIterable, Sendable {
    case jobId, roomId, roomName, state, duration, streamDuration
    case startTime, endTime, createTime, lastupdateTime, errorCode, errorMsg, blockReason
    case usedResourceType, liveSeconds, liveSource, isOngoing, streamedSeconds, streamRatio
    case countsInRates, isError, isBlocked, rawJSON
    case projectId, region, source, storedAt

    /// The column's name in `jobs`.
    var name: String {
        switch self {
        case .jobId: "job_id"
        case .roomId: "room_id"
        case .roomName: "room_name"
        case .state: "state"
        case .duration: "duration"
        case .streamDuration: "stream_duration"
        case .startTime: "start_time"
        case .endTime: "end_time"
        case .createTime: "create_time"
        case .lastupdateTime: "lastupdate_time"
        case .errorCode: "error_code"
        case .errorMsg: "error_msg"
        case .blockReason: "block_reason"
        case .usedResourceType: "used_resource_type"
        case .liveSeconds: "live_seconds"
        case .liveSource: "live_source"
        case .isOngoing: "is_ongoing"
        case .streamedSeconds: "streamed_seconds"
        case .streamRatio: "stream_ratio"
        case .countsInRates: "counts_in_rates"
        case .isError: "is_error"
        case .isBlocked: "is_blocked"
        case .rawJSON: "raw_json"
        case .projectId: "project_id"
        case .region: "region"
        case .source: "source"
        case .storedAt: "stored_at"
        }
    }

    /// The column's declared SQL type.
    var type: String {
        switch self {
        case .duration, .streamDuration, .liveSeconds, .streamedSeconds, .streamRatio: "REAL"
        case .isOngoing, .countsInRates, .isError, .isBlocked: "INTEGER"
        default: "TEXT"
        }
    }

    /// The columns a `PreparedJob` carries a value for, in binding order.
    static let prepared: [JobColumn] = allCases.filter { !$0.isRunValue }

    /// The run's own columns, bound once per run by `JobWriter`, after the prepared ones.
    static let run: [JobColumn] = allCases.filter(\.isRunValue)

    var isRunValue: Bool {
        switch self {
        case .projectId, .region, .source, .storedAt: true
        default: false
        }
    }

    /// Where the column's value is in `PreparedJob.jobRow`.
    var position: Int { rawValue }
}
