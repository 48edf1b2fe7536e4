/// Removes secrets from job data before it is stored or shown: RTC signatures, callback keys,
/// anything named like a credential, and credentials carried in URL query strings or user-info.
/// The vendor's SDK marks none of these, and job data ends up in files other people read.
public enum SecretRedactor {
    /// What a secret's value is replaced with; the key stays so readers can see a value was there.
    public static let mask = "[REDACTED]"

    /// Name parts (split on `_`, `-`, and lower/upper case changes) that mark a member as secret.
    static let secretNameParts: Set<String> = [
        "signature", "sig", "secret", "password", "passwd", "pwd", "token", "key", "sk", "credential", "credentials",
    ]

    /// Query parameter name fragments that mark a URL parameter as a credential.
    static let secretQueryFragments = ["sign", "token", "key", "secret", "pass", "auth", "credential", "session"]

    /// A copy of `object` with every secret masked, at any depth.
    public static func redact(_ object: JSONObject) -> JSONObject {
        var copy = object
        for i in copy.fields.indices {
            let field = copy.fields[i]
            if isSecretName(field.key) {
                if case .null = field.value { continue }
                copy.fields[i].value = .string(mask)
            } else {
                copy.fields[i].value = redact(field.value)
            }
        }
        return copy
    }

    /// `value` with secrets masked; strings that are URLs lose their credentials.
    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o): return .object(redact(o))
        case .array(let items): return .array(items.map(redact))
        case .string(let s): return .string(redactURL(s))
        default: return value
        }
    }

    /// True for member names like `signature`, `key`, `auth_key`, `streamKey`, `security_token`.
    /// Works on bytes: it runs for every member of every imported job.
    public static func isSecretName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            var start = 0
            var previousLower = false
            for i in 0...bytes.count {
                let b: UInt8 = i < bytes.count ? bytes[i] : UInt8(ascii: "_")
                let isSeparator = b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
                let isUpper = b >= 65 && b <= 90
                if isSeparator || (isUpper && previousLower) {
                    if i > start && isSecretPart(UnsafeBufferPointer(rebasing: bytes[start..<i])) { return true }
                    start = isSeparator ? i + 1 : i
                }
                previousLower = b >= 97 && b <= 122
            }
            return false
        }
    }

    private static let secretPartBytes: [[UInt8]] = secretNameParts.map { Array($0.utf8) }

    private static func isSecretPart(_ part: UnsafeBufferPointer<UInt8>) -> Bool {
        candidates: for candidate in secretPartBytes where candidate.count == part.count {
            for (c, p) in zip(candidate, part) where c != (p >= 65 && p <= 90 ? p + 32 : p) { continue candidates }
            return true
        }
        return false
    }

    /// Masks credential-like query values and user-info passwords in a URL; other text is returned as is.
    public static func redactURL(_ text: String) -> String {
        guard let schemeEnd = schemeSeparator(in: text) else { return text }
        var result = text
        // user:password@host
        let afterScheme = result[schemeEnd...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            result.replaceSubrange(result.index(after: colon)..<at, with: mask)
        }
        guard let question = result.firstIndex(of: "?") else { return result }
        let queryEnd = result[question...].firstIndex(of: "#") ?? result.endIndex
        let query = result[result.index(after: question)..<queryEnd]
        var changed = false
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let eq = pair.firstIndex(of: "=") else { return String(pair) }
            let name = pair[..<eq].lowercased()
            guard secretQueryFragments.contains(where: { name.contains($0) }) else { return String(pair) }
            changed = true
            return String(pair[...eq]) + mask
        }
        guard changed else { return result }
        result.replaceSubrange(result.index(after: question)..<queryEnd, with: pairs.joined(separator: "&"))
        return result
    }

    /// The index just past the first `://`, found on bytes (no Foundation search in the hot path).
    static func schemeSeparator(in text: String) -> String.Index? {
        let utf8 = text.utf8
        var i = utf8.startIndex
        var seen = 0
        while i != utf8.endIndex {
            let b = utf8[i]
            if seen == 0 { seen = b == UInt8(ascii: ":") ? 1 : 0 }
            else if b == UInt8(ascii: "/") { seen += 1; if seen == 3 { return utf8.index(after: i) } }
            else { seen = b == UInt8(ascii: ":") ? 1 : 0 }
            i = utf8.index(after: i)
        }
        return nil
    }
}
