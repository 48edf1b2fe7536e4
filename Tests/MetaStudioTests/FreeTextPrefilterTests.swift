import MetaStudioSimulator
import Testing
@testable import MetaStudio

/// The free-text rules of docs/SECRETS.md, section 1, are regular expressions; a byte scan
/// (`SecretRedactor.mayHoldFreeTextCredential`, behind the byte triggers of `redactText`) decides
/// which strings they run on, since they are slow and run on every string of every job. The scan
/// must say yes to every text the expressions would change: these tests generate texts around
/// every label the rules know (with every separator, the white space and quotes around it, and
/// values of every kind) and hold `redactText` to the rules run on everything.
@Suite(.timeLimit(.minutes(3))) struct FreeTextPrefilterTests {
    static let labels = [
        "password", "Password", "PASSWORD1", "passwd", "pwd", "pwd2", "passphrase", "passwort", "kennwort", "secret",
        "client_secret", "token", "access_token", "X-Auth-Token", "x-security-token", "X-Subject-Token", "authorization",
        "Authorization", "proxy-authorization", "cookie", "Set-Cookie", "sessionid", "session_id", "JSESSIONID", "signature",
        "sig", "X-Amz-Signature", "credential", "jwt", "bearer", "sk", "apikey", "x-api-key", "accesskey", "secretkey",
        "private_key", "streamKey", "appkey", "authkey", "signingkey", "aws_secret_access_key", "access", "Access",
        "sort_key", "Coo\u{212A}ie", "x-auth-to\u{212A}en", "db.password", "a%pwd", "%pwd", "1-pwd", "%cookie", "a+token",
        "1.cookie", "x_cookie", "密码", "登录密码", "口令", "密钥", "令牌", "签名", "密碼", "密鑰", "簽名", "推流密鑰", "hmac",
        "Monkey", "hotkey", "session", "keyword", "Donkey", "Tokyo", "Room", "Bearer", "Basic",
    ]
    /// Between the label and its sign: nothing, white space of every kind, a closing quote.
    static let beforeSign = ["", " ", "  ", "\t", "\"", "'", "”", "’", "\" ", "\u{A0}", "\n", "\r\n", "\u{3000}", "\u{2009}", "\u{85}", " \u{301}"]
    /// Signs: `:`, `=`, their full-width forms, the arrows `=>` and `->`, and white space alone.
    static let signs = [":", "=", "：", "＝", "=>", "->", "-->", " ", "\t", "\n", "\u{3000}"]
    static let afterSign = ["", " ", "\u{A0}", "\n", "\u{3000}", "\t "]
    /// Values starting with a digit, a letter, a quote, a symbol, non-ASCII text, or already masked.
    static let values = [
        "123456", "8888", "1bcdef", "12345abcdef", "abcDEF12", "hunter2", "\"q v\"", "'q'", "“q v”", "‘q v’", "‘[REDACTED]’", "<q>", "!@#$", "/path", "-x",
        "[REDACTED]", "[REDACTED] tail", "[REDACTED]\" tail", "\"[REDACTED]\"", "\"MIIEhQ SECP01\" x", ">x", "'[REDACTED]' x",
        "\"[REDACTED] x\"", "'[REDACTED]'x", "密码值", "é", "😀", "",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "abcdefgh1", "token expired", "dXNlcjpwYXNzd29yZA==",
    ]
    static let prefixes = ["", "msg ", "?", "x=1&", "\"", "'", "{\"", "“", "‘", "重要", "see https://h.example.com/p?a=1 ", "é"]
    static let suffixes = ["", " end", ",next", "\r\nmore", "\"", "。", "&b=2", " KEY-----"]

    /// The texts: every label with every sign and every value, each three times with the rest
    /// drawn at random; then random concatenations of all the pieces.
    static func texts() -> [String] {
        var rng = SplitMix64(seed: 2027)
        var texts: [String] = []
        for label in labels {
            for sign in signs {
                for value in values {
                    for _ in 0 ..< 3 {
                        texts.append(rng.pick(prefixes) + label + rng.pick(beforeSign) + sign + rng.pick(afterSign) + value + rng.pick(suffixes))
                    }
                }
            }
        }
        let pieces = labels + beforeSign + signs + afterSign + values + prefixes + suffixes
        for _ in 0 ..< 20_000 {
            texts.append((0 ..< 2 + rng.below(7)).map { _ in rng.pick(pieces) }.joined())
        }
        return texts
    }

    static func mayHold(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { SecretRedactor.mayHoldFreeTextCredential($0) }
    }

    /// Whenever the free-text rules change a text (with no URL in it for the URL rules to change),
    /// the pre-filter said yes; and `redactText` writes what every rule run without any pre-filter
    /// writes.
    @Test func thePrefilterSaysYesToEveryTextTheRulesChange() {
        var changed = 0, missed: [String] = [], differs: [String] = []
        for text in Self.texts() {
            if SecretRedactor.redactURL(text) == text, SecretRedactor.maskingCredentials([], in: text, freeText: true) != text {
                changed += 1
                if !Self.mayHold(text) { missed.append(text) }
            }
            let everyRule = SecretRedactor.maskingEncodedPieces(
                SecretRedactor.maskingCredentials([], in: SecretRedactor.redactURL(text), freeText: true))
            if SecretRedactor.redactText(text) != everyRule { differs.append(text) }
        }
        #expect(changed > 10_000, "the texts should give the rules work")
        #expect(missed.isEmpty, "\(missed.count) missed, e.g. \(missed.prefix(12).map(\.debugDescription))")
        #expect(differs.isEmpty, "\(differs.count) differ, e.g. \(differs.prefix(12).map(\.debugDescription))")
    }

    /// The reviewer's cases, and texts the pre-filter must leave alone (it exists for speed).
    @Test func labelsBeforeDigitsAreMaskedAndOrdinaryTextIsNotLookedAt() {
        for (text, masked) in [("password:123456", "password:[REDACTED]"), ("pwd:8888", "pwd:[REDACTED]"),
                               ("X-Auth-Token:12345abcdef", "X-Auth-Token:[REDACTED]"), ("Authorization:1bcdef", "Authorization:[REDACTED]"),
                               ("db.password: hunter2", "db.password: [REDACTED]"), ("Bearer\nabcdefgh1", "Bearer\n[REDACTED]")] {
            #expect(SecretRedactor.redactText(text) == masked, "\(text)")
        }
        for text in ["美妆直播间 🎉", "10:30 start", "Room: Monkey Donkey=1", "2026-11-03T00:00:00Z", "Q&A #1 sale=50%",
                     "https://h.example.com/x?a=1&b=2", "https://h.example.com/x?token=[REDACTED]&b=2", "password=[REDACTED]",
                     "密码错误，请重试", "时间：10:30"] {
            #expect(!Self.mayHold(text), "\(text)")
        }
    }
}
