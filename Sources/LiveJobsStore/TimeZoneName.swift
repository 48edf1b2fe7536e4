import Foundation
import MetaStudio

/// The time zone names livejobs accepts: IANA `Area/Location` names (`Asia/Shanghai`,
/// `America/Chicago`) and `UTC`. Anything the platform would read in a surprising way is refused
/// with the names it may mean: an abbreviation (`CST` is US Central to the platform, China Standard
/// Time to a user in China), a legacy alias (`PRC`), an offset (`GMT+8`, `+08:00`: no daylight
/// saving, and `Etc/GMT+8` means UTC−8), a name in the wrong case or misspelt (did-you-mean).
public enum TimeZoneName {
    /// A refused name, with one line that says why and what to use instead.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The stored name of `name` (`Etc/UTC` is `UTC`), or `Refusal` naming the zones it may mean.
    public static func validate(_ name: String) throws -> String {
        if name == "UTC" || name == "Etc/UTC" { return "UTC" }
        let shown = SafeText.escaped(name, limit: 64)
        if name.hasPrefix("Etc/") {
            if let offset = etcOffset(name) {
                let cities = suggestions(forOffset: offset)
                throw Refusal(description: "'\(shown)' means UTC\(offsetText(offset)) (the sign of Etc/GMT names is inverted); "
                              + (cities == ["UTC"] && offset != 0
                                 ? "no city's zone is at UTC\(offsetText(offset)) today: use the zone of the place whose calendar the report follows"
                                 : "use a city's zone: \(cities.joined(separator: ", "))"))
            }
        } else if name.contains("/"), !name.hasPrefix("/"), TimeZone(identifier: name) != nil,
                  name.unicodeScalars.allSatisfy({ $0.isASCII }) {
            return canonical(name)
        }
        if let offset = offset(name) {
            throw Refusal(description: "'\(shown)' is an offset, not a time zone (it has no daylight saving and the platform "
                          + "may read its sign either way); for UTC\(offsetText(offset)) use an IANA name such as "
                          + suggestions(forOffset: offset).joined(separator: ", "))
        }
        let key = name.uppercased()
        if let meanings = ambiguous[key] {
            let read = TimeZone(identifier: name).map { " (this system would read it as UTC\(offsetText($0.secondsFromGMT())))" } ?? ""
            let what = meanings.count == 1 ? "an abbreviation, not an IANA name" : "an abbreviation that may mean different zones"
            throw Refusal(description: "'\(shown)' is \(what)\(read); use an IANA name: "
                          + meanings.map { "\($0.zone) for \($0.meaning)" }.joined(separator: ", "))
        }
        if let zone = legacy[key] ?? TimeZone.abbreviationDictionary[key].flatMap({ $0.contains("/") ? $0 : nil }) {
            throw Refusal(description: "'\(shown)' is an abbreviation or a legacy alias, not an IANA name; use \(zone)")
        }
        let close = didYouMean(name)
        throw Refusal(description: "unknown time zone '\(shown)'"
                      + (close.isEmpty ? "" : "; did you mean \(close.joined(separator: " or "))?")
                      + " (use an IANA name such as UTC, Asia/Shanghai or America/New_York)")
    }

    /// The IANA name `name` is an alias of (`Asia/Calcutta` is `Asia/Kolkata`, `US/Eastern` is
    /// `America/New_York`), from the tz database's own links (`L TARGET ALIAS` lines of
    /// tzdata.zi), so that one zone is kept once whatever name it was asked for by. `name` itself
    /// when it is no alias, or when this system cannot read the target.
    static func canonical(_ name: String) -> String {
        guard let target = links[name], TimeZone(identifier: target) != nil else { return name }
        return target == "Etc/UTC" ? "UTC" : target
    }

    /// Alias → target, from the tz database installed with the system (empty when there is none).
    static let links: [String: String] = {
        guard let text = try? String(contentsOfFile: "/usr/share/zoneinfo/tzdata.zi", encoding: .utf8) else { return [:] }
        var links: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("L ") {
            let parts = line.split(separator: " ")
            if parts.count == 3 { links[String(parts[2])] = String(parts[1]) }
        }
        return links
    }()

    /// What the common abbreviations that name several zones may mean.
    static let ambiguous: [String: [(zone: String, meaning: String)]] = [
        "CST": [("Asia/Shanghai", "China Standard Time"), ("America/Chicago", "US Central Time"), ("America/Havana", "Cuba")],
        "CDT": [("America/Chicago", "US Central Time"), ("America/Havana", "Cuba")],
        "IST": [("Asia/Kolkata", "India"), ("Europe/Dublin", "Ireland"), ("Asia/Jerusalem", "Israel")],
        "BST": [("Europe/London", "British Summer Time"), ("Asia/Dhaka", "Bangladesh")],
        "AST": [("America/Halifax", "Atlantic Time"), ("Asia/Riyadh", "Arabia")],
        "EST": [("America/New_York", "US Eastern Time"), ("Australia/Sydney", "Australian Eastern Time")],
        "EDT": [("America/New_York", "US Eastern Time")],
        "PST": [("America/Los_Angeles", "US Pacific Time"), ("Asia/Manila", "Philippines")],
        "PDT": [("America/Los_Angeles", "US Pacific Time")],
        "MST": [("America/Denver", "US Mountain Time"), ("America/Phoenix", "Arizona"), ("Asia/Kuala_Lumpur", "Malaysia")],
        "MDT": [("America/Denver", "US Mountain Time")],
        "HST": [("Pacific/Honolulu", "Hawaii")],
        "CET": [("Europe/Paris", "Central Europe"), ("Europe/Berlin", "Central Europe")],
        "CEST": [("Europe/Paris", "Central Europe"), ("Europe/Berlin", "Central Europe")],
        "EET": [("Europe/Athens", "Eastern Europe"), ("Europe/Helsinki", "Eastern Europe")],
        "WET": [("Europe/Lisbon", "Western Europe")],
        "GMT": [("UTC", "Coordinated Universal Time"), ("Europe/London", "the UK, with summer time")],
        "Z": [("UTC", "Coordinated Universal Time")],
    ]

