/// One value of a job that cannot be used, and why: which field (a path such as `duration` or
/// `rtc_room_info.users[1].ctime`) and which rule. A flagged job is still stored whole; the figures
/// that would need the value leave the job out (docs/METRICS.md, "Flagged jobs").
public struct JobFlag: Sendable, Hashable, CustomStringConvertible {
    /// The rule a value breaks, as stored in `job_flags.reason` and printed by `--json`.
    public enum Reason: String, Sendable, CaseIterable {
        /// `job_id` absent, null or empty: the job is stored under an id made from its content.
        case missing
        /// A value of another JSON type than the contract gives (`"duration": "an hour"`).
        case wrongType = "wrong_type"
        /// A string that is not an RFC 3339 date-time.
        case invalidTimestamp = "invalid_timestamp"
        /// A number no figure can hold (`1e400`, or epoch seconds past the 64-bit range).
        case outOfRange = "out_of_range"
        /// A negative duration.
        case negative
        /// `end_time` (or, for a job still running, `lastupdate_time`) before `start_time`.
        case beforeStartTime = "before_start_time"
        /// A live length over 366 days: no livestream lasts a year.
        case over366Days = "over_366_days"
        /// `stream_duration` longer than the job was live.
        case exceedsLiveSeconds = "exceeds_live_seconds"
        /// WAITING or PROCESSING long after any real livestream would have ended.
        case staleUnfinished = "stale_unfinished"
        /// A date-time later than the moment the job was read (more than a day of clock skew).
        case inTheFuture = "in_the_future"
        /// Text that is not valid Unicode (bytes that are not UTF-8, a lone surrogate escape),
        /// stored with U+FFFD in its place.
        case invalidText = "invalid_text"
        /// A value nested deeper than `JSONParser.maxDepth` arrays and objects, stored as a note
        /// of its size in its place.
        case nestedTooDeep = "nested_too_deep"
    }

    public var field: String
    public var reason: Reason
    /// What was wrong, in words, with the offending value shortened and made terminal-safe.
    public var detail: String

    /// `detail` may quote the offending value: credentials in URLs in it are masked here.
    public init(field: String, reason: Reason, detail: String) {
        self.field = JobFlag.shortened(field)
        self.reason = reason
        self.detail = SecretRedactor.redactText(detail)
    }

    /// The longest `field` kept (a path through names of any length and any depth): longer paths
    /// keep their first and last 120 characters around `…`.
    public static let maximumFieldLength = 256

    static func shortened(_ field: String) -> String {
        guard field.utf8.count > maximumFieldLength, field.count > maximumFieldLength else { return field }
        return String(field.prefix(120)) + "…" + String(field.suffix(120))
    }

    /// A number as a message shows it: whole values without a fraction (`-5`), others in Swift's
    /// shortest exact form (`0.25`, `1e+19`).
    public static func show(_ value: Double) -> String {
        if value.isFinite, value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `field 'duration': negative (-5)`, the form error lines have always used.
    public var description: String { "field '\(SafeText.escaped(field))': \(detail)" }
}

/// Why something handed over as a job cannot be read as one at all (it is not a JSON object), or,
/// under `--strict`, the first flagged value of a job.
public struct JobFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// The error `--strict` raises for a flagged value: the same words as the flag.
    public init(_ flag: JobFlag) {
        self.init(field: flag.field, problem: flag.detail)
    }

    public var description: String { "field '\(SafeText.escaped(field))': \(problem)" }
}
