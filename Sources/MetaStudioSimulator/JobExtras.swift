import MetaStudio

/// The optional parts of a simulated job (error details, RTC room, callbacks, logs, platform), each
/// shaped like the contract says, with secrets (RTC signatures, HMAC keys, signed URLs) that look real
/// so that redaction can be tested against them.
enum JobExtras {
    /// Failure codes and messages, most frequent first.
    static let failures: [(code: String, message: String, weight: Int)] = [
        ("MSS.10000013", "stream push failed", 35),
        ("MSS.00000004", "Internal Error", 20),
        ("MSS.10000021", "RTMP server connection timed out: rtmp://push.example-live.cn/live", 15),
        ("MSS.10000040", "script asset not found or not yet reviewed", 12),
        ("MSS.00000003", "Invalid parameter: output_urls", 10),
        ("MSS.10000102", "The account is in arrears; the live job was stopped", 8),
    ]

    static let blockReasons = [
        "Live room blocked by the platform: prohibited content detected in the script",
        "直播间违规：涉嫌虚假宣传，已被平台封禁",
        "Blocked by content review: sensitive words in an interaction reply",
        "Account frozen: real-name verification expired",
    ]

    static func errorInfo(_ rng: inout SplitMix64) -> JSONValue {
        let failure = failures[rng.weightedIndex(failures.map(\.weight))]
        return .object(JSONObject([("error_code", .string(failure.code)), ("error_msg", .string(failure.message))]))
    }

    /// The RTC room a job streamed into, with two to five users (the capture, animation and render
    /// sides and players); `ctime` is when the users' signatures expire (epoch seconds).
    static func rtcRoomInfo(_ rng: inout SplitMix64, expiresAt ctime: Int64) -> JSONValue {
        let types = ["CAPTURE", "ANIMATION", "RENDER", "PLAYER", "INFERENCE_USER", "END_USER"]
        let users: [JSONValue] = (0..<rng.int(in: 2...5)).map { _ in
            .object(JSONObject([
                ("user_type", .string(rng.pick(types))),
                ("user_id", .string("user_" + rng.hex(12))),
                ("signature", .string("RTCSIG." + rng.token(160))),
                ("ctime", .number(String(ctime))),
            ]))
        }
        return .object(JSONObject([
            ("app_id", .string(rng.hex(32))),
            ("room_id", .string(rng.hex(32))),
            ("users", .array(users)),
        ]))
    }

    static func liveEventReportURL(projectId: String, jobId: String) -> JSONValue {
        .string("https://metastudio.cn-north-4.myhuaweicloud.com/v1/\(projectId)/smart-live-jobs/\(jobId)/live-event-report")
    }

    static func liveEventCallbackConfig(_ rng: inout SplitMix64) -> JSONValue {
        let host = rng.pick(["hooks.example-shop.cn", "callback.example.com", "api.例子.cn"])
        let url = "https://\(host)/metastudio/live-events?token=\(rng.token(24))&sign=\(rng.hex(40))"
        let events = ["SHOOT_SCRIPT_SWITCH", "RTMP_STREAM_STATE_CHANGE", "REPLY_COMMAND_FINISH"]
        return .object(JSONObject([
            ("live_event_type_callback_url", .string(url)),
            ("auth_type", .string(rng.pick(["NONE", "MSS_A", "MSS_A_HEAD", "MEITUAN_DEFAULT"]))),
            ("key", .string(rng.hex(64))),
            ("callback_event_type", .array(subset(&rng, of: events).map { .string($0) })),
        ]))
    }

    static func rtcCallbackConfig(_ rng: inout SplitMix64) -> JSONValue {
        let events = subset(&rng, of: ["LIVE_PROGRESS", "REPLY_COMMAND_FINISH"])
        return .object(JSONObject([("rtc_callback_event_type", .array(events.map { .string($0) }))]))
    }

    static func coStreamerConfig(_ rng: inout SplitMix64) -> JSONValue {
        let voice = JSONObject([
            ("voice_asset_id", .string(rng.hex(32))),
            ("speed", .number(String(rng.int(in: 50...200)))),
            ("pitch", .number(String(rng.int(in: 50...200)))),
            ("volume", .number(String(rng.int(in: 90...240)))),
        ])
        return .object(JSONObject([
            ("voice_config", .object(voice)),
            ("streamer_action", .string(rng.pick(["SILENCE", "VOLUME_DOWN"]))),
        ]))
    }

    /// Record files on object storage, as pre-signed URLs (`AccessKeyId`, `Expires`, `Signature`).
    static func liveJobLog(_ rng: inout SplitMix64, jobId: String, expires: Int64) -> JSONValue {
        let accessKey = rng.token(20, alphabet: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8))
        func url(_ file: String, _ rng: inout SplitMix64) -> JSONValue {
            let signature = rng.token(28, alphabet: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8))
            return .string("https://mss-live-log.obs.cn-north-4.myhuaweicloud.com/\(jobId)/\(file).json"
                + "?AccessKeyId=\(accessKey)&Expires=\(expires)&Signature=\(signature)%3D")
        }
        return .object(JSONObject([
            ("interaction_records_url", url("interaction_records", &rng)),
            ("job_config_records_url", url("job_config_records", &rng)),
            ("scripts_records_url", url("scripts_records", &rng)),
            ("command_reviced_records_url", url("command_reviced_records", &rng)),
            ("command_exec_records_url", url("command_exec_records", &rng)),
        ]))
    }

    static func relationLivePlatformInfo(_ rng: inout SplitMix64) -> JSONValue {
        let platform = rng.pick(["DOUYIN", "KUAISHOU", "TAOBAO", "JD", "WECHAT_CHANNELS"])
        return .object(JSONObject([
            ("platform_id", .string(rng.hex(32))),
            ("platform", .string(platform)),
            ("account", .string(rng.pick(["beauty_official", "旗舰店官方账号", "shop_2026", "test-account"]))),
            ("live_id", .string(String(rng.int(in: 100_000_000...999_999_999)) + String(rng.int(in: 1000...9999)))),
        ]))
    }

    static func usedResourceType(_ rng: inout SplitMix64) -> JSONValue {
        let types = ["PERIOD", "ONDEMAND", "ONE_TIME", "UNKNOW"]
        return .string(types[rng.weightedIndex([45, 35, 15, 5])])
    }

    /// A field this contract does not know, as a newer API version might send it.
    static func unknownField(_ rng: inout SplitMix64) -> (key: String, value: JSONValue) {
        switch rng.below(4) {
        case 0: return ("digital_human_version", .string("v3"))
        case 1: return ("digital_human_version", .string("v2.5-beta"))
        case 2:
            return ("billing_detail", .object(JSONObject([
                ("sku", .string("MSS-LIVE-" + rng.pick(["720P", "1080P", "4K"]))),
                ("units", .array([.number(String(rng.int(in: 1...8))), .number("0.5")])),
                ("discounted", .bool(rng.chance(5000))),
                ("note", .null),
            ])))
        default:
            return ("interaction_stats", .object(JSONObject([
                ("comments", .number(String(rng.int(in: 0...50_000)))),
                ("auto_replies", .number(String(rng.int(in: 0...5_000)))),
            ])))
        }
    }

    /// A non-empty subset of `items`, in their order.
    private static func subset(_ rng: inout SplitMix64, of items: [String]) -> [String] {
        let chosen = items.filter { _ in rng.chance(5000) }
        return chosen.isEmpty ? [items[rng.below(items.count)]] : chosen
    }
}
