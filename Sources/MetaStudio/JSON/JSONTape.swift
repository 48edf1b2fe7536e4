import Foundation

/// A JSON text kept as its bytes plus one flat array of nodes: no String, array or dictionary per
/// value. Every job is read from a tape, imported or fetched: its fields are read and its stored
/// copy is written (`SecretRedactor.writeRedacted`) straight from the bytes. The grammar is
/// `JSONScanner`'s, shared with `JSONParser`. `parse` declines (nil) a text that is not JSON, and
/// JSON it would have to change to read: a byte-order mark, text that is not valid Unicode, a
/// container nested deeper than `JSONParser.maxDepth`, an object that repeats a key. The caller
/// then uses `JSONParser`, which names the error or repairs and merges, and reads the result from
/// `JSONTape(value)`.
///
/// Concurrency: two constant arrays, set once by `parse`; a tape is read from any thread (a page's
/// tape is parsed on a pager worker and read by the store's preparers).
public final class JSONTape: Sendable {
    enum Kind: UInt8, Sendable { case null, `false`, `true`, number, string, array, object }

    /// One value (or object key), in document order: a container's members follow it, each object
    /// member as a key node then its value's nodes.
    struct Node: Sendable {
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

    /// The tape of `bytes`, or nil when the text is not JSON or is JSON the tape does not take (see the type).
    public static func parse(_ bytes: [UInt8]) -> JSONTape? {
        let nodes: [Node]? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0, raw.count < Int(Int32.max) else { return nil }
            var builder = TapeBuilder(p: base, end: raw.count)
            return builder.build()
        }
        return nodes.map { JSONTape(bytes: bytes, nodes: $0) }
    }

    /// The tape of a tree (a document `JSONParser` read, repaired or merged): its compact text, which
    /// holds nothing `parse` declines. A tree built in code with a repeated key or nested too deep
    /// is read as `JSONParser.parseRepairingText` reads its text (the last value at the first place,
    /// a placeholder for the part too deep).
    public convenience init(_ value: JSONValue) {
        var text: [UInt8] = []
        value.write(to: &text)
        if let tape = JSONTape.parse(text) {
            self.init(bytes: tape.bytes, nodes: tape.nodes)
            return
        }
        let merged = text.withUnsafeBytes { try? JSONParser.parseRepairingText($0).value }
        var again: [UInt8] = []
        merged?.write(to: &again)
        // The text of a tree read by the parser is always a tape's; `null` should it ever not be.
        let tape = JSONTape.parse(again) ?? JSONTape.parse(Array("null".utf8))!
        self.init(bytes: tape.bytes, nodes: tape.nodes)
    }

    /// The root value.
    public var root: JSONTapeValue { JSONTapeValue(tape: self, index: 0) }

    func withBytes<R>(of node: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[Int(nodes[node].start) ..< Int(nodes[node].end)]))
        }
    }

    /// The decoded text of a string node (or key).
    func string(_ node: Int) -> String {
        if nodes[node].escaped {
            // Validated when the tape was built.
            return bytes.withUnsafeBytes { all in
                let quoted = UnsafeRawBufferPointer(rebasing: all[Int(nodes[node].start) - 1 ... Int(nodes[node].end)])
                return (try? JSONScanner.string(literal: quoted)) ?? ""
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
    /// node of the member after it. Names match by their decoded bytes (`JSONKey`): a key without
    /// escapes is its bytes on the tape.
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
                        if nodes[k].escaped {
                            if string(k).utf8.elementsEqual(key) { return (k + 1, Int(nodes[k + 1].next)) }
                        } else if count == key.count && JSONTape.sameBytes(bytes.baseAddress! + start, key.baseAddress, count) {
                            return (k + 1, Int(nodes[k + 1].next))
                        }
                        k = Int(nodes[k + 1].next)
                    }
                    return nil
                }
            }
        }
    }

    /// Whether `count` bytes at `a` and `b` are equal; member names are short, so a loop beats a
    /// call to `memcmp` for each of the dozens of lookups a job's fields take.
    @inline(__always)
    static func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        guard let b else { return false }
        if count > 32 { return memcmp(a, b, count) == 0 }
        for k in 0 ..< count where a[k] != b[k] { return false }
        return true
    }

    /// The members of the object at `object`: each key node and value node, in order.
    func members(of object: Int) -> [(key: Int, value: Int)] {
        var result: [(key: Int, value: Int)] = []
        result.reserveCapacity(Int(nodes[object].count))
        var k = object + 1
        for _ in 0 ..< Int(nodes[object].count) {
            result.append((k, k + 1))
            k = Int(nodes[k + 1].next)
        }
        return result
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

    /// The value's JSON type.
    public var type: JSONType {
        switch kind {
        case .null: return .null
        case .false, .true: return .boolean
        case .number: return .number
        case .string: return .string
        case .array: return .array
        case .object: return .object
        }
    }

    public var typeName: String { type.rawValue }

    /// The member names of an object value, in order (empty for any other value).
    public var keys: [String] {
        guard kind == .object else { return [] }
        return tape.members(of: index).map { tape.string($0.key) }
    }
}

/// Builds the nodes of a tape in one pass with the grammar of `JSONScanner`; any text it does not
/// take returns nil.
private struct TapeBuilder {
    var s: JSONScanner
    var nodes: [JSONTape.Node] = []
    /// Open containers, as node indexes.
    var open: [Int] = []

