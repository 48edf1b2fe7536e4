import Foundation

/// Removes secrets from job data before it is stored or shown: RTC signatures, callback keys,
/// anything named like a credential, and credentials carried in URL query strings or user-info.
/// The vendor's SDK marks none of these, and job data ends up in files other people read.
public enum SecretRedactor {
    /// What a secret's value is replaced with; the key stays so readers can see a value was there.
    public static let mask = "[REDACTED]"

    /// Query parameter name fragments that mark a URL parameter as a credential.
    static let secretQueryFragments = ["sign", "token", "key", "secret", "pass", "auth", "credential", "session", "cookie"]

    /// `text` with each of `secrets` (credential values known to the caller) masked, for messages
    /// that might echo them, such as a gateway's canonical request.
    public static func masking(_ secrets: [String], in text: String) -> String {
        var text = text
        for secret in secrets where secret.count >= 4 {
            text = text.replacingOccurrences(of: secret, with: mask)
        }
        return text
    }

    /// Server text (an error body, a gateway's echo of the request it refused) with every credential
    /// it may carry masked: the values in `secrets` (the caller's AK, SK, token, request signature),
    /// the value of an `Authorization`, `X-Auth-Token`, `X-Security-Token`, `X-Subject-Token` or
    /// `Cookie` header, `Signature=`, `Access=`, `Credential=` and `token=` values (an
    /// SDK-HMAC-SHA256 or AWS-style authorization echoed back), and secret query values of any URL.
    public static func maskingCredentials(_ secrets: [String], in text: String) -> String {
        var text = masking(secrets, in: text)
        text = text.replacing(headerPattern) { match in "\(match.output.1)\(match.output.2)\(mask)" }
        text = text.replacing(assignmentPattern) { match in "\(match.output.1)=\(mask)" }
        guard text.contains("?") || text.contains("#") || text.contains("://") else { return text }
        return text.split(separator: " ", omittingEmptySubsequences: false).map { redactURL(String($0)) }.joined(separator: " ")
    }

    nonisolated(unsafe) private static let headerPattern =
        #/(?i)\b(authorization|x-auth-token|x-security-token|x-subject-token|set-cookie|cookie)(\s*[:=]\s*)[^\r\n"]+/#
    nonisolated(unsafe) private static let assignmentPattern =
        #/(?i)\b(signature|access|credential|x-amz-signature|x-amz-credential|x-amz-security-token|security_token|token|sig)=[^\s,&;"]+/#

    /// A copy of `object` with every secret masked, at any depth.
    public static func redact(_ object: JSONObject) -> JSONObject {
        redacted(object) ?? object
    }

    /// `value` with secrets masked; strings that are URLs lose their credentials.
    public static func redact(_ value: JSONValue) -> JSONValue {
        redacted(value) ?? value
    }

