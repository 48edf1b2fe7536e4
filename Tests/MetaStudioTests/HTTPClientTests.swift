import Foundation
import MetaStudio
import MetaStudioSimulator
import Testing

/// Short timeouts so a hung test fails fast instead of waiting a minute.
private func testOptions(total: Double = 5) -> HTTPClientOptions {
    var o = HTTPClientOptions()
    o.connectTimeout = 2
    o.totalTimeout = total
    return o
}

/// gzip.compress(b'{"jobs":["gzip","gzip","gzip","gzip"],"ok":true}', mtime=0) from Python.
private let gzipFixture: [UInt8] = [
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0xca, 0xca, 0x4f, 0x2a,
    0x56, 0xb2, 0x8a, 0x56, 0x4a, 0xaf, 0xca, 0x2c, 0x50, 0xd2, 0xc1, 0x46, 0xc5, 0xea, 0x28, 0xe5,
    0x67, 0x2b, 0x59, 0x95, 0x14, 0x95, 0xa6, 0xd6, 0x02, 0x00, 0xe8, 0xf2, 0x13, 0x78, 0x30, 0x00,
    0x00, 0x00,
]
private let gzipPlain = #"{"jobs":["gzip","gzip","gzip","gzip"],"ok":true}"#

/// A Sendable flag another thread can raise (stands in for a Ctrl-C handler).
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func raise() { lock.withLock { value = true } }
    var isRaised: Bool { lock.withLock { value } }
}

@Test(.timeLimit(.minutes(1))) func responseRoundTripsStatusHeadersAndBody() throws {
    let body = Array(#"{"error_code":"MSS.00000001","error_msg":"not found"}"#.utf8)
    let server = try TestHTTPServer { _ in
        .http(404, "Not Found", headers: [("Content-Type", "application/json"), ("X-Request-Id", " abc-123 "),
                                          ("X-Dup", "first"), ("x-dup", "second")], body: body)
    }
    defer { server.stop() }
    let conn = try HTTPConnection(options: testOptions())
    let r = try conn.get(server.baseURL + "/v1/p/jobs", headers: [])
    #expect(r.status == 404)
    #expect(r.body == body)
    #expect(r.header("Content-Type") == "application/json")
    #expect(r.headers["x-request-id"] == "abc-123")
    #expect(r.headers["x-dup"] == "second")
    #expect(r.headers["content-length"] == "\(body.count)")
    #expect(r.headers.keys.allSatisfy { $0 == $0.lowercased() })
}

@Test(.timeLimit(.minutes(1))) func interimResponseHeadersAreDropped() throws {
    let server = try TestHTTPServer { _ in
        let interim = Array("HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n".utf8)
        let final = Array("HTTP/1.1 200 OK\r\nX-Final: yes\r\nContent-Length: 2\r\n\r\nok".utf8)
        return .send(interim + final, keepAlive: true)
    }
    defer { server.stop() }
    let r = try HTTPConnection(options: testOptions()).get(server.baseURL + "/", headers: [])
    #expect(r.status == 200)
    #expect(r.header("x-final") == "yes")
    #expect(r.header("x-interim") == nil)
    #expect(String(decoding: r.body, as: UTF8.self) == "ok")
}

@Test(.timeLimit(.minutes(1))) func requestHeadersAreSentExactlyAsGiven() throws {
    let server = try TestHTTPServer { _ in .http(body: []) }
    defer { server.stop() }
    let auth = "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=00ff"
    let conn = try HTTPConnection(options: testOptions())
    _ = try conn.get(server.baseURL + "/v1/proj/smart-live-jobs?limit=10&offset=0", headers: [
        (name: "Host", value: "metastudio.example.test:8443"),
        (name: "X-Sdk-Date", value: "20240101T000000Z"),
        (name: "Authorization", value: auth),
        (name: "X-Empty", value: ""),
    ])
    let req = try #require(server.requests.first)
    #expect(req.requestLine == "GET /v1/proj/smart-live-jobs?limit=10&offset=0 HTTP/1.1")
    #expect(req.values("host") == ["metastudio.example.test:8443"])
    #expect(req.headerLines.contains("Host: metastudio.example.test:8443"))
    #expect(req.headerLines.contains("X-Sdk-Date: 20240101T000000Z"))
    #expect(req.headerLines.contains("Authorization: " + auth))
    #expect(req.values("x-empty") == [""])
    #expect(req.values("user-agent") == ["livejobs/0.1"])
    #expect(req.values("accept") == ["*/*"])
    #expect(req.values("accept-encoding").first?.contains("gzip") == true)
}

@Test(.timeLimit(.minutes(1))) func requestHeaderWithLineBreakIsRejectedWithoutEchoingIt() throws {
    let server = try TestHTTPServer { _ in .http() }
    defer { server.stop() }
    let conn = try HTTPConnection(options: testOptions())
    let e = #expect(throws: TransportError.self) {
        _ = try conn.get(server.baseURL + "/", headers: [(name: "X-Token", value: "secret\r\nX-Evil: 1")])
    }
    #expect(e?.kind == .other)
    #expect(e?.message.contains("secret") == false)
    #expect(server.acceptedCount == 0)
}

