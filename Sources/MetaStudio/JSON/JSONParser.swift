/// Where and why a JSON text is malformed; `offset` is a 0-based byte offset into the parsed bytes.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending byte, or the input length when the input ends too early.
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser over raw bytes: imports parse hundreds of thousands of API jobs, so it
/// avoids Foundation and per-character work, and it reports the exact byte of every error.
public enum JSONParser {
    /// Containers nested deeper than this are rejected instead of exhausting memory or stack.
    public static let maxDepth = 512

    /// Parses bytes in place (file or network buffers) without copying them first.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONSyntaxError(offset: 0, message: "unexpected end of input")
        }
        var parser = ByteParser(base, bytes.count)
        return try parser.parseDocument()
    }

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    /// Offsets in errors count UTF-8 bytes of `text`, not Characters.
    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse(UnsafeRawBufferPointer($0)) }
    }
}

/// A stack that hands its top elements out as an exactly-sized array by moving them (no retain/release).
private struct MoveStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    mutating func push(_ element: consuming Element) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Moves the elements at `start...` into a new array and shrinks the stack to `start`.
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start
        guard n > 0 else { return [] }
        let source = base + start
        let result = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: source, count: n)
            initialized = n
        }
        count = start
        return result
    }

    mutating func truncate(to start: Int) {
        (base + start).deinitialize(count: count - start)
        count = start
    }

    subscript(index: Int) -> Element {
        unsafeAddress { UnsafePointer(base + index) }
        nonmutating unsafeMutableAddress { base + index }
    }
}

