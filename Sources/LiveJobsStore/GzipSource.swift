import CGzip
import Foundation

/// gzip-compressed bytes, inflated with zlib as they are read: memory stays at two buffers
/// whatever the size. Several members one after another (`cat a.gz b.gz`) are one stream, as
/// `gzip -d` reads them; zero bytes after the last member (padding) are ignored, as gzip does.
/// Every member's CRC-32 and length are checked; corrupt or truncated data is an `ImportError`.
final class GzipSource: ByteSource {
    private let inner: ByteSource
    private let name: String
    private var stream = z_stream()
    private let input: UnsafeMutableRawBufferPointer
    private var compressedRead = 0
    private var innerEnded = false
    private var betweenMembers = false
    private var finished = false

    /// Compressed bytes read from the file per read(2).
    static let inputSize = 256 << 10

    init(_ inner: ByteSource, name: String) throws {
        self.inner = inner
        self.name = name
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: GzipSource.inputSize, alignment: 16)
        let rc = CGzip_inflateInitGzip(&stream)
        guard rc == Z_OK else {
            input.deallocate()
            throw ImportError(file: name, message: "cannot start gzip decompression (zlib error \(rc))")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    /// Reads more compressed bytes when zlib has used up what it had; false at the end of the file.
    private func refill() throws -> Bool {
        if stream.avail_in > 0 { return true }
        if innerEnded { return false }
        let n = try inner.read(into: input)
        if n == 0 { innerEnded = true; return false }
        stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = uInt(n)
        compressedRead += n
        return true
    }

    /// The offset in the compressed file of the next byte zlib will read.
    private var compressedOffset: Int { compressedRead - Int(stream.avail_in) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, let out = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            if betweenMembers {
                guard try refill() else { finished = true; return 0 }
                if stream.next_in.pointee == 0 {
                    try skipPadding()
                    finished = true
                    return 0
                }
                inflateReset(&stream)
                betweenMembers = false
            }
            guard try refill() else {
                throw ImportError(file: name, message: "gzip data ends early after \(compressedRead) compressed bytes: the file is truncated")
            }
            stream.next_out = out.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(min(buffer.count, Int(UInt32.max)))
            let asked = Int(stream.avail_out)
            let rc = inflate(&stream, Z_NO_FLUSH)
            let produced = asked - Int(stream.avail_out)
            switch rc {
            case Z_STREAM_END:
                betweenMembers = true
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_MEM_ERROR:
                throw ImportError(file: name, message: "out of memory while decompressing gzip data")
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw ImportError(file: name, message: "corrupt gzip data at compressed byte \(compressedOffset): \(reason)")
            }
            if produced > 0 { return produced }
        }
    }

    /// Zero bytes after the last member, to the end of the file; anything else is an error.
    private func skipPadding() throws {
        while try refill() {
            let bytes = UnsafeRawBufferPointer(start: stream.next_in, count: Int(stream.avail_in))
            if bytes.contains(where: { $0 != 0 }) {
                throw ImportError(file: name, message: "corrupt gzip data at compressed byte \(compressedOffset): data after the zero padding that ends the last member")
            }
            stream.avail_in = 0
        }
    }
}
