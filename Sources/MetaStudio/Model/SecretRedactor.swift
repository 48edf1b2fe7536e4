import Foundation

/// Removes secrets from job data before it is stored or shown: RTC signatures, callback keys,
/// anything named like a credential, and credentials carried in URL query strings or user-info.
/// The vendor's SDK marks none of these, and job data ends up in files other people read.
public enum SecretRedactor {
    /// What a secret's value is replaced with; the key stays so readers can see a value was there.
    public static let mask = "[REDACTED]"

    /// Query parameter name fragments that mark a URL parameter as a credential.
    static let secretQueryFragments = ["sign", "token", "key", "secret", "pass", "auth", "credential", "session", "cookie", "hmac"]

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
    /// it may carry masked (docs/SECRETS.md, section 2): the values in `secrets` (the caller's AK,
    /// SK, token, request signature); the value of an `Authorization`, `X-Auth-Token`,
    /// `X-Security-Token`, `X-Subject-Token`, `Cookie` or `Set-Cookie` header (to the end of its
    /// line, quotes and all: `X-Auth-Token: "..."`); a `Bearer` token and
    /// anything shaped like a JWT; the value of every `name=value` whose name is secret by the rules
    /// for members or for URL parameters (`password=`, `secret_access_key=`, `Signature=`), or is
    /// `Access` (an SDK-HMAC-SHA256 authorization echoed back); the value of a `name: value` or
    /// `"name":"value"` whose name is secret by the rules for members; and the credentials of
    /// every URL in it.
    public static func maskingCredentials(_ secrets: [String], in text: String) -> String {
        maskingCredentials(secrets, in: text, freeText: false)
    }

    /// `maskingCredentials`; `freeText` (job text, not a server's echo of a request) reads a
    /// `name=value` by the member-name rules only, so `Donkey=1` or `signup=open` in a room name is
    /// no parameter of a signed request.
    static func maskingCredentials(_ secrets: [String], in text: String, freeText: Bool) -> String {
        redactURL(maskingPatterns(masking(secrets, in: text), freeText: freeText))
    }

    /// `text` with what the patterns below match masked, in order: a PEM private key, a header's
    /// value, `Bearer`/`Basic` credentials, a JWT, a `name=value`, a `name: value`, and a value after
    /// a Chinese label (`密码：`). Each pattern reads Unicode scalars (white space is one scalar
    /// with the White_Space property, never a cluster holding one), so what a pattern needs before
    /// it can change a text is stated in bytes by `mayHoldFreeTextCredential`, which must say yes
    /// to every text these change (`FreeTextPrefilterTests` holds it to that).
    static func maskingPatterns(_ text: String, freeText: Bool) -> String {
        var text = text
        text = text.replacing(privateKeyPattern) { _ in mask }
        text = text.replacing(headerPattern) { match in "\(match.output.1)\(match.output.2)\(mask)" }
        text = text.replacing(bearerPattern) { match in
            // `Bearer token expired` names the scheme; a token (or Basic's base64) has a capital, a digit or a symbol.
            match.output.3.utf8.allSatisfy { $0 >= 97 && $0 <= 122 } ? String(match.output.0) : "\(match.output.1)\(match.output.2)\(mask)"
        }
        text = text.replacing(jwtPattern) { _ in mask }
        // A quoted value is masked to its closing quote (`password="two words"`), a bare one to
        // the next space, comma, semicolon, quote or closing bracket.
        func masked(_ value: Substring) -> String {
            guard let first = value.first, let last = value.last, value.count >= 2 else { return mask }
            let pairs: [Character: Character] = ["\"": "\"", "'": "'", "“": "”", "‘": "’", "<": ">"]
            return pairs[first] == last ? "\(first)\(mask)\(last)" : mask
        }
        text = text.replacing(assignmentPattern) { match in
            let name = String(match.output.1)
            // The API's own `sort_key` names a field, not a key: a canonical request echoes it.
            let lower = name.lowercased()
            let secret = lower != "sort_key" && (lower == "access" || isSecretLabel(name)
                || (!freeText && { var name = name; return name.withUTF8 { isSecretQueryName($0) } }()))
            return secret ? "\(name)\(match.output.2)\(masked(match.output.3))" : String(match.output.0)
        }
        text = text.replacing(colonPattern) { match in
            isSecretLabel(String(match.output.1)) ? "\(match.output.1)\(match.output.2)\(masked(match.output.3))" : String(match.output.0)
        }
        text = text.replacing(chineseLabelPattern) { match in "\(match.output.1)\(match.output.2)\(masked(match.output.3))" }
        return text
    }

    // Safe because (the six `nonisolated(unsafe)` patterns below): a Regex is never changed after it
    // is made, and compiles its matching program once, on first use, with an atomic compare-and-swap;
    // the standard library just does not mark Regex Sendable.
    nonisolated(unsafe) private static let headerPattern =
        #/(?i)\b(authorization|x-auth-token|x-security-token|x-subject-token|set-cookie|cookie)(\s*[:=]\s*)[^\r\n]+/#
            .matchingSemantics(.unicodeScalar)
    nonisolated(unsafe) private static let bearerPattern = #/(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+\/-]{8,}=*)/#.matchingSemantics(.unicodeScalar)
    nonisolated(unsafe) private static let jwtPattern =
        #/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/#.matchingSemantics(.unicodeScalar)
    /// A `name=value`: a name, maybe closed by a quote (`"password"="x"`), then `=`, `=>`, `->` or
    /// `＝`, then a quoted or bare value.
    nonisolated(unsafe) private static let assignmentPattern =
        #/([A-Za-z0-9_.%+-]+)(["'”’]?\s*(?:=>?|->|＝)\s*)("[^"]*"|'[^']*'|“[^”]*”|‘[^’]*’|<[^>]*>|[^\s,&;#"'<>()\[\]{}“”‘’，；]+)/#.matchingSemantics(.unicodeScalar)
    /// A label of letters, digits, `_`, `-` and `.` (`db.password:`), from a word's start.
    nonisolated(unsafe) private static let colonPattern =
        #/\b([A-Za-z][A-Za-z0-9_.-]*)(["'”’]?\s*[:：]\s*)("[^"]*"|'[^']*'|“[^”]*”|‘[^’]*’|[^\s,;"'<>()\[\]{}“”‘’，；\/][^\s,;"'<>()\[\]{}“”‘’，；]*)/#
            .matchingSemantics(.unicodeScalar)
    /// `密码` (password), `口令` (passphrase), `密钥` (secret key), `令牌` (token) or `签名` (signature),
    /// or the traditional `密碼`, `密鑰`, `簽名`, alone or ending a longer label (`登录密码`, `推流密钥`),
    /// then `:`, `：`, `=`, `＝`, `=>` or `->`.
    nonisolated(unsafe) private static let chineseLabelPattern =
        #/(密码|密碼|口令|密钥|密鑰|令牌|签名|簽名)(["'”’]?\s*(?:[:：＝]|=>?|->)\s*)("[^"]*"|'[^']*'|“[^”]*”|‘[^’]*’|<[^>]*>|[^\s,;"'<>()\[\]{}“”‘’，；][^\s,;"'<>()\[\]{}“”‘’，；]*)/#
            .matchingSemantics(.unicodeScalar)
    /// A PEM private key, to its END line or, cut short, to the end of the text.
    nonisolated(unsafe) private static let privateKeyPattern =
        #/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/#.matchingSemantics(.unicodeScalar)

