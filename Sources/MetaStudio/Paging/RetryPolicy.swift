import Foundation

/// When and how long to wait before trying a page again: exponential back-off with full jitter,
/// never shorter than the server's `Retry-After`, with bounded attempts.
public struct RetryPolicy: Sendable {
    public var maxAttempts = 6
    /// 429s are the throttle working as intended, so they get more room than failures.
    public var maxThrottledAttempts = 20
    public var baseDelay = 0.2
    public var maxDelay = 20.0
    /// The most one page may spend waiting between its attempts, seconds. A gateway that answers
    /// every request 429 with a long `Retry-After` would otherwise hold a fetch for 20 attempts ×
    /// 60 s; past this bound the page fails like any other whose retries ran out. Normal throttling
    /// (a `Retry-After` of a second or two) waits far less.
    public var maxWaitPerPage = 120.0
    /// A wait at least this long is announced (`PagerOptions.onLongWait`): the fetch is not stuck.
    public var announcedWait = 5.0

    public init() {}

    /// The wait before attempt `attempt + 1` (attempt counts from 1).
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, random: inout some RandomNumberGenerator) -> Double {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        let jittered = Double.random(in: 0...ceiling, using: &random)
        return max(jittered, min(retryAfter ?? 0, Self.maxRetryAfter))
    }

    /// The longest one wait lasts however long a `Retry-After` asks (the page's waits in all are
    /// bounded by `maxWaitPerPage`).
    public static let maxRetryAfter = 60.0

    /// Whole seconds as a line says them: `100000 s`; a `Retry-After` too large for a whole number
    /// of seconds is said as `more than 10^15 s`.
    public static func seconds(_ value: Double) -> String {
        value.isFinite && value < 1e15 ? "\(Int64(value.rounded())) s" : "more than 10^15 s"
    }

    /// Seconds from a `Retry-After` header: delta-seconds or an HTTP date.
    public static func retryAfterSeconds(_ header: String?, now: Date = Date()) -> Double? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
