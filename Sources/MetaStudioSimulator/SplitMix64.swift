/// A tiny seeded PRNG (SplitMix64) with its own integer-only helpers, so that the same seed gives
/// byte-identical data on every machine and Swift version (`SystemRandomNumberGenerator` never
/// repeats, and the standard library's `random(in:using:)` algorithms are not promised to stay put).
public struct SplitMix64: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// SplitMix64's finalizer: a bijection on UInt64, so distinct inputs always give distinct outputs.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (multiply-high reduction; `bound` must be positive).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A uniform Int64 in `range` (for milliseconds and hundredths of seconds).
    public mutating func int64(in range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(below(Int(range.upperBound - range.lowerBound) + 1))
    }

    /// True with probability `basisPoints / 10_000`; integer-only, so no floating-point drift.
    public mutating func chance(_ basisPoints: Int) -> Bool {
        below(10_000) < basisPoints
    }

    /// A uniform double in `0..<1` from the top 53 bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }

    /// An index into `weights`, chosen with probability proportional to its weight.
    public mutating func weightedIndex(_ weights: [Int]) -> Int {
        var roll = below(weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }

    /// `count` lower-case hex digits.
    public mutating func hex(_ count: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var bits: UInt64 = 0
        for i in 0..<count {
            if i % 16 == 0 { bits = next() }
            bytes.append(SplitMix64.hexDigits[Int(bits & 0xF)])
            bits >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `count` characters of `alphabet` (ASCII), for tokens and signatures.
    public mutating func token(_ count: Int, alphabet: [UInt8] = SplitMix64.base64URL) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count { bytes.append(alphabet[below(alphabet.count)]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The 16 hex digits of `value`, zero-padded.
    public static func hex(of value: UInt64) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        var v = value
        for i in stride(from: 15, through: 0, by: -1) {
            bytes[i] = hexDigits[Int(v & 0xF)]
            v >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static let hexDigits = Array("0123456789abcdef".utf8)
    /// The URL-safe base64 alphabet, for random-looking tokens.
    public static let base64URL = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
}