@Test(.timeLimit(.minutes(1))) func gzipBodyIsDecoded() throws {
    let server = try TestHTTPServer { _ in
        .http(headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], body: gzipFixture)
    }
    defer { server.stop() }
    let r = try HTTPConnection(options: testOptions()).get(server.baseURL + "/", headers: [])
    #expect(String(decoding: r.body, as: UTF8.self) == gzipPlain)
}

@Test(.timeLimit(.minutes(1))) func compressionOffSendsNoAcceptEncoding() throws {
    let server = try TestHTTPServer { _ in .http(body: Array("plain".utf8)) }
    defer { server.stop() }
    var o = testOptions()
    o.compressed = false
    _ = try HTTPConnection(options: o).get(server.baseURL + "/", headers: [])
    #expect(server.requests.first?.values("accept-encoding") == [])
}

@Test(.timeLimit(.minutes(1))) func twoRequestsOnOneConnectionReuseOneSocket() throws {
    let server = try TestHTTPServer { req in .http(body: Array(req.requestLine.utf8)) }
    defer { server.stop() }
    let conn = try HTTPConnection(options: testOptions())
    let a = try conn.get(server.baseURL + "/a", headers: [])
    let b = try conn.get(server.baseURL + "/b", headers: [])
    #expect(String(decoding: a.body, as: UTF8.self) == "GET /a HTTP/1.1")
    #expect(String(decoding: b.body, as: UTF8.self) == "GET /b HTTP/1.1")
    #expect(server.acceptedCount == 1)
}

@Test(.timeLimit(.minutes(1))) func truncatedBodyIsPartial() throws {
    let server = try TestHTTPServer { _ in .http(body: Array("short".utf8), contentLength: 100, keepAlive: false) }
    defer { server.stop() }
    let conn = try HTTPConnection(options: testOptions())
    let e = #expect(throws: TransportError.self) { _ = try conn.get(server.baseURL + "/", headers: []) }
    #expect(e?.kind == .partial)
    #expect(e?.curlCode == 18)
    #expect(e?.isRetryable == true)
}

@Test(.timeLimit(.minutes(1))) func closeWithoutAnswerIsRetryableReset() throws {
    let server = try TestHTTPServer { _ in .closeSilently }
    defer { server.stop() }
    let e = #expect(throws: TransportError.self) {
        _ = try HTTPConnection(options: testOptions()).get(server.baseURL + "/", headers: [])
    }
    #expect(e?.kind == .reset)
    #expect(e?.curlCode == 52)
    #expect(e?.isRetryable == true)
}

@Test(.timeLimit(.minutes(1))) func tcpResetIsRetryableReset() throws {
    let server = try TestHTTPServer { _ in .resetConnection }
    defer { server.stop() }
    let e = #expect(throws: TransportError.self) {
        _ = try HTTPConnection(options: testOptions()).get(server.baseURL + "/", headers: [])
    }
    #expect(e?.kind == .reset)
    #expect(e?.isRetryable == true)
}

@Test(.timeLimit(.minutes(1))) func connectionWorksAgainAfterAFailedTransfer() throws {
    let calls = Flag()
    let server = try TestHTTPServer { _ in
        if !calls.isRaised { calls.raise(); return .http(body: Array("x".utf8), contentLength: 9, keepAlive: false) }
        return .http(body: Array("fine".utf8))
    }
    defer { server.stop() }
    let conn = try HTTPConnection(options: testOptions())
    #expect(throws: TransportError.self) { _ = try conn.get(server.baseURL + "/", headers: []) }
    let r = try conn.get(server.baseURL + "/", headers: [])
    #expect(String(decoding: r.body, as: UTF8.self) == "fine")
}

