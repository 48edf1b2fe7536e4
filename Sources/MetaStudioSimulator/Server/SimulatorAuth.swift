import Foundation
import MetaStudio

/// The gateway's authentication: a token compared as is, or an SDK-HMAC-SHA256 signature recomputed
/// from the request exactly as received, with the real gateway's clock-skew limit and AK lockout, so a
/// client's signer is proven against a verifier and not only against its own test vector.
///
/// Concurrency: one lock (`lockout`, a `Locked`) guards each AK's consecutive failures and lock;
/// the signature itself is checked outside it.
final class SimulatorAuth: Sendable {
    /// What the check decided; `lockedNow` is true when this failure locked the AK.
    enum Outcome {
        case allowed
        case denied(SimulatorError, lockedNow: Bool)
    }

    /// The parts of a received request a signature covers, as they arrived on the wire.
    struct Received {
        var method: String
        /// The path as sent (still percent-encoded).
        var rawPath: String
        /// The query string as sent, without `?` (nil when there was none).
        var rawQuery: String?
        /// A header's value by lower-case name (`host` included), or nil when it was not sent.
        var header: (String) -> String?
    }

    /// Consecutive failures that are tolerated; one more locks the AK (the contract: "more than five").
    static let maxConsecutiveFailures = 5

    private struct Lockout: Sendable {
        var failures: [String: Int] = [:]
        var lockedUntil: [String: Double] = [:]
    }

    private let config: SimulatorConfig
    private let lockout = Locked(Lockout())

    init(config: SimulatorConfig) {
        self.config = config
    }

    /// Checks a request against the configured credentials; `now` is seconds since 1970.
    func check(_ request: Received, now: Double) -> Outcome {
        switch config.auth {
        case .any:
            return .allowed
        case .token(let token):
            return checkToken(request, token)
        case .aksk(let ak, let sk):
            return checkSignature(request, ak: ak, sk: sk, now: now)
        case .tokenOrAKSK(let token, let ak, let sk):
            if request.header("authorization")?.hasPrefix(RequestSigner.algorithm + " ") == true {
                return checkSignature(request, ak: ak, sk: sk, now: now)
            }
            return checkToken(request, token)
        }
    }

    private func checkToken(_ request: Received, _ token: String) -> Outcome {
        guard let sent = request.header("x-auth-token"), !sent.isEmpty else {
            return .denied(.unauthorized("Unauthorized: X-Auth-Token is missing"), lockedNow: false)
        }
        guard sent == token else {
            return .denied(.unauthorized("Unauthorized: the X-Auth-Token is not valid"), lockedNow: false)
        }
        return .allowed
    }

