/// Where and why a JSON text is malformed; `offset` is a 0-based byte offset into the parsed bytes.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending byte, or the input length when the input ends too early.
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) { (self.offset, self.message) = (offset, message) }

    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser over raw bytes: imports parse hundreds of thousands of API jobs, so it
/// avoids Foundation and per-character work, and it reports the exact byte of every error.
public enum JSONParser {
    /// Containers nested deeper than this are rejected, so hostile input cannot exhaust memory.
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

    /// Parses like `parse`, except that text which is not valid Unicode does not fail the document:
    /// bytes that are not UTF-8 and `\u` escapes of a lone surrogate (RFC 8259 §8.2 allows them in
    /// the grammar; a backend that cuts an emoji in half sends one) are read as U+FFFD; and a
    /// container nested deeper than `maxDepth` is skipped (its brackets matched, its strings read
    /// over) and kept as the string `tooDeepPlaceholder` + `N bytes]`. `repaired` says whether
    /// anything was. For a page whose strict parse failed only on these, so that one job's broken
    /// name or absurd nesting does not cost the others (they are flagged, see `SmartLiveJob.textFlags`).
    public static func parseRepairingText(_ bytes: UnsafeRawBufferPointer) throws -> (value: JSONValue, repaired: Bool) {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONSyntaxError(offset: 0, message: "unexpected end of input")
        }
        var parser = ByteParser(base, bytes.count)
        parser.repairText = true
        let value = try parser.parseDocument()
        return (value, parser.repaired)
    }

    /// Whether `error` is one that `parseRepairingText` reads past: text that is not valid Unicode,
    /// or containers nested deeper than `maxDepth`.
    public static func isRepairable(_ error: JSONSyntaxError) -> Bool {
        error.message == "invalid UTF-8" || error.message.hasPrefix("lone surrogate") || error.message == tooDeepMessage
    }

    static let tooDeepMessage = "nesting too deep"

    /// What `parseRepairingText` keeps in place of a container nested deeper than `maxDepth`
    /// (followed by its size, `1234 bytes]`): a job holding one is flagged `nested_too_deep`
    /// (`SmartLiveJob.textFlags`), and the rest of it, and of its page, is read as usual.
    public static let tooDeepPlaceholder = "[not kept: nested deeper than \(maxDepth) levels, "

    /// Offsets in errors count UTF-8 bytes of `text`, not Characters.
    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse(UnsafeRawBufferPointer($0)) }
    }

    /// The decoded text of `quoted`, which must be exactly one string literal, quotes included
    /// (a tape's escaped strings: no document to parse, so nothing else is set up).
    static func string(literal quoted: UnsafeRawBufferPointer) throws -> String {
        guard let base = quoted.baseAddress, quoted.count >= 2, quoted[0] == UInt8(ascii: "\"") else {
            throw JSONSyntaxError(offset: 0, message: "expected a string")
        }
        var parser = ByteParser(base, quoted.count)
        let text = try parser.parseString(isKey: false)
        if parser.i < quoted.count { throw JSONSyntaxError(offset: parser.i, message: "trailing characters after JSON value") }
        return text
    }
}

/// A stack that hands its top elements out as an exactly-sized array by moving them (no retain/release).
private struct MoveStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    /// Nothing is allocated until the first push (a parser that reads one string needs no stack).
    init() { (base, capacity) = (.allocate(capacity: 0), 0) }
    deinit { base.deinitialize(count: count); base.deallocate() }

    mutating func push(_ element: consuming Element) {
        if count == capacity {
            let larger = max(64, capacity * 2)
            let grown = UnsafeMutablePointer<Element>.allocate(capacity: larger)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            (base, capacity) = (grown, larger)
        }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Moves the elements at `start...` into a new array and shrinks the stack to `start`.
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start, source = base + start
        count = start
        return [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: source, count: n)
            initialized = n
        }
    }

    mutating func truncate(to start: Int) { (base + start).deinitialize(count: count - start); count = start }

    subscript(index: Int) -> Element {
        unsafeAddress { UnsafePointer(base + index) }
        nonmutating unsafeMutableAddress { base + index }
    }
}

/// JSON keys are equal when their code units are (Swift's `==` would merge canonically equivalent keys).
@inline(__always) private func sameBytes(_ a: String, _ b: String) -> Bool {
    a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
}

