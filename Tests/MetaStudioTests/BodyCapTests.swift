import Foundation
import MetaStudio
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
        let pager = JobPager(query: ListJobsQuery(), options: pagerOptions) {
            try MetaStudioClient(endpoint: APIEndpoint(region: nil, override: server.baseURL), projectId: "p",
                                 credentials: .token("t"), options: http)
        }
        let failure = try #require(throws: ScanFailed.self) { try pager.run(into: DiscardingSink()) }
        #expect("\(failure)".contains("response body over the 256 KiB cap"), "\(failure)")
        #expect(server.requests.count == 1)
        #expect(failure.result.requests == 1 && failure.result.retries == 0)
    }
}

/// A gzip stream of `count` zero bytes, as small as deflate makes it: one literal, then
/// length-258/distance-1 copies in fixed Huffman codes (RFC 1951 §3.2.6), 13 bits per 258 bytes.
enum GzipZeros {
    static func make(count: Int) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1)          // BFINAL
        bits.write(1, count: 2)          // BTYPE 01: fixed Huffman codes
        bits.writeCode(0x30, count: 8)   // literal 0
        var left = count - 1
        while left >= 258 {
            bits.writeCode(0xC5, count: 8) // length 258 (symbol 285)
            bits.writeCode(0, count: 5)    // distance 1 (code 0)
            left -= 258
        }
        for _ in 0 ..< left { bits.writeCode(0x30, count: 8) }
        bits.writeCode(0, count: 7)      // end of block (symbol 256)
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF] + bits.bytes
        let crc = crc32(zeros: count)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: count) >> UInt32(shift))) }
        return out
    }

    /// CRC-32 (IEEE) of `count` zero bytes.
    static func crc32(zeros count: Int) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0 ..< 256 {
            var c = UInt32(i)
            for _ in 0 ..< 8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for _ in 0 ..< count { crc = table[Int(crc & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// Bits packed least significant first, as deflate stores them.
    struct BitWriter {
        var bytes: [UInt8] = []
        var used = 8

        mutating func write(_ value: UInt32, count: Int) {
            for i in 0 ..< count {
                if used == 8 { bytes.append(0); used = 0 }
                if (value >> UInt32(i)) & 1 != 0 { bytes[bytes.count - 1] |= UInt8(1 << used) }
                used += 1
            }
        }

        /// A Huffman code goes most significant bit first.
        mutating func writeCode(_ code: UInt32, count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { write((code >> UInt32(i)) & 1, count: 1) }
        }
    }
}