/// A key compared and hashed by its UTF-8 bytes, as JSON defines key equality (Swift's `==` on
/// String would merge canonically equivalent keys).
private struct ExactKey: Hashable {
    let text: String
    static func == (a: ExactKey, b: ExactKey) -> Bool { sameBytes(a.text, b.text) }
    func hash(into hasher: inout Hasher) {
        var copy = text
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

@inline(__always) private func sameBytes(_ a: String, _ b: String) -> Bool {
    a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
}

/// A cheap fingerprint of a decoded key (length and first and last eight bytes), equal for equal keys.
@inline(__always) private func keyTag(_ bytes: UnsafeRawPointer, _ count: Int) -> UInt64 {
    var tag = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
    if count >= 8 {
        tag ^= bytes.loadUnaligned(as: UInt64.self)
        tag = tag &* 0xBF58_476D_1CE4_E5B9 ^ bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    } else {
        for k in 0..<count { tag = tag << 8 ^ UInt64(bytes.load(fromByteOffset: k, as: UInt8.self)) }
    }
    return tag
}

private let ones: UInt64 = 0x0101_0101_0101_0101
private let highBits: UInt64 = 0x8080_8080_8080_8080

private struct Frame {
    var isObject: Bool
    var base: Int
    var key: String
    var tag: UInt64
    /// Key positions, built only once an object grows large enough for linear duplicate checks to hurt.
    var index: [ExactKey: Int]? = nil
}

private struct ByteParser: ~Copyable {
    let p: UnsafeRawPointer
    let end: Int
    var i = 0
    var scratch: [UInt8] = []
    var values = MoveStack<JSONValue>(capacity: 64)
    var fields = MoveStack<(key: String, value: JSONValue)>(capacity: 64)
    /// `keyTag` of each key in `fields`: duplicate checks compare these before any bytes.
    var tags = MoveStack<UInt64>(capacity: 64)
    /// `keyTag` of the string parsed last.
    var lastTag: UInt64 = 0

    init(_ p: UnsafeRawPointer, _ count: Int) {
        self.p = p
        end = count
    }

    @inline(__always) func byte(_ k: Int) -> UInt8 { p.load(fromByteOffset: k, as: UInt8.self) }

    func fail(_ message: String, _ offset: Int) -> JSONSyntaxError { JSONSyntaxError(offset: offset, message: message) }
    var endOfInput: JSONSyntaxError { fail("unexpected end of input", end) }

    @inline(__always) mutating func skipWhitespace() {
        while i < end {
            let c = byte(i)
            guard c <= 0x20, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        if end >= 3, byte(0) == 0xEF, byte(1) == 0xBB, byte(2) == 0xBF { i = 3 }
        let value = try parseTree()
        skipWhitespace()
        if i < end { throw fail("trailing characters after JSON value", i) }
        return value
    }

    /// Iterative, with an explicit frame stack, so deep input cannot overflow the thread's stack.
    mutating func parseTree() throws(JSONSyntaxError) -> JSONValue {
        var frames: [Frame] = []
        frames.reserveCapacity(16)
        while true {
            skipWhitespace()
            guard i < end else { throw endOfInput }
            var value: JSONValue
            switch byte(i) {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = byte(i) == UInt8(ascii: "{")
                if frames.count == JSONParser.maxDepth { throw fail("nesting too deep", i) }
                i += 1
                skipWhitespace()
                if i < end, byte(i) == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    value = isObject ? .object(JSONObject()) : .array([])
                } else if isObject {
                    frames.append(Frame(isObject: true, base: fields.count, key: try parseKey(), tag: lastTag))
                    continue
                } else {
                    frames.append(Frame(isObject: false, base: values.count, key: "", tag: 0))
                    continue
                }
            case UInt8(ascii: "\""): value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = .number(try parseNumber())
            case UInt8(ascii: "t"): try parseLiteral("true"); value = .bool(true)
            case UInt8(ascii: "f"): try parseLiteral("false"); value = .bool(false)
            case UInt8(ascii: "n"): try parseLiteral("null"); value = .null
            default: throw fail("expected a JSON value", i)
            }
            // Hand the value to its container, closing every container that ends right after it.
            while true {
                let top = frames.count - 1
                guard top >= 0 else { return value }
                if frames[top].isObject {
                    addField(&frames[top], consume value)
                    skipWhitespace()
                    guard i < end else { throw endOfInput }
                    if byte(i) == UInt8(ascii: ",") {
                        i += 1
                        skipWhitespace()
                        frames[top].key = try parseKey()
                        frames[top].tag = lastTag
                        break
                    }
                    guard byte(i) == UInt8(ascii: "}") else { throw fail("expected ',' or '}' after object member", i) }
                    tags.truncate(to: frames[top].base)
                    value = .object(JSONObject(fields.popArray(from: frames[top].base)))
                } else {
                    values.push(consume value)
                    skipWhitespace()
                    guard i < end else { throw endOfInput }
                    if byte(i) == UInt8(ascii: ",") { i += 1; break }
                    guard byte(i) == UInt8(ascii: "]") else { throw fail("expected ',' or ']' after array element", i) }
                    value = .array(values.popArray(from: frames[top].base))
                }
                i += 1
                frames.removeLast()
            }
        }
    }

    /// A later duplicate replaces the earlier value but keeps the earlier position.
    @inline(__always) mutating func addField(_ frame: inout Frame, _ value: consuming JSONValue) {
        if fields.count - frame.base >= 32 { return addIndexedField(&frame, value) }
        let tag = frame.tag
        for k in frame.base..<fields.count where tags[k] == tag && sameBytes(fields[k].key, frame.key) {
            fields[k].value = value
            return
        }
        fields.push((key: frame.key, value: value))
        tags.push(tag)
    }

    /// Large objects look keys up in a dictionary instead of scanning every earlier key.
    @inline(never) mutating func addIndexedField(_ frame: inout Frame, _ value: consuming JSONValue) {
        if frame.index == nil {
            var index: [ExactKey: Int] = [:]
            for k in frame.base..<fields.count { index[ExactKey(text: fields[k].key), default: k] = k }
            frame.index = index
        }
        if let k = frame.index![ExactKey(text: frame.key)] { fields[k].value = value; return }
        frame.index![ExactKey(text: frame.key)] = fields.count
        fields.push((key: frame.key, value: value))
        tags.push(frame.tag)
    }

    mutating func parseKey() throws(JSONSyntaxError) -> String {
        guard i < end else { throw endOfInput }
        guard byte(i) == UInt8(ascii: "\"") else { throw fail("expected string for object key", i) }
        let key = try parseString()
        skipWhitespace()
        guard i < end else { throw endOfInput }
        guard byte(i) == UInt8(ascii: ":") else { throw fail("expected ':' after object key", i) }
        i += 1
        return key
    }

    mutating func parseLiteral(_ word: StaticString) throws(JSONSyntaxError) {
        let bytes = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for (k, expected) in bytes.enumerated() {
            guard i + k < end else { throw endOfInput }
            guard byte(i + k) == expected else { throw fail("invalid literal", i + k) }
        }
        i += bytes.count
    }

    @inline(__always) func isDigit(_ k: Int) -> Bool { k < end && byte(k) &- UInt8(ascii: "0") < 10 }

    /// Validates `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and returns its source text.
    mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = i
        if byte(i) == UInt8(ascii: "-") { i += 1 }
        try requireDigit()
        if byte(i) == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { throw fail("invalid number", i) }
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < end, byte(i) == UInt8(ascii: ".") {
            i += 1
            try requireDigit()
            while isDigit(i) { i += 1 }
        }
        if i < end, byte(i) | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < end, byte(i) == UInt8(ascii: "+") || byte(i) == UInt8(ascii: "-") { i += 1 }
            try requireDigit()
            while isDigit(i) { i += 1 }
        }
        return String(decoding: UnsafeRawBufferPointer(start: p + start, count: i - start), as: UTF8.self)
    }