    /// Appends the compact JSON text of `object` with every secret masked: the same text as
    /// `redact(object).serialized()`, written in one pass without copying any of the tree.
    public static func writeRedacted(_ object: JSONObject, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, field) in object.fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(field.key, to: &out)
            out.append(UInt8(ascii: ":"))
            if case .null = field.value {
                out.append(contentsOf: "null".utf8)
            } else if isSecretName(field.key) {
                out.append(contentsOf: quotedMask)
            } else {
                writeRedacted(field.value, to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    private static let quotedMask = Array("\"\(mask)\"".utf8)

    static func writeRedacted(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .object(let o):
            writeRedacted(o, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeRedacted(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let s):
            JSONValue.writeString(redactURL(s), to: &out)
        default:
            value.write(to: &out)
        }
    }

    /// `writeRedacted` for the value at `node` of a tape: the same text, copied from the page's
    /// bytes where nothing needs masking or re-escaping.
    static func writeRedacted(_ tape: JSONTape, _ node: Int, to out: inout [UInt8]) {
        tape.bytes.withUnsafeBufferPointer { bytes in
            tape.nodes.withUnsafeBufferPointer { nodes in
                writeRedacted(tape, bytes, nodes, node, to: &out)
            }
        }
    }

    private static func writeRedacted(_ tape: JSONTape, _ bytes: UnsafeBufferPointer<UInt8>,
                                      _ nodes: UnsafeBufferPointer<JSONTape.Node>, _ node: Int, to out: inout [UInt8]) {
        let n = nodes[node]
        let text = UnsafeBufferPointer(rebasing: bytes[Int(n.start) ..< Int(n.end)])
        switch n.kind {
        case .object:
            out.append(UInt8(ascii: "{"))
            var k = node + 1
            for m in 0 ..< Int(n.count) {
                if m > 0 { out.append(UInt8(ascii: ",")) }
                // Keys on a tape hold no escapes, so their bytes are their JSON text.
                let key = UnsafeBufferPointer(rebasing: bytes[Int(nodes[k].start) ..< Int(nodes[k].end)])
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: key)
                out.append(UInt8(ascii: "\""))
                out.append(UInt8(ascii: ":"))
                if nodes[k + 1].kind == .null {
                    out.append(contentsOf: "null".utf8)
                } else if isSecretName(bytes: key) {
                    out.append(contentsOf: quotedMask)
                } else {
                    writeRedacted(tape, bytes, nodes, k + 1, to: &out)
                }
                k = Int(nodes[k + 1].next)
            }
            out.append(UInt8(ascii: "}"))
        case .array:
            out.append(UInt8(ascii: "["))
            var k = node + 1
            for m in 0 ..< Int(n.count) {
                if m > 0 { out.append(UInt8(ascii: ",")) }
                writeRedacted(tape, bytes, nodes, k, to: &out)
                k = Int(nodes[k].next)
            }
            out.append(UInt8(ascii: "]"))
        case .string where n.escaped:
            JSONValue.writeString(redactURL(tape.string(node)), to: &out)
        case .string:
            // Unescaped source text has no byte that JSON must escape, and neither has the mask.
            out.append(UInt8(ascii: "\""))
            if let masked = redactedURL(text) { out.append(contentsOf: masked) } else { out.append(contentsOf: text) }
            out.append(UInt8(ascii: "\""))
        case .number, .true, .false, .null:
            out.append(contentsOf: text)
        }
    }

    /// The redacted object, or nil when nothing in it needed masking, so unchanged subtrees are
    /// shared instead of copied (this runs on every imported job).
    static func redacted(_ object: JSONObject) -> JSONObject? {
        var copy: JSONObject?
        for i in object.fields.indices {
            let field = object.fields[i]
            let replacement: JSONValue?
            if isSecretName(field.key) {
                if case .null = field.value { continue }
                if case .string(let s) = field.value, s == mask { continue }
                replacement = .string(mask)
            } else {
                replacement = redacted(field.value)
            }
            guard let replacement else { continue }
            if copy == nil { copy = object }
            copy!.fields[i].value = replacement
        }
        return copy
    }

    static func redacted(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .object(let o):
            return redacted(o).map { .object($0) }
        case .array(let items):
            var copy: [JSONValue]?
            for i in items.indices {
                guard let replacement = redacted(items[i]) else { continue }
                if copy == nil { copy = items }
                copy![i] = replacement
            }
            return copy.map { .array($0) }
        case .string(let s):
            let r = redactURL(s)
            return r.utf8.count == s.utf8.count && r == s ? nil : .string(r)
        default:
            return nil
        }
    }

