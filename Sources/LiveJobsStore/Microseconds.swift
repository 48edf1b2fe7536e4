/// Seconds as whole microseconds, the unit `job_day_usage` and `usage_rollup` store and sum
/// (docs/SCHEMA.md): integer sums are exact, so a total never depends on the order its parts were
/// added in, and a figure rounded from it never does either.
///
/// `of` gives exactly what the SQL expression `sql` gives in SQLite for the same double, so the
/// values Swift computes (the per-day rows an import writes, the sums it keeps in memory) and the
/// ones the database computes (`job_day_facts.job_live_us` from `jobs.live_seconds`, migration
/// `v10-usage-microseconds`) agree to the microsecond. `MicrosecondsTests` holds the two together.
public enum Microseconds {
    /// The SQL that turns the seconds `x` (a REAL, or NULL) into microseconds, as written in the
    /// v10 migration: multiply in doubles, SQLite's `round()`, then `CAST` to a 64-bit INTEGER.
    public static func sql(_ x: String) -> String { "CAST(round(\(x) * 1000000.0) AS INTEGER)" }

    /// Above this magnitude every double is a whole number: SQLite's `round()` returns it as is.
    static let wholeAbove = 4_503_599_627_370_496.0 // 2^52

    /// `seconds` as microseconds, rounded the way SQLite's `round(seconds * 1000000.0)` rounds:
    /// it adds ±0.5 in doubles and truncates toward zero, so a half microsecond goes away from
    /// zero (2.5 µs is 3, -2.5 µs is -3), and so does the double just below a half that the
    /// addition rounds up (0.49999999999999994 µs is 1, where Swift's own rounding gives 0).
    /// Beyond ±2^63 µs (about ±292,000 years) it is clamped to `Int64.min`/`Int64.max`, as
    /// SQLite's `CAST` clamps; nil for NaN and for nil (SQLite stores NaN as NULL).
    public static func of(_ seconds: Double?) -> Int64? {
        guard let seconds, !seconds.isNaN else { return nil }
        return rounded(seconds * 1_000_000)
    }

    /// SQLite's `CAST(round(x) AS INTEGER)` for a double `x` that is not NaN (func.c `roundFunc`,
    /// vdbemem.c `doubleToInt64`).
    static func rounded(_ scaled: Double) -> Int64 {
        guard scaled.magnitude <= wholeAbove else {
            if scaled <= -9_223_372_036_854_775_808.0 { return .min }
            if scaled >= 9_223_372_036_854_775_807.0 { return .max }
            return Int64(scaled)
        }
        return Int64(scaled + (scaled < 0 ? -0.5 : 0.5))
    }

    /// Adds two sums of microseconds where SQL's `SUM` would: NULL (nil) until a value comes.
    /// Throws `SumOverflow` past `Int64`, where SQLite's `SUM` fails with "integer overflow".
    static func add(_ total: inout Int64?, _ value: Int64?) throws {
        guard let value else { return }
        let (sum, overflow) = (total ?? 0).addingReportingOverflow(value)
        if overflow { throw SumOverflow() }
        total = sum
    }
}

/// A sum of microseconds (or of anything `usage_rollup` counts) went past what a 64-bit integer
/// holds: the transaction that would have stored it is rolled back, never a wrong total kept.
/// Its description is the one line the CLI prints.
public struct SumOverflow: Error, CustomStringConvertible {
    /// The overflow of a sum; it carries nothing else (which sum is in no message a user can act on).
    public init() {}

    /// What went wrong, without what it did to the write.
    public static let reason = "a sum of live or streamed time went past what a 64-bit integer holds (about 292,000 years in microseconds), so it cannot be kept exactly"

    /// Where to look: the largest stored lengths (every figure sums them).
    public static let hint = "the largest stored lengths: SELECT job_id, live_seconds FROM jobs ORDER BY live_seconds DESC LIMIT 10"

    /// `reason`, then that nothing was stored: the CLI's one line.
    public var description: String {
        "\(SumOverflow.reason): nothing of what was being written was stored (\(SumOverflow.hint))"
    }
}