    func requireDigit() throws(JSONSyntaxError) {
        guard i < end else { throw endOfInput }
        guard isDigit(i) else { throw fail("invalid number", i) }
    }

    /// Skips ordinary string bytes eight at a time; stops at '"', '\\', a control byte or the end.
    /// ORs every skipped byte into `seen` so callers know whether UTF-8 validation is needed.
    @inline(__always) func scanPlain(_ from: Int, _ seen: inout UInt64) -> Int {
        var j = from
        while j + 8 <= end {
            let w = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: j, as: UInt64.self))
            let quote = w ^ (ones &* 0x22), slash = w ^ (ones &* 0x5C)
            // Each term's lowest set bit marks exactly its first match (borrows only corrupt higher bytes).
            let special = (((quote &- ones) & ~quote) | ((slash &- ones) & ~slash) | ((w &- ones &* 0x20) & ~w)) & highBits
            if special != 0 {
                let bits = special.trailingZeroBitCount + 1 // through the high bit of the special byte
                seen |= w & ((1 << (bits - 8)) &- 1)
                return j + bits / 8 - 1
            }
            seen |= w
            j += 8
        }
        while j < end {
            let c = byte(j)
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { return j }
            seen |= UInt64(c)
            j += 1
        }
        return j
    }

    /// Reports the earliest error in the string: an invalid UTF-8 sequence before a later problem wins.
    mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = i + 1
        do throws(JSONSyntaxError) {
            return try parseStringBody(start)
        } catch {
            if let bad = firstInvalidUTF8(start, error.offset) { throw fail("invalid UTF-8", bad) }
            throw error
        }
    }

    mutating func parseStringBody(_ start: Int) throws(JSONSyntaxError) -> String {
        var seen: UInt64 = 0
        var j = scanPlain(start, &seen)
        guard j < end else { throw fail("unterminated string", end) }
        if byte(j) == UInt8(ascii: "\"") {
            i = j + 1
            let raw = UnsafeRawBufferPointer(start: p + start, count: j - start)
            lastTag = keyTag(p + start, j - start)
            if seen & highBits != 0, let bad = firstInvalidUTF8(start, j) { throw fail("invalid UTF-8", bad) }
            return String(decoding: raw, as: UTF8.self)
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(start: p + start, count: j - start))
        while true {
            if byte(j) < 0x20 { throw fail("control character in string", j) }
            j = try decodeEscape(j)
            let run = j
            j = scanPlain(run, &seen)
            guard j < end else { throw fail("unterminated string", end) }
            scratch.append(contentsOf: UnsafeRawBufferPointer(start: p + run, count: j - run))
            if byte(j) == UInt8(ascii: "\"") { break }
        }
        i = j + 1
        lastTag = scratch.withUnsafeBytes { keyTag($0.baseAddress!, $0.count) }
        // Escapes are ASCII and decode to valid UTF-8, so checking the source bytes covers the result.
        if seen & highBits != 0, let bad = firstInvalidUTF8(start, j) { throw fail("invalid UTF-8", bad) }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Decodes the escape whose backslash is at `j` into `scratch`; returns the index after it.
    mutating func decodeEscape(_ j: Int) throws(JSONSyntaxError) -> Int {
        guard j + 1 < end else { throw fail("unterminated string", end) }
        let decoded: UInt8
        switch byte(j + 1) {
        case UInt8(ascii: "\""): decoded = 0x22
        case UInt8(ascii: "\\"): decoded = 0x5C
        case UInt8(ascii: "/"): decoded = 0x2F
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"): return try decodeUnicodeEscape(j)
        default: throw fail("invalid escape", j + 1)
        }
        scratch.append(decoded)
        return j + 2
    }

    mutating func decodeUnicodeEscape(_ j: Int) throws(JSONSyntaxError) -> Int {
        var scalar = try hex4(j + 2)
        var next = j + 6
        if scalar & 0xFC00 == 0xD800 {
            guard next < end else { throw fail("unterminated string", end) }
            guard byte(next) == UInt8(ascii: "\\") else { throw fail("lone surrogate in \\u escape", j) }
            guard next + 1 < end else { throw fail("unterminated string", end) }
            guard byte(next + 1) == UInt8(ascii: "u") else { throw fail("lone surrogate in \\u escape", j) }
            let low = try hex4(next + 2)
            guard low & 0xFC00 == 0xDC00 else { throw fail("lone surrogate in \\u escape", j) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            next += 6
        } else if scalar & 0xFC00 == 0xDC00 {
            throw fail("lone surrogate in \\u escape", j)
        }
        if scalar < 0x80 {
            scratch.append(UInt8(scalar))
        } else if scalar < 0x800 {
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        } else if scalar < 0x10000 {
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        } else {
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
        return next
    }

    func hex4(_ at: Int) throws(JSONSyntaxError) -> UInt32 {
        var result: UInt32 = 0
        for k in at..<at + 4 {
            guard k < end else { throw fail("unterminated string", end) }
            let c = byte(k)
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape", k)
            }
            result = result << 4 | UInt32(digit)
        }
        return result
    }

    /// The first byte of the first ill-formed UTF-8 sequence starting in `start..<limit`; a sequence cut
    /// short only by the end of input does not count (that is reported as truncation instead).
    func firstInvalidUTF8(_ start: Int, _ limit: Int) -> Int? {
        var j = start
        while j < limit {
            let c = byte(j)
            if c < 0x80 { j += 1; continue }
            var (length, low, high): (Int, UInt8, UInt8) = (0, 0x80, 0xBF)
            switch c {
            case 0xC2...0xDF: length = 1
            case 0xE0: (length, low) = (2, 0xA0)
            case 0xED: (length, high) = (2, 0x9F)
            case 0xE1...0xEF: length = 2
            case 0xF0: (length, low) = (3, 0x90)
            case 0xF4: (length, high) = (3, 0x8F)
            case 0xF1...0xF3: length = 3
            default: return j
            }
            for k in 1...length {
                guard j + k < end else { return nil }
                let d = byte(j + k)
                if d < (k == 1 ? low : 0x80) || d > (k == 1 ? high : 0xBF) { return j }
            }
            j += length + 1
        }
        return nil
    }
}
