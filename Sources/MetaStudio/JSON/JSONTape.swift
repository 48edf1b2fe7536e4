import Foundation

/// A JSON text kept as its bytes plus one flat array of nodes: no String, array or dictionary per
/// value. A fetched page is parsed this way on the network thread; fields are read and the stored
/// copy is written straight from the bytes later. It covers the JSON the API sends: text that is
/// less plain (escaped or repeated keys, a byte-order mark, very large objects) or not JSON at all
/// gets nil from `parse`, and the caller uses `JSONParser`, which takes all of JSON and names errors.
public final class JSONTape: @unchecked Sendable {
    enum Kind: UInt8 { case null, `false`, `true`, number, string, array, object }

    /// One value (or object key), in document order: a container's members follow it, each object
    /// member as a key node then its value's nodes.
    struct Node {
        var kind: Kind
        /// A string with backslash escapes: its text must be decoded, not copied.
        var escaped = false
        /// Strings: the bytes between the quotes; numbers: the number's text; containers: the brackets.
        var start: Int32
        var end: Int32
        /// The index of the first node after this value (and everything in it).
        var next: Int32 = 0
        /// Members of an object, elements of an array.
        var count: Int32 = 0
    }

    let bytes: [UInt8]
    let nodes: [Node]

    private init(bytes: [UInt8], nodes: [Node]) {
        self.bytes = bytes
        self.nodes = nodes
    }

    /// Objects with more members are left to `JSONParser` (the duplicate check here is pairwise).
    static let maxMembers = 64

    /// The tape of `bytes`, or nil when the text is not JSON or not plain enough (see the type).
    public static func parse(_ bytes: [UInt8]) -> JSONTape? {
        let nodes: [Node]? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0, raw.count < Int(Int32.max) else { return nil }
            var builder = TapeBuilder(p: base, end: raw.count)
            return builder.build()
        }
        return nodes.map { JSONTape(bytes: bytes, nodes: $0) }
    }

    /// The root value.
    public var root: JSONTapeValue { JSONTapeValue(tape: self, index: 0) }

    func withBytes<R>(of node: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[Int(nodes[node].start) ..< Int(nodes[node].end)]))
        }
    }

    /// The decoded text of a string node.
    func string(_ node: Int) -> String {
        if nodes[node].escaped {
            // Validated when the tape was built; the tree parser's string reader decodes the escapes.
            return bytes.withUnsafeBytes { all in
                let quoted = UnsafeRawBufferPointer(rebasing: all[Int(nodes[node].start) - 1 ... Int(nodes[node].end)])
                return (try? JSONParser.string(literal: quoted)) ?? ""
            }
        }
        return withBytes(of: node) { String(decoding: $0, as: UTF8.self) }
    }

    /// The value node of the member named `key` of the object at `object`, or nil.
    func member(_ key: String, of object: Int) -> Int? {
        member(key, of: object, from: 0)?.value
    }

    /// The first member named `key` of the object at `object`, searching from the member whose
    /// key node is `cursor` (0: the first) round to just before it; its value node, and the key
    /// node of the member after it. Keys on a tape hold no escapes, so bytes compare as text.
    func member(_ key: String, of object: Int, from cursor: Int) -> (value: Int, cursor: Int)? {
        var key = key
        return key.withUTF8 { key in
            nodes.withUnsafeBufferPointer { nodes in
                bytes.withUnsafeBufferPointer { bytes in
                    let first = object + 1, end = Int(nodes[object].next)
                    var k = cursor == 0 ? first : cursor
                    for _ in 0 ..< Int(nodes[object].count) {
                        if k >= end { k = first }
                        let start = Int(nodes[k].start), count = Int(nodes[k].end) - start
                        if count == key.count && (count == 0 || memcmp(bytes.baseAddress! + start, key.baseAddress!, count) == 0) {
                            return (k + 1, Int(nodes[k + 1].next))
                        }
                        k = Int(nodes[k + 1].next)
                    }
                    return nil
                }
            }
        }
    }

    /// The value at `node` as a tree (for callers that want one, such as tests and error reports).
    func value(_ node: Int) -> JSONValue {
        let n = nodes[node]
        switch n.kind {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .number: return .number(withBytes(of: node) { String(decoding: $0, as: UTF8.self) })
        case .string: return .string(string(node))
        case .array:
            var items: [JSONValue] = []
            items.reserveCapacity(Int(n.count))
            var k = node + 1
            for _ in 0 ..< Int(n.count) {
                items.append(value(k))
                k = Int(nodes[k].next)
            }
            return .array(items)
        case .object:
            var fields: [(key: String, value: JSONValue)] = []
            fields.reserveCapacity(Int(n.count))
            var k = node + 1
            for _ in 0 ..< Int(n.count) {
                fields.append((key: string(k), value: value(k + 1)))
                k = Int(nodes[k + 1].next)
            }
            return .object(JSONObject(fields))
        }
    }
}

