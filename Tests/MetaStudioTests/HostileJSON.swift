import MetaStudio
import MetaStudioSimulator

/// JSON texts of a value written with every liberty RFC 8259 allows: escapes where none are needed
/// (`\/`, `\u0041`, `\u` for non-ASCII, surrogate pairs for emoji), white space around every token.
enum HostileJSON {
    static func text(_ value: JSONValue, _ rng: inout SplitMix64) -> String {
        var out = ""
        write(value, &rng, &out)
        return out
    }

    private static func space(_ rng: inout SplitMix64) -> String {
        rng.chance(2500) ? [" ", "\n", "\t", "\r\n", "  "][rng.below(5)] : ""
    }

    private static func write(_ value: JSONValue, _ rng: inout SplitMix64, _ out: inout String) {
        switch value {
        case .null, .bool, .number: out += value.serialized()
        case .string(let s): quote(s, &rng, &out)
        case .array(let items):
            out += "[" + space(&rng)
            for (i, item) in items.enumerated() {
                if i > 0 { out += space(&rng) + "," + space(&rng) }
                write(item, &rng, &out)
            }
            out += space(&rng) + "]"
        case .object(let object):
            out += "{" + space(&rng)
            for (i, field) in object.fields.enumerated() {
                if i > 0 { out += space(&rng) + "," + space(&rng) }
                quote(field.key, &rng, &out)
                out += space(&rng) + ":" + space(&rng)
                write(field.value, &rng, &out)
            }
            out += space(&rng) + "}"
        }
    }

    private static func quote(_ s: String, _ rng: inout SplitMix64, _ out: inout String) {
        let eager = rng.chance(5000)
        func hex(_ v: UInt32) -> String {
            let digits = String(v, radix: 16, uppercase: rng.chance(5000))
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += eager && rng.chance(5000) ? "\\u005c" : "\\\\"
            case "\n": out += eager ? "\\u000a" : "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "/": out += eager && rng.chance(5000) ? "\\/" : "/"
            default:
                if scalar.value < 0x20 {
                    out += hex(scalar.value)
                } else if eager && (scalar.value >= 0x80 || rng.chance(1000)) {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += hex(0xD800 + (v >> 10)) + hex(0xDC00 + (v & 0x3FF))
                    } else {
                        out += hex(scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
