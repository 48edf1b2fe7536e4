/// Why a job object cannot be used: which field (a path like `rtc_room_info.users[1].ctime`) and what is wrong.
public struct JobFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "field '\(field)': \(problem)" }
}

/// One RTC user of a job, without its signature (an auth token that is never kept).
public struct RTCUser: Sendable, Equatable {
    public var userType: String?
    public var userId: String?
    public var ctime: Int64?
}

/// A livestreaming job as the API returns it: the typed fields the tool computes with, plus the whole
/// object, which leaves only through `writeRedactedJSON` (so fields this version does not know are
/// kept too, and secrets never are).
public struct SmartLiveJob: Sendable {
    private let object: JSONObject
    public var jobId: String
    public var roomId: String?
    public var roomName: String?
    public var state: String?
    public var duration: Double?
    public var streamDuration: Double?
    public var startTime: Double?
    public var endTime: Double?
    public var createTime: Double?
    public var lastupdateTime: Double?
    public var errorCode: String?
    public var errorMsg: String?
    public var blockReason: String?
    public var usedResourceType: String?
    public var rtcUsers: [RTCUser]
    /// Event types subscribed, tagged with where they came from: `live_event` or `rtc`.
    public var callbackEventTypes: [(source: String, eventType: String)]

    /// The states the contract documents; anything else is kept as sent and reported as its own state.
    public static let knownStates: Set<String> = ["WAITING", "PROCESSING", "SUCCEED", "FAILED", "BLOCKED"]

    /// Validates the types of every known field, then redacts secrets from the stored copy.
    public init(json value: JSONValue) throws(JobFieldError) {
        guard case .object(let object) = value else {
            throw JobFieldError(field: "(job)", problem: "expected an object, got \(value.typeName)")
        }
        var reader = FieldReader(object: object, path: "")
        guard let jobId = try reader.string("job_id"), !jobId.isEmpty else {
            throw JobFieldError(field: "job_id", problem: "missing; every job needs its job_id")
        }
        self.jobId = jobId
        roomId = try reader.string("room_id")
        roomName = try reader.string("room_name")
        state = try reader.string("state")
        duration = try reader.number("duration")
        streamDuration = try reader.number("stream_duration")
        startTime = try reader.timestamp("start_time")
        endTime = try reader.timestamp("end_time")
        createTime = try reader.timestamp("create_time")
        lastupdateTime = try reader.timestamp("lastupdate_time")
        blockReason = try reader.string("block_reason")
        usedResourceType = try reader.string("used_resource_type")
        _ = try reader.string("cover_url")
        _ = try reader.string("live_event_report_url")
        _ = try reader.bool("is_ai_mark_on")

        if var error = try reader.object("error_info") {
            errorCode = try error.string("error_code")
            errorMsg = try error.string("error_msg")
        }
        rtcUsers = []
        if var rtc = try reader.object("rtc_room_info") {
            _ = try rtc.string("app_id")
            _ = try rtc.string("room_id")
            for (i, item) in (try rtc.array("users") ?? []).enumerated() {
                guard case .object(let userObject) = item else {
                    throw JobFieldError(field: "rtc_room_info.users[\(i)]", problem: "expected an object, got \(item.typeName)")
                }
                var user = FieldReader(object: userObject, path: "rtc_room_info.users[\(i)].")
                let ctime = try user.number("ctime")
                rtcUsers.append(RTCUser(userType: try user.string("user_type"),
                                        userId: try user.string("user_id"),
                                        ctime: ctime.map { Int64($0) }))
            }
        }
        callbackEventTypes = []
        if var live = try reader.object("live_event_callback_config") {
            _ = try live.string("auth_type")
            for type in try live.strings("callback_event_type") {
                callbackEventTypes.append((source: "live_event", eventType: type))
            }
        }
        if var rtc = try reader.object("rtc_callback_config") {
            for type in try rtc.strings("rtc_callback_event_type") {
                callbackEventTypes.append((source: "rtc", eventType: type))
            }
        }
        self.object = object
    }

    /// Appends the job's compact JSON with every secret masked (see `SecretRedactor`).
    public func writeRedactedJSON(to out: inout [UInt8]) {
        SecretRedactor.writeRedacted(object, to: &out)
    }
}

/// Reads typed members of one JSON object, naming the full path of a member with the wrong type.
struct FieldReader {
    let object: JSONObject
    let path: String

    init(object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    private func fail(_ key: String, _ expected: String, _ got: JSONValue) -> JobFieldError {
        JobFieldError(field: path + key, problem: "expected \(expected), got \(got.typeName)")
    }

    /// Where the next search starts: members are read in about the order the API sends them,
    /// so most lookups hit on the first comparison instead of scanning the object.
    private var cursor = 0

    /// The member's value; JSON null counts as absent.
    private mutating func value(_ key: String) -> JSONValue? {
        let fields = object.fields
        var i = cursor
        for _ in 0 ..< fields.count {
            if i >= fields.count { i = 0 }
            if fields[i].key == key {
                cursor = i + 1
                if case .null = fields[i].value { return nil }
                return fields[i].value
            }
            i += 1
        }
        return nil
    }

    mutating func string(_ key: String) throws(JobFieldError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw fail(key, "a string", v) }
        return s
    }

    mutating func number(_ key: String) throws(JobFieldError) -> Double? {
        guard let v = value(key) else { return nil }
        guard case .number(let text) = v, let d = Double(text), d.isFinite else { throw fail(key, "a number", v) }
        return d
    }

    mutating func bool(_ key: String) throws(JobFieldError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw fail(key, "a boolean", v) }
        return b
    }

    mutating func timestamp(_ key: String) throws(JobFieldError) -> Double? {
        guard let text = try string(key) else { return nil }
        guard let epoch = RFC3339.parse(text) else {
            throw JobFieldError(field: path + key, problem: "invalid RFC 3339 timestamp \"\(text.prefix(40))\"")
        }
        return epoch
    }

    mutating func object(_ key: String) throws(JobFieldError) -> FieldReader? {
        guard let v = value(key) else { return nil }
        guard case .object(let o) = v else { throw fail(key, "an object", v) }
        return FieldReader(object: o, path: path + key + ".")
    }

    mutating func array(_ key: String) throws(JobFieldError) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard case .array(let a) = v else { throw fail(key, "an array", v) }
        return a
    }

    mutating func strings(_ key: String) throws(JobFieldError) -> [String] {
        var result: [String] = []
        for (i, item) in (try array(key) ?? []).enumerated() {
            guard case .string(let s) = item else {
                throw JobFieldError(field: "\(path)\(key)[\(i)]", problem: "expected a string, got \(item.typeName)")
            }
            result.append(s)
        }
        return result
    }
}
