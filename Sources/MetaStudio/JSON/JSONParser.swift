/// Where and why a JSON text is malformed; `offset` is a 0-based byte offset into the parsed bytes.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending byte, or the input length when the input ends too early.
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) { (self.offset, self.message) = (offset, message) }

    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser over raw bytes into a `JSONValue` tree, reporting the exact byte of every
/// error; the grammar (white space, numbers, strings, escapes, key equality) is `JSONScanner`'s,
/// shared with `JSONTape`. Job data is read from a tape; this parser reads what the tape leaves
/// (errors, text to repair) and every other JSON (error bodies, options, the simulator's files).
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
    /// container nested deeper than `maxDepth` is read by the same grammar without being built
    /// (malformed JSON in it fails the document as anywhere else) and kept as the string
    /// `tooDeepPlaceholder` + `N bytes]`. `repaired` says whether anything was. For a page whose strict parse failed only on these, so that one job's broken
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

/// An open array or object; `key` and `tag` belong to the object member being parsed.
private struct Frame {
    var isObject: Bool
    var base: Int
    var key = ""
    var tag: UInt64 = 0
    var seenTags: Set<UInt64>? = nil
}

/// Builds a tree from the tokens `JSONScanner` reads; the grammar is the scanner's.
private struct ByteParser: ~Copyable {
    var s: JSONScanner
    var values = MoveStack<JSONValue>()
    var fields = MoveStack<(key: String, value: JSONValue)>()
    /// `JSONKey.tag` of each key in `fields`, so duplicate checks rarely compare bytes.
    var tags = MoveStack<UInt64>()
    var lastKeyTag: UInt64 = 0

    init(_ p: UnsafeRawPointer, _ count: Int) { s = JSONScanner(p, count) }

    var repairText: Bool {
        get { s.repairText }
        set { s.repairText = newValue }
    }
    var repaired: Bool { s.repaired }

    mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        if s.end >= 3, s.byte(0) == 0xEF, s.byte(1) == 0xBB, s.byte(2) == 0xBF { s.i = 3 }
        let value = try parseTree()
        s.skipWhitespace()
        if s.i < s.end { throw s.fail("trailing characters after JSON value", s.i) }
        return value
    }

    /// Iterative, with an explicit frame stack, so deep input cannot overflow the thread's stack.
    mutating func parseTree() throws(JSONSyntaxError) -> JSONValue {
        var frames: [Frame] = []
        frames.reserveCapacity(8)
        while true {
            s.skipWhitespace()
            guard s.i < s.end else { throw s.endOfInput }
            var value: JSONValue
            switch s.byte(s.i) {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = s.byte(s.i) == UInt8(ascii: "{")
                if frames.count == JSONParser.maxDepth {
                    guard s.repairText else { throw s.fail(JSONParser.tooDeepMessage, s.i) }
                    let start = s.i
                    try skipContainer()
                    s.repaired = true
                    value = .string(JSONParser.tooDeepPlaceholder + "\(s.i - start) bytes]")
                    break
                }
                s.i += 1
                s.skipWhitespace()
                if s.i < s.end, s.byte(s.i) == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    s.i += 1
                    value = isObject ? .object(JSONObject()) : .array([])
                } else if isObject {
                    frames.append(Frame(isObject: true, base: fields.count, key: try parseKey(), tag: lastKeyTag))
                    continue
                } else {
                    frames.append(Frame(isObject: false, base: values.count))
                    continue
                }
            case UInt8(ascii: "\""):
                // Read first: `s.text(try s.string())` would take `s` before the read changes it.
                let token = try s.string()
                value = .string(s.text(token))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = try s.number()
                value = .number(String(decoding: UnsafeRawBufferPointer(start: s.p + start, count: s.i - start), as: UTF8.self))
            case UInt8(ascii: "t"): try s.literal("true"); value = .bool(true)
            case UInt8(ascii: "f"): try s.literal("false"); value = .bool(false)
            case UInt8(ascii: "n"): try s.literal("null"); value = .null
            default: throw s.fail("expected a JSON value", s.i)
            }
            // Hand the value to its container, closing every container that ends right after it.
            while true {
                guard let top = frames.indices.last else { return value }
                if frames[top].isObject {
                    addField(&frames[top], consume value)
                    s.skipWhitespace()
                    guard s.i < s.end else { throw s.endOfInput }
                    if s.byte(s.i) == UInt8(ascii: ",") {
                        s.i += 1
                        frames[top].key = try parseKey()
                        frames[top].tag = lastKeyTag
                        break
                    }
                    guard s.byte(s.i) == UInt8(ascii: "}") else { throw s.fail("expected ',' or '}' after object member", s.i) }
                    tags.truncate(to: frames[top].base)
                    value = .object(JSONObject(fields.popArray(from: frames[top].base)))
                } else {
                    values.push(consume value)
                    s.skipWhitespace()
                    guard s.i < s.end else { throw s.endOfInput }
                    if s.byte(s.i) == UInt8(ascii: ",") { s.i += 1; break }
                    guard s.byte(s.i) == UInt8(ascii: "]") else { throw s.fail("expected ',' or ']' after array element", s.i) }
                    value = .array(values.popArray(from: frames[top].base))
                }
                s.i += 1
                frames.removeLast()
            }
        }
    }

    /// Moves past the array or object that starts at `i` without building it, reading it by the
    /// same grammar as the rest (`JSONScanner`: every string, number and literal, every comma and
    /// colon, keys that are strings), so malformed JSON down there fails the document with the
    /// error the parser would name for it higher up. Iterative: the open containers are one flag
    /// each on a heap stack, so how deep it goes costs no thread stack and no tree. Duplicate keys
    /// are not looked for: none of it is kept.
    mutating func skipContainer() throws(JSONSyntaxError) {
        // Whether each open container is an object, innermost last.
        var open: [Bool] = []
        while true {
            s.skipWhitespace()
            guard s.i < s.end else { throw s.endOfInput }
            switch s.byte(s.i) {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = s.byte(s.i) == UInt8(ascii: "{")
                s.i += 1
                s.skipWhitespace()
                if s.i < s.end, s.byte(s.i) == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    s.i += 1
                } else {
                    open.append(isObject)
                    if isObject { try skipKey() }
                    continue
                }
            case UInt8(ascii: "\""): _ = try s.string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try s.number()
            case UInt8(ascii: "t"): try s.literal("true")
            case UInt8(ascii: "f"): try s.literal("false")
            case UInt8(ascii: "n"): try s.literal("null")
            default: throw s.fail("expected a JSON value", s.i)
            }
            // After a value: the next member or element, or the end of each container it closes.
            while true {
                guard let isObject = open.last else { return }
                s.skipWhitespace()
                guard s.i < s.end else { throw s.endOfInput }
                if s.byte(s.i) == UInt8(ascii: ",") {
                    s.i += 1
                    if isObject { try skipKey() }
                    break
                }
                if isObject {
                    guard s.byte(s.i) == UInt8(ascii: "}") else { throw s.fail("expected ',' or '}' after object member", s.i) }
                } else {
                    guard s.byte(s.i) == UInt8(ascii: "]") else { throw s.fail("expected ',' or ']' after array element", s.i) }
                }
                s.i += 1
                open.removeLast()
            }
        }
    }

    /// `parseKey` without keeping the key: `"key":` after white space, with the same errors.
    mutating func skipKey() throws(JSONSyntaxError) {
        s.skipWhitespace()
        guard s.i < s.end else { throw s.endOfInput }
        guard s.byte(s.i) == UInt8(ascii: "\"") else { throw s.fail("expected string for object key", s.i) }
        _ = try s.string()
        s.skipWhitespace()
        guard s.i < s.end else { throw s.endOfInput }
        guard s.byte(s.i) == UInt8(ascii: ":") else { throw s.fail("expected ':' after object key", s.i) }
        s.i += 1
    }

    /// A later duplicate replaces the earlier value but keeps the earlier position.
    @inline(__always) mutating func addField(_ frame: inout Frame, _ value: consuming JSONValue) {
        if fields.count - frame.base < 32 || mayRepeat(&frame) {
            for k in frame.base..<fields.count where tags[k] == frame.tag && JSONKey.same(fields[k].key, frame.key) {
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

    /// Parses `"key":` (after whitespace) and sets `lastKeyTag`, computed on the key's decoded text.
    mutating func parseKey() throws(JSONSyntaxError) -> String {
        s.skipWhitespace()
        guard s.i < s.end else { throw s.endOfInput }
        guard s.byte(s.i) == UInt8(ascii: "\"") else { throw s.fail("expected string for object key", s.i) }
        let token = try s.string()
        let key = s.text(token)
        if token.repair {
            lastKeyTag = JSONKey.tag(key)
        } else if token.escaped {
            lastKeyTag = s.scratch.withUnsafeBytes { JSONKey.tag($0.baseAddress!, $0.count, $0.count) }
        } else {
            lastKeyTag = JSONKey.tag(s.p + token.start, token.stop - token.start, s.end - token.start)
        }
        s.skipWhitespace()
        guard s.i < s.end else { throw s.endOfInput }
        guard s.byte(s.i) == UInt8(ascii: ":") else { throw s.fail("expected ':' after object key", s.i) }
        s.i += 1
        return key
    }
}
