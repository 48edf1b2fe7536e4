import Foundation

/// Reads a file a chunk at a time and hands out its lines without copying them, so a
/// JSON Lines file of any size is imported in constant memory.
final class LineReader {
    let path: String
    private let chunkSize: Int

    init(path: String, chunkSize: Int = 1 << 20) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError("no such file")
        }
        guard !isDirectory.boolValue else { throw StoreError("is a directory") }
        self.path = path
        self.chunkSize = chunkSize
    }

    private func open() throws -> FileHandle {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StoreError("cannot open \(path)") }
        return handle
    }

    /// The whole file; for page files, which hold one JSON document.
    func readAll() throws -> Data {
        let handle = try open()
        defer { try? handle.close() }
        return try handle.readToEnd() ?? Data()
    }

    /// The first non-blank line (without a UTF-8 byte order mark), or nil for a blank file.
    func peekFirstLine() throws -> Data? {
        var first: Data?
        try forEachLine(stopAfterFirst: true) { line, _, _ in first = Data(line) }
        return first
    }

    /// Calls `body` with each non-blank line, its 1-based line number and the byte offset of its start.
    func forEachLine(stopAfterFirst: Bool = false,
                     _ body: (UnsafeRawBufferPointer, Int, Int) throws -> Void) throws {
        let handle = try open()
        defer { try? handle.close() }
        var buffer = [UInt8]()
        buffer.reserveCapacity(chunkSize * 2)
        var bufferStartOffset = 0   // file offset of buffer[0]
        var lineNumber = 0
        var atFileStart = true
        var eof = false
        while !eof {
            let chunk = try handle.read(upToCount: chunkSize) ?? Data()
            if chunk.isEmpty { eof = true } else { buffer.append(contentsOf: chunk) }
            var consumed = 0
            var stop = false
            try buffer.withUnsafeBytes { bytes in
                var start = 0
                if atFileStart, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
                if atFileStart && (bytes.count >= 3 || eof) { atFileStart = false }
                while start < bytes.count {
                    let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
                    guard let newline = rest.firstIndex(of: 0x0A).map({ $0 - rest.startIndex + start }) ?? (eof ? bytes.count : nil) else { break }
                    lineNumber += 1
                    var end = newline
                    if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                    let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                    if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                        try body(line, lineNumber, bufferStartOffset + start)
                        if stopAfterFirst { stop = true; return }
                    }
                    start = newline + 1
                }
                consumed = min(start, bytes.count)
            }
            if stop { return }
            buffer.removeFirst(consumed)
            bufferStartOffset += consumed
        }
    }

    /// The 1-based line that holds byte `offset` of `data`.
    static func lineNumber(in data: Data, at offset: Int) -> Int {
        data.prefix(offset).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}
