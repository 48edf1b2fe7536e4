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
    /// The whole object as received: a parsed tree, or a node of a fetched page's tape.
    private enum Source {
        case tree(JSONObject)
        case tape(JSONTapeValue)
    }

    private let source: Source
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

    /// Validates the types of every known field; the stored copy is redacted when written.
    public init(json value: JSONValue) throws(JobFieldError) {
        guard case .object(let object) = value else {
            throw JobFieldError(field: "(job)", problem: "expected an object, got \(value.typeName)")
        }
        try self.init(reading: object, source: .tree(object))
    }

    /// The same job read from a fetched page's tape, with the same checks and errors.
    public init(tape value: JSONTapeValue) throws(JobFieldError) {
        guard value.isObject else {
            throw JobFieldError(field: "(job)", problem: "expected an object, got \(value.typeName)")
        }
        try self.init(reading: TapeObject(value), source: .tape(value))
    }

    private init<Object: JobJSONObject>(reading object: Object, source: Source) throws(JobFieldError) {
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
        try reader.checkString("cover_url")
        try reader.checkString("live_event_report_url")
        _ = try reader.bool("is_ai_mark_on")

        if var error = try reader.object("error_info") {
            errorCode = try error.string("error_code")
            errorMsg = try error.string("error_msg")
        }
        rtcUsers = []
        if var rtc = try reader.object("rtc_room_info") {
            try rtc.checkString("app_id")
            try rtc.checkString("room_id")
            for (i, item) in (try rtc.array("users") ?? []).enumerated() {
                guard let userObject = item.asObject else {
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
            try live.checkString("auth_type")
            for type in try live.strings("callback_event_type") {
                callbackEventTypes.append((source: "live_event", eventType: type))
            }
        }
        if var rtc = try reader.object("rtc_callback_config") {
            for type in try rtc.strings("rtc_callback_event_type") {
                callbackEventTypes.append((source: "rtc", eventType: type))
            }
        }
        self.source = source
    }

    /// Appends the job's compact JSON with every secret masked (see `SecretRedactor`).
    public func writeRedactedJSON(to out: inout [UInt8]) {
        switch source {
        case .tree(let object): SecretRedactor.writeRedacted(object, to: &out)
        case .tape(let value): SecretRedactor.writeRedacted(value.tape, value.index, to: &out)
        }
    }
}

/// One parsed JSON value as `FieldReader` sees it, from a tree or a tape.
protocol JobJSONValue {
    associatedtype Object: JobJSONObject where Object.Value == Self
    var typeName: String { get }
    var isNull: Bool { get }
    var asString: String? { get }
    var isString: Bool { get }
    /// For a string: its RFC 3339 instant, or nil inside when it is not one. Nil for other types.
    var asTimestamp: Double?? { get }
    /// The number as a finite Double; nil when this is no number or one a Double cannot hold.
    var asFiniteNumber: Double? { get }
    /// The number's text as written, when this is a number.
    var numberText: String? { get }
    var asBool: Bool? { get }
    var asObject: Object? { get }
    var asArray: [Self]? { get }
}

/// One parsed JSON object as `FieldReader` sees it.
protocol JobJSONObject {
    associatedtype Value: JobJSONValue where Value.Object == Self
    /// The first member named `key`, searching from `cursor` round to just before it, and the
    /// cursor to start the next search at. A cursor of 0 starts at the first member.
    func find(_ key: String, from cursor: Int) -> (value: Value, cursor: Int)?
}

extension JSONValue: JobJSONValue {
    var isNull: Bool { if case .null = self { return true } else { return false } }
    var asString: String? { stringValue }
    var isString: Bool { if case .string = self { return true } else { return false } }
    var asTimestamp: Double?? { stringValue.map { RFC3339.parse($0) } }
    var asFiniteNumber: Double? {
        guard let text = numberText, let d = Double(text), d.isFinite else { return nil }
        return d
    }
    var numberText: String? { if case .number(let text) = self { return text } else { return nil } }
    var asBool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var asObject: JSONObject? { objectValue }
    var asArray: [JSONValue]? { arrayValue }
}

extension JSONObject: JobJSONObject {
    func find(_ key: String, from cursor: Int) -> (value: JSONValue, cursor: Int)? {
        var i = cursor
        for _ in 0 ..< fields.count {
            if i >= fields.count { i = 0 }
            if fields[i].key == key { return (fields[i].value, i + 1) }
            i += 1
        }
        return nil
    }
}

extension JSONTapeValue: JobJSONValue {
    var asString: String? { stringValue }
    var isString: Bool { kind == .string }
    var asTimestamp: Double?? {
        guard kind == .string else { return nil }
        if tape.nodes[index].escaped { return .some(RFC3339.parse(tape.string(index))) }
        return .some(tape.withBytes(of: index) { RFC3339.parse(bytes: $0) })
    }
    var asFiniteNumber: Double? {
        guard let text = numberText, let d = Double(text), d.isFinite else { return nil }
        return d
    }
    var asBool: Bool? {
        switch kind {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }
    var asObject: TapeObject? { isObject ? TapeObject(self) : nil }
    var asArray: [JSONTapeValue]? { elements }
}

/// An object on a tape; a cursor is the node index of the member to look at next.
struct TapeObject: JobJSONObject {
    let value: JSONTapeValue

    init(_ value: JSONTapeValue) { self.value = value }

    func find(_ key: String, from cursor: Int) -> (value: JSONTapeValue, cursor: Int)? {
        guard let found = value.tape.member(key, of: value.index, from: cursor) else { return nil }
        return (JSONTapeValue(tape: value.tape, index: found.value), found.cursor)
    }
}

/// Reads typed members of one JSON object, naming the full path of a member with the wrong type.
struct FieldReader<Object: JobJSONObject> {
    typealias Value = Object.Value
    let object: Object
    let path: String

    init(object: Object, path: String) {
        self.object = object
        self.path = path
    }

    private func fail(_ key: String, _ expected: String, _ got: Value) -> JobFieldError {
        JobFieldError(field: path + key, problem: "expected \(expected), got \(got.typeName)")
    }

    /// Where the next search starts: members are read in about the order the API sends them,
    /// so most lookups hit on the first comparison instead of scanning the object.
    private var cursor = 0

    /// The member's value; JSON null counts as absent.
    private mutating func value(_ key: String) -> Value? {
        guard let found = object.find(key, from: cursor) else { return nil }
        cursor = found.cursor
        return found.value.isNull ? nil : found.value
    }

    mutating func string(_ key: String) throws(JobFieldError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.asString else { throw fail(key, "a string", v) }
        return s
    }

    mutating func number(_ key: String) throws(JobFieldError) -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.asFiniteNumber else { throw fail(key, "a number", v) }
        return d
    }

    mutating func bool(_ key: String) throws(JobFieldError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.asBool else { throw fail(key, "a boolean", v) }
        return b
    }

    /// Checks that a member only validated here is a string, without decoding it.
    mutating func checkString(_ key: String) throws(JobFieldError) {
        guard let v = value(key) else { return }
        guard v.isString else { throw fail(key, "a string", v) }
    }

    mutating func timestamp(_ key: String) throws(JobFieldError) -> Double? {
        guard let v = value(key) else { return nil }
        guard let parsed = v.asTimestamp else { throw fail(key, "a string", v) }
        guard let epoch = parsed else {
            let text = v.asString ?? ""
            throw JobFieldError(field: path + key, problem: "invalid RFC 3339 timestamp \"\(text.prefix(40))\"")
        }
        return epoch
    }

    mutating func object(_ key: String) throws(JobFieldError) -> FieldReader? {
        guard let v = value(key) else { return nil }
        guard let o = v.asObject else { throw fail(key, "an object", v) }
        return FieldReader(object: o, path: path + key + ".")
    }

    mutating func array(_ key: String) throws(JobFieldError) -> [Value]? {
        guard let v = value(key) else { return nil }
        guard let a = v.asArray else { throw fail(key, "an array", v) }
        return a
    }

    mutating func strings(_ key: String) throws(JobFieldError) -> [String] {
        var result: [String] = []
        for (i, item) in (try array(key) ?? []).enumerated() {
            guard let s = item.asString else {
                throw JobFieldError(field: "\(path)\(key)[\(i)]", problem: "expected a string, got \(item.typeName)")
            }
            result.append(s)
        }
        return result
    }
}