    private static let quotedMask = Array("\"\(mask)\"".utf8)

    /// Appends the compact JSON text of the value at `node` of a tape with every secret masked
    /// (docs/SECRETS.md, section 1), at any depth: a member whose name is secret (`isSecretName`),
    /// and the second element of a two-element array whose first is a string naming a secret
    /// (a name/value pair), has its whole non-null value replaced by the mask; every other string,
    /// member names included, is written as `redactText` masks it. Text that needs neither masking nor
    /// re-escaping is copied from the page's bytes as it is. This is the one walker that writes
    /// job data: every job is read from a tape (`SmartLiveJob`), imported or fetched.
    static func writeRedacted(_ tape: JSONTape, _ node: Int, to out: inout [UInt8]) {
        // The copy is at most about as long as the text: reserved once, it never grows and moves.
        out.reserveCapacity(out.count + Int(tape.nodes[node].end - tape.nodes[node].start) + 64)
        let known = KnownText.shared
        tape.bytes.withUnsafeBufferPointer { bytes in
            tape.nodes.withUnsafeBufferPointer { nodes in
                writeRedacted(tape, bytes, nodes, node, known, to: &out)
            }
        }
    }

    private static func writeRedacted(_ tape: JSONTape, _ bytes: UnsafeBufferPointer<UInt8>, _ nodes: UnsafeBufferPointer<JSONTape.Node>,
                                      _ node: Int, _ known: KnownText, to out: inout [UInt8]) {
        let n = nodes[node]
        let text = UnsafeBufferPointer(rebasing: bytes[Int(n.start) ..< Int(n.end)])
        switch n.kind {
        case .object:
            out.append(UInt8(ascii: "{"))
            var k = node + 1
            for m in 0 ..< Int(n.count) {
                if m > 0 { out.append(UInt8(ascii: ",")) }
                let secret: Bool
                if nodes[k].escaped {
                    let key = tape.string(k)
                    JSONValue.writeString(redactText(key), to: &out)
                    secret = isSecretName(key)
                } else {
                    // A key without escapes: its bytes are its JSON text.
                    let start = Int(nodes[k].start)
                    let key = UnsafeBufferPointer(rebasing: bytes[start ..< Int(nodes[k].end)])
                    if let verdict = known.verdict(key, readable: bytes.count - start), !verdict.isChangedByRedaction {
                        writeString(unescaped: key, masked: nil, to: &out)
                        secret = verdict.isSecretName
                    } else {
                        writeString(unescaped: key, masked: redactedText(key), to: &out)
                        secret = isSecretName(bytes: key)
                    }
                }
                out.append(UInt8(ascii: ":"))
                if nodes[k + 1].kind == .null {
                    out.append(contentsOf: "null".utf8)
                } else if secret {
                    out.append(contentsOf: quotedMask)
                } else {
                    writeRedacted(tape, bytes, nodes, k + 1, known, to: &out)
                }
                k = Int(nodes[k + 1].next)
            }
            out.append(UInt8(ascii: "}"))
        case .array:
            out.append(UInt8(ascii: "["))
            var k = node + 1
            // A name/value pair given as an array (`["signature","s"]`, a list of headers as
            // `[["Authorization","Bearer x"]]`): a secret's name first masks the value after it.
            let pair = n.count == 2 && isSecretNameString(tape, bytes, nodes, k, known)
            for m in 0 ..< Int(n.count) {
                if m > 0 { out.append(UInt8(ascii: ",")) }
                if pair && m == 1 && nodes[k].kind != .null {
                    out.append(contentsOf: quotedMask)
                } else {
                    writeRedacted(tape, bytes, nodes, k, known, to: &out)
                }
                k = Int(nodes[k].next)
            }
            out.append(UInt8(ascii: "]"))
        case .string where n.escaped:
            JSONValue.writeString(redactText(tape.string(node)), to: &out)
        case .string:
            let unchanged = known.verdict(text, readable: bytes.count - Int(n.start)).map { !$0.isChangedByRedaction } ?? false
            writeString(unescaped: text, masked: unchanged ? nil : redactedText(text), to: &out)
        case .number, .true, .false, .null:
            out.append(contentsOf: text)
        }
    }

    /// Whether the value at `node` is a string that names a secret member (`isSecretName`).
    @inline(__always)
    private static func isSecretNameString(_ tape: JSONTape, _ bytes: UnsafeBufferPointer<UInt8>, _ nodes: UnsafeBufferPointer<JSONTape.Node>,
                                           _ node: Int, _ known: KnownText) -> Bool {
        guard nodes[node].kind == .string else { return false }
        if nodes[node].escaped { return isSecretName(tape.string(node)) }
        let start = Int(nodes[node].start)
        let text = UnsafeBufferPointer(rebasing: bytes[start ..< Int(nodes[node].end)])
        return known.verdict(text, readable: bytes.count - start)?.isSecretName ?? isSecretName(bytes: text)
    }

