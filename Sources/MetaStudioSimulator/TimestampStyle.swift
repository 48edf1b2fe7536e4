import MetaStudio

/// How one job writes its timestamps. The API mostly sends whole-second UTC (`2026-08-01T09:43:17Z`),
/// but RFC 3339 also allows fractions and offsets, and a reader of the API must accept all of them.
public enum TimestampStyle: Sendable, Equatable {
    /// `2026-08-01T09:43:17Z`
    case utc
    /// `2026-08-01T09:43:17.123Z`
    case utcMillis
    /// `2026-08-01T17:43:17+08:00` (the same instant, written in China Standard Time)
    case shanghaiOffset

    /// The RFC 3339 text of an instant given in milliseconds since 1970 (sub-second digits only for `.utcMillis`).
    public func format(millis: Int64) -> String {
        let shifted = self == .shanghaiOffset ? millis + 8 * 3_600_000 : millis
        let seconds = SimTime.floorDiv(shifted, 1000)
        let days = SimTime.floorDiv(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = RFC3339.civilFromDays(Int(days))
        var out: [UInt8] = []
        out.reserveCapacity(29)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(48 + v / divisor % 10))
                v %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); out.append(UInt8(ascii: "-"))
        digits(month, 2); out.append(UInt8(ascii: "-"))
        digits(day, 2); out.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2); out.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2); out.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        switch self {
        case .utc:
            out.append(UInt8(ascii: "Z"))
        case .utcMillis:
            out.append(UInt8(ascii: "."))
            digits(Int(shifted - seconds * 1000), 3)
            out.append(UInt8(ascii: "Z"))
        case .shanghaiOffset:
            out.append(contentsOf: "+08:00".utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The instant as this style shows it: whole seconds unless the style writes milliseconds,
    /// so the generator's arithmetic matches what a reader parses back.
    func visible(_ millis: Int64) -> Int64 {
        self == .utcMillis ? millis : SimTime.floorDiv(millis, 1000) * 1000
    }
}

/// Calendar arithmetic on milliseconds since 1970, UTC, without Foundation's Calendar (slow, and
/// its results depend on the host's ICU data).
enum SimTime {
    static let hour: Int64 = 3_600_000
    static let minute: Int64 = 60_000

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Midnight UTC of the first day of the month after the one containing `millis`.
    static func nextMonthStart(after millis: Int64) -> Int64 {
        let (year, month, _) = RFC3339.civilFromDays(Int(floorDiv(millis, 86_400_000)))
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        return Int64(RFC3339.daysFromCivil(year: next.0, month: next.1, day: 1)) * 86_400_000
    }

    /// `millis` moved by `months` calendar months, keeping the time of day and clamping the day
    /// to the target month's length (Jan 31 + 1 month = Feb 28).
    static func adding(months: Int, to millis: Int64) -> Int64 {
        let days = floorDiv(millis, 86_400_000)
        let timeOfDay = millis - days * 86_400_000
        let (year, month, day) = RFC3339.civilFromDays(Int(days))
        let total = year * 12 + (month - 1) + months
        let (newYear, newMonth) = (Int(floorDiv(Int64(total), 12)), Int(Int64(total) - floorDiv(Int64(total), 12) * 12) + 1)
        let firstOfNext = newMonth == 12 ? RFC3339.daysFromCivil(year: newYear + 1, month: 1, day: 1)
                                         : RFC3339.daysFromCivil(year: newYear, month: newMonth + 1, day: 1)
        let length = firstOfNext - RFC3339.daysFromCivil(year: newYear, month: newMonth, day: 1)
        let newDays = RFC3339.daysFromCivil(year: newYear, month: newMonth, day: min(day, length))
        return Int64(newDays) * 86_400_000 + timeOfDay
    }

    /// A duration in hundredths of a second as the API writes its floats: `5400.0`, `5423.5`, `5423.57`.
    static func secondsText(hundredths: Int64) -> String {
        let whole = hundredths / 100
        let fraction = Int(hundredths % 100)
        if fraction == 0 { return "\(whole).0" }
        if fraction % 10 == 0 { return "\(whole).\(fraction / 10)" }
        return fraction < 10 ? "\(whole).0\(fraction)" : "\(whole).\(fraction)"
    }
}
