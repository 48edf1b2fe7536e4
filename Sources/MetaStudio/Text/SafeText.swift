import Foundation

/// Text from outside (a server's error body, a job's fields, a file name, a query result) made safe
/// for a terminal, a log line or a stored message: every control character is written as a visible
/// escape, and long text is cut. A raw ESC in an `error_msg` would otherwise retitle or repaint the
/// user's terminal, and a megabyte `job_id` would bury the one line that says what went wrong.
///
/// Escaped: C0 controls (U+0000–U+001F: NUL, BEL, ESC, ...), DEL (U+007F), C1 controls
/// (U+0080–U+009F, which some terminals obey like ESC sequences), the line and paragraph separators
/// U+2028/U+2029, and the bidirectional overrides and isolates U+202A–U+202E, U+2066–U+2069 (which
/// reorder what a reader sees). Tab, LF and CR become `\t`, `\n`, `\r`; everything else `\u{1B}`.
/// Any other character, Chinese and emoji included, is kept as it is.
public enum SafeText {
    /// The default cut for one value embedded in a message (a job_id, a file name, a server message).
    public static let valueLimit = 200

    /// The cut for a whole error line.
    public static let lineLimit = 2000

    /// True for a scalar that `escaped` rewrites.
    @inline(__always)
    public static func needsEscape(_ v: UInt32) -> Bool {
        v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// `text` with control characters escaped visibly and cut after `limit` characters (Unicode
    /// scalars) with `… (N more characters)`; nil `limit` keeps it whole.
    /// With `keepingLayout`, tab, LF and CR are kept as they are (for formats that handle line
    /// breaks themselves: CSV quoting, Markdown's `<br>`, a terminal table's `⏎`).
    public static func escaped(_ text: Substring, limit: Int? = valueLimit, keepingLayout: Bool = false) -> String {
        var out = ""
        var kept = 0
        var total = 0
        for scalar in text.unicodeScalars {
            total += 1
            if let limit, kept >= limit { continue }
            kept += 1
            let v = scalar.value
            guard needsEscape(v), !(keepingLayout && (v == 0x09 || v == 0x0A || v == 0x0D)) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch v {
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            default:
                out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
            }
        }
        if total > kept { out += "… (\(total - kept) more characters)" }
        return out
    }

    /// `escaped` for a String.
    public static func escaped(_ text: String, limit: Int? = valueLimit, keepingLayout: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0.value) }) || limit.map({ text.unicodeScalars.count > $0 }) == true
        else { return text }
        return escaped(text[...], limit: limit, keepingLayout: keepingLayout)
    }

    /// One line for stderr or a log: line breaks (our own multi-line texts, such as SQLite's) become
    /// spaces, then every other control character is escaped and the line is cut at `lineLimit`.
    public static func line(_ text: String) -> String {
        let joined = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        return escaped(joined, limit: lineLimit)
    }

    /// JSON text (as `JSONValue.serialized()` writes it, C0 controls already escaped) with the other
    /// characters `escaped` rewrites written as `\uXXXX` too: the same JSON value, safe on a terminal.
    public static func jsonForTerminal(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { $0.value >= 0x7F && needsEscape($0.value) }) else { return json }
        var out = ""
        out.unicodeScalars.reserveCapacity(json.unicodeScalars.count + 16)
        for scalar in json.unicodeScalars {
            if scalar.value >= 0x7F && needsEscape(scalar.value) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A short description of a body that is not text worth printing, or nil when `bytes` is text
    /// (its controls are then escaped like any text's): "binary body of 4096 bytes". Binary means a
    /// NUL, bytes that are not UTF-8, or more than one control character in ten, in the first 512 bytes.
    public static func describeBinary(_ bytes: some Collection<UInt8>) -> String? {
        isBinary(bytes) ? "binary body of \(bytes.count) bytes" : nil
    }

    /// Whether `bytes` is not text, judged on its first 512 bytes: a NUL, more than one control
    /// character in ten, or (when `invalidUTF8IsBinary`) bytes that are not UTF-8.
    public static func isBinary(_ bytes: some Collection<UInt8>, invalidUTF8IsBinary: Bool = true) -> Bool {
        let sample = Array(bytes.prefix(512))
        var controls = 0
        for b in sample where b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { controls += 1 }
        if sample.contains(0) || controls * 10 > sample.count { return true }
        return invalidUTF8IsBinary && String(validating: sample.prefix(upTo: utf8Boundary(sample)), as: UTF8.self) == nil
    }

    /// The length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence.
    private static func utf8Boundary(_ bytes: [UInt8]) -> Int {
        var end = bytes.count
        var back = 0
        while end > 0, back < 4, bytes[end - 1] & 0xC0 == 0x80 { end -= 1; back += 1 }
        if end > 0, bytes[end - 1] >= 0xC0 {
            let lead = bytes[end - 1]
            let need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            if back + 1 < need { return end - 1 }
        }
        return bytes.count
    }
}