    /// True for member names like `signature`, `key`, `auth_key`, `streamKey`, `security_token`.
    public static func isSecretName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isSecretName(bytes: $0) }
    }

    /// `isSecretName` on the name's UTF-8 bytes; it runs for every member of every imported job.
    private static func isSecretName(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
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

    /// Whether a name part (split on `_`, `-`, `.` and lower-to-upper case changes) marks a member
    /// as secret, in any ASCII case: signature, sig, secret, password, passwd, pwd, passphrase, token,
    /// key, keys, sk, credential(s), authorization, cookie; and any longer part ending in key, keys,
    /// token, secret, password or signature (`apikey`, `streamkey`, `accesstoken`). A switch on the
    /// length first, since this runs for every member of every job.
    private static func isSecretPart(_ part: UnsafeBufferPointer<UInt8>) -> Bool {
        func its(_ word: StaticString) -> Bool {
            // `word` is lowercase letters and as long as `part`; OR-ing 0x20 lowercases only letters.
            let w = word.utf8Start
            for k in 0 ..< part.count where part[k] | 0x20 != w[k] { return false }
            return true
        }
        func endsWith(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard part.count > n else { return false }
            let w = word.utf8Start
            for k in 0 ..< n where part[part.count - n + k] | 0x20 != w[k] { return false }
            return true
        }
        switch part.count {
        case 0, 1: return false
        case 2: return its("sk")
        case 3: return its("sig") || its("pwd") || its("key")
        case 4: if its("keys") { return true }
        case 5: if its("token") { return true }
        case 6: if its("secret") || its("passwd") || its("cookie") { return true }
        case 8: if its("password") { return true }
        case 9: if its("signature") { return true }
        case 10: if its("credential") || its("passphrase") { return true }
        case 11: if its("credentials") { return true }
        case 13: if its("authorization") { return true }
        default: break
        }
        return endsWith("key") || endsWith("keys") || endsWith("token") || endsWith("secret")
            || endsWith("password") || endsWith("signature")
    }

    /// Masks credential-like query and fragment values and user-info passwords in a URL (with or
    /// without a scheme); other text is returned as is.
    public static func redactURL(_ text: String) -> String {
        var text = text
        let masked = text.withUTF8 { redactedURL($0) }
        return masked.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// The bytes of a URL with its credentials masked, or nil when nothing needed masking (the
    /// common case, which allocates nothing: it runs on every string of every job). Masked:
    /// the password of `scheme://user:password@host`, and the value of every `name=value` pair of
    /// the query (after `?`, pairs split on `&` or `;`) and of the fragment (after `#`, as OAuth
    /// puts `access_token` there) whose name reads like a credential (`isSecretQueryName`).
    /// A string without `://` counts as a URL when it has a `?` or `#` (`obs.example.com/a?sig=...`).
    private static func redactedURL(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let base = bytes.baseAddress, bytes.count >= 3 else { return nil }
        let start = schemeEnd(bytes)
        let question = memchr(base, Int32(UInt8(ascii: "?")), bytes.count) != nil
        let hash = memchr(base, Int32(UInt8(ascii: "#")), bytes.count) != nil
        guard start != nil || question || hash else { return nil }
        var out: [UInt8] = []
        var copied = 0
        func mask(from: Int, to: Int) {
            if out.isEmpty { out.reserveCapacity(bytes.count + 16) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied ..< from]))
            out.append(contentsOf: maskBytes)
            copied = to
        }
        // user:password@host, only where a scheme says an authority follows.
        var authorityEnd = start ?? 0
        if let start {
            var at: Int?
            while authorityEnd < bytes.count, bytes[authorityEnd] != UInt8(ascii: "/"), bytes[authorityEnd] != UInt8(ascii: "?"),
                  bytes[authorityEnd] != UInt8(ascii: "#") {
                if bytes[authorityEnd] == UInt8(ascii: "@") { at = authorityEnd }
                authorityEnd += 1
            }
            if let at, let colon = (start ..< at).first(where: { bytes[$0] == UInt8(ascii: ":") }) {
                mask(from: colon + 1, to: at)
            }
        }
        /// Masks the secret pairs of `bytes[from ..< to]`.
        func maskPairs(from: Int, to end: Int) {
            var pairStart = from
            while pairStart < end {
                var pairEnd = pairStart
                var eq: Int?
                while pairEnd < end, bytes[pairEnd] != UInt8(ascii: "&"), bytes[pairEnd] != UInt8(ascii: ";") {
                    if eq == nil, bytes[pairEnd] == UInt8(ascii: "=") { eq = pairEnd }
                    pairEnd += 1
                }
                if let eq, eq + 1 < pairEnd, isSecretQueryName(UnsafeBufferPointer(rebasing: bytes[pairStart ..< eq])) {
                    mask(from: eq + 1, to: pairEnd)
                }
                pairStart = pairEnd + 1
            }
        }
        let fragment = (authorityEnd ..< bytes.count).first(where: { bytes[$0] == UInt8(ascii: "#") })
        let queryEnd = fragment ?? bytes.count
        if let q = (authorityEnd ..< queryEnd).first(where: { bytes[$0] == UInt8(ascii: "?") }) {
            maskPairs(from: q + 1, to: queryEnd)
        }
        if let fragment { maskPairs(from: fragment + 1, to: bytes.count) }
        if copied == 0 { return nil }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        return out
    }

    private static let maskBytes = Array(mask.utf8)
    private static let secretQueryFragmentBytes = secretQueryFragments.map { Array($0.utf8) }

    /// True when the parameter name, percent-decoded (`%73ig` is `sig`) and in any ASCII case,
    /// contains a credential-like fragment (`sign`, `token`, `key`, ...) or has a part (split on
    /// anything but letters and digits) that is `sig`, `sk`, `ak`, `pwd` or `jwt`.
    static func isSecretQueryName(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !raw.isEmpty, raw.count <= 256 else { return false }
        var name: [UInt8] = []
        name.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            var b = raw[i]
            if b == UInt8(ascii: "%"), i + 2 < raw.count, let hi = hexValue(raw[i + 1]), let lo = hexValue(raw[i + 2]) {
                b = hi << 4 | lo
                i += 2
            } else if b == UInt8(ascii: "+") {
                b = UInt8(ascii: " ")
            }
            name.append(b >= 65 && b <= 90 ? b + 32 : b)
            i += 1
        }
        for fragment in secretQueryFragmentBytes where name.count >= fragment.count {
            search: for i in 0 ... (name.count - fragment.count) {
                for (j, f) in fragment.enumerated() where name[i + j] != f { continue search }
                return true
            }
        }
        var part: [UInt8] = []
        for b in name + [0] {
            if (b >= 97 && b <= 122) || (b >= 48 && b <= 57) { part.append(b); continue }
            if secretQueryParts.contains(part) { return true }
            part.removeAll(keepingCapacity: true)
        }
        return false
    }

    private static let secretQueryParts: [[UInt8]] = ["sig", "sk", "ak", "pwd", "jwt"].map { Array($0.utf8) }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }

    /// The offset just past the first `://`, if any.
    private static func schemeEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 3, let base = bytes.baseAddress else { return nil }
        var from = 0
        while let hit = memchr(base + from, Int32(UInt8(ascii: ":")), bytes.count - 2 - from) {
            let i = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            if bytes[i + 1] == UInt8(ascii: "/") && bytes[i + 2] == UInt8(ascii: "/") { return i + 3 }
            from = i + 1
            if from >= bytes.count - 2 { return nil }
        }
        return nil
    }
}