/// One value of a tape.
public struct JSONTapeValue: Sendable {
    public let tape: JSONTape
    let index: Int

    var kind: JSONTape.Kind { tape.nodes[index].kind }

    /// The member named `key` of an object value; nil when there is none or this is no object.
    public subscript(key: String) -> JSONTapeValue? {
        guard kind == .object, let k = tape.member(key, of: index) else { return nil }
        return JSONTapeValue(tape: tape, index: k)
    }

    /// The elements of an array value, or nil when it is not one.
    public var elements: [JSONTapeValue]? {
        guard kind == .array else { return nil }
        var items: [JSONTapeValue] = []
        items.reserveCapacity(Int(tape.nodes[index].count))
        var k = index + 1
        for _ in 0 ..< Int(tape.nodes[index].count) {
            items.append(JSONTapeValue(tape: tape, index: k))
            k = Int(tape.nodes[k].next)
        }
        return items
    }

    public var stringValue: String? { kind == .string ? tape.string(index) : nil }

    /// The number's text as written, when this is a number.
    public var numberText: String? {
        kind == .number ? tape.withBytes(of: index) { String(decoding: $0, as: UTF8.self) } : nil
    }

    public var isObject: Bool { kind == .object }
    public var isNull: Bool { kind == .null }

    /// The same value as a tree.
    public var value: JSONValue { tape.value(index) }

