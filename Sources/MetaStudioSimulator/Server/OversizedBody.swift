import Foundation
import Hummingbird

/// A 200 whose body no client should take whole, as a broken proxy or a hostile server sends it:
/// for checking that a client caps what it reads, and says which request it stopped.
public enum OversizedBody: String, Sendable, CaseIterable {
    /// Declares `Content-Length` of `size` bytes, and sends them.
    case declared
    /// Declares no length (chunked) and sends until the client hangs up, at most `endlessLimit` bytes.
    case endless
    /// `size` zero bytes compressed with gzip to about 1/650 of that (`Content-Encoding: gzip`).
    case gzipBomb = "gzip-bomb"

    /// Bytes the body holds (decompressed, for the gzip bomb): 64 MiB, twice a client's usual cap.
    public static let size = 64 << 20
    /// Where an endless body gives up when the client never does: 1 GiB.
    public static let endlessLimit = 1 << 30

    /// The answer, carrying `requestId` like every other.
    func response(requestId: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/json;charset=UTF-8"]
        headers[SimulatorHTTP.FieldName("X-Request-Id")!] = requestId
        let chunk = ByteBuffer(bytes: [UInt8](repeating: 0x20, count: 64 << 10))
        switch self {
        case .declared:
            return Response(status: .ok, headers: headers, body: .init(contentLength: Self.size) { writer in
                for _ in 0 ..< Self.size / chunk.readableBytes { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
        case .endless:
            return Response(status: .ok, headers: headers, body: .init { writer in
                for _ in 0 ..< Self.endlessLimit / chunk.readableBytes { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
        case .gzipBomb:
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: GzipZeros.bomb)))
        }
    }
}

/// A gzip stream of `count` zero bytes, as small as deflate makes it: one literal, then
/// length-258/distance-1 copies in fixed Huffman codes (RFC 1951 §3.2.6), 13 bits per 258 bytes.
/// The simulator's gzip bomb, and the tests' bodies that expand a thousandfold.
public enum GzipZeros {
    /// `OversizedBody.size` zeros, made once. Its CRC-32 is left 0: a client that reads so far has
    /// already failed to cap the body.
    static let bomb = make(count: OversizedBody.size, checksummed: false)

    /// The gzip bytes; `checksummed` writes the trailer's CRC-32 (RFC 1952), which a client checks
    /// at the end of a body it reads whole, at the cost of a pass over `count` bytes.
    public static func make(count: Int, checksummed: Bool = true) -> [UInt8] {
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
        let crc = checksummed ? crc32(zeros: count) : 0
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
