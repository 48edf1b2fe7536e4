import Foundation
import Logging

/// Paces requests to stay under the tenant's throttle. Adaptive by default: it starts at the
/// documented 20 requests/s; on a 429 it drops to just under the limit the gateway states in its
/// message (`limit:10`) or, when no limit is stated, backs off multiplicatively; without 429s it
/// climbs back additively. A fixed rate (`--rate R`) or no limit (`--rate 0`) can be chosen instead.
///
/// Logs (to the logger its caller hands it, e.g. `livejobs.fetch.throttle`): each drop at `.info`
/// (`rate.before`, `rate.now`, `rate.ceiling`, `rate.stated` in requests per second), each whole
/// request per second regained at `.debug`.
///
/// Concurrency: one lock (`pace`, a `Locked`) guards the rate, its ceiling and the next free slot;
/// the pager's workers take slots and report answers from their own threads. A worker waits for its
/// slot on the scan's `StopSignal`, so a cancel ends the wait at once; log lines are written after
/// the lock is released.
public final class RateLimiter: Sendable {
    public enum Mode: Sendable, Equatable {
        case adaptive(initial: Double)
        case fixed(Double)
        case unlimited
    }

    /// Requests per second added per second of throttle-free requests.
    static let additiveIncrease = 0.5
    static let multiplicativeDecrease = 0.7
    static let minimumRate = 0.2
    /// The slowest fixed rate: one request every 100 seconds (a smaller one would wait for ever).
    public static let minimumFixedRate = 0.01
    /// The fastest fixed rate: above it, no limit (`.unlimited`) is what is meant.
    public static let maximumFixedRate = 1000.0
    static let maximumRate = 1000.0

    /// What the workers share: the pace and the next free slot (monotonic seconds).
    private struct Pace: Sendable {
        var rate: Double
        var ceiling: Double?
        var nextSlot: Double = 0
        var lastDecrease: Double = 0
        /// The whole rate last logged while climbing back, so a climb logs once per request/s.
        var loggedStep: Double
    }

    private let mode: Mode
    private let pace: Locked<Pace>
    private let logger: Logger

    /// A limiter pacing at `mode`, logging its rate changes to `logger`.
    public init(mode: Mode, logger: Logger) {
        self.mode = mode
        self.logger = logger
        let rate: Double
        switch mode {
        case .adaptive(let initial): rate = initial
        case .fixed(let r): rate = r.isNaN ? RateLimiter.minimumRate : max(RateLimiter.minimumFixedRate, r)
        case .unlimited: rate = .infinity
        }
        pace = Locked(Pace(rate: rate, loggedStep: rate.isFinite ? rate.rounded(.down) : 0))
    }

    /// The current pace, requests per second.
    public var currentRate: Double { pace.withLock { $0.rate } }

    private static func now() -> Double { ProcessInfo.processInfo.systemUptime }

    /// Takes the next request slot and waits for it on `stop` (a condition wait, woken at once by
    /// `stop.raise()`): true when the slot has come, false when the stop was raised first.
    package func acquire(unless stop: StopSignal) -> Bool {
        if case .unlimited = mode { return !stop.isRaised }
        let slot: Double = pace.withLock { pace in
            let slot = max(RateLimiter.now(), pace.nextSlot)
            pace.nextSlot = slot + 1 / pace.rate
            return slot
        }
        return !stop.wait(seconds: slot - RateLimiter.now())
    }

    /// A request was answered: the adaptive rate climbs by `additiveIncrease` per second of answers.
    public func onSuccess() {
        guard case .adaptive = mode else { return }
        // Logged outside the lock: a log line written to a slow stderr must not hold up the workers.
        let step: (now: Double, ceiling: Double?)? = pace.withLock { pace in
            pace.rate = min(pace.ceiling ?? RateLimiter.maximumRate, pace.rate + RateLimiter.additiveIncrease / pace.rate)
            guard pace.rate.rounded(.down) > pace.loggedStep else { return nil }
            pace.loggedStep = pace.rate.rounded(.down)
            return (pace.rate, pace.ceiling)
        }
        if let step {
            logger.debug("request rate raised", metadata: [
                "rate.now": "\(Self.shown(step.now))", "rate.ceiling": "\(step.ceiling.map(Self.shown) ?? "none")",
            ])
        }
    }

    /// A 429 arrived; `message` is the gateway's error_msg, which may state the limit.
    public func onThrottle(message: String?) {
        guard case .adaptive = mode else { return }
        let stated = RateLimiter.statedLimit(in: message)
        let change: (before: Double, now: Double, ceiling: Double?, stated: Double?) = pace.withLock { pace in
            let now = RateLimiter.now()
            let before = pace.rate
            if let limit = stated {
                // A stated limit is server text: however small it says, the pace never stops.
                pace.ceiling = max(RateLimiter.minimumRate, limit * 0.97)
                pace.rate = max(RateLimiter.minimumRate, min(pace.rate, limit * 0.95))
            } else if now - pace.lastDecrease > max(0.5, 2 / pace.rate) {
                pace.rate = max(RateLimiter.minimumRate, pace.rate * RateLimiter.multiplicativeDecrease)
                pace.lastDecrease = now
            }
            pace.nextSlot = max(pace.nextSlot, now + 1 / pace.rate)
            pace.loggedStep = pace.rate.rounded(.down)
            return (before, pace.rate, pace.ceiling, stated)
        }
        guard change.now != change.before else { return }
        logger.info("request rate lowered after HTTP 429", metadata: [
            "rate.before": "\(Self.shown(change.before))", "rate.now": "\(Self.shown(change.now))",
            "rate.ceiling": "\(change.ceiling.map(Self.shown) ?? "none")",
            "rate.stated": "\(change.stated.map(Self.shown) ?? "none")",
        ])
    }

    /// A rate as logged: requests per second, two decimals.
    static func shown(_ rate: Double) -> String { String(format: "%.2f", rate) }

    /// `limit:20` in "policy user over ratelimit,limit:20,time:1 second" (per second), if present.
    static func statedLimit(in message: String?) -> Double? {
        guard let message, let range = message.range(of: "limit:") else { return nil }
        let digits = message[range.upperBound...].prefix(while: { $0.isNumber || $0 == "." })
        guard let limit = Double(digits), limit > 0 else { return nil }
        var seconds = 1.0
        if let t = message.range(of: "time:") {
            let n = message[t.upperBound...].prefix(while: { $0.isNumber })
            let unit = message[t.upperBound...].dropFirst(n.count).trimmingCharacters(in: .whitespaces)
            let count = Double(n) ?? 1
            seconds = unit.hasPrefix("minute") ? count * 60 : unit.hasPrefix("hour") ? count * 3600 : count
        }
        return limit / seconds
    }
}
