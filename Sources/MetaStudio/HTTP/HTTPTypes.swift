#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-connection settings; TLS verification is deliberately not configurable off.
public struct HTTPClientOptions: Sendable {
    /// Seconds allowed for DNS + TCP + TLS setup (CURLOPT_CONNECTTIMEOUT_MS).
    public var connectTimeout: Double = 10
    /// Seconds allowed for one whole request, connect included (CURLOPT_TIMEOUT_MS); 0 = no limit.
    public var totalTimeout: Double = 60
    /// A PEM CA bundle (CURLOPT_CAINFO) for private CAs; nil uses the system store. Peer and host are always verified.
    public var caBundle: String? = nil
    /// Sent as User-Agent so server logs can tell our traffic apart.
    public var userAgent: String = "livejobs/0.1"
    /// Ask for and transparently decode gzip/deflate/br/zstd bodies (CURLOPT_ACCEPT_ENCODING "").
    public var compressed: Bool = true
    /// Bytes a response body may take, as sent and again after decompression (a page of 100 jobs
    /// is about 200 KB; 32 MiB leaves room for 150 of those and stops a gzip bomb or an endless
    /// body early). A body over it fails with `TransportError.Kind.tooLarge`, never retried.
    public var maxBodyBytes: Int = 32 << 20

    public init() {}
}

/// A complete response: any status (error bodies carry the API's error code), final headers, whole body.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Names lower-cased; the last of repeated headers wins; only the final (non-1xx) response's headers.
    public var headers: [String: String]
    /// Already decoded if the server used Content-Encoding.
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Case-insensitive lookup, since HTTP header names are case-insensitive.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}

/// A failure below HTTP (no complete response arrived); HTTP error statuses are responses, not these.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// Coarse classes a retry policy can act on without knowing curl's codes.
    public enum Kind: String, Sendable {
        case timeout, connect, resolve, tls, reset, partial, aborted, other
        /// The body went over `HTTPClientOptions.maxBodyBytes`.
        case tooLarge = "body size"
        /// The response's status line or headers could not be taken: too large, or malformed (a NUL
        /// byte in a header). Sending the same request again would bring the same answer.
        case response
    }

    public var kind: Kind
    /// The CURLcode (0 when the error did not come from curl).
    public var curlCode: Int32
    /// curl's error-buffer text; never contains request headers (so never a signature or token).
    public var message: String
    /// The `X-Request-Id` of the response, when its headers arrived before the failure (a body cut
    /// short or over the cap): the id the vendor's support asks for.
    public var requestId: String?
    /// The request's URL, for the message (shown without its query, with its `offset`).
    public var url: String?

    public init(kind: Kind, curlCode: Int32, message: String, requestId: String? = nil, url: String? = nil) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
        self.requestId = requestId
        self.url = url
    }

    /// Whether the same request may succeed if simply sent again (network blips yes; TLS, abort, misuse no).
    public var isRetryable: Bool {
        switch kind {
        case .timeout, .connect, .resolve, .reset, .partial: return true
        case .tls, .aborted, .other, .tooLarge, .response: return false
        }
    }

    /// One line: `body size error (curl 23): <message> (X-Request-Id abc) GET <url> (offset 200)`;
    /// the request id and URL only when known, the URL without its query, server text terminal-safe.
    public var description: String {
        var text = "\(kind.rawValue) error (curl \(curlCode)): \(message)"
        if let requestId { text += " (X-Request-Id \(SafeText.escaped(requestId, limit: 80)))" }
        if let url {
            text += " GET \(URLDisplay.safe(url))"
            if let offset = URLDisplay.integerParameter("offset", of: url) { text += " (offset \(offset))" }
        }
        return text
    }
}

/// A response body that went over `HTTPClientOptions.maxBodyBytes`, and how it was measured.
struct BodyTooLarge {
    enum Measure {
        /// The Content-Length header declared more (refused before the body was read).
        case declared
        /// More bytes arrived than the cap (still compressed, if the body was).
        case sent
        /// The body grew past the cap while it was decompressed.
        case decoded
    }

    var measure: Measure
    var cap: Int
    var declared: Int?

    func transportError(curlCode: Int32) -> TransportError {
        let limit = cap % (1 << 20) == 0 ? "\(cap >> 20) MiB" : cap % (1 << 10) == 0 ? "\(cap >> 10) KiB" : "\(cap) bytes"
        let how: String
        switch measure {
        case .declared: how = declared.map { "its Content-Length declares \($0) bytes" } ?? "its Content-Length declares more"
        case .sent: how = "more than that arrived"
        case .decoded: how = "it decompresses to more than that" + (declared.map { " (\($0) bytes as sent)" } ?? "")
        }
        return TransportError(kind: .tooLarge, curlCode: curlCode,
                              message: "response body over the \(limit) cap: \(how); not retried")
    }
}

