import Foundation
import MetaStudio

/// The faults of a real gateway on a bad day (latency, throttling, 5xx, bodies cut short), decided by a
/// seeded PRNG so that a failing client test can be replayed with the same sequence of faults.
///
/// Concurrency: the server's request tasks call in at once; one lock (`state`, a `Locked`) guards
/// the PRNG and the token bucket, held through each decision.
final class FaultInjector: Sendable {
    private struct State: Sendable {
        var rng: SplitMix64
        /// Token bucket state: tokens left and when they were last refilled (monotonic seconds).
        var tokens: Double
        var refilledAt: Double
    }

    private let config: SimulatorConfig
    private let state: Locked<State>

    init(config: SimulatorConfig) {
        self.config = config
        state = Locked(State(rng: SplitMix64(seed: SplitMix64.mix(config.seed ^ 0x4641_554C_54)),
                             tokens: Self.capacity(config.throttlePerSecond ?? 0), refilledAt: Self.monotonicSeconds()))
    }

    /// The bucket holds one second of tokens, and never less than one.
    private static func capacity(_ rate: Double) -> Double { max(1, rate) }

    private static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    /// Waits the configured latency without blocking a thread.
    func delay() async {
        guard config.latency > 0 else { return }
        // At most an hour, converted checked: no latency traps the server.
        try? await Task.sleep(nanoseconds: UInt64(min(config.latency, 3600) * 1e9))
    }

    /// Takes a token; returns the 429 to send when the bucket is empty.
    func throttle() -> SimulatorError? {
        guard let rate = config.throttlePerSecond else { return nil }
        let allowed = state.withLock { state in
            let now = Self.monotonicSeconds()
            state.tokens = min(Self.capacity(rate), state.tokens + max(0, now - state.refilledAt) * max(0, rate))
            state.refilledAt = now
            guard state.tokens >= 1 else { return false }
            state.tokens -= 1
            return true
        }
        if allowed { return nil }
        let limit = rate < 1e15 ? Int(rate.rounded()) : Int(1e15)
        return SimulatorError(status: 429, code: "APIGW.0308",
                              message: "The throttling threshold has been reached: policy user over ratelimit,limit:\(limit),time:1 second",
                              headers: config.sendRetryAfter ? [("Retry-After", "1")] : [])
    }

    /// With probability `serverErrorRate`, a 5xx to answer instead: 500 MSS.00000004 from the service
    /// (70%), or 502/503 from the gateway (15% each).
    func serverError() -> SimulatorError? {
        guard config.serverErrorRate > 0 else { return nil }
        let draw: Int? = state.withLock { state in
            state.rng.unit() < config.serverErrorRate ? state.rng.below(100) : nil
        }
        guard let draw else { return nil }
        switch draw {
        case 0..<70: return SimulatorError(status: 500, code: "MSS.00000004", message: "Internal Error")
        case 70..<85: return SimulatorError(status: 502, code: "APIGW.0201", message: "Backend unavailable.")
        default: return SimulatorError(status: 503, code: "APIGW.0201", message: "Backend unavailable.")
        }
    }

    /// With probability `truncateRate`, how many bytes of a `length`-byte body to send before closing
    /// the connection: at least one byte is sent and at least one is missing, so the text received is
    /// never a complete JSON document. Nil means send it all.
    func truncation(length: Int) -> Int? {
        guard config.truncateRate > 0, length >= 2 else { return nil }
        return state.withLock { state in
            state.rng.unit() < config.truncateRate ? 1 + state.rng.below(length - 1) : nil
        }
    }
}
