import CCurl

// All libcurl and unsafe-pointer work lives in this file.

/// curl_global_init is not thread-safe; a static let runs it exactly once (Swift initialises globals under swift_once).
private enum CurlGlobal {
    static let initCode: CURLcode = CCurl_global_init_default()
}

/// Per-transfer state the C callbacks write into; reached through an unretained Unmanaged pointer owned by HTTPConnection.
private final class TransferContext {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    /// Between a status line and its blank line; header lines outside it (chunked trailers) are ignored.
    var inHeaderBlock = false
    var lastHeaderName: String?
    var shouldAbort: (@Sendable () -> Bool)?
    /// Bytes a body may take, as sent and after decompression (`HTTPClientOptions.maxBodyBytes`).
    var maxBodyBytes = Int.max
    /// Set by a callback that stopped a body for going over `maxBodyBytes`.
    var overCap: BodyTooLarge.Measure?

    func reset(shouldAbort: (@Sendable () -> Bool)?) {
        body = []
        headers = [:]
        inHeaderBlock = false
        lastHeaderName = nil
        overCap = nil
        self.shouldAbort = shouldAbort
    }

    /// One raw header line from curl (status lines of 1xx, proxy CONNECT and final responses included).
    func headerLine(_ raw: UnsafeRawBufferPointer) {
        var bytes = raw[...]
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        if bytes.starts(with: Array("HTTP/".utf8)) {
            headers = [:]  // a new response starts: drop 1xx/CONNECT headers
            inHeaderBlock = true
            lastHeaderName = nil
            return
        }
        if bytes.isEmpty { inHeaderBlock = false; return }
        guard inHeaderBlock else { return }
        if let first = bytes.first, first == 0x20 || first == 0x09 {  // obsolete line folding
            if let name = lastHeaderName {
                let more = trimmed(String(decoding: bytes, as: UTF8.self))
                headers[name] = (headers[name] ?? "") + " " + more
            }
            return
        }
        guard let colon = bytes.firstIndex(of: 0x3A) else { return }
        let name = trimmed(String(decoding: bytes[..<colon], as: UTF8.self)).lowercased()
        let value = trimmed(String(decoding: bytes[(colon + 1)...], as: UTF8.self))
        guard !name.isEmpty else { return }
        headers[name] = value
        lastHeaderName = name
    }

    private func trimmed(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f == " " || f == "\t" { sub.removeFirst() }
        while let l = sub.last, l == " " || l == "\t" { sub.removeLast() }
        return String(sub)
    }
}

/// C callbacks cannot capture; each recovers its TransferContext from the user-data pointer.
private enum Callbacks {
    static let write: curl_write_callback = { data, size, count, user in
        let n = size * count
        guard let user else { return 0 }
        let ctx = Unmanaged<TransferContext>.fromOpaque(user).takeUnretainedValue()
        if ctx.body.isEmpty, let length = ctx.headers["content-length"].flatMap({ Int($0) }), length > n {
            // One allocation for the whole body instead of a copy per doubling (a page is ~100 KB).
            // A lower bound when the body is compressed; capped so a lying header costs nothing.
            ctx.body.reserveCapacity(min(length, 1 << 24))
        }
        guard ctx.body.count <= ctx.maxBodyBytes - n else {
            // A short count makes curl stop with CURLE_WRITE_ERROR.
            ctx.overCap = ctx.headers["content-encoding"].map { $0.lowercased() != "identity" } == true ? .decoded : .sent
            return 0
        }
        if n > 0, let data { ctx.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n)) }
        return n
    }

    static let header: curl_write_callback = { data, size, count, user in
        let n = size * count
        guard let user else { return 0 }
        let ctx = Unmanaged<TransferContext>.fromOpaque(user).takeUnretainedValue()
        if let data { ctx.headerLine(UnsafeRawBufferPointer(start: data, count: n)) }
        return n
    }

    /// Non-zero aborts the transfer with CURLE_ABORTED_BY_CALLBACK; curl calls this as bytes arrive
    /// and at least about once a second. `received` counts body bytes as sent (still compressed),
    /// so a body that only a length-less transfer makes too large is stopped here (libcurl before
    /// 8.4 applies CURLOPT_MAXFILESIZE_LARGE to a declared Content-Length only).
    static let progress: curl_xferinfo_callback = { user, _, received, _, _ in
        guard let user else { return 0 }
        let ctx = Unmanaged<TransferContext>.fromOpaque(user).takeUnretainedValue()
        if received > ctx.maxBodyBytes {
            ctx.overCap = .sent
            return 1
        }
        return (ctx.shouldAbort?() ?? false) ? 1 : 0
    }
}

extension TransportError {
    /// Maps a CURLcode to a retry-relevant kind.
    init(curl code: CURLcode, message: String) {
        let kind: Kind
        switch code {
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_COULDNT_CONNECT: kind = .connect
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .resolve
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED,
             CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            kind = .tls
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR: kind = .reset
        case CURLE_PARTIAL_FILE: kind = .partial
        case CURLE_ABORTED_BY_CALLBACK: kind = .aborted
        default: kind = .other
        }
        self.init(kind: kind, curlCode: Int32(bitPattern: code.rawValue), message: message)
    }
}

