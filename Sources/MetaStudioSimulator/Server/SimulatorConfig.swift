import Foundation
import MetaStudio

/// How a simulated MetaStudio endpoint behaves: who may call it and which faults it injects, so tests,
/// benchmarks and demos can reproduce the real gateway's bad days on demand (and with a seed, repeatably).
public struct SimulatorConfig: Sendable {
    /// Which credentials the simulated gateway accepts.
    public enum Auth: Sendable, Equatable {
        /// No check at all: any request (with or without credentials) is let through.
        case any
        /// `X-Auth-Token` must equal the token.
        case token(String)
        /// The request must carry a valid SDK-HMAC-SHA256 signature made with this AK/SK pair.
        case aksk(ak: String, sk: String)
        /// Either of the two: a request with an `SDK-HMAC-SHA256` Authorization header is checked as
        /// AK/SK, any other as token.
        case tokenOrAKSK(token: String, ak: String, sk: String)
    }

    /// The tenant's project; the URL path (and, with AK/SK, `X-Project-Id`) must name it.
    public var projectId: String = "0123456789abcdef0123456789abcdef"
    public var auth: Auth = .any
    /// Seconds added to every request before it is answered (a non-blocking sleep).
    public var latency: Double = 0
    /// Requests per second allowed by a token bucket holding max(1, rate) tokens; over it → 429 APIGW.0308.
    public var throttlePerSecond: Double? = nil
    /// Whether a 429 carries `Retry-After: 1`; the real gateway does not always send it, so off by default.
    public var sendRetryAfter: Bool = false
    /// Probability that a valid request fails with a 5xx: mostly 500 MSS.00000004, sometimes 502/503
    /// with a gateway body.
    public var serverErrorRate: Double = 0
    /// Probability that a 200 is cut short: the full Content-Length is declared, fewer bytes are sent,
    /// then the connection is closed.
    public var truncateRate: Double = 0
    /// Jobs created while the first scan runs, spread over its requests with offset > 0; they are the
    /// newest (latest create_time), so they sort last with sort_dir=asc.
    public var insertDuringScan: Int = 0
    /// When a new scan starts (offset=0 after the first scan), every PROCESSING/WAITING job ends as
    /// SUCCEED or FAILED, with end_time, duration, stream_duration and a newer lastupdate_time.
    public var finishProcessingBetweenScans: Bool = false
    /// Jobs deleted while the first scan runs, spread over its requests with offset > 0 like
    /// `insertDuringScan`; each is picked (seeded) among the jobs the request's listing has already
    /// passed (positions before its offset), so the jobs behind them shift back by one under a pager
    /// that pages by offset. Jobs not yet deleted when the next scan starts are deleted then.
    public var deleteDuringScan: Int = 0
    /// WAITING/PROCESSING jobs that end (SUCCEED, or FAILED about one in seven) while the first scan
    /// runs, spread over its requests with offset > 0: mid-order, they leave a `state=PROCESSING`
    /// listing and enter a `state=SUCCEED` one. Picked at random (seeded) among the open jobs.
    public var finishDuringScan: Int = 0
    /// At most this many jobs per page, whatever `limit` asks (a proxy or a private deployment that
    /// caps pages); nil serves what `limit` asks.
    public var pageCap: Int? = nil
    /// Jobs share one create_time in runs of this many in creation order (the first job's), as jobs
    /// created in one batch do; 1 leaves create_time as it is.
    public var tieSize: Int = 1
    /// Jobs with equal create_time come back in a different order on every request (seeded), as the
    /// contract allows: their order between requests is not promised.
    public var shuffleTies: Bool = false
    /// `count` claims this many more jobs than match (the pages hold only the real ones).
    public var countExcess: Int = 0
    /// `count` is always this value (an absurd claim such as 10^12), whatever matches.
    public var claimedCount: Int? = nil
    /// Every list request that passes authentication is answered with this status and body instead
    /// of a page, as a gateway, proxy or load balancer in front of the service may answer: any text,
    /// control characters, an HTML page or binary bytes. For checking how server text reaches users.
    public var refusal: Refusal? = nil
    /// Every page past the first (offset > 0) is answered with a 200 whose body is too large for a
    /// client to take (declared, endless, or a gzip bomb), carrying its `X-Request-Id`; nil: none.
    public var oversizedBody: OversizedBody? = nil
    /// Seeds every random choice (faults, inserted and finished jobs), so a run can be replayed.
    public var seed: UInt64 = 1
    /// How long an AK stays locked after more than five consecutive authentication failures (the
    /// real gateway: 5 minutes); tests shorten it.
    public var authLockoutSeconds: Double = 300
    /// How far `X-Sdk-Date` may be from the server's clock (the real gateway: 15 minutes).
    public var maxClockSkewSeconds: Double = 900

    public init() {}

    /// A fixed answer in place of every page (see `refusal`).
    public struct Refusal: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// Headers sent with it (`Location`, `Retry-After`; an `X-Request-Id` here replaces the
        /// simulator's own).
        public var headers: [Header]

        /// One response header.
        public struct Header: Sendable {
            public var name: String
            public var value: String
            public init(_ name: String, _ value: String) {
                self.name = name
                self.value = value
            }
        }

        public init(status: Int, body: [UInt8], headers: [Header] = []) {
            self.status = status
            self.body = body
            self.headers = headers
        }

