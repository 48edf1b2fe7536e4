import Crypto

/// One RTC user of a job, without its signature (an auth token that is never kept).
public struct RTCUser: Sendable, Equatable {
    public var userType: String?
    public var userId: String?
    /// Epoch seconds, as sent (a fraction is cut).
    public var ctime: Int64?
}

/// A livestreaming job as the API returns it: the typed fields the tool computes with, plus the whole
/// object, which leaves only through `writeRedactedJSON` (so fields this version does not know are
/// kept too, and secrets never are). Any JSON object is a job: a value that cannot be read (wrong
/// type, invalid timestamp, out of range, no `job_id`) is read as absent and listed in `flags`.
/// Jobs are read from a tape (`JSONTape`), whichever way they came.
public struct SmartLiveJob: Sendable {
    /// The whole object as received, on its page's (or line's) tape.
    private let source: JSONTapeValue
    /// The API's `job_id`; for a job without one, an id made from its content (see `contentId`).
    public var jobId: String
    public var roomId: String?
    public var roomName: String?
    public var state: String?
    /// Seconds.
    public var duration: Double?
    /// Seconds.
    public var streamDuration: Double?
    /// Epoch seconds, UTC (milliseconds at most: finer fractions are cut when parsed).
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
    /// The values that could not be read, in the order the fields are read.
    public var flags: [JobFlag]

    /// The members of a SmartLiveJob object as the contract lists them (every one optional), `job_id`
    /// first. The one list of them: an import tells a job from other objects by them, and the masking
    /// rules' table of known texts (`KnownText`) is built from them.
    public static let memberNames = [
        "job_id", "room_id", "room_name", "state", "duration", "stream_duration", "start_time", "end_time",
        "create_time", "lastupdate_time", "error_info", "rtc_room_info", "live_event_report_url",
        "live_event_callback_config", "rtc_callback_config", "block_reason", "cover_url", "co_streamer_config",
        "live_job_log", "relation_live_platform_info", "used_resource_type", "is_ai_mark_on",
    ]

    /// The members of the objects nested in a job (error_info, rtc_room_info and its users, the two
    /// callback configurations, co_streamer_config, live_job_log, relation_live_platform_info).
    public static let nestedMemberNames = [
        "error_code", "error_msg", "app_id", "users", "user_type", "user_id", "signature", "ctime",
        "live_event_type_callback_url", "auth_type", "key", "callback_event_type", "rtc_callback_event_type",
        "voice_config", "voice_asset_id", "speed", "pitch", "volume", "streamer_action", "interaction_records_url",
        "job_config_records_url", "scripts_records_url", "command_reviced_records_url", "command_exec_records_url",
        "platform_id", "platform", "account", "live_id",
    ]

    /// The states the contract documents; anything else is kept as sent and reported as its own state.
    public static let knownStates: Set<String> = ["WAITING", "PROCESSING", "SUCCEED", "FAILED", "BLOCKED"]

    /// Reads a job object; throws only when `value` is not an object (then it is not a job at all).
    public init(tape value: JSONTapeValue) throws(JobFieldError) {
        guard value.isObject else {
            throw JobFieldError(field: "(job)", problem: "expected an object, got \(value.typeName)")
        }
        self.init(reading: TapeObject(value), source: value)
    }

    /// The job of a tree (a document `JSONParser` read), read from its tape (`JSONTape(value)`).
    public init(json value: JSONValue) throws(JobFieldError) {
        try self.init(tape: JSONTape(value).root)
    }

    private init(reading object: TapeObject, source: JSONTapeValue) {
        var flags: [JobFlag] = []
        var reader = FieldReader(object: object, path: "")
        let idValue = reader.value("job_id")
        roomId = reader.string("room_id", &flags)
        roomName = reader.string("room_name", &flags)
        state = reader.string("state", &flags)
        duration = reader.number("duration", &flags)
        streamDuration = reader.number("stream_duration", &flags)
        startTime = reader.timestamp("start_time", &flags)
        endTime = reader.timestamp("end_time", &flags)
        createTime = reader.timestamp("create_time", &flags)
        lastupdateTime = reader.timestamp("lastupdate_time", &flags)
        blockReason = reader.string("block_reason", &flags)
        usedResourceType = reader.string("used_resource_type", &flags)
        reader.checkString("cover_url", &flags)
        reader.checkString("live_event_report_url", &flags)
        reader.bool("is_ai_mark_on", &flags)

        if var error = reader.object("error_info", &flags) {
            errorCode = error.string("error_code", &flags)
            errorMsg = error.string("error_msg", &flags)
        }
        rtcUsers = []
        if var rtc = reader.object("rtc_room_info", &flags) {
            rtc.checkString("app_id", &flags)
            rtc.checkString("room_id", &flags)
            var userFlags: [JobFlag] = []
            for (i, item) in rtc.list("users", &flags).enumerated() {
                guard let userObject = item.asObject else {
                    userFlags.append(JobFlag(field: "rtc_room_info.users[\(i)]", reason: .wrongType,
                                             detail: "expected an object, got \(item.typeName)"))
                    continue
                }
                var user = FieldReader(object: userObject, parent: "rtc_room_info.", key: "users", index: i)
                let ctime = user.epochSeconds("ctime", &userFlags)
                rtcUsers.append(RTCUser(userType: user.string("user_type", &userFlags),
                                        userId: user.string("user_id", &userFlags), ctime: ctime))
            }
            flags += JobFlag.cappedList(userFlags, field: "rtc_room_info.users")
        }
        callbackEventTypes = []
        if var live = reader.object("live_event_callback_config", &flags) {
            live.checkString("auth_type", &flags)
            for type in live.strings("callback_event_type", &flags) {
                callbackEventTypes.append((source: "live_event", eventType: type))
            }
        }
        if var rtc = reader.object("rtc_callback_config", &flags) {
            for type in rtc.strings("rtc_callback_event_type", &flags) {
                callbackEventTypes.append((source: "rtc", eventType: type))
            }
        }
        self.source = source
        jobId = ""
        self.flags = []
        if let id = idValue?.asString, !id.isEmpty {
            jobId = id
        } else if let id = idValue, let text = id.numberText {
            jobId = text
            flags.insert(JobFlag(field: "job_id", reason: .wrongType,
                                 detail: "expected a string, got number; stored under its digits \(SafeText.escaped(text, limit: 40))"), at: 0)
        } else {
            jobId = contentId()
            let got = idValue.map { $0.isString ? "an empty string" : $0.typeName } ?? "nothing"
            flags.insert(JobFlag(field: "job_id", reason: idValue == nil || idValue!.isString ? .missing : .wrongType,
                                 detail: "expected a job id, got \(got); stored as \(jobId)"), at: 0)
        }
        self.flags = flags
        maskCredentials()
    }