    /// Writes a tape string that holds no escape as JSON: its bytes as they are, or `masked` (its
    /// redacted text, which may now hold a quote it carried escaped) escaped as JSON.
    @inline(__always)
    private static func writeString(unescaped text: UnsafeBufferPointer<UInt8>, masked: [UInt8]?, to out: inout [UInt8]) {
        if let masked {
            masked.withUnsafeBufferPointer { JSONValue.writeString(bytes: $0, to: &out) }
        } else {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: text)
            out.append(UInt8(ascii: "\""))
        }
    }

    /// True for member names like `signature`, `key`, `auth_key`, `streamKey`, `security_token`,
    /// `tokens`, `PASSWORD1`, `session_id`; the rules are in docs/SECRETS.md, section 1.
    public static func isSecretName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isSecretName(bytes: $0) }
    }

    /// `isSecretName` for a label in free text (`Key: ...`, `password = ...`): the same, except that
    /// a word merely ending in `key` (`Monkey:`, `hotkey:`) is not a label for a key; `apikey`,
    /// `accesskey`, `secretkey`, `privatekey`, `streamkey`, `appkey`, `authkey` and `signingkey` are.
    static func isSecretLabel(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isSecretName(bytes: $0, label: true) }
    }

    /// `isSecretName` on the name's UTF-8 bytes; it runs for every member of every imported job.
    /// Besides the parts `isSecretPart` marks, a name whose last part is `session`, or with a part
    /// `session` followed by a part `id` (`session_id`, `sessionId`), names a session credential;
    /// so does a member name holding `密码`, `口令`, `密钥`, `令牌` or `签名`, or the traditional
    /// `密碼`, `密鑰` or `簽名` (`推流密钥`, a stream
    /// key), which Chinese writes without separators between words. A label in free text is only
    /// ever ASCII here: `chineseLabelPattern` reads the Chinese ones.
    @inline(__always)
    private static func isSecretName(bytes: UnsafeBufferPointer<UInt8>, label: Bool = false) -> Bool {
        var start = 0
        var previousLower = false
        var afterSession = false
        var afterPass = false
        var nonASCII = false
        for i in 0...bytes.count {
            let b: UInt8 = i < bytes.count ? bytes[i] : UInt8(ascii: "_")
            nonASCII = nonASCII || b >= 0x80
            let isSeparator = b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
            let isUpper = b >= 65 && b <= 90
            if isSeparator || (isUpper && previousLower) {
                if i > start {
                    let part = UnsafeBufferPointer(rebasing: bytes[start..<i])
                    if isSecretPart(part, label: label) { return true }
                    let stem = withoutDigits(part)
                    if afterSession && stem == 2 && matches(part, stem, "id") { return true }
                    // `PassWord`, `passWord`, `Pass_Phrase`: the word split in two by its capital.
                    if afterPass && ((stem == 4 && matches(part, stem, "word")) || (stem == 6 && matches(part, stem, "phrase"))) { return true }
                    afterSession = stem == 7 && matches(part, stem, "session")
                    afterPass = stem == 4 && matches(part, stem, "pass")
                }
                start = isSeparator ? i + 1 : i
            }
            previousLower = b >= 97 && b <= 122
        }
        if nonASCII && !label && holdsChineseLabel(bytes) { return true }
        // As a label in text, `session:` names a session, not its id (`live session: day 2`).
        return afterSession && !label
    }

    /// Whether `bytes` holds one of `chineseLabels`.
    private static func holdsChineseLabel(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 6 else { return false }
        for k in 0 ... bytes.count - 6 where bytes[k] >= 0xE4 {
            let word = UnsafeBufferPointer(rebasing: bytes[k ..< k + 6])
            if chineseLabels.contains(where: { $0.elementsEqual(word) }) { return true }
        }
        return false
    }

    /// The length of `part` without its trailing ASCII digits (`password1` is a password).
    @inline(__always)
    private static func withoutDigits(_ part: UnsafeBufferPointer<UInt8>) -> Int {
        var n = part.count
        while n > 0, part[n - 1] >= 48, part[n - 1] <= 57 { n -= 1 }
        return n
    }

    /// Whether the first `n` bytes of `part` are `word` (lowercase letters, `n` long) in any ASCII case.
    @inline(__always)
    private static func matches(_ part: UnsafeBufferPointer<UInt8>, _ n: Int, _ word: StaticString) -> Bool {
        // OR-ing 0x20 lowercases only letters; `word` is lowercase letters.
        let w = word.utf8Start
        for k in 0 ..< n where part[k] | 0x20 != w[k] { return false }
        return true
    }

    /// Whether a name part (split on `_`, `-`, `.` and lower-to-upper case changes) marks a member
    /// as secret, in any ASCII case, after dropping trailing digits (`key2`, `PASSWORD1`) and, for a
    /// plural, a final `s` (`tokens`, `cookies`, `signatures`): sk, sig, pwd, jwt, key, token,
    /// secret, passwd, cookie, bearer, password, passwort, kennwort, signature, credential,
    /// passphrase, authorization; and any longer part ending in key, token, secret, password or
    /// signature (`apikey`, `streamkey`, `accesstoken`) or in `sessionid` (`JSESSIONID`).
    /// A switch on the length first, since this runs for every member of every job.
    private static func isSecretPart(_ part: UnsafeBufferPointer<UInt8>, label: Bool = false) -> Bool {
        let n = withoutDigits(part)
        if isSecretWord(part, n, label: label) { return true }
        return n >= 4 && part[n - 1] | 0x20 == UInt8(ascii: "s") && isSecretWord(part, n - 1, label: label)
    }

    /// `isSecretPart` for the first `n` bytes of `part`, as they are.
    private static func isSecretWord(_ part: UnsafeBufferPointer<UInt8>, _ n: Int, label: Bool = false) -> Bool {
        func its(_ word: StaticString) -> Bool { matches(part, n, word) }
        func endsWith(_ word: StaticString) -> Bool {
            let m = word.utf8CodeUnitCount
            guard n > m else { return false }
            let w = word.utf8Start
            for k in 0 ..< m where part[n - m + k] | 0x20 != w[k] { return false }
            return true
        }
        switch n {
        case 0, 1: return false
        case 2: return its("sk")
        case 3: return its("sig") || its("pwd") || its("key") || its("jwt")
        case 4: if its("hmac") { return true }
        case 5: if its("token") { return true }
        case 6: if its("secret") || its("passwd") || its("cookie") || its("bearer") { return true }
        case 8: if its("password") || its("passwort") || its("kennwort") { return true }
        case 9: if its("signature") || its("sessionid") { return true }
        case 10: if its("credential") || its("passphrase") { return true }
        case 13: if its("authorization") { return true }
        default: break
        }
        if label, endsWith("key") {
            let compounds: [StaticString] = ["apikey", "accesskey", "secretkey", "privatekey", "streamkey", "appkey", "authkey", "signingkey"]
            return compounds.contains { n == $0.utf8CodeUnitCount && its($0) }
        }
        return endsWith("key") || endsWith("token") || endsWith("secret") || endsWith("password")
            || endsWith("signature") || endsWith("sessionid")
    }

    /// Job text with every credential masked (docs/SECRETS.md, section 1): the credentials of every
    /// URL in it (`redactURL`) and, in free text such as `error_info.error_msg` or `block_reason`,
    /// what section 2 masks in server text (`Authorization: ...`, `Bearer ...`, `password=...`,
    /// `密码：...`, JWTs, `{"secret":"..."}`). Text without `=`, `>`, `:`, `：`, `＝`, `b`/`B`, `eyJ` or
    /// `KEY-` costs one pass over its bytes.
    public static func redactText(_ text: String) -> String {
        var text = text
        guard let masked = text.withUTF8({ redactedText($0) }) else { return text }
        return String(decoding: masked, as: UTF8.self)
    }

    /// The rules `redactText` applies once the URLs of `text` are masked: the free-text patterns
    /// where `freeText`, percent-encoded pieces where `percent`.
    private static func maskingAfterURLs(_ text: String, freeText: Bool, percent: Bool) -> String {
        let masked = freeText ? maskingCredentials([], in: text, freeText: true) : text
        return percent ? maskingEncodedPieces(masked) : masked
    }

    /// The high bit of each byte of `word` that equals `byte` (and maybe of bytes above one that
    /// does: borrows run upwards, so only the lowest set bit is sure). Zero when none equals it.
    @inline(__always)
    private static func byteMask(_ word: UInt64, _ byte: UInt64) -> UInt64 {
        let x = word ^ (byte &* 0x0101_0101_0101_0101)
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// Which kinds of bytes the rules of `redactText` start from `bytes` holds, in one pass eight
    /// bytes at a time: `url` for `?`, `#`, `@` and `:` (`redactedURL`), `freeText` for the bytes
    /// `mayHoldFreeTextCredential` starts from (`:` and `freeTextMask`'s), `percent` for `%`. A
    /// text with none of them is one that no rule changes.
    @inline(__always)
    private static func triggers(_ bytes: UnsafeBufferPointer<UInt8>) -> (url: Bool, freeText: Bool, percent: Bool) {
        let n = bytes.count
        guard let base = bytes.baseAddress, n > 0 else { return (false, false, false) }
        let raw = UnsafeRawPointer(base)
        var url: UInt64 = 0, freeText: UInt64 = 0, percent: UInt64 = 0
        var i = 0
        // A byte's mask is never set unless that byte is in the word (borrows only run upwards
        // from a byte that matched), so each kind found is really there.
        while i + 8 <= n {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let colon = byteMask(word, 0x3A)
            url |= colon | byteMask(word, 0x3F) | byteMask(word, 0x23) | byteMask(word, 0x40)
            freeText |= colon | freeTextMask(word)
            percent |= byteMask(word, 0x25)
            i += 8
        }
        while i < n {
            switch bytes[i] {
            case 0x3A: url = 1; freeText = 1
            case 0x3F, 0x23, 0x40: url = 1
            case 0x3D, 0x3E, 0x4A, 0x59, 0x9A, 0x9D, 0x00 ... 0x0D, 0x20, 0xC2, 0xE0 ... 0xE3: freeText = 1
            case 0x25: percent = 1
            default: break
            }
            i += 1
        }
        return (url != 0, freeText != 0, percent != 0)
    }

    /// The bytes besides `:` that `mayHoldFreeTextCredential` stops at, in a word: `=`, `>` (of
    /// `->`), `J` (of `eyJ`), `Y` (of `KEY-----`), 0x9A and 0x9D (the last bytes of a full-width
    /// colon and equals sign), and the first byte
    /// of every White_Space scalar (after `Bearer` or `Basic`): below 0x0E, space, 0xC2 and 0xE0 to
    /// 0xE3 (a few more than white space starts, for fewer operations). Not `b` or `B`: hex ids,
    /// a dozen in every job, are full of them.
    @inline(__always)
    private static func freeTextMask(_ word: UInt64) -> UInt64 {
        byteMask(word, 0x3D) | byteMask(word, 0x3E) | byteMask(word, 0x4A) | byteMask(word, 0x59) | byteMask(word, 0x9A) | byteMask(word, 0x9D)
            | byteMask(word, 0x20) | byteMask(word, 0xC2)
            | bytesBelow(word, 0x0E) | bytesBelow(word ^ 0xE0E0_E0E0_E0E0_E0E0, 4)
    }

    /// The high bit of each byte of `word` below `limit` (at most 0x80), like `byteMask`: the
    /// lowest one set is sure, those above it may be borrows.
    @inline(__always)
    private static func bytesBelow(_ word: UInt64, _ limit: UInt64) -> UInt64 {
        (word &- limit &* 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }

    /// Whether `bytes` holds a `%` (memchr: most text has none).
    @inline(__always)
    private static func holdsPercent(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return false }
        return memchr(base, Int32(UInt8(ascii: "%")), bytes.count) != nil
    }

    /// `text` with each piece (cut at white space and quotes) that percent-decodes, up to three
    /// times, to a text with a credential masked whole: `secret_access_key%3Dx`, or
    /// `url=https%3A%2F%2Fh%2Fx%3FX-Amz-Signature%3Dy` outside any URL query.
    static func maskingEncodedPieces(_ text: String) -> String {
        var out = ""
        var changed = false
        var piece = ""
        func flush() {
            if piece.contains("%"), hasEncodedSecret(Array(piece.utf8)) { out += mask; changed = true } else { out += piece }
            piece = ""
        }
        for ch in text {
            if ch.isWhitespace || ch == "\"" || ch == "'" || ch == "<" || ch == ">" || ch == "`" { flush(); out.append(ch) } else { piece.append(ch) }
        }
        flush()
        return changed ? out : text
    }

    /// `redactText` of UTF-8 bytes, or nil when nothing needed masking. URLs first (bytes, fast);
    /// the slower rules only where something is left for them. Most strings of a job (ids, names,
    /// states, member names) hold none of the bytes a rule starts from, and cost one pass.
    private static func redactedText(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let found = triggers(bytes)
        guard found.url || found.freeText || found.percent else { return nil }
        let urlMasked = found.url ? redactedURL(bytes) : nil
        let freeText: Bool, percent: Bool
        if let urlMasked {
            (freeText, percent) = urlMasked.withUnsafeBufferPointer { (mayHoldFreeTextCredential($0), holdsPercent($0)) }
        } else {
            (freeText, percent) = (found.freeText && mayHoldFreeTextCredential(bytes), found.percent)
        }
        guard freeText || percent else { return urlMasked }
        let text = urlMasked.map { String(decoding: $0, as: UTF8.self) } ?? String(decoding: bytes, as: UTF8.self)
        let masked = maskingAfterURLs(text, freeText: freeText, percent: percent)
        return masked.utf8.elementsEqual(bytes) ? nil : Array(masked.utf8)
    }

    /// Whether the free-text patterns (`maskingPatterns`) may change `bytes`: one pass, eight bytes
    /// at a time, to the bytes where a pattern's match must be, each looked at more closely only
    /// there. A superset, by construction: every pattern needs one of these, and is checked for
    /// with a rule at least as wide as the pattern's own:
    /// - `-----BEGIN ... PRIVATE KEY-----` holds `KEY-`; a JWT starts with `eyJ`;
    /// - `Bearer` or `Basic` (any ASCII case; no other letter folds to theirs) is followed by a
    ///   White_Space scalar;
    /// - a header's value, a `name=value`, a `name: value` and a Chinese label's value each follow
    ///   `=` (or `=>`), `->`, `:`, `：` or `＝` whose label (`isSecretLabelBefore`) is a secret's;
    /// and a value already masked, which no pattern changes, is passed over (see there).
    /// True sends the text to the patterns; false is a promise that they would not change it.
    static func mayHoldFreeTextCredential(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = bytes.count
        guard n >= 3, let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i < n {
            if i + 8 <= n {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let found = byteMask(word, 0x3A) | freeTextMask(word)
                if found == 0 { i += 8; continue }
                // The lowest flagged byte is a real match (borrows only run upwards).
                i += found.trailingZeroBitCount / 8
            }
            if isFreeTextTrigger(bytes, i) { return true }
            i += 1
        }
        return false
    }

    /// Whether the byte at `i` starts what `mayHoldFreeTextCredential` looks for.
    private static func isFreeTextTrigger(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        let n = bytes.count
        switch bytes[i] {
        case 0x00 ... 0x0D, 0x20, 0xC2, 0xE0 ... 0xE3:
            // White space after `Bearer` or `Basic` (`\s+` of the pattern).
            guard whiteSpaceLength(bytes, at: i) > 0 else { return false }
            for word: StaticString in ["bearer", "basic"] where i >= word.utf8CodeUnitCount {
                let w = word.utf8CodeUnitCount
                if matchesIgnoringCase(UnsafeBufferPointer(rebasing: bytes[i - w ..< i]), word) { return true }
            }
            return false
        case UInt8(ascii: "J"):
            return i >= 2 && bytes[i - 2] == UInt8(ascii: "e") && bytes[i - 1] == UInt8(ascii: "y")
        case UInt8(ascii: "Y"):
            // `PRIVATE KEY-----` of a PEM block.
            return i >= 2 && i + 1 < n && bytes[i - 2] == UInt8(ascii: "K") && bytes[i - 1] == UInt8(ascii: "E") && bytes[i + 1] == UInt8(ascii: "-")
        case 0x9A:
            // The full-width colon U+FF1A (EF BC 9A), as Chinese text writes `密码：` or `pwd：`.
            guard i >= 2, bytes[i - 2] == 0xEF, bytes[i - 1] == 0xBC else { return false }
            return isSecretLabelBefore(bytes, at: i - 2, valueFrom: i + 1, isEquals: false)
        case 0x9D:
            // The full-width equals sign U+FF1D (EF BC 9D): `密码＝x`, `password＝x`.
            guard i >= 2, bytes[i - 2] == 0xEF, bytes[i - 1] == 0xBC else { return false }
            return isSecretLabelBefore(bytes, at: i - 2, valueFrom: i + 1, isEquals: true)
        case UInt8(ascii: ">"):
            // The arrow `->` (`password -> x`); `=>` is found at its `=`.
            guard i >= 1, bytes[i - 1] == UInt8(ascii: "-") else { return false }
            return isSecretLabelBefore(bytes, at: i - 1, valueFrom: i + 1, isEquals: true)
        case UInt8(ascii: "="):
            // `=>` is found here too; its `>` is left in the value, since a header's value takes
            // it (`Cookie=> [REDACTED]` is masked again), so a mask after `=>` is never passed over.
            return isSecretLabelBefore(bytes, at: i, valueFrom: i + 1, isEquals: true)
        case UInt8(ascii: ":"):
            return isSecretLabelBefore(bytes, at: i, valueFrom: i + 1, isEquals: false)
        default:
            return false
        }
    }

    /// The length of the White_Space scalar (what `\s` matches) that starts at `i`, or 0: tab to
    /// carriage return, space, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
    /// U+205F and U+3000.
    @inline(__always)
    private static func whiteSpaceLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let n = bytes.count
        guard i < n else { return 0 }
        switch bytes[i] {
        case 0x09 ... 0x0D, 0x20: return 1
        case 0xC2: return i + 1 < n && (bytes[i + 1] == 0x85 || bytes[i + 1] == 0xA0) ? 2 : 0
        case 0xE1: return i + 2 < n && bytes[i + 1] == 0x9A && bytes[i + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard i + 2 < n else { return 0 }
            let (b1, b2) = (bytes[i + 1], bytes[i + 2])
            return (b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF)) || (b1 == 0x81 && b2 == 0x9F) ? 3 : 0
        case 0xE3: return i + 2 < n && bytes[i + 1] == 0x80 && bytes[i + 2] == 0x80 ? 3 : 0
        default: return 0
        }
    }

    /// The length of the White_Space scalar that ends just before `end`, or 0.
    @inline(__always)
    private static func whiteSpaceLength(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> Int {
        guard end > 0 else { return 0 }
        if bytes[end - 1] < 0x80 { return whiteSpaceLength(bytes, at: end - 1) }
        for k in [2, 3] where end >= k && whiteSpaceLength(bytes, at: end - k) == k { return k }
        return 0
    }

    /// The Kelvin sign U+212A (E2 84 AA), which case-insensitive matching takes for a `k`
    /// (`Coo\u{212A}ie:` is a `Cookie:` header to the header pattern).
    @inline(__always)
    private static func isKelvin(_ bytes: UnsafeBufferPointer<UInt8>, endingAt end: Int) -> Bool {
        end >= 3 && bytes[end - 3] == 0xE2 && bytes[end - 2] == 0x84 && bytes[end - 1] == 0xAA
    }

    /// The labels of `chineseLabelPattern`, in UTF-8: 密码, 密碼, 口令, 密钥, 密鑰, 令牌, 签名, 簽名.
    private static let chineseLabels: [[UInt8]] = ["密码", "密碼", "口令", "密钥", "密鑰", "令牌", "签名", "簽名"].map { Array($0.utf8) }

    /// The names of `headerPattern`, whose value runs to the end of its line.
    private static let headerNames: [StaticString] = ["authorization", "x-auth-token", "x-security-token", "x-subject-token", "cookie"]

    /// Whether a pattern may mask the value of the `=`, `=>`, `->` or `＝` (`isEquals`), `:` or `：` that spans
    /// `at ..< valueFrom`. Its label, found as the patterns find theirs:
    /// - White_Space scalars are passed over backwards (`\s*`), then one closing quote (`"`, `'`,
    ///   `”`, `’`), which a `name: value` and a Chinese label may have;
    /// - a Chinese label (`密码`, ...) ends there; or the run of name bytes (ASCII letters, digits,
    ///   `_ . % + -`, and the Kelvin sign) ending there, `R`, is a secret's label
    ///   (`isSecretLabel`), or `Access` before `=`. A pattern's label is `R` (`name=value`) or a
    ///   part of `R` from a word's start to its end; one that starts after `.`, `-` or `_` has
    ///   only parts `R` has too, so `R`'s verdict holds for it; one that starts after `%`, `+` or
    ///   a Kelvin sign (no separators of `isSecretName`) is checked on its own.
    /// A value that is already the mask, bare or in matching quotes, is one no pattern changes
    /// (none takes a bare value starting with `[`, and `"[REDACTED]"` is masked to itself), except
    /// a header's, which runs to the end of the line: there only a mask that ends the line is.
    /// The mask is looked for first: a URL's query, masked before, is full of `name=[REDACTED]`.
    private static func isSecretLabelBefore(_ bytes: UnsafeBufferPointer<UInt8>, at: Int, valueFrom: Int, isEquals: Bool) -> Bool {
        let n = bytes.count
        var end = at
        while case let k = whiteSpaceLength(bytes, before: end), k > 0 { end -= k }
        var quoted = false
        if end > 0, bytes[end - 1] == UInt8(ascii: "\"") || bytes[end - 1] == UInt8(ascii: "'") { end -= 1; quoted = true }
        else if end >= 3, bytes[end - 3] == 0xE2, bytes[end - 2] == 0x80, bytes[end - 1] == 0x9D || bytes[end - 1] == 0x99 { end -= 3; quoted = true }
        guard end > 0 else { return false }
        var value = valueFrom
        while value < n, bytes[value] == 0x20 || bytes[value] == 0x09 { value += 1 }
        if value < n, bytes[value] == UInt8(ascii: "[") || bytes[value] == UInt8(ascii: "\"") || bytes[value] == UInt8(ascii: "'") {
            // A header's name stands right before its white space and sign, never in quotes.
            let header = !quoted && endsWithHeaderName(bytes, end)
            if let close = maskEnd(bytes, from: value) {
                if !header || close == n || bytes[close] == 0x0A || bytes[close] == 0x0D { return false }
            } else if !header, let close = maskEnd(bytes, from: value + 1), close < n, bytes[close] == bytes[value] {
                return false
            }
        }
        if end >= 6, bytes[end - 1] >= 0x80 {
            let tail = UnsafeBufferPointer(rebasing: bytes[end - 6 ..< end])
            if chineseLabels.contains(where: { $0.elementsEqual(tail) }) { return true }
        }
        // A scheme's `https://`: no value of `name: value` starts with `/`; a header's may.
        if !isEquals, valueFrom < n, bytes[valueFrom] == UInt8(ascii: "/") { return !quoted && endsWithHeaderName(bytes, end) }
        var start = end
        var kelvin = false, split = false, letters = false
        while start > 0 {
            let b = bytes[start - 1]
            if isNameByte(b) {
                split = split || b == UInt8(ascii: "%") || b == UInt8(ascii: "+")
                // Every secret's label has two letters in a row (`sk` is the shortest word);
                // a time's `T00:10` or an `id=2` has not.
                letters = letters || (start < end && isLetter(b) && isLetter(bytes[start]))
                start -= 1
            } else if isKelvin(bytes, endingAt: start) {
                start -= 3
                kelvin = true
            } else {
                break
            }
        }
        guard start < end, letters || kelvin else { return false }
        return isSecretLabel(UnsafeBufferPointer(rebasing: bytes[start ..< end]), kelvin: kelvin, split: split, isEquals: isEquals)
    }

    @inline(__always)
    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }

    /// Whether the text before `end` ends with one of `headerNames` in any ASCII case, a Kelvin
    /// sign standing for a `k`.
    private static func endsWithHeaderName(_ bytes: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        // Each ends in `n` or `e`.
        guard end > 0, bytes[end - 1] | 0x20 == UInt8(ascii: "n") || bytes[end - 1] | 0x20 == UInt8(ascii: "e") else { return false }
        names: for name in headerNames {
            let w = name.utf8Start
            var j = end
            for k in stride(from: name.utf8CodeUnitCount - 1, through: 0, by: -1) {
                guard j > 0 else { continue names }
                let b = bytes[j - 1]
                if b == w[k] || (w[k] >= 0x61 && b | 0x20 == w[k]) { j -= 1; continue }
                if w[k] == UInt8(ascii: "k"), isKelvin(bytes, endingAt: j) { j -= 3; continue }
                continue names
            }
            return true
        }
        return false
    }

    /// Where the mask that starts at `from` ends, or nil when none starts there.
    @inline(__always)
    private static func maskEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from + maskBytes.count <= bytes.count else { return nil }
        for k in 0 ..< maskBytes.count where bytes[from + k] != maskBytes[k] { return nil }
        return from + maskBytes.count
    }

    /// `isSecretLabelBefore`'s verdict on the run of name bytes `name`: whether it (the Kelvin
    /// sign read as `k`), or, where it holds `%` or `+` (`split`) or a Kelvin sign, the part after
    /// any of them, is a secret's label, or `Access` before `=`.
    private static func isSecretLabel(_ name: UnsafeBufferPointer<UInt8>, kelvin: Bool, split: Bool, isEquals: Bool) -> Bool {
        func verdict(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
            isSecretName(bytes: name, label: true) || (isEquals && name.count == 6 && matches(name, 6, "access"))
        }
        if !kelvin {
            if verdict(name) { return true }
            guard split else { return false }
            for k in 0 ..< name.count where name[k] == UInt8(ascii: "%") || name[k] == UInt8(ascii: "+") {
                if verdict(UnsafeBufferPointer(rebasing: name[(k + 1)...])) { return true }
            }
            return false
        }
        // Rare: read each Kelvin sign as `k` (what the header pattern does), and the ASCII after
        // the last one on its own (where the other patterns' labels may start).
        var folded: [UInt8] = []
        var k = 0
        while k < name.count {
            if name[k] == 0xE2 { folded.append(UInt8(ascii: "k")); k += 3 } else { folded.append(name[k]); k += 1 }
        }
        var last = name.count
        while last > 0, name[last - 1] != 0xAA { last -= 1 }
        return folded.withUnsafeBufferPointer { isSecretLabel($0, kelvin: false, split: split, isEquals: isEquals) }
            || isSecretLabel(UnsafeBufferPointer(rebasing: name[last...]), kelvin: false, split: split, isEquals: isEquals)
    }

    /// Letters, digits and `_ . % + -`: the bytes of a name before `=` or `:`.
    @inline(__always)
    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "%") || b == UInt8(ascii: "+")
    }

    private static func matchesIgnoringCase(_ part: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard part.count == word.utf8CodeUnitCount else { return false }
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for k in 0 ..< part.count where (part[k] | 0x20) != w[k] { return false }
        return true
    }

    /// Masks the credentials of every URL in `text` (with or without a scheme): user-info, and
    /// credential-like query and fragment values; other text is returned as is.
    public static func redactURL(_ text: String) -> String {
        var text = text
        let masked = text.withUTF8 { redactedURL($0) }
        return masked.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// The bytes of `bytes` with the credentials of every URL in it masked, or nil when nothing
    /// needed masking. The common case, a string with none of `://`, `?`, `#` or `@`, is found
    /// eight bytes at a time and allocates nothing: this runs on every string of every job.
    ///
    /// The text is cut into pieces at whitespace, quotes and angle brackets (none of which a URL
    /// holds), and each piece is one URL (`maskURL`), so a message naming several URLs has each masked.
    private static func redactedURL(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard mayHoldURL(bytes) else { return nil }
        var masker = Masker(bytes: bytes)
        var start = 0
        while start < bytes.count {
            while start < bytes.count, isPieceSeparator(bytes[start]) { start += 1 }
            var end = start
            while end < bytes.count, !isPieceSeparator(bytes[end]) { end += 1 }
            if end - start >= 3 { maskURL(start, end, &masker) }
            start = end
        }
        return masker.finished()
    }

    /// Whether `bytes` has a `?`, `#`, `@` or `://`: eight bytes at a time until a word holds one of
    /// `?#@:`, then byte by byte (a `:` alone, as in a timestamp, is not enough).
    @inline(__always)
    private static func mayHoldURL(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = bytes.count
        guard n >= 3, let base = bytes.baseAddress else { return false }
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= n {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if byteMask(word, 0x3F) | byteMask(word, 0x23) | byteMask(word, 0x40) | byteMask(word, 0x3A) != 0 { break }
            i += 8
        }
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "?") || b == UInt8(ascii: "#") || b == UInt8(ascii: "@") { return true }
            if b == UInt8(ascii: ":"), i + 2 < n, bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/") { return true }
            i += 1
        }
        return false
    }

    /// Bytes that end a URL in running text: whitespace, quotes and angle brackets.
    @inline(__always)
    private static func isPieceSeparator(_ b: UInt8) -> Bool {
        b < 64 ? (pieceSeparatorsBelow64 >> UInt64(b)) & 1 != 0 : b == UInt8(ascii: "`")
    }

    /// One bit per byte below 64 that `isPieceSeparator` takes: tab to carriage return (bits 9-13),
    /// space (32), `"` (34), `'` (39), `<` (60) and `>` (62); a bit test instead of eleven
    /// comparisons, for every byte of every URL.
    private static let pieceSeparatorsBelow64: UInt64 = 0x5000_0085_0000_3E00

    /// Builds the masked copy of a text, one masked range at a time, in order; nothing is
    /// allocated until the first range.
    private struct Masker {
        let bytes: UnsafeBufferPointer<UInt8>
        var out: [UInt8] = []
        var copied = 0
        var masked = false

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// Replaces `bytes[from ..< to]` with the mask; ranges come in increasing order.
        mutating func mask(from: Int, to: Int) {
            guard from < to, from >= copied else { return }
            if !masked { out.reserveCapacity(bytes.count + 16); masked = true }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied ..< from]))
            out.append(contentsOf: maskBytes)
            copied = to
        }

        /// The masked text, or nil when no range was masked.
        mutating func finished() -> [UInt8]? {
            guard masked else { return nil }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            return out
        }
    }

    /// Masks the credentials of the URL `bytes[start ..< end]` (one piece of a text):
    /// - user-info after each `scheme://`: the password of `user:password@`, or the whole of a
    ///   user-info without a colon (a token given as the user name, `https://ghp_x@github.com`);
    /// - without any `scheme://`, the password of `user:password@host` (`live:pw@push.example.com`),
    ///   when the user-info is ASCII URL text, a host follows, and the user is not `mailto`, `sip`,
    ///   `sips` or `xmpp` (whose `name:user@host` is an address); an e-mail address is never masked;
    /// - after the first `?` or `#`, the value of each `name=value` pair (pairs split on `&`, `;`,
    ///   `?` and `#`) whose name reads like a credential (`isSecretQueryName`), and the user-info of
    ///   a URL given as another pair's value (`next=rtmp://user:pw@host`).
    private static func maskURL(_ start: Int, _ end: Int, _ masker: inout Masker) {
        let bytes = masker.bytes
        var query = end
        for i in start ..< end where bytes[i] == UInt8(ascii: "?") || bytes[i] == UInt8(ascii: "#") {
            query = i
            break
        }
        var sawScheme = false
        var i = start
        while i + 2 < query {
            // To the next `:` (memchr: a URL has one or two before its query).
            guard let colon = memchr(bytes.baseAddress! + i, Int32(UInt8(ascii: ":")), query - 2 - i) else { break }
            i = UnsafePointer<UInt8>(colon.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress!
            if bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/") {
                sawScheme = true
                i = maskUserInfo(after: i + 3, before: query, &masker)
            } else {
                i += 1
            }
        }
        if !sawScheme { maskSchemelessPassword(start, query, &masker) }
        guard query < end else { return }
        var pairStart = query + 1
        while pairStart < end {
            var pairEnd = pairStart
            var eq: Int?
            while pairEnd < end {
                let b = bytes[pairEnd]
                if b == UInt8(ascii: "&") || b == UInt8(ascii: ";") || b == UInt8(ascii: "?") || b == UInt8(ascii: "#") { break }
                if eq == nil, b == UInt8(ascii: "=") { eq = pairEnd }
                pairEnd += 1
            }
            if let eq, eq + 1 < pairEnd {
                if isSecretQueryName(UnsafeBufferPointer(rebasing: bytes[pairStart ..< eq])) {
                    masker.mask(from: eq + 1, to: pairEnd)
                } else if hasEncodedSecret(UnsafeBufferPointer(rebasing: bytes[eq + 1 ..< pairEnd])) {
                    // A percent-encoded URL as a value (`redirect_uri=https%3A%2F%2Fb%2Fcb%3Fsig%3D...`)
                    // that carries a credential is masked whole: re-encoding only its secret would
                    // need the exact escapes the sender chose.
                    masker.mask(from: eq + 1, to: pairEnd)
                } else {
                    // A URL as a value (`next=rtmp://user:pw@host/app`) keeps no user-info either.
                    var k = eq + 1
                    while k + 2 < pairEnd {
                        if bytes[k] == UInt8(ascii: ":"), bytes[k + 1] == UInt8(ascii: "/"), bytes[k + 2] == UInt8(ascii: "/") {
                            k = maskUserInfo(after: k + 3, before: pairEnd, &masker)
                        } else {
                            k += 1
                        }
                    }
                }
            }
            pairStart = pairEnd + 1
        }
    }

    /// Whether `value`, a query value holding percent escapes, decodes (up to three times, for
    /// values encoded again at each hop) to a text with a credential by these rules.
    private static func hasEncodedSecret(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        value.count >= 3 && holdsPercent(value) && hasEncodedSecret(Array(value))
    }

    private static func hasEncodedSecret(_ value: [UInt8]) -> Bool {
        guard value.count >= 3, value.contains(UInt8(ascii: "%")) else { return false }
        var text = value
        for _ in 0 ..< 3 {
            guard let decoded = percentDecoded(text) else { return false }
            text = decoded
            // A secret left to mask (the mask itself, decoded again, is no secret): one the URL
            // rules or the free-text patterns would mask, not merely one the pre-filter let through.
            if text.withUnsafeBufferPointer({ p in
                redactedURL(p).map { !$0.elementsEqual(p) } ?? false
                    || (mayHoldFreeTextCredential(p) && !maskingPatterns(String(decoding: p, as: UTF8.self), freeText: true).utf8.elementsEqual(p))
            }) {
                return true
            }
        }
        return false
    }

    /// `bytes` with each `%XX` decoded (and `+` as a space), or nil when it holds no escape.
    private static func percentDecoded(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var changed = false
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
                changed = true
            } else {
                out.append(bytes[i] == UInt8(ascii: "+") ? UInt8(ascii: " ") : bytes[i])
                i += 1
            }
        }
        return changed ? out : nil
    }

    /// Masks the user-info of the authority starting at `start` (just after `://`) and ending at
    /// the first `/` before `limit`: after its first colon, or whole without one. Returns the end
    /// of the authority.
    private static func maskUserInfo(after start: Int, before limit: Int, _ masker: inout Masker) -> Int {
        let bytes = masker.bytes
        let (end, at) = authority(bytes, from: start, before: limit)
        guard let at, at > start else { return end }
        if let colon = (start ..< at).first(where: { bytes[$0] == UInt8(ascii: ":") }) {
            masker.mask(from: colon + 1, to: at)
        } else {
            masker.mask(from: start, to: at)
        }
        return end
    }

    /// Masks the password of a `user:password@host` that has no scheme before it, in the text
    /// `bytes[start ..< limit]` up to its first `/` (see `maskURL` for when).
    private static func maskSchemelessPassword(_ start: Int, _ limit: Int, _ masker: inout Masker) {
        let bytes = masker.bytes
        let (end, at) = authority(bytes, from: start, before: limit)
        guard let at, at + 1 < end, isHostStart(bytes[at + 1]) else { return }
        var colon: Int?
        for k in start ..< at {
            let b = bytes[k]
            guard isUserInfoByte(b) else { return }
            if colon == nil, b == UInt8(ascii: ":") { colon = k }
        }
        guard let colon, colon > start, colon + 1 < at else { return }
        let user = UnsafeBufferPointer(rebasing: bytes[start ..< colon])
        let n = user.count
        if (n == 6 && matches(user, n, "mailto")) || (n == 3 && matches(user, n, "sip"))
            || (n == 4 && (matches(user, n, "sips") || matches(user, n, "xmpp"))) { return }
        masker.mask(from: colon + 1, to: at)
    }

    /// Where the authority starting at `start` ends (its first `/` before `limit`, or `limit`) and
    /// its last `@`, which ends the user-info (RFC 3986 §3.2), if it has one.
    private static func authority(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, before limit: Int) -> (end: Int, at: Int?) {
        var end = start
        var at: Int?
        while end < limit, bytes[end] != UInt8(ascii: "/") {
            if bytes[end] == UInt8(ascii: "@") { at = end }
            end += 1
        }
        return (end, at)
    }

    /// Bytes RFC 3986 allows in user-info: unreserved, percent escapes, sub-delimiters and `:`.
    @inline(__always)
    private static func isUserInfoByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"), UInt8(ascii: "!"),
             UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }

    /// A letter, digit or `[` (an IPv6 literal): how a host name starts.
    @inline(__always)
    private static func isHostStart(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == UInt8(ascii: "[")
    }

    private static let maskBytes = Array(mask.utf8)
    private static let secretQueryFragmentBytes = secretQueryFragments.map { Array($0.utf8) }

    /// True when the parameter name, percent-decoded (`%73ig` is `sig`, `+` a space) and in any
    /// ASCII case, contains a credential-like fragment (`sign`, `token`, `key`, ...), has a part
    /// (split on anything but letters and digits) that is `sig`, `sk`, `ak`, `pw`, `pwd` or `jwt`,
    /// or is `code` (an OAuth authorization code). Allocates nothing (names over 256 bytes are not
    /// parameter names).
    static func isSecretQueryName(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !raw.isEmpty, raw.count <= 256 else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: raw.count) { buffer in
            var count = 0
            var i = 0
            while i < raw.count {
                var b = raw[i]
                if b == UInt8(ascii: "%"), i + 2 < raw.count, let hi = hexValue(raw[i + 1]), let lo = hexValue(raw[i + 2]) {
                    b = hi << 4 | lo
                    i += 2
                } else if b == UInt8(ascii: "+") {
                    b = UInt8(ascii: " ")
                }
                buffer[count] = b >= 65 && b <= 90 ? b + 32 : b
                count += 1
                i += 1
            }
            // A name encoded again at each hop (`%2573ig` is `%73ig` is `sig`): decode twice more.
            for _ in 0 ..< 2 {
                var out = 0, k = 0, decodedAny = false
                while k < count {
                    if buffer[k] == UInt8(ascii: "%"), k + 2 < count, let hi = hexValue(buffer[k + 1]), let lo = hexValue(buffer[k + 2]) {
                        let b = hi << 4 | lo
                        buffer[out] = b >= 65 && b <= 90 ? b + 32 : b
                        k += 3
                        decodedAny = true
                    } else {
                        buffer[out] = buffer[k]
                        k += 1
                    }
                    out += 1
                }
                count = out
                if !decodedAny { break }
            }
            let name = UnsafeBufferPointer(rebasing: buffer[0 ..< count])
            for fragment in secretQueryFragmentBytes where count >= fragment.count {
                search: for i in 0 ... (count - fragment.count) {
                    for (j, f) in fragment.enumerated() where name[i + j] != f { continue search }
                    return true
                }
            }
            if count == 4 && matches(name, 4, "code") { return true }
            var partStart = 0
            for k in 0 ... count {
                let b: UInt8 = k < count ? name[k] : 0
                if (b >= 97 && b <= 122) || (b >= 48 && b <= 57) { continue }
                let part = UnsafeBufferPointer(rebasing: name[partStart ..< k])
                switch part.count {
                case 2: if matches(part, 2, "sk") || matches(part, 2, "ak") || matches(part, 2, "pw") { return true }
                case 3: if matches(part, 3, "sig") || matches(part, 3, "pwd") || matches(part, 3, "jwt") { return true }
                default: break
                }
                partStart = k + 1
            }
            return false
        }
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }
}

extension JSONTapeValue {
    /// The compact JSON text of this value with every secret masked, as a job's stored copy is
    /// written (`SecretRedactor.writeRedacted`): for a message that quotes a value from outside.
    public var redactedJSON: String {
        var out: [UInt8] = []
        SecretRedactor.writeRedacted(tape, index, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