    init(p: UnsafeRawPointer, end: Int) {
        s = JSONScanner(p, end)
        nodes.reserveCapacity(end / 24)
    }

    mutating func build() -> [JSONTape.Node]? {
        while true {
            s.skipWhitespace()
            guard s.i < s.end else { return nil }
            switch s.byte(s.i) {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = s.byte(s.i) == UInt8(ascii: "{")
                guard open.count < JSONParser.maxDepth else { return nil }
                open.append(nodes.count)
                nodes.append(JSONTape.Node(kind: isObject ? .object : .array, start: Int32(s.i), end: 0))
                s.i += 1
                s.skipWhitespace()
                guard s.i < s.end else { return nil }
                if s.byte(s.i) != (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    if isObject { guard key() else { return nil } }
                    continue
                }
                open.removeLast()
                close(nodes.count - 1)
            case UInt8(ascii: "\""):
                guard string() else { return nil }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard let start = try? s.number() else { return nil }
                nodes.append(JSONTape.Node(kind: .number, start: Int32(start), end: Int32(s.i), next: Int32(nodes.count + 1)))
            case UInt8(ascii: "t"): guard literal("true", .true) else { return nil }
            case UInt8(ascii: "f"): guard literal("false", .false) else { return nil }
            case UInt8(ascii: "n"): guard literal("null", .null) else { return nil }
            default: return nil
            }
            // A value ended: count it in its container and close every container that ends here.
            while let top = open.last {
                nodes[top].count += 1
                let isObject = nodes[top].kind == .object
                s.skipWhitespace()
                guard s.i < s.end else { return nil }
                if s.byte(s.i) == UInt8(ascii: ",") {
                    s.i += 1
                    if isObject { guard key() else { return nil } }
                    break
                }
                guard s.byte(s.i) == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return nil }
                open.removeLast()
                close(top)
                if isObject && hasRepeatedKey(top) { return nil }
            }
            if open.isEmpty {
                s.skipWhitespace()
                return s.i == s.end ? nodes : nil
            }
        }
    }

    /// The closing bracket is at `i`.
    mutating func close(_ container: Int) {
        s.i += 1
        nodes[container].end = Int32(s.i)
        nodes[container].next = Int32(nodes.count)
    }

    /// `"key":`, after whitespace.
    mutating func key() -> Bool {
        s.skipWhitespace()
        guard s.i < s.end, s.byte(s.i) == UInt8(ascii: "\""), string() else { return false }
        s.skipWhitespace()
        guard s.i < s.end, s.byte(s.i) == UInt8(ascii: ":") else { return false }
        s.i += 1
        return true
    }

    /// A string (or key) whose opening quote is at `i`, validated and, when it holds escapes,
    /// decoded once by the scanner (and again when it is read).
    mutating func string() -> Bool {
        guard let token = try? s.string() else { return false }
        nodes.append(JSONTape.Node(kind: .string, escaped: token.escaped, start: Int32(token.start), end: Int32(token.stop),
                                   next: Int32(nodes.count + 1)))
        return true
    }

    mutating func literal(_ word: StaticString, _ kind: JSONTape.Kind) -> Bool {
        let start = s.i
        guard (try? s.literal(word)) != nil else { return false }
        nodes.append(JSONTape.Node(kind: kind, start: Int32(start), end: Int32(s.i), next: Int32(nodes.count + 1)))
        return true
    }

    /// Whether two members of the object at `object` are the same key (`JSONKey`: the tree parser
    /// merges them). Small objects of keys without escapes compare fingerprints (`JSONKey.tag`)
    /// pairwise, then bytes; others compare decoded keys through a set.
    func hasRepeatedKey(_ object: Int) -> Bool {
        let count = Int(nodes[object].count)
        var k = object + 1
        var plain = count <= 32
        if plain {
            for _ in 0 ..< count where plain {
                plain = !nodes[k].escaped
                k = Int(nodes[k + 1].next)
            }
        }
        guard plain else { return hasRepeatedDecodedKey(object) }
        let p = s.p, end = s.end
        return withUnsafeTemporaryAllocation(of: (tag: UInt64, start: Int, count: Int).self, capacity: count) { keys in
            var k = object + 1
            for m in 0 ..< count {
                let start = Int(nodes[k].start), length = Int(nodes[k].end) - start
                let tag = JSONKey.tag(p + start, length, end - start)
                for other in 0 ..< m where keys[other].tag == tag && keys[other].count == length {
                    if memcmp(p + keys[other].start, p + start, length) == 0 { return true }
                }
                (keys.baseAddress! + m).initialize(to: (tag, start, length))
                k = Int(nodes[k + 1].next)
            }
            return false
        }
    }

    private func hasRepeatedDecodedKey(_ object: Int) -> Bool {
        var seen = Set<[UInt8]>()
        var k = object + 1
        for _ in 0 ..< Int(nodes[object].count) {
            let start = Int(nodes[k].start), stop = Int(nodes[k].end)
            var key: [UInt8]
            if nodes[k].escaped {
                let quoted = UnsafeRawBufferPointer(start: s.p + start - 1, count: stop - start + 2)
                key = Array(((try? JSONScanner.string(literal: quoted)) ?? "").utf8)
            } else {
                key = Array(UnsafeRawBufferPointer(start: s.p + start, count: stop - start))
            }
            if !seen.insert(key).inserted { return true }
            k = Int(nodes[k + 1].next)
        }
        return false
    }
}
