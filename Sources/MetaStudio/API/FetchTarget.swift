import Foundation

/// The two values pasted into the request URL besides the endpoint: the region (into the host) and
/// the project id (into the path). Both are checked before anything runs, wherever they come from,
/// so that neither can move the request to another host or path, or send the token there.
public enum FetchTarget {
    /// The regions the contract lists MetaStudio in.
    public static let regions = ["cn-north-4", "cn-east-3", "ap-southeast-3"]

    /// The longest project id taken (the vendor's are 32 hexadecimal digits).
    public static let maximumProjectIdLength = 64

    /// Why `region` cannot be used (nil when it can): not one of `regions`, with a hint for the same
    /// name in other case or with blanks, or one a typo away.
    public static func regionProblem(_ region: String) -> String? {
        if regions.contains(region) { return nil }
        let shown = "'\(SafeText.escaped(region, limit: 60))'"
        let valid = "MetaStudio runs in " + regions.joined(separator: ", ")
        let folded = region.trimmingCharacters(in: .whitespaces).lowercased()
        if regions.contains(folded) {
            return "\(shown) is not a region: did you mean \(folded)? (region names are lower-case, without blanks; \(valid))"
        }
        if let near = regions.first(where: { distance($0, folded) <= 2 }) {
            return "\(shown) is not a region: did you mean \(near)? (\(valid))"
        }
        return "\(shown) is not a region MetaStudio runs in: pass one of " + regions.joined(separator: ", ")
    }

    /// Why `projectId` cannot be used (nil when it can): it goes into the URL path as it is, so only
    /// letters, digits, `-` and `_` are taken, 1 to `maximumProjectIdLength` of them (no `/`, `?`,
    /// `#`, `%`, `.`, blanks or anything else that would change the URL).
    public static func projectIdProblem(_ projectId: String) -> String? {
        let allowed = projectId.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
        if !projectId.isEmpty && projectId.unicodeScalars.count <= maximumProjectIdLength && allowed { return nil }
        let shown = "'\(SafeText.escaped(projectId, limit: 60))'"
        if projectId.isEmpty { return "the project id is empty: a project id is 32 hexadecimal digits" }
        if projectId.unicodeScalars.count > maximumProjectIdLength {
            return "the project id \(shown) is longer than \(maximumProjectIdLength) characters: a project id is 32 hexadecimal digits"
        }
        return "the project id \(shown) holds characters a project id cannot (only letters, digits, - and _; "
            + "a project id is 32 hexadecimal digits)"
    }

    /// Levenshtein distance (small strings only).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