    /// The `Access`, `SignedHeaders` and `Signature` of an `SDK-HMAC-SHA256` Authorization value.
    static func parseAuthorization(_ value: String) -> (access: String, signedHeaders: String, signature: String)? {
        let prefix = RequestSigner.algorithm + " "
        guard value.hasPrefix(prefix) else { return nil }
        var parts: [String: String] = [:]
        for item in value.dropFirst(prefix.count).split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            parts[pair[0].trimmingCharacters(in: .whitespaces)] = pair[1].trimmingCharacters(in: .whitespaces)
        }
        guard let access = parts["Access"], let signed = parts["SignedHeaders"], let signature = parts["Signature"],
              !access.isEmpty, !signed.isEmpty, !signature.isEmpty else { return nil }
        return (access, signed, signature)
    }

    /// Seconds since 1970 of a `YYYYMMDDTHHMMSSZ` date, or nil when it is not one.
    static func parseSdkDate(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        func digits(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for byte in b[from..<(from + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let y = digits(0, 4), let mo = digits(4, 2), let d = digits(6, 2), let h = digits(9, 2),
              let mi = digits(11, 2), let s = digits(13, 2), (1...12).contains(mo), (1...31).contains(d),
              h < 24, mi < 60, s < 61 else { return nil }
        return Double(RFC3339.daysFromCivil(year: y, month: mo, day: d) * 86_400 + h * 3600 + mi * 60 + s)
    }

    private func checkSignature(_ request: Received, ak: String, sk: String, now: Double) -> Outcome {
        let prefix = "Incorrect IAM authentication information: "
        guard let authorization = request.header("authorization"),
              let parsed = Self.parseAuthorization(authorization) else {
            return .denied(.signature(prefix + "Authorization is missing or is not \(RequestSigner.algorithm)"), lockedNow: false)
        }
        let access = parsed.access
        if let remaining = lockRemaining(access, now: now) {
            return .denied(.signature(prefix + "the AK is locked for \(Int(remaining.rounded(.up))) more seconds "
                                      + "after too many consecutive authentication failures"), lockedNow: false)
        }
        if let problem = signatureProblem(request, parsed, ak: ak, sk: sk, now: now) {
            return .denied(.signature(prefix + problem), lockedNow: recordFailure(access, now: now))
        }
        lockout.withLock { $0.failures[access] = nil }
        return .allowed
    }

    /// Why the signature is not accepted, or nil when it is.
    private func signatureProblem(_ request: Received, _ parsed: (access: String, signedHeaders: String, signature: String),
                                  ak: String, sk: String, now: Double) -> String? {
        guard parsed.access == ak else { return "verify aksk signature fail, the AK \(parsed.access) does not exist" }
        let names = parsed.signedHeaders.split(separator: ";").map(String.init)
        guard names.contains("x-sdk-date"), let dateText = request.header("x-sdk-date"),
              let date = Self.parseSdkDate(dateText) else {
            return "verify aksk signature fail, X-Sdk-Date is missing, unsigned or not YYYYMMDDTHHMMSSZ"
        }
        guard abs(now - date) <= config.maxClockSkewSeconds else {
            return "verify aksk signature fail, X-Sdk-Date \(dateText) is more than \(Int(config.maxClockSkewSeconds / 60)) minutes off the server time"
        }
        guard request.header("x-project-id") == config.projectId else {
            return "X-Project-Id is missing or does not match the project of the request"
        }
        var headers: [(name: String, value: String)] = []
        var securityToken: String?
        for name in names where name != "x-sdk-date" {
            guard let value = request.header(name) else {
                return "verify aksk signature fail, signed header \(name) was not sent"
            }
            if name == "x-security-token" { securityToken = value } else { headers.append((name: name, value: value)) }
        }
        let rawQuery = request.rawQuery ?? ""
        guard let pairs = ListJobsHandler.decodePairs(rawQuery), let path = request.rawPath.removingPercentEncoding else {
            return "verify aksk signature fail, the request has invalid percent-encoding"
        }
        let signed = RequestSigner.sign(method: request.method, path: path, query: pairs, headers: headers,
                                        credentials: AKSKCredentials(accessKey: ak, secretKey: sk, securityToken: securityToken),
                                        date: Date(timeIntervalSince1970: date))
        let expected = signed.headers.last { $0.name == "Authorization" }
            .flatMap { Self.parseAuthorization($0.value) }
        let canonicalText = "CanonicalRequest:\n\(signed.canonicalRequest)\nStringToSign:\n\(signed.stringToSign)"
        guard signed.query == rawQuery else {
            return "verify aksk signature fail, the query string is not canonical (expected \(signed.query)); \(canonicalText)"
        }
        guard let expected, expected.signedHeaders == parsed.signedHeaders,
              Self.constantTimeEqual(expected.signature, parsed.signature.lowercased()) else {
            // As a gateway does, the refusal quotes the signature it got: the client must mask it.
            return "verify aksk signature fail, got signature \(parsed.signature); \(canonicalText)"
        }
        return nil
    }

    /// Counts a failure for `access`; returns true when it locks the AK.
    private func recordFailure(_ access: String, now: Double) -> Bool {
        let lockoutSeconds = config.authLockoutSeconds
        return lockout.withLock { lockout in
            let count = lockout.failures[access, default: 0] + 1
            guard count > Self.maxConsecutiveFailures else {
                lockout.failures[access] = count
                return false
            }
            lockout.failures[access] = nil
            lockout.lockedUntil[access] = now + lockoutSeconds
            return true
        }
    }

    /// Seconds left on the lock of `access`, or nil when it is not locked.
    private func lockRemaining(_ access: String, now: Double) -> Double? {
        lockout.withLock { lockout in
            guard let until = lockout.lockedUntil[access] else { return nil }
            if until > now { return until - now }
            lockout.lockedUntil[access] = nil
            return nil
        }
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