    public var typeName: String {
        switch kind {
        case .null: return "null"
        case .false, .true: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// Builds the nodes of a tape in one pass; any text it does not take returns nil.
private struct TapeBuilder {
    let p: UnsafeRawPointer
    let end: Int
    var i = 0
    var nodes: [JSONTape.Node] = []
    /// Open containers, as node indexes.
    var open: [Int] = []

    init(p: UnsafeRawPointer, end: Int) {
        (self.p, self.end) = (p, end)
        nodes.reserveCapacity(end / 24)
    }

    @inline(__always) func byte(_ k: Int) -> UInt8 { p.load(fromByteOffset: k, as: UInt8.self) }

    @inline(__always) mutating func skipWhitespace() {
        while i < end {
            let c = byte(i)
            guard c <= 0x20, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    mutating func build() -> [JSONTape.Node]? {
        while true {
            skipWhitespace()
            guard i < end else { return nil }
            switch byte(i) {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = byte(i) == UInt8(ascii: "{")
                guard open.count < JSONParser.maxDepth else { return nil }
                open.append(nodes.count)
                nodes.append(JSONTape.Node(kind: isObject ? .object : .array, start: Int32(i), end: 0))
                i += 1
                skipWhitespace()
                guard i < end else { return nil }
                if byte(i) != (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    if isObject { guard key() else { return nil } }
                    continue
                }
                open.removeLast()
                close(nodes.count - 1)
            case UInt8(ascii: "\""):
                guard string(isKey: false) else { return nil }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard number() else { return nil }
            case UInt8(ascii: "t"): guard literal("true", .true) else { return nil }
            case UInt8(ascii: "f"): guard literal("false", .false) else { return nil }
            case UInt8(ascii: "n"): guard literal("null", .null) else { return nil }
            default: return nil
            }
            // A value ended: count it in its container and close every container that ends here.
            while let top = open.last {
                nodes[top].count += 1
                let isObject = nodes[top].kind == .object
                skipWhitespace()
                guard i < end else { return nil }
                if byte(i) == UInt8(ascii: ",") {
                    i += 1
                    if isObject {
                        guard nodes[top].count < JSONTape.maxMembers, key() else { return nil }
                    }
                    break
                }
                guard byte(i) == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return nil }
                open.removeLast()
                close(top)
                if isObject && hasRepeatedKey(top) { return nil }
            }
            if open.isEmpty {
                skipWhitespace()
                return i == end ? nodes : nil
            }
        }
    }

    /// The closing bracket is at `i`.
    mutating func close(_ container: Int) {
        i += 1
        nodes[container].end = Int32(i)
        nodes[container].next = Int32(nodes.count)
    }

    /// `"key":`, after whitespace.
    mutating func key() -> Bool {
        skipWhitespace()
        guard i < end, byte(i) == UInt8(ascii: "\""), string(isKey: true) else { return false }
        skipWhitespace()
        guard i < end, byte(i) == UInt8(ascii: ":") else { return false }
        i += 1
        return true
    }

    /// A string whose opening quote is at `i`. Escaped keys are not taken; escaped values are
    /// checked by the tree parser, which decodes them when they are read.
    mutating func string(isKey: Bool) -> Bool {
        let start = i + 1
        var seen: UInt64 = 0
        var j = JSONScan.scanPlain(p, end, start, &seen)
        var escaped = false
        while j < end, byte(j) == UInt8(ascii: "\\") {
            guard !isKey, j + 1 < end else { return false }
            escaped = true
            j = JSONScan.scanPlain(p, end, j + 2, &seen)
        }
        guard j < end, byte(j) == UInt8(ascii: "\"") else { return false }
        if seen & swarHighBits != 0, JSONScan.firstInvalidUTF8(p, end, start, j) != nil { return false }
        if escaped {
            let literal = UnsafeRawBufferPointer(start: p + start - 1, count: j - start + 2)
            guard (try? JSONParser.parse(literal)) != nil else { return false }
        }
        nodes.append(JSONTape.Node(kind: .string, escaped: escaped, start: Int32(start), end: Int32(j), next: Int32(nodes.count + 1)))
        i = j + 1
        return true
    }

    @inline(__always) func isDigit(_ k: Int) -> Bool { k < end && byte(k) &- UInt8(ascii: "0") < 10 }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func number() -> Bool {
        let start = i
        if byte(i) == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return false }
        if byte(i) == UInt8(ascii: "0") {
            i += 1
            guard !isDigit(i) else { return false }
        }
        while isDigit(i) { i += 1 }
        if i < end, byte(i) == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        if i < end, byte(i) | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < end, byte(i) == UInt8(ascii: "+") || byte(i) == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        nodes.append(JSONTape.Node(kind: .number, start: Int32(start), end: Int32(i), next: Int32(nodes.count + 1)))
        return true
    }

    mutating func literal(_ word: StaticString, _ kind: JSONTape.Kind) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= end, memcmp(p + i, word.utf8Start, n) == 0 else { return false }
        nodes.append(JSONTape.Node(kind: kind, start: Int32(i), end: Int32(i + n), next: Int32(nodes.count + 1)))
        i += n
        return true
    }

    /// Whether two members of the object at `object` share a name (the tree parser merges them).
    /// Names are compared by the tree parser's fingerprint (`keyTag`) first.
    func hasRepeatedKey(_ object: Int) -> Bool {
        let count = Int(nodes[object].count)
        return withUnsafeTemporaryAllocation(of: (tag: UInt64, start: Int, count: Int).self, capacity: count) { keys in
            var k = object + 1
            for m in 0 ..< count {
                let start = Int(nodes[k].start), length = Int(nodes[k].end) - start
                let tag = keyTag(p + start, length, end - start)
                for other in 0 ..< m where keys[other].tag == tag && keys[other].count == length {
                    if memcmp(p + keys[other].start, p + start, length) == 0 { return true }
                }
                (keys.baseAddress! + m).initialize(to: (tag, start, length))
                k = Int(nodes[k + 1].next)
            }
            return false
        }
    }
}