@Test(.timeLimit(.minutes(1))) func closedPortIsRetryableConnectError() throws {
    let port = MetaStudioSimulator.closedLoopbackPort()
    let e = #expect(throws: TransportError.self) {
        _ = try HTTPConnection(options: testOptions()).get("http://127.0.0.1:\(port)/", headers: [])
    }
    #expect(e?.kind == .connect)
    #expect(e?.curlCode == 7)
    #expect(e?.isRetryable == true)
}

/// The server would answer after 30 s: only the 0.3 s total timeout can end the request with an error.
@Test(.timeLimit(.minutes(1))) func slowServerHitsTotalTimeout() throws {
    let server = try TestHTTPServer { _ in .delay(30, then: .http()) }
    defer { server.stop() }
    let e = #expect(throws: TransportError.self) {
        _ = try HTTPConnection(options: testOptions(total: 0.3)).get(server.baseURL + "/", headers: [])
    }
    #expect(e?.kind == .timeout)
    #expect(e?.isRetryable == true)
}

/// The abort is asked for once the server holds the request, which it would answer after 30 s
/// (the total timeout is 45 s): only the abort can end the transfer as `.aborted`.
@Test(.timeLimit(.minutes(1))) func shouldAbortStopsTheTransfer() throws {
    let flag = Flag()
    let server = try TestHTTPServer { _ in flag.raise(); return .delay(30, then: .http()) }
    defer { server.stop() }
    let conn = try HTTPConnection(options: testOptions(total: 45))
    conn.shouldAbort = { flag.isRaised }
    let e = #expect(throws: TransportError.self) { _ = try conn.get(server.baseURL + "/", headers: []) }
    #expect(e?.kind == .aborted)
    #expect(e?.isRetryable == false)
    #expect(server.requests.count == 1)
}

@Test(.timeLimit(.minutes(1))) func endpointAcceptsHTTPSAndLoopbackHTTP() throws {
    let cloud = try Endpoint.validate("https://metastudio.cn-north-4.myhuaweicloud.com")
    #expect(cloud == URLParts(scheme: "https", host: "metastudio.cn-north-4.myhuaweicloud.com", port: nil, basePath: ""))
    #expect(cloud.hostHeader == "metastudio.cn-north-4.myhuaweicloud.com")
    let local = try Endpoint.validate("http://127.0.0.1:8080")
    #expect(local.hostHeader == "127.0.0.1:8080")
    #expect(local.port == 8080)
    #expect(try Endpoint.validate("http://localhost:1").hostHeader == "localhost:1")
    let v6 = try Endpoint.validate("http://[::1]:80")
    #expect(v6.host == "::1")
    #expect(v6.hostHeader == "[::1]:80")
    #expect(try Endpoint.validate("https://api.example.com:8443/prefix/").basePath == "/prefix")
    #expect(try Endpoint.validate("http://127.10.0.1/").baseURL == "http://127.10.0.1")
}

@Test(.timeLimit(.minutes(1))) func endpointRejectsPlainHTTPAndOtherSchemes() {
    for bad in ["http://example.com", "http://10.0.0.1", "ftp://x", "http://127.0.0.1.evil.com", "http://127.1",
                "https://", "https://h:0", "https://h:99999", "https://user:pw@h", "https://h/?q=1", "metastudio.com"] {
        let e = #expect(throws: EndpointError.self, "\(bad)") { _ = try Endpoint.validate(bad) }
        #expect(e.map { !$0.description.isEmpty && !$0.description.contains("\n") } == true)
    }
    let e = #expect(throws: EndpointError.self) { _ = try Endpoint.validate("http://example.com") }
    #expect(e?.description.contains("https://") == true)
    let f = #expect(throws: EndpointError.self) { _ = try Endpoint.validate("ftp://x") }
    #expect(f?.description.contains("ftp") == true)
    let p = #expect(throws: EndpointError.self) { _ = try Endpoint.validate("https://user:pw@h") }
    #expect(p?.description.contains("pw") == false)
}