/// A validated API base URL, split so the signer can use host and path without re-parsing.
public struct URLParts: Sendable, Equatable {
    /// "https" or "http", lower-cased.
    public var scheme: String
    /// As written in the URL, without IPv6 brackets.
    public var host: String
    /// Only when the URL spells one out.
    public var port: Int?
    /// Path prefix without a trailing "/" ("" for none), so callers append "/v1/...".
    public var basePath: String

    public init(scheme: String, host: String, port: Int?, basePath: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// host[:port] exactly as in the URL (IPv6 bracketed): the value to send and sign as `Host`.
    public var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        if let port { return "\(h):\(port)" }
        return h
    }

    /// scheme://host[:port]basePath, ready for appending a path that starts with "/".
    public var baseURL: String { "\(scheme)://\(hostHeader)\(basePath)" }
}

/// A rejected endpoint; `description` is one line naming what is wrong.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Checks the user-supplied API base URL before any request is signed or sent.
public enum Endpoint {
    /// Accepts https URLs, and http only for loopback hosts (127.0.0.0/8, ::1, localhost), so credentials never cross a network in clear.
    public static func validate(_ base: String) throws -> URLParts {
        let c = try split(base)
        guard !c.rest.contains("?"), !c.rest.contains("#") else {
            throw EndpointError("invalid endpoint \(URLDisplay.shown(base)): a query or fragment is not allowed in the base URL")
        }
        if c.scheme == "http" && !isLoopback(c.host) {
            throw EndpointError("refusing plain http to non-loopback host '\(SafeText.escaped(c.host))': use https:// (http is allowed only for 127.0.0.0/8, ::1 and localhost)")
        }
        var path = c.rest
        while path.hasSuffix("/") { path.removeLast() }
        return URLParts(scheme: c.scheme, host: c.host, port: c.port, basePath: String(path))
    }

    /// True for localhost, 127.0.0.0/8 and ::1: hosts whose traffic never leaves this machine.
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "localhost." { return true }
        if let first = ipv4FirstOctet(h) { return first == 127 }
        var addr = in6_addr()
        if h.contains(":"), inet_pton(AF_INET6, h, &addr) == 1 {
            return withUnsafeBytes(of: &addr) { raw in
                raw.prefix(15).allSatisfy { $0 == 0 } && raw[15] == 1
            }
        }
        return false
    }

    /// Strict dotted-quad check (so "127.1" or "127.0.0.1.evil.com" are not taken as loopback).
    private static func ipv4FirstOctet(_ h: String) -> Int? {
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [Int] = []
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let v = Int(p), v <= 255 else { return nil }
            octets.append(v)
        }
        return octets[0]
    }

    /// Splits scheme://host[:port]rest without percent-decoding; used for validation and proxy bypass.
    static func split(_ url: String) throws -> (scheme: String, host: String, port: Int?, rest: Substring) {
        guard let sep = url.firstRange(of: "://") else {
            throw EndpointError("invalid endpoint \(URLDisplay.shown(url)): expected https://host[:port][/path]")
        }
        let scheme = url[..<sep.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else {
            throw EndpointError("unsupported scheme '\(SafeText.escaped(scheme, limit: 20))' in endpoint \(URLDisplay.shown(url)): use https://")
        }
        let afterScheme = url[sep.upperBound...]
        let delimiters: Set<Character> = ["/", "?", "#"]
        let authEnd = afterScheme.firstIndex(where: { delimiters.contains($0) }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authEnd]
        let rest = afterScheme[authEnd...]
        guard !authority.contains("@") else {
            throw EndpointError("invalid endpoint: user info ('user@' or 'user:password@') is not allowed in the URL")
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw EndpointError("invalid endpoint \(URLDisplay.shown(url)): unclosed '[' in IPv6 host")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let tail = authority[authority.index(after: close)...]
            if !tail.isEmpty {
                guard tail.first == ":" else { throw EndpointError("invalid endpoint \(URLDisplay.shown(url)): junk after IPv6 host") }
                portText = tail.dropFirst()
            }
            var addr = in6_addr()
            guard inet_pton(AF_INET6, String(host), &addr) == 1 else {
                throw EndpointError("invalid endpoint \(URLDisplay.shown(url)): '\(SafeText.escaped(String(host)))' is not an IPv6 address")
            }
        } else {
            if let colon = authority.firstIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            let allowed = host.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "." || $0 == "_"
            }
            guard !host.isEmpty, allowed else {
                throw EndpointError("invalid endpoint \(URLDisplay.shown(url)): missing or malformed host")
            }
        }
        var port: Int?
        if let portText {
            guard (1...5).contains(portText.count), portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let p = Int(portText), (1...65535).contains(p) else {
                throw EndpointError("invalid endpoint \(URLDisplay.shown(url)): port must be 1-65535")
            }
            port = p
        }
        return (scheme, String(host), port, rest)
    }
}
