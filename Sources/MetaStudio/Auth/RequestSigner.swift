import Crypto
import Foundation

/// An AK/SK pair (and, for temporary credentials, a security token). `description` never shows the secret.
public struct AKSKCredentials: Sendable, CustomStringConvertible {
    public var accessKey: String
    public var secretKey: String
    public var securityToken: String?

    public init(accessKey: String, secretKey: String, securityToken: String? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.securityToken = securityToken
    }

    public var description: String { "AK/SK([REDACTED])" }
}

/// Huawei Cloud's SDK-HMAC-SHA256 request signing, byte for byte as the vendor's signer does it
/// (../shared/api/CONTRACT.md has the algorithm and the test vector this is tested against).
public enum RequestSigner {
    public static let algorithm = "SDK-HMAC-SHA256"
    public static let emptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// A request ready to send: the exact query string that was signed and every header to send.
    public struct Signed: Sendable {
        public var query: String
        public var headers: [(name: String, value: String)]
        public var canonicalRequest: String
        public var stringToSign: String
        /// The hex HMAC-SHA256 signature inside the `Authorization` header.
        public var signature: String

        /// What this signed request carries that proves the caller: the whole `Authorization`
        /// value it sends and its signature (longest first, so the whole value is masked before its
        /// part). A server may echo either in an error body (`got signature <hex>`), so the client
        /// masks them in server text as it masks the AK and SK.
        public var ownSecrets: [String] {
            guard let authorization = headers.last(where: { $0.name == "Authorization" })?.value else { return [] }
            return [authorization, signature]
        }
    }

    /// `YYYYMMDDTHHMMSSZ` in UTC, the format of `X-Sdk-Date`.
    public static func sdkDate(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (y, m, d) = RFC3339.civilFromDays(days)
        let s = seconds - days * 86_400
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", y, m, d, s / 3600, s / 60 % 60, s % 60)
    }

    /// Percent-encodes everything but `A-Z a-z 0-9 - _ . ~`, upper-case hex, UTF-8 bytes.
    public static func percentEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The query string: pairs sorted by key then value, both encoded. Send exactly this.
    public static func canonicalQuery(_ items: [(name: String, value: String)]) -> String {
        let encoded: [(key: String, value: String)] = items.map { (key: percentEncode($0.name), value: percentEncode($0.value)) }
        let sorted = encoded.sorted { a, b in a.key == b.key ? a.value < b.value : a.key < b.key }
        return sorted.map { pair in pair.key + "=" + pair.value }.joined(separator: "&")
    }

    /// The path with each segment encoded and a trailing `/`, as the signer (not the URL) has it.
    public static func canonicalURI(_ path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { percentEncode(String($0)) }
        let joined = segments.joined(separator: "/")
        return joined.hasSuffix("/") ? joined : joined + "/"
    }

    /// Signs a request. `headers` are the headers the caller sends (Host included); `X-Sdk-Date`,
    /// `X-Security-Token` and `Authorization` are added here.
    public static func sign(method: String, path: String, query: [(name: String, value: String)],
                            headers: [(name: String, value: String)], body: [UInt8] = [],
                            credentials: AKSKCredentials, date: Date) -> Signed {
        var sent = headers
        sent.append((name: "X-Sdk-Date", value: sdkDate(date)))
        if let token = credentials.securityToken { sent.append((name: "X-Security-Token", value: token)) }
        let queryString = canonicalQuery(query)
        let signable = sent.filter { !$0.name.contains("_") }
            .map { (name: $0.name.lowercased(), value: $0.value.trimmingCharacters(in: .whitespaces)) }
            .sorted { $0.name < $1.name }
        let signedHeaders = signable.map(\.name).joined(separator: ";")
        let canonicalHeaders = signable.map { "\($0.name):\($0.value)\n" }.joined()
        let bodyHash = body.isEmpty ? emptyBodyHash : hex(SHA256.hash(data: body))
        let canonical = [method.uppercased(), canonicalURI(path), queryString, canonicalHeaders, signedHeaders, bodyHash]
            .joined(separator: "\n")
        let stringToSign = "\(algorithm)\n\(sdkDate(date))\n\(hex(SHA256.hash(data: Data(canonical.utf8))))"
        let key = SymmetricKey(data: Data(credentials.secretKey.utf8))
        let signature = hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        sent.append((name: "Authorization",
                     value: "\(algorithm) Access=\(credentials.accessKey), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return Signed(query: queryString, headers: sent, canonicalRequest: canonical, stringToSign: stringToSign,
                      signature: signature)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
