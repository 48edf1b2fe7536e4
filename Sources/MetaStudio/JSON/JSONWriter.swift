extension JSONValue {
    /// Compact JSON text: keys in stored order, numbers as they were written, non-ASCII kept as UTF-8.
    public func serialized() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2048)
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the compact JSON text of this value to `out`.
    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            object.write(to: &out)
        }
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// Writes `s` as a JSON string literal, escaping only what JSON requires.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(bytes: $0, to: &out) }
    }

    /// Writes UTF-8 `bytes` as a JSON string literal, escaping only what JSON requires: the quote,
    /// the backslash and control characters (RFC 8259 §7), each in its short form where it has one.
    static func writeString(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        guard let base = bytes.baseAddress else { out.append(UInt8(ascii: "\"")); return }
        var start = 0
        var i = 0
        var seen: UInt64 = 0
        while true {
            // To the next byte that needs an escape, eight bytes at a time.
            i = JSONScanner.scanPlain(UnsafeRawPointer(base), bytes.count, i, &seen)
            guard i < bytes.count else { break }
            let byte = bytes[i]
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
            start = i + 1
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            default:
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            }
            i += 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONObject {
    /// Appends the compact JSON text of this object to `out`.
    public func write(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(field.key, to: &out)
            out.append(UInt8(ascii: ":"))
            field.value.write(to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Compact JSON text of this object.
    public func serialized() -> String { JSONValue.object(self).serialized() }

    /// `serialized()` with every character a terminal would obey escaped (see `SafeText`).
    public func serializedForTerminal() -> String { SafeText.jsonForTerminal(serialized()) }
}