/// A cheap fingerprint of a decoded key (its length and first and last eight bytes), equal for equal keys.
/// `readable` bytes may be loaded, which lets a short key be read in one load.
@inline(__always) func keyTag(_ bytes: UnsafeRawPointer, _ count: Int, _ readable: Int) -> UInt64 {
    var tag = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
    if count >= 8 {
        tag ^= bytes.loadUnaligned(as: UInt64.self)
        tag = tag &* 0xBF58_476D_1CE4_E5B9 ^ bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    } else if readable >= 8 {
        tag ^= UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)) & ((1 << (count * 8)) &- 1)
    } else {
        for k in 0..<count { tag ^= UInt64(bytes.load(fromByteOffset: k, as: UInt8.self)) << (k * 8) }
    }
    return tag
}

let swarOnes: UInt64 = 0x0101_0101_0101_0101
let swarHighBits: UInt64 = 0x8080_8080_8080_8080

/// An open array or object; `key` and `tag` belong to the object member being parsed.
private struct Frame {
    var isObject: Bool
    var base: Int
    var key = ""
    var tag: UInt64 = 0
    var seenTags: Set<UInt64>? = nil
}

private struct ByteParser: ~Copyable {
    let p: UnsafeRawPointer
    let end: Int
    var i = 0
    var scratch: [UInt8] = []
    var values = MoveStack<JSONValue>()
    var fields = MoveStack<(key: String, value: JSONValue)>()
    /// `keyTag` of each key in `fields`, so duplicate checks rarely compare bytes.
    var tags = MoveStack<UInt64>()
    var lastKeyTag: UInt64 = 0
    /// Read invalid UTF-8 and lone surrogate escapes as U+FFFD instead of failing; `repaired` says if any was.
    var repairText = false
    var repaired = false