    /// Every text field with credentials in URLs masked (`SecretRedactor.redactText`), as in the
    /// stored JSON: the columns, reports and messages made from these fields carry none either.
    private mutating func maskCredentials() {
        func mask(_ text: inout String?) { if let t = text { text = SecretRedactor.redactText(t) } }
        jobId = SecretRedactor.redactText(jobId)
        mask(&roomId)
        mask(&roomName)
        mask(&state)
        mask(&errorCode)
        mask(&errorMsg)
        mask(&blockReason)
        mask(&usedResourceType)
        for i in rtcUsers.indices {
            mask(&rtcUsers[i].userType)
            mask(&rtcUsers[i].userId)
        }
        for i in callbackEventTypes.indices {
            callbackEventTypes[i].eventType = SecretRedactor.redactText(callbackEventTypes[i].eventType)
        }
    }

    /// The id a job without a usable `job_id` is stored under: `missing-job-id-` and the first 16
    /// hex digits of the SHA-256 of its redacted JSON, so the same job imported twice is one row.
    private func contentId() -> String {
        var bytes: [UInt8] = []
        writeRedactedJSON(to: &bytes)
        let digest = SHA256.hash(data: bytes)
        return "missing-job-id-" + digest.prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// Flags for the values of `value` (a job read with `JSONParser.parseRepairingText`) whose text
    /// holds U+FFFD where invalid Unicode was (`invalid_text`), or that stand for a container nested
    /// too deep (`nested_too_deep`): their paths (a key's own path for a repaired key), at most
    /// five, in document order. Each member name in a path is masked as the stored JSON masks it
    /// (`SecretRedactor.redactText`): a name may be a signed URL or hold `token=...`.
    public static func textFlags(in value: JSONValue) -> [JobFlag] {
        var flags: [JobFlag] = []
        // The path as its parts (a member name, or an index), joined only for a flag: building it
        // at every level would cost depth × name length (600 levels of 20,000-character names is
        // gigabytes), and masking every name on the way down would cost as much.
        enum Part { case name(String), index(Int) }
        var parts: [Part] = []
        func path() -> String {
            var joined = ""
            for part in parts {
                switch part {
                case .name(let name): joined += (joined.isEmpty ? "" : ".") + SecretRedactor.redactText(name)
                case .index(let i): joined += "[\(i)]"
                }
            }
            return joined.isEmpty ? "(job)" : joined
        }
        func visit(_ value: JSONValue) {
            guard flags.count < 5 else { return }
            switch value {
            case .string(let text) where text.hasPrefix(JSONParser.tooDeepPlaceholder):
                flags.append(JobFlag(field: path(), reason: .nestedTooDeep,
                                     detail: "arrays and objects nested deeper than \(JSONParser.maxDepth) levels; stored as a note of their size"))
            case .string(let text) where text.unicodeScalars.contains("\u{FFFD}"):
                flags.append(JobFlag(field: path(), reason: .invalidText,
                                     detail: "text that is not valid UTF-8 or a lone surrogate escape; stored with U+FFFD in its place"))
            case .object(let object):
                for field in object.fields {
                    parts.append(.name(field.key))
                    if field.key.unicodeScalars.contains("\u{FFFD}"), flags.count < 5 {
                        flags.append(JobFlag(field: path(), reason: .invalidText,
                                             detail: "a member name that is not valid UTF-8; stored with U+FFFD in its place"))
                    }
                    visit(field.value)
                    parts.removeLast()
                }
            case .array(let items):
                for (i, item) in items.enumerated() {
                    parts.append(.index(i))
                    visit(item)
                    parts.removeLast()
                }
            default:
                break
            }
        }
        visit(value)
        return flags
    }

    /// The length of the job's JSON text as received, in bytes (its stored copy is about as long).
    public var byteCount: Int { Int(source.tape.nodes[source.index].end - source.tape.nodes[source.index].start) }

    /// Appends the job's compact JSON with every secret masked (see `SecretRedactor`).
    public func writeRedactedJSON(to out: inout [UInt8]) {
        SecretRedactor.writeRedacted(source.tape, source.index, to: &out)
    }
}
