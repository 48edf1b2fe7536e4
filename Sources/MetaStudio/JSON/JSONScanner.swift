/// The JSON grammar of RFC 8259, once, for both readers of JSON text: `JSONParser`, which builds a
/// tree and names every error, and `JSONTape`, the fast path, which leaves to the parser what it
/// does not take. What both read, and how, is decided here and nowhere else:
/// - white space is space, tab, line feed and carriage return (§2), nothing more;
/// - a number is `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` (§6), kept as its text;
/// - `true`, `false` and `null` are lower case (§3);
/// - a string is UTF-8 (§8.1) without control characters (below U+0020), with the escapes of §7;
///   a `\u` surrogate pair decodes to one scalar, a lone surrogate is an error (or U+FFFD when
///   repairing, as is invalid UTF-8);
/// - two member names are the same key when their bytes after escape decoding are equal, compared
///   byte by byte as §8.3 says interoperable implementations do, never by Unicode canonical
///   equivalence: `"\u0061"` and `"a"` are one key, `"é"` and `"e\u0301"` two (`JSONKey`);
/// - the types are named as `JSONType` names them.
struct JSONScanner {
    let p: UnsafeRawPointer
    let end: Int
    /// The next byte to read.
    var i = 0
    /// The decoded bytes of the last string read that held an escape.
    var scratch: [UInt8] = []
    /// Read invalid UTF-8 and lone surrogate escapes as U+FFFD instead of failing; `repaired` says if any was.
    var repairText = false
    var repaired = false

    init(_ p: UnsafeRawPointer, _ count: Int) { (self.p, end) = (p, count) }

    /// One string literal as read: its bytes between the quotes are `start ..< stop`; when `escaped`,
    /// its text is the decoded bytes in `scratch` instead. `repair` is set when its text holds bytes
    /// that are not UTF-8, which making a `String` of it replaces with U+FFFD.
    struct StringToken {
        var start: Int
        var stop: Int
        var escaped: Bool
        var repair = false
    }

    @inline(__always) func byte(_ k: Int) -> UInt8 { p.load(fromByteOffset: k, as: UInt8.self) }
    func fail(_ message: String, _ offset: Int) -> JSONSyntaxError { JSONSyntaxError(offset: offset, message: message) }
    var endOfInput: JSONSyntaxError { fail("unexpected end of input", end) }

    /// Space, tab, line feed and carriage return (RFC 8259 §2).
    @inline(__always) mutating func skipWhitespace() {
        while i < end {
            let c = byte(i)
            guard c <= 0x20, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// `true`, `false` or `null` at `i`; throws at the first byte that differs.
    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        for k in 0 ..< word.utf8CodeUnitCount {
            guard i + k < end else { throw endOfInput }
            guard byte(i + k) == word.utf8Start[k] else { throw fail("invalid literal", i + k) }
        }
        i += word.utf8CodeUnitCount
    }

    @inline(__always) func isDigit(_ k: Int) -> Bool { k < end && byte(k) &- UInt8(ascii: "0") < 10 }

    func requireDigit() throws(JSONSyntaxError) {
        if !isDigit(i) { throw i < end ? fail("invalid number", i) : endOfInput }
    }

    /// Reads `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` from `i` (a `-` or a digit)
    /// and returns where it started; the number's text is `start ..< i`.
    mutating func number() throws(JSONSyntaxError) -> Int {
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
        return start
    }

    /// Reads the string literal whose opening quote is at `i` and moves past its closing quote.
    /// Reports the earliest error in it: an invalid UTF-8 sequence before a later problem wins.
    mutating func string() throws(JSONSyntaxError) -> StringToken {
        let start = i + 1
        do throws(JSONSyntaxError) {
            return try stringBody(start)
        } catch {
            if let bad = JSONScanner.firstInvalidUTF8(p, end, start, error.offset) { throw fail("invalid UTF-8", bad) }
            throw error
        }
    }

    private mutating func stringBody(_ start: Int) throws(JSONSyntaxError) -> StringToken {
        var seen: UInt64 = 0
        var j = JSONScanner.scanPlain(p, end, start, &seen)
        guard j < end else { throw fail("unterminated string", end) }
        var token = StringToken(start: start, stop: j, escaped: byte(j) != UInt8(ascii: "\""))
        if token.escaped {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeRawBufferPointer(start: p + start, count: j - start))
            while byte(j) != UInt8(ascii: "\"") {
                if byte(j) < 0x20 { throw fail("control character in string", j) }
                let run = try decodeEscape(j)
                j = JSONScanner.scanPlain(p, end, run, &seen)
                guard j < end else { throw fail("unterminated string", end) }
                scratch.append(contentsOf: UnsafeRawBufferPointer(start: p + run, count: j - run))
            }
            token.stop = j
        }
        i = j + 1
        // Escapes are ASCII and decode to valid UTF-8, so checking the source bytes covers the text.
        if seen & swarHighBits != 0, let bad = JSONScanner.firstInvalidUTF8(p, end, start, j) {
            guard repairText else { throw fail("invalid UTF-8", bad) }
            repaired = true
            token.repair = true
        }
        return token
    }

    /// The text of a string read by `string()`.
    func text(_ token: StringToken) -> String {
        token.escaped ? String(decoding: scratch, as: UTF8.self)
            : String(decoding: UnsafeRawBufferPointer(start: p + token.start, count: token.stop - token.start), as: UTF8.self)
    }

    /// Decodes the escape whose backslash is at `j` into `scratch`; returns the index after it.
    private mutating func decodeEscape(_ j: Int) throws(JSONSyntaxError) -> Int {
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
    private mutating func decodeUnicodeEscape(_ j: Int) throws(JSONSyntaxError) -> Int {
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

    private func hex4(_ at: Int) throws(JSONSyntaxError) -> UInt32 {
        var result: UInt32 = 0
        for k in at ..< at + 4 {
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

    /// The decoded text of `quoted`, which must be exactly one string literal, quotes included.
    static func string(literal quoted: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> String {
        guard let base = quoted.baseAddress, quoted.count >= 2, quoted[0] == UInt8(ascii: "\"") else {
            throw JSONSyntaxError(offset: 0, message: "expected a string")
        }
        var scanner = JSONScanner(base, quoted.count)
        let token = try scanner.string()
        if scanner.i < quoted.count { throw JSONSyntaxError(offset: scanner.i, message: "trailing characters after JSON value") }
        return scanner.text(token)
    }

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

let swarOnes: UInt64 = 0x0101_0101_0101_0101
let swarHighBits: UInt64 = 0x8080_8080_8080_8080

/// When two member names are the same key (see `JSONScanner`): their decoded bytes are equal.
/// Swift's `==` on `String` would merge canonically equivalent names (`"é"` and `"e\u0301"`,
/// `"K"` and the Kelvin sign U+212A), which JSON keeps apart.
enum JSONKey {
    @inline(__always) static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    /// A cheap fingerprint of a decoded key (its length and first and last eight bytes), equal for
    /// equal keys. `readable` bytes may be loaded, which lets a short key be read in one load.
    @inline(__always) static func tag(_ bytes: UnsafeRawPointer, _ count: Int, _ readable: Int) -> UInt64 {
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

    /// `tag` of a key held in a `String`.
    static func tag(_ key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { $0.isEmpty ? tag(UnsafeRawPointer(bitPattern: 1)!, 0, 0) : tag($0.baseAddress!, $0.count, $0.count) }
    }
}
