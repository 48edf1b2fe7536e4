import Foundation
import MetaStudio
import MetaStudioSimulator
import Testing

/// Response bodies are capped as sent and after decompression: a body over the cap fails with one
/// clear line, at once and without a retry, whether its length is declared, unknown, or hidden in a
/// gzip stream that expands a thousandfold.
@Suite(.timeLimit(.minutes(1))) struct BodyCapTests {
    static let cap = 256 << 10

    func options() -> HTTPClientOptions {
        var o = HTTPClientOptions()
        o.connectTimeout = 2
        o.totalTimeout = 10
        o.maxBodyBytes = Self.cap
        return o
    }

    func tooLarge(_ reply: TestReply) throws -> TransportError {
        let server = try TestHTTPServer { _ in reply }
        defer { server.stop() }
        let error = try #require(throws: TransportError.self) {
            try HTTPConnection(options: options()).get(server.baseURL + "/", headers: [])
        }
        #expect(error.kind == .tooLarge, "\(error)")
        #expect(!error.isRetryable)
        #expect(error.description.contains("response body over the 256 KiB cap"), "\(error)")
        #expect(!error.description.contains("\n"))
        return error
    }

    @Test func aDeclaredLengthOverTheCapIsRefusedBeforeTheBodyIsRead() throws {
        let error = try tooLarge(.http(body: [UInt8](repeating: 0x61, count: Self.cap + 1)))
        #expect(error.description.contains("its Content-Length declares 262145 bytes"), "\(error)")
    }

    @Test func aBodyWithoutLengthIsStoppedOnceMoreThanTheCapArrived() throws {
        let head = Array("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".utf8)
        let error = try tooLarge(.send(head + [UInt8](repeating: 0x61, count: 3 * Self.cap), keepAlive: false))
        #expect(error.description.contains("more than that arrived"), "\(error)")
    }

    @Test func aGzipBombIsStoppedWhileItDecompresses() throws {
        let bomb = GzipZeros.make(count: 16 * Self.cap)
        #expect(bomb.count < Self.cap / 8, "a 4 MiB body sent as \(bomb.count) bytes")
        let error = try tooLarge(.http(headers: [("Content-Encoding", "gzip")], body: bomb))
        #expect(error.description.contains("it decompresses to more than that (\(bomb.count) bytes as sent)"), "\(error)")
    }

    /// A gzip header whose comment never ends decodes to nothing, however much arrives: only the
    /// count of bytes as sent can stop it.
    @Test func aCompressedBodyThatDecodesToNothingIsStoppedAsItArrives() throws {
        let head = Array("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n".utf8)
        let endlessComment: [UInt8] = [0x1F, 0x8B, 8, 0x10, 0, 0, 0, 0, 0, 0xFF] + [UInt8](repeating: 0x61, count: 3 * Self.cap)
        let error = try tooLarge(.send(head + endlessComment, keepAlive: false))
        #expect(error.description.contains("more than that arrived"), "\(error)")
    }

    @Test func bodiesUpToTheCapArriveWhole() throws {
        let small = GzipZeros.make(count: Self.cap - 1000)
        let exact = [UInt8](repeating: 0x62, count: Self.cap)
        let server = try TestHTTPServer { request in
            request.requestLine.contains("/gzip") ? .http(headers: [("Content-Encoding", "gzip")], body: small) : .http(body: exact)
        }
        defer { server.stop() }
        let connection = try HTTPConnection(options: options())
        #expect(try connection.get(server.baseURL + "/gzip", headers: []).body == [UInt8](repeating: 0, count: Self.cap - 1000))
        #expect(try connection.get(server.baseURL + "/exact", headers: []).body == exact)
    }

    @Test func thePagerDoesNotAskAgainForABodyOverTheCap() throws {
        let server = try TestHTTPServer { _ in .http(headers: [("Content-Encoding", "gzip"), ("X-Request-Id", "bomb")],
                                                    body: GzipZeros.make(count: 4 * Self.cap)) }
        defer { server.stop() }
        var pagerOptions = PagerOptions()
        pagerOptions.rate = .unlimited
        let http = options()
        let pager = JobPager(query: ListJobsQuery(), options: pagerOptions, logger: .discarding, throttleLogger: .discarding) {
            try MetaStudioClient(endpoint: APIEndpoint(region: nil, override: server.baseURL), projectId: "p",
                                 credentials: .token("t"), options: http, logger: .discarding)
        }
        let failure = try #require(throws: ScanFailed.self) { try pager.run(into: DiscardingSink()) }
        #expect("\(failure)".contains("response body over the 256 KiB cap"), "\(failure)")
        #expect(server.requests.count == 1)
        #expect(failure.result.requests == 1 && failure.result.retries == 0)
    }
}
