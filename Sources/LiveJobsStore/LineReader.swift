import Foundation

/// Reads an import input once, front to back, a chunk at a time, and hands out its lines without
/// copying them, so JSON Lines of any size are imported in constant memory. The input may be a
/// file, standard input (`-`), a pipe, a FIFO or a process substitution, gzip-compressed or not
/// (`InputOpener`). `peekFirstLine` looks at the first line without consuming it, so the format
/// is told from the same single read as the import.
final class LineReader {
    /// The name used in messages and stored as the jobs' `source`: the path, or `<stdin>`.
    let name: String
    private let source: ByteSource
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0          // first byte not yet handed out
    private var end = 0            // end of the bytes read so far
    private var streamOffset = 0   // offset in the (decompressed) stream of buffer[0]
    private var lineNumber = 0
    private var atStreamStart = true
    private var eof = false

    /// The longest line of JSON Lines read (one job, or one page of at most 100 jobs, per line).
    static let maxLineBytes = 64 << 20
    /// The largest single JSON document read (a page file, an array of jobs), decompressed: it is
    /// parsed whole, so this bounds memory; larger sets import as JSON Lines in constant memory.
    static let maxDocumentBytes = 256 << 20

    /// Opens `path` (`-` for standard input). Throws `ImportError` when it cannot be read, or holds
    /// data compressed with something other than gzip.
    init(path: String, chunkSize: Int = 1 << 20) throws {
        (source, name) = try InputOpener.open(path)
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize * 2, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Reads more bytes behind `end`, first moving the unread bytes to the front and growing the
    /// buffer when a line does not fit, up to `limit` bytes unread; false at the end of the input.
    /// Throws `ImportError` when a line would need more than `limit`.
    private func fill(limit: Int = LineReader.maxLineBytes) throws -> Bool {
        if eof { return false }
        if start > 0 && (end == buffer.count || start >= buffer.count / 2) {
            if end > start { memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start) }
            streamOffset += start
            end -= start
            start = 0
        }
        if end == buffer.count {
            guard end - start < limit else {
                let what = limit == LineReader.maxLineBytes ? "a line longer than 64 MiB: JSON Lines hold one job or one page per line"
                    : "a first line longer than 256 MiB: a page or an array of jobs this large cannot be read whole; save large sets as JSON Lines, one job per line"
                throw ImportError(file: name, line: lineNumber + 1, message: what)
            }
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        if n == 0 { eof = true; return false }
        end += n
        return true
    }

    /// 3 when the input starts with a UTF-8 byte order mark and nothing has been handed out yet, else 0.
    private func byteOrderMarkLength() throws -> Int {
        guard streamOffset + start == 0 else { return 0 }
        while end - start < 3, try fill() {}
        guard end - start >= 3 else { return 0 }
        let b = buffer.baseAddress! + start
        return b.load(as: UInt8.self) == 0xEF && b.load(fromByteOffset: 1, as: UInt8.self) == 0xBB
            && b.load(fromByteOffset: 2, as: UInt8.self) == 0xBF ? 3 : 0
    }

    private static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        !line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D })
    }

    /// The line that starts `offset` bytes after `start` (without its `\n` or `\r\n`), as a range
    /// relative to `start`, and the offset of the line after it; nil at the end of the input.
    /// Reads more input as needed; offsets relative to `start` survive `fill()` moving the bytes.
    private func line(at offset: Int, limit: Int = LineReader.maxLineBytes) throws -> (range: Range<Int>, next: Int)? {
        var scanned = offset
        while true {
            let base = buffer.baseAddress! + start
            let available = end - start
            if scanned < available, let hit = memchr(base + scanned, 0x0A, available - scanned) {
                let newline = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                var stop = newline
                if stop > offset && base.load(fromByteOffset: stop - 1, as: UInt8.self) == 0x0D { stop -= 1 }
                return (offset..<stop, newline + 1)
            }
            scanned = available
            guard try fill(limit: limit) else {
                guard available > offset else { return nil }
                let base = buffer.baseAddress! + start
                var stop = available
                if base.load(fromByteOffset: stop - 1, as: UInt8.self) == 0x0D { stop -= 1 }
                return (offset..<stop, available)
            }
        }
    }

    private func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffer.baseAddress! + start + range.lowerBound, count: range.count)
    }

    /// The first non-blank line (without a UTF-8 byte order mark), or nil for a blank input. Consumes
    /// nothing: `forEachLine` and `readAll` still see the whole input.
    func peekFirstLine() throws -> Data? {
        var offset = try byteOrderMarkLength()
        // A page or an array saved without line breaks is one line: allowed as long as a document.
        while let (range, next) = try line(at: offset, limit: LineReader.maxDocumentBytes) {
            if !LineReader.isBlank(bytes(range)) { return Data(bytes(range)) }
            offset = next
        }
        return nil
    }

    /// Calls `body` with each non-blank line, its 1-based line number and the byte offset of its
    /// start in the (decompressed) input. The line's bytes are valid only during the call.
    func forEachLine(_ body: (UnsafeRawBufferPointer, Int, Int) throws -> Void) throws {
        var offset = try byteOrderMarkLength()
        while let (range, next) = try line(at: offset) {
            lineNumber += 1
            let line = bytes(range)
            if !LineReader.isBlank(line) { try body(line, lineNumber, streamOffset + start + range.lowerBound) }
            start += next
            offset = 0
        }
    }

    /// The rest of the input; for page files, which hold one JSON document. Throws `ImportError`
    /// past `maxDocumentBytes`.
    func readAll() throws -> Data {
        var all = Data(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
        start = end
        while !eof {
            let n = try source.read(into: buffer)
            if n == 0 { eof = true } else { all.append(UnsafeRawBufferPointer(rebasing: buffer[..<n]).bindMemory(to: UInt8.self)) }
            if all.count > LineReader.maxDocumentBytes {
                throw ImportError(file: name, message: "a JSON document larger than 256 MiB: a page or an array of jobs this large "
                                  + "cannot be read whole; save large sets as JSON Lines, one job per line")
            }
        }
        return all
    }

    /// The 1-based line that holds byte `offset` of `data`.
    static func lineNumber(in data: Data, at offset: Int) -> Int {
        data.prefix(offset).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}