    init(_ p: UnsafeRawPointer, _ count: Int) { (self.p, end) = (p, count) }

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
        frames.reserveCapacity(8)
        while true {
            skipWhitespace()
            guard i < end else { throw endOfInput }
            var value: JSONValue
            switch byte(i) {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = byte(i) == UInt8(ascii: "{")
                if frames.count == JSONParser.maxDepth {
                    guard repairText else { throw fail(JSONParser.tooDeepMessage, i) }
                    let start = i
                    try skipContainer()
                    repaired = true
                    value = .string(JSONParser.tooDeepPlaceholder + "\(i - start) bytes]")
                    break
                }
                i += 1
                skipWhitespace()
                if i < end, byte(i) == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    value = isObject ? .object(JSONObject()) : .array([])
                } else if isObject {
                    frames.append(Frame(isObject: true, base: fields.count, key: try parseKey(), tag: lastKeyTag))
                    continue
                } else {
                    frames.append(Frame(isObject: false, base: values.count))
                    continue
                }
            case UInt8(ascii: "\""): value = .string(try parseString(isKey: false))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = .number(try parseNumber())
            case UInt8(ascii: "t"): try parseLiteral("true"); value = .bool(true)
            case UInt8(ascii: "f"): try parseLiteral("false"); value = .bool(false)
            case UInt8(ascii: "n"): try parseLiteral("null"); value = .null
            default: throw fail("expected a JSON value", i)
            }
            // Hand the value to its container, closing every container that ends right after it.
            while true {
                guard let top = frames.indices.last else { return value }
                if frames[top].isObject {
                    addField(&frames[top], consume value)
                    skipWhitespace()
                    guard i < end else { throw endOfInput }
                    if byte(i) == UInt8(ascii: ",") {
                        i += 1
                        frames[top].key = try parseKey()
                        frames[top].tag = lastKeyTag
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

    /// Moves past the array or object that starts at `i`, matching its brackets by kind and
    /// reading over its strings, without building it: how deep it goes costs no stack and no tree.
    /// Throws at a bracket that closes the wrong kind, or at the end of input inside it.
    mutating func skipContainer() throws(JSONSyntaxError) {
        var open: [UInt8] = []
        repeat {
            guard i < end else { throw endOfInput }
            let c = byte(i)
            switch c {
            case UInt8(ascii: "{"): open.append(UInt8(ascii: "}"))
            case UInt8(ascii: "["): open.append(UInt8(ascii: "]"))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard open.last == c else { throw fail("expected a JSON value", i) }
                open.removeLast()
            case UInt8(ascii: "\""):
                i += 1
                while i < end, byte(i) != UInt8(ascii: "\"") { i += byte(i) == UInt8(ascii: "\\") ? 2 : 1 }
                guard i < end else { throw endOfInput }
            default: break
            }
            i += 1
        } while !open.isEmpty
    }

    /// A later duplicate replaces the earlier value but keeps the earlier position.
    @inline(__always) mutating func addField(_ frame: inout Frame, _ value: consuming JSONValue) {
        if fields.count - frame.base < 32 || mayRepeat(&frame) {
            for k in frame.base..<fields.count where tags[k] == frame.tag && sameBytes(fields[k].key, frame.key) {
                fields[k].value = value
                return
            }
        }
        fields.push((key: frame.key, value: value))
        tags.push(frame.tag)
    }

    /// In large objects a set of tags spares scanning every earlier key for each new one.
    @inline(never) mutating func mayRepeat(_ frame: inout Frame) -> Bool {
        if frame.seenTags == nil { frame.seenTags = Set((frame.base..<fields.count).map { tags[$0] }) }
        return !frame.seenTags!.insert(frame.tag).inserted
    }

    /// Parses `"key":` (after whitespace) and sets `lastKeyTag`.
    mutating func parseKey() throws(JSONSyntaxError) -> String {
        skipWhitespace()
        guard i < end else { throw endOfInput }
        guard byte(i) == UInt8(ascii: "\"") else { throw fail("expected string for object key", i) }
        let key = try parseString(isKey: true)
        skipWhitespace()
        guard i < end else { throw endOfInput }
        guard byte(i) == UInt8(ascii: ":") else { throw fail("expected ':' after object key", i) }
        i += 1
        return key
    }

    mutating func parseLiteral(_ word: StaticString) throws(JSONSyntaxError) {
        for k in 0..<word.utf8CodeUnitCount {
            guard i + k < end else { throw endOfInput }
            guard byte(i + k) == word.utf8Start[k] else { throw fail("invalid literal", i + k) }
        }
        i += word.utf8CodeUnitCount
    }

    @inline(__always) func isDigit(_ k: Int) -> Bool { k < end && byte(k) &- UInt8(ascii: "0") < 10 }

    func requireDigit() throws(JSONSyntaxError) {
        if !isDigit(i) { throw i < end ? fail("invalid number", i) : endOfInput }
    }

    /// Validates `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and returns its source text.
    mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = i
        if byte(i) == UInt8(ascii: "-") { i += 1 }
        try requireDigit()
        if byte(i) == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { throw fail("invalid number", i) }
        }
        while isDigit(i) { i += 1 }
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

    @inline(__always) func scanPlain(_ from: Int, _ seen: inout UInt64) -> Int { JSONScan.scanPlain(p, end, from, &seen) }

    /// Reports the earliest error in the string: an invalid UTF-8 sequence before a later problem wins.
    mutating func parseString(isKey: Bool) throws(JSONSyntaxError) -> String {
        let start = i + 1
        do throws(JSONSyntaxError) {
            return try parseStringBody(start, isKey)
        } catch {
            if let bad = firstInvalidUTF8(start, error.offset) { throw fail("invalid UTF-8", bad) }
            throw error
        }
    }

    mutating func parseStringBody(_ start: Int, _ isKey: Bool) throws(JSONSyntaxError) -> String {
        var seen: UInt64 = 0
        var j = scanPlain(start, &seen)
        guard j < end else { throw fail("unterminated string", end) }
        if byte(j) == UInt8(ascii: "\"") { // no escapes: one String straight from the input
            i = j + 1
            if isKey { lastKeyTag = keyTag(p + start, j - start, end - start) }
            if seen & swarHighBits != 0, let bad = firstInvalidUTF8(start, j) {
                guard repairText else { throw fail("invalid UTF-8", bad) }
                repaired = true
                let text = String(decoding: UnsafeRawBufferPointer(start: p + start, count: j - start), as: UTF8.self)
                if isKey { var t = text; lastKeyTag = t.withUTF8 { keyTag($0.baseAddress!, $0.count, $0.count) } }
                return text
            }
            return String(decoding: UnsafeRawBufferPointer(start: p + start, count: j - start), as: UTF8.self)
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(start: p + start, count: j - start))
        while byte(j) != UInt8(ascii: "\"") {
            if byte(j) < 0x20 { throw fail("control character in string", j) }
            let run = try decodeEscape(j)
            j = scanPlain(run, &seen)
            guard j < end else { throw fail("unterminated string", end) }
            scratch.append(contentsOf: UnsafeRawBufferPointer(start: p + run, count: j - run))
        }
        i = j + 1
        if isKey { lastKeyTag = scratch.withUnsafeBytes { keyTag($0.baseAddress!, $0.count, $0.count) } }
        // Escapes are ASCII and decode to valid UTF-8, so checking the source bytes covers the result.
        if seen & swarHighBits != 0, let bad = firstInvalidUTF8(start, j) {
            guard repairText else { throw fail("invalid UTF-8", bad) }
            repaired = true
            let text = String(decoding: scratch, as: UTF8.self)
            if isKey { var t = text; lastKeyTag = t.withUTF8 { keyTag($0.baseAddress!, $0.count, $0.count) } }
            return text
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Decodes the escape whose backslash is at `j` into `scratch`; returns the index after it.
    mutating func decodeEscape(_ j: Int) throws(JSONSyntaxError) -> Int {
        guard j + 1 < end else { throw fail("unterminated string", end) }
        switch byte(j + 1) {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte(j + 1))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"): return try decodeUnicodeEscape(j)
        default: throw fail("invalid escape", j + 1)
        }
        return j + 2
    }

    /// `\uXXXX`, or a surrogate pair of two; a surrogate without its partner is an error at its backslash.
    mutating func decodeUnicodeEscape(_ j: Int) throws(JSONSyntaxError) -> Int {
        let lone = fail("lone surrogate in \\u escape", j)
        var scalar = try hex4(j + 2)
        var next = j + 6
        if scalar & 0xFC00 == 0xD800 {
            // Expect "\\u" and a low surrogate; anything else leaves this one alone.
            guard next < end else { throw fail("unterminated string", end) }
            var paired = byte(next) == UInt8(ascii: "\\")
            if paired {
                guard next + 1 < end else { throw fail("unterminated string", end) }
                paired = byte(next + 1) == UInt8(ascii: "u")
            }
            let low = paired ? try hex4(next + 2) : 0
            if paired && low & 0xFC00 == 0xDC00 {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                next += 6
            } else {
                guard repairText else { throw lone }
                scalar = 0xFFFD
                repaired = true
            }
        }
        guard let decoded = Unicode.Scalar(scalar) else {
            guard repairText else { throw lone }
            repaired = true
            UTF8.encode(Unicode.Scalar(0xFFFD)!) { scratch.append($0) }
            return next
        }
        UTF8.encode(decoded) { scratch.append($0) }
        return next
    }

    func hex4(_ at: Int) throws(JSONSyntaxError) -> UInt32 {
        var result: UInt32 = 0
        for k in at..<at + 4 {
            guard k < end else { throw fail("unterminated string", end) }
            let c = byte(k), lower = c | 0x20
            let digit: UInt8
            if c &- UInt8(ascii: "0") < 10 { digit = c &- UInt8(ascii: "0") }
            else if lower &- UInt8(ascii: "a") < 6 { digit = lower &- UInt8(ascii: "a") &+ 10 }
            else { throw fail("invalid \\u escape", k) }
            result = result << 4 | UInt32(digit)
        }
        return result
    }

    func firstInvalidUTF8(_ start: Int, _ limit: Int) -> Int? { JSONScan.firstInvalidUTF8(p, end, start, limit) }
}

/// Byte scans shared by the tree parser and `JSONTape`.
enum JSONScan {
    /// Skips ordinary string bytes eight at a time; stops at '"', '\\', a control byte or the end.
    /// ORs every skipped byte into `seen` so callers know whether UTF-8 validation is needed.
    @inline(__always) static func scanPlain(_ p: UnsafeRawPointer, _ end: Int, _ from: Int, _ seen: inout UInt64) -> Int {
        var j = from
        while j + 8 <= end {
            let w = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: j, as: UInt64.self))
            let quote = w ^ (swarOnes &* 0x22), slash = w ^ (swarOnes &* 0x5C)
            // Each term's lowest set bit marks exactly its first match (borrows only corrupt higher bytes).
            let special = (((quote &- swarOnes) & ~quote) | ((slash &- swarOnes) & ~slash) | ((w &- swarOnes &* 0x20) & ~w)) & swarHighBits
            if special != 0 {
                let bits = special.trailingZeroBitCount + 1 // up to the high bit of the first special byte
                seen |= w & ((1 << (bits - 8)) &- 1)
                return j + bits / 8 - 1
            }
            seen |= w
            j += 8
        }
        while j < end {
            let c = p.load(fromByteOffset: j, as: UInt8.self)
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { return j }
            seen |= UInt64(c)
            j += 1
        }
        return j
    }

    /// The first byte of the first ill-formed UTF-8 sequence starting in `start..<limit`; a sequence cut
    /// short only by the end of input does not count (that is reported as truncation instead).
    static func firstInvalidUTF8(_ p: UnsafeRawPointer, _ end: Int, _ start: Int, _ limit: Int) -> Int? {
        var j = start
        while j < limit {
            let c = p.load(fromByteOffset: j, as: UInt8.self)
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
                let d = p.load(fromByteOffset: j + k, as: UInt8.self)
                if d < (k == 1 ? low : 0x80) || d > (k == 1 ? high : 0xBF) { return j }
            }
            j += length + 1
        }
        return nil
    }
}
