/// RFC 3339 timestamps, parsed once at the edge. Hand-written because the API sends hundreds of
/// thousands of them per import and Foundation's ISO 8601 formatter costs microseconds each.
public enum RFC3339 {
    /// Seconds since 1970-01-01T00:00:00Z for `text`, or nil when it is not an RFC 3339 date-time
    /// (`2021-01-10T08:43:17Z`, `2021-01-10T08:43:17.25+08:00`; `t`, `z` and a space separator accepted).
    public static func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Double? {
        guard b.count >= 20 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for i in start..<(start + count) {
                let d = Int(b[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"),
              let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
              let secondField = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, secondField <= 60
        else { return nil }
        var i = 19
        // Milliseconds are what is stored: finer digits are cut, never rounded, so that
        // 23:59:59.9999 stays in its second, day, month and year.
        var millis = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if i - start < 3 { millis = millis * 10 + Int(b[i] - 48) }
                i += 1
            }
            guard i > start else { return nil }
            for _ in min(3, i - start) ..< 3 { millis *= 10 }
        }
        // A leap second (23:59:60) is read as the last millisecond of its minute, keeping its day.
        var second = secondField
        if second == 60 { second = 59; millis = 999 }
        guard i < b.count else { return nil }
        var offset = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count - i == 6, let oh = digits(i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
                  let om = digits(i + 4, 2), oh <= 23, om <= 59 else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        // An offset can carry 0000-01-01 back into year -1 or 9999-12-31 on into 10000, which the
        // four-digit form cannot write: such an instant is no RFC 3339 date-time in UTC.
        guard seconds >= RFC3339.earliest, seconds < RFC3339.afterLatest else { return nil }
        return Double(seconds) + Double(millis) / 1000
    }

    /// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in epoch seconds: the instants RFC 3339
    /// can write in UTC lie between.
    static let earliest = daysFromCivil(year: 0, month: 1, day: 1) * 86_400
    static let afterLatest = daysFromCivil(year: 10_000, month: 1, day: 1) * 86_400

    /// The canonical stored form: UTC, `Z`, whole seconds unless the instant has a fraction
    /// (then milliseconds, cut, not rounded), so that equal instants always store as equal text.
    /// `epoch` must be a parsed or computed instant (years 0000–9999), never an unchecked number.
    public static func format(_ epoch: Double) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        append(epoch, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `format(epoch)` to `out` (no intermediate string, for bulk writers).
    public static func append(_ epoch: Double, to out: inout [UInt8]) {
        let whole = epoch.rounded(.down)
        let seconds = Int(whole)
        // Cut to the millisecond, never rounded up into the next second. The microsecond of slack
        // recovers an exact millisecond value (parse stores k/1000) from its binary approximation.
        let ms = min(999, Int(((epoch - whole) * 1000 + 0.001).rounded(.down)))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = seconds - days * 86_400
        let (y, m, d) = civilFromDays(days)
        appendDate(y, m, d, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(secOfDay / 3600, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secOfDay / 60 % 60, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secOfDay % 60, 2, to: &out)
        if ms != 0 {
            out.append(UInt8(ascii: "."))
            appendDigits(ms, 3, to: &out)
        }
        out.append(UInt8(ascii: "Z"))
    }

    private static func appendDigits(_ value: Int, _ width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        if v >= divisor * 10 { out.append(contentsOf: String(v).utf8); return }
        while divisor > 0 {
            out.append(UInt8(48 + v / divisor))
            v %= divisor
            divisor /= 10
        }
    }

    private static func appendDate(_ y: Int, _ m: Int, _ d: Int, to out: inout [UInt8]) {
        appendDigits(y, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(m, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(d, 2, to: &out)
    }

    /// `YYYY-MM-DD` of a day number (days since 1970-01-01).
    public static func formatDay(_ days: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(10)
        appendDay(days, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `formatDay(days)` to `out`.
    public static func appendDay(_ days: Int, to out: inout [UInt8]) {
        let (y, m, d) = civilFromDays(days)
        appendDate(y, m, d, to: &out)
    }

    /// Days since 1970-01-01 of a civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number; the inverse of `daysFromCivil`.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

}