        /// The vendor's error shape, `{"error_code": code, "error_msg": message}`.
        public static func json(status: Int, code: String, message: String) -> Refusal {
            var bytes: [UInt8] = []
            JSONObject([("error_code", .string(code)), ("error_msg", .string(message))]).write(to: &bytes)
            return Refusal(status: status, body: bytes)
        }
    }
}

/// A counter snapshot of what the simulator answered, so tests and benchmarks can check what the client
/// went through (retries, throttling) without instrumenting the client itself. `GET /_sim/stats`
/// answers it as a JSON object (`json`) with these names as keys.
public struct SimulatorStats: Sendable, Equatable {
    /// Every request received (the `/_sim/stats` endpoint itself is not counted).
    public var requests = 0
    /// Complete 200 answers (truncated ones are counted in `truncated`, not here).
    public var ok = 0
    /// 429 answers (APIGW.0308).
    public var throttled = 0
    /// Injected 5xx answers (500, 502, 503).
    public var serverErrors = 0
    /// 200 answers whose body was cut short on purpose.
    public var truncated = 0
    /// 401 answers, including those refused because the AK was locked.
    public var authFailures = 0
    /// How many times an AK was locked after more than five consecutive failures.
    public var lockouts = 0
    /// 400, 404 and 405 answers (bad parameters, unknown paths or projects, wrong methods).
    public var badRequests = 0
    /// When the first and the latest request arrived, in seconds since 1970.
    public var firstRequestAt: Double? = nil
    public var lastRequestAt: Double? = nil
    /// `ok / (lastRequestAt - firstRequestAt)`, 0 until two requests have arrived apart.
    public var okPerSecond: Double = 0
    /// The most requests the server was answering at one moment: concurrency seen from the server.
    public var maxInFlight = 0

    public init() {}

    /// The counters as one JSON object, keys sorted; instants as epoch seconds, absent until known.
    public var json: JSONObject {
        var fields: [(key: String, value: JSONValue)] = [
            ("requests", .number(String(requests))), ("ok", .number(String(ok))), ("throttled", .number(String(throttled))),
            ("serverErrors", .number(String(serverErrors))), ("truncated", .number(String(truncated))),
            ("authFailures", .number(String(authFailures))), ("lockouts", .number(String(lockouts))),
            ("badRequests", .number(String(badRequests))), ("okPerSecond", .number(String(okPerSecond))),
            ("maxInFlight", .number(String(maxInFlight))),
        ]
        if let firstRequestAt { fields.append(("firstRequestAt", .number(String(firstRequestAt)))) }
        if let lastRequestAt { fields.append(("lastRequestAt", .number(String(lastRequestAt)))) }
        return JSONObject(fields.sorted { $0.key < $1.key })
    }

    /// The counters of a `json` object (as `GET /_sim/stats` answers them); nil when one is missing.
    public init?(json: JSONValue) {
        guard let object = json.objectValue else { return nil }
        func int(_ key: String) -> Int? { object[key]?.doubleValue.flatMap { Int(exactly: $0) } }
        guard let requests = int("requests"), let ok = int("ok"), let throttled = int("throttled"),
              let serverErrors = int("serverErrors"), let truncated = int("truncated"), let authFailures = int("authFailures"),
              let lockouts = int("lockouts"), let badRequests = int("badRequests"), let maxInFlight = int("maxInFlight"),
              let okPerSecond = object["okPerSecond"]?.doubleValue else { return nil }
        (self.requests, self.ok, self.throttled, self.serverErrors, self.truncated) = (requests, ok, throttled, serverErrors, truncated)
        (self.authFailures, self.lockouts, self.badRequests, self.maxInFlight) = (authFailures, lockouts, badRequests, maxInFlight)
        self.okPerSecond = okPerSecond
        firstRequestAt = object["firstRequestAt"]?.doubleValue
        lastRequestAt = object["lastRequestAt"]?.doubleValue
    }
}

/// Counts answers as they are sent, behind a lock, so concurrent connections never lose a count.
///
/// Concurrency: one lock (`state`, a `Locked`) guards the counters and the requests in flight.
final class StatsRecorder: Sendable {
    private struct State: Sendable {
        var stats = SimulatorStats()
        var inFlight = 0
    }

    private let state = Locked(State())

    /// A request arrived at `time` (seconds since 1970).
    func arrived(at time: Double) {
        state.withLock { state in
            state.inFlight += 1
            state.stats.maxInFlight = max(state.stats.maxInFlight, state.inFlight)
            state.stats.requests += 1
            if state.stats.firstRequestAt == nil { state.stats.firstRequestAt = time }
            state.stats.lastRequestAt = time
        }
    }

    /// Files an answer under its counter by status: 200 (complete or truncated), 401, 429, 5xx, other 4xx.
    func record(status: Int, truncated: Bool = false) {
        state.withLock { state in
            state.inFlight -= 1
            switch status {
            case 200 where truncated: state.stats.truncated += 1
            case 200: state.stats.ok += 1
            case 401: state.stats.authFailures += 1
            case 429: state.stats.throttled += 1
            case 500...599: state.stats.serverErrors += 1
            default: state.stats.badRequests += 1
            }
        }
    }

    /// An AK was locked after too many failed signatures.
    func recordLockout() {
        state.withLock { $0.stats.lockouts += 1 }
    }

    /// The counters now, with the rate of 200s between the first and the last request.
    func snapshot() -> SimulatorStats {
        var copy = state.withLock { $0.stats }
        if let first = copy.firstRequestAt, let last = copy.lastRequestAt, last > first {
            copy.okPerSecond = Double(copy.ok) / (last - first)
        }
        return copy
    }
}