/// One reusable connection (a curl easy handle): reuse keeps the TCP/TLS connection alive between requests.
/// Not thread-safe; use one per worker thread.
public final class HTTPConnection {
    /// Polled from CURLOPT_XFERINFOFUNCTION; returning true aborts the transfer with Kind.aborted (for Ctrl-C).
    public var shouldAbort: (@Sendable () -> Bool)?
    public let options: HTTPClientOptions

    private let handle: UnsafeMutableRawPointer
    private let context = TransferContext()
    /// CURLOPT_ERRORBUFFER must outlive the handle, so it is allocated once here.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    public init(options: HTTPClientOptions) throws {
        let g = CurlGlobal.initCode
        guard g == CURLE_OK else { throw TransportError(curl: g, message: "curl_global_init failed: \(Self.text(curl_easy_strerror(g)))") }
        guard let h = curl_easy_init() else {
            throw TransportError(curl: CURLE_FAILED_INIT, message: "curl_easy_init failed")
        }
        self.options = options
        self.handle = h
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let ctx = Unmanaged.passUnretained(context).toOpaque()
        try set(CCurl_easy_setopt_long(h, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")  // no SIGALRM for DNS timeouts: we run on threads
        try set(CCurl_easy_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        try set(CCurl_easy_setopt_write_callback(h, CURLOPT_WRITEFUNCTION, Callbacks.write), "WRITEFUNCTION")
        try set(CCurl_easy_setopt_pointer(h, CURLOPT_WRITEDATA, ctx), "WRITEDATA")
        try set(CCurl_easy_setopt_write_callback(h, CURLOPT_HEADERFUNCTION, Callbacks.header), "HEADERFUNCTION")
        try set(CCurl_easy_setopt_pointer(h, CURLOPT_HEADERDATA, ctx), "HEADERDATA")
        try set(CCurl_easy_setopt_xferinfo_callback(h, CURLOPT_XFERINFOFUNCTION, Callbacks.progress), "XFERINFOFUNCTION")
        try set(CCurl_easy_setopt_pointer(h, CURLOPT_XFERINFODATA, ctx), "XFERINFODATA")
        try set(CCurl_easy_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0), "FOLLOWLOCATION")  // a redirect would drop our signed Host
        try set(CCurl_easy_setopt_long(h, CURLOPT_FAILONERROR, 0), "FAILONERROR")  // API error bodies carry the error code
        try set(CCurl_easy_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https"), "PROTOCOLS_STR")
        try set(CCurl_easy_setopt_long(h, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)), "HTTP_VERSION")  // headers go out exactly as given
        try set(CCurl_easy_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1), "TCP_KEEPALIVE")
        try set(CCurl_easy_setopt_long(h, CURLOPT_TCP_KEEPIDLE, 30), "TCP_KEEPIDLE")
        try set(CCurl_easy_setopt_long(h, CURLOPT_TCP_KEEPINTVL, 15), "TCP_KEEPINTVL")
        try set(CCurl_easy_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Self.millis(options.connectTimeout)), "CONNECTTIMEOUT_MS")
        try set(CCurl_easy_setopt_long(h, CURLOPT_TIMEOUT_MS, Self.millis(options.totalTimeout)), "TIMEOUT_MS")
        try set(CCurl_easy_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 1), "SSL_VERIFYPEER")
        try set(CCurl_easy_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 2), "SSL_VERIFYHOST")
        try set(CCurl_easy_setopt_long(h, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)), "SSLVERSION")
        if let ca = options.caBundle {
            try set(CCurl_easy_setopt_string(h, CURLOPT_CAINFO, ca), "CAINFO")
        }
        try set(CCurl_easy_setopt_string(h, CURLOPT_USERAGENT, options.userAgent), "USERAGENT")
        try set(CCurl_easy_setopt_string(h, CURLOPT_ACCEPT_ENCODING, options.compressed ? "" : nil), "ACCEPT_ENCODING")
        try set(CCurl_easy_setopt_long(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1), "SUPPRESS_CONNECT_HEADERS")
        // A declared Content-Length over the cap is refused before the body is read.
        try set(CCurl_easy_setopt_off_t(h, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(options.maxBodyBytes)), "MAXFILESIZE_LARGE")
        try set(CCurl_easy_setopt_long(h, CURLOPT_NOPROGRESS, 0), "NOPROGRESS")  // the progress callback counts bytes sent
        context.maxBodyBytes = options.maxBodyBytes
    }

    deinit {
        curl_easy_cleanup(handle)  // before the context and error buffer it points at go away
        errorBuffer.deallocate()
    }

    /// A blocking GET; any HTTP status is returned, only transport failures throw (as TransportError).
    public func get(_ url: String, headers: [(name: String, value: String)]) throws -> HTTPResponse {
        let abort = shouldAbort
        if abort?() == true {
            throw TransportError(curl: CURLE_ABORTED_BY_CALLBACK, message: "aborted before sending")
        }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        defer {
            _ = CCurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)  // never leave a dangling list in the handle
            curl_slist_free_all(list)
        }
        for (name, value) in headers {
            try Self.checkHeader(name: name, value: value)
            // "Name;" is curl's syntax for an empty value ("Name:" alone would delete the header).
            let line = value.isEmpty ? "\(name);" : "\(name): \(value)"
            guard let next = curl_slist_append(list, line) else {
                throw TransportError(curl: CURLE_OUT_OF_MEMORY, message: "curl_slist_append failed")
            }
            list = next
        }
        try set(CCurl_easy_setopt_string(handle, CURLOPT_URL, url), "URL")
        try set(CCurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "HTTPHEADER")
        try set(CCurl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1), "HTTPGET")
        // Loopback traffic never goes through a proxy; otherwise nil lets libcurl read http(s)_proxy/no_proxy.
        let loopback = (try? Endpoint.split(url)).map { Endpoint.isLoopback($0.host) } ?? false
        try set(CCurl_easy_setopt_string(handle, CURLOPT_PROXY, loopback ? "" : nil), "PROXY")

        context.reset(shouldAbort: abort)
        errorBuffer[0] = 0
        defer { context.reset(shouldAbort: nil) }
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            // Headers that arrived before the failure name the response (a body cut short or too large).
            let requestId = context.headers["x-request-id"]
            var error: TransportError
            if let measure = context.overCap ?? (code == CURLE_FILESIZE_EXCEEDED ? .declared : nil) {
                let declared = context.headers["content-length"].flatMap { Int($0) }
                error = BodyTooLarge(measure: measure, cap: options.maxBodyBytes, declared: declared)
                    .transportError(curlCode: Int32(bitPattern: code.rawValue))
            } else if let problem = Self.responseProblem(code, curlWords: errorMessage(code)) {
                error = TransportError(kind: .response, curlCode: Int32(bitPattern: code.rawValue), message: problem)
            } else {
                error = TransportError(curl: code, message: errorMessage(code))
            }
            error.requestId = requestId
            throw error
        }
        var status = 0
        _ = CCurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: context.headers, body: context.body)
    }

    /// Rejects CR/LF/NUL so a header value can't smuggle extra headers; the message names the header, never its value.
    private static func checkHeader(name: String, value: String) throws {
        let badName = name.isEmpty || name.utf8.contains { $0 <= 0x20 || $0 == 0x3A || $0 == 0x3B || $0 >= 0x7F }
        let badValue = value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
        if badName || badValue {
            let shown = name.utf8.count <= 64 && !badName ? name : "<invalid name>"
            throw TransportError(curl: CURLE_BAD_FUNCTION_ARGUMENT,
                                 message: "request header '\(shown)' has a forbidden character in its \(badName ? "name" : "value")")
        }
    }

    /// Throws if a setopt failed (e.g. an option this libcurl build lacks).
    private func set(_ code: CURLcode, _ option: String) throws {
        guard code == CURLE_OK else {
            throw TransportError(curl: code, message: "curl_easy_setopt(CURLOPT_\(option)) failed: \(Self.text(curl_easy_strerror(code)))")
        }
    }

    /// curl's detailed error-buffer text (falls back to the generic strerror), on one line.
    /// Plain words for a response curl could not take, or nil for any other failure. libcurl keeps
    /// at most 100 KB of response headers: past that, libcurl before 8.6 fails with CURLE_OUT_OF_MEMORY
    /// ("Out of memory") and later ones with CURLE_TOO_LARGE (100); a NUL byte in a header or a bad
    /// status line is CURLE_WEIRD_SERVER_REPLY. During a transfer no allocation of ours fails first.
    static func responseProblem(_ code: CURLcode, curlWords: String) -> String? {
        switch code.rawValue {
        case CURLE_OUT_OF_MEMORY.rawValue, 100:
            return "the server's response headers are too large (libcurl takes at most 100 KB of headers)"
        case CURLE_WEIRD_SERVER_REPLY.rawValue:
            return "the server's response headers are malformed (\(SafeText.escaped(curlWords, limit: 120)))"
        default:
            return nil
        }
    }

    private func errorMessage(_ code: CURLcode) -> String {
        var msg = String(cString: errorBuffer)
        if msg.isEmpty { msg = Self.text(curl_easy_strerror(code)) }
        return String(msg.map { $0 == "\n" || $0 == "\r" ? " " : $0 }).trimmingSpaces()
    }

    private static func text(_ p: UnsafePointer<CChar>?) -> String {
        p.map { String(cString: $0) } ?? "unknown error"
    }

    /// Seconds → whole milliseconds for the *_MS options; non-positive, NaN or infinite means "no
    /// limit" (0) for curl. Converted checked: anything from 2^31 − 1 ms (about 24.8 days) up is
    /// that many, never a trap however large the value.
    static func millis(_ seconds: Double) -> Int {
        guard seconds > 0, seconds.isFinite else { return 0 }
        let ms = (seconds * 1000).rounded()
        guard ms < Double(Int32.max) else { return Int(Int32.max) }
        return max(1, Int(ms))
    }
}

private extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