    /// Legacy aliases and single-zone abbreviations, with the IANA name to use.
    static let legacy: [String: String] = [
        "PRC": "Asia/Shanghai", "ROC": "Asia/Taipei", "ROK": "Asia/Seoul", "HKT": "Asia/Hong_Kong",
        "HONGKONG": "Asia/Hong_Kong", "JST": "Asia/Tokyo", "JAPAN": "Asia/Tokyo", "KST": "Asia/Seoul",
        "SGT": "Asia/Singapore", "SINGAPORE": "Asia/Singapore", "CHINA": "Asia/Shanghai", "BEIJING": "Asia/Shanghai",
        "MSK": "Europe/Moscow", "W-SU": "Europe/Moscow", "GB": "Europe/London", "UCT": "UTC", "UNIVERSAL": "UTC",
        "ZULU": "UTC", "GREENWICH": "UTC", "GMT0": "UTC", "UTC0": "UTC", "AEST": "Australia/Sydney",
        "AEDT": "Australia/Sydney", "NZ": "Pacific/Auckland", "NZST": "Pacific/Auckland", "WIB": "Asia/Jakarta",
        "ICT": "Asia/Bangkok", "PHT": "Asia/Manila", "MYT": "Asia/Kuala_Lumpur", "EST5EDT": "America/New_York",
        "CST6CDT": "America/Chicago", "MST7MDT": "America/Denver", "PST8PDT": "America/Los_Angeles",
    ]

    /// Zones people usually mean, first in suggestions for an offset.
    static let popular = [
        "Asia/Shanghai", "Asia/Singapore", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Tokyo", "Asia/Seoul", "Asia/Kolkata",
        "Asia/Dubai", "Asia/Bangkok", "Asia/Jakarta", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Moscow",
        "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
        "Australia/Sydney", "Pacific/Auckland", "Africa/Johannesburg",
    ]

    /// Seconds east of UTC for `+8`, `+08:00`, `UTC+8`, `GMT-05:30`, `UTC+0800`; nil when not an offset.
    static func offset(_ name: String) -> Int? {
        var s = Substring(name.uppercased().replacingOccurrences(of: " ", with: ""))
        for prefix in ["UTC", "GMT", "Z"] where s.hasPrefix(prefix) { s = s.dropFirst(prefix.count); break }
        guard let sign = s.first, sign == "+" || sign == "-" else { return nil }
        let digits = s.dropFirst().replacingOccurrences(of: ":", with: "")
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isASCII), let value = Int(digits) else { return nil }
        let (hours, minutes) = digits.count <= 2 ? (value, 0) : (value / 100, value % 100)
        guard hours <= 14, minutes < 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    /// Seconds east of UTC that `Etc/GMT+8` stands for (UTC−8), or nil.
    static func etcOffset(_ name: String) -> Int? {
        guard name.hasPrefix("Etc/GMT"), name.count > 7, let hours = Int(name.dropFirst(7)), abs(hours) <= 14 else { return nil }
        return -hours * 3600
    }

    static func offsetText(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "−" : "+"
        let m = abs(seconds) / 60
        return m % 60 == 0 ? "\(sign)\(m / 60)" : String(format: "%@%d:%02d", sign, m / 60, m % 60)
    }

    /// Zones whose offset is `seconds` now (popular ones first), at most four.
    static func suggestions(forOffset seconds: Int) -> [String] {
        let now = Date()
        let matching = (popular + TimeZone.knownTimeZoneIdentifiers.sorted()).filter { id in
            id.contains("/") && TimeZone(identifier: id)?.secondsFromGMT(for: now) == seconds
        }
        var seen = Set<String>()
        let unique = matching.filter { seen.insert($0).inserted }
        return unique.isEmpty ? ["UTC"] : Array(unique.prefix(4))
    }

    /// Known names close to `name`: the same name in another case, a zone whose city is `name`, or
    /// names within three edits (case ignored).
    static func didYouMean(_ name: String) -> [String] {
        let lower = name.lowercased()
        let known = TimeZone.knownTimeZoneIdentifiers.filter { $0.contains("/") } + ["UTC"]
        if let exact = known.first(where: { $0.lowercased() == lower }) { return [exact] }
        let city = lower.replacingOccurrences(of: " ", with: "_")
        let byCity = known.filter { $0.split(separator: "/").last.map { $0.lowercased() == city } ?? false }
        if !byCity.isEmpty { return Array(byCity.prefix(3)) }
        guard name.count <= 64 else { return [] }
        let scored = known.compactMap { id -> (String, Int)? in
            let d = editDistance(lower, id.lowercased(), limit: 3)
            return d <= 3 ? (id, d) : nil
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(3).map(\.0)
    }

    /// Levenshtein distance, or `limit + 1` as soon as it must exceed `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if abs(a.count - b.count) > limit { return limit + 1 }
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            var rowMin = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                rowMin = min(rowMin, current[j])
            }
            if rowMin > limit { return limit + 1 }
            previous = current
        }
        return previous[b.count]
    }
}
