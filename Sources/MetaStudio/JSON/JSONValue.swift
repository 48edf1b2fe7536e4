/// A JSON document as the API sent it: object keys keep their order and numbers keep their text,
/// so that a job re-serialized after redaction differs from the original only where we changed it.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written in the source (`12`, `3.50`, `1e3`), validated as JSON.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The value's JSON type.
    public var type: JSONType {
        switch self {
        case .null: return .null
        case .bool: return .boolean
        case .number: return .number
        case .string: return .string
        case .array: return .array
        case .object: return .object
        }
    }

    /// A short name of the JSON type, for error messages ("string", "number", ...).
    public var typeName: String { type.rawValue }

    /// Equal when the same JSON: numbers by their text, strings and member names by their bytes
    /// (`JSONKey`), never by Unicode canonical equivalence as Swift's `String ==` would.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)), (.string(let a), .string(let b)): return JSONKey.same(a, b)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The number as a Double, when this is a number.
    public var doubleValue: Double? {
        if case .number(let n) = self { return Double(n) }
        return nil
    }
}

/// A JSON object that keeps its keys in source order. Lookups are linear: API objects have
/// a few dozen keys at most, where a scan beats hashing. Keys match by their bytes (`JSONKey`).
public struct JSONObject: Sendable, Equatable {
    public var fields: [(key: String, value: JSONValue)]

    public init(_ fields: [(key: String, value: JSONValue)] = []) {
        self.fields = fields
    }

    public subscript(key: String) -> JSONValue? {
        get {
            for field in fields where JSONKey.same(field.key, key) { return field.value }
            return nil
        }
        set {
            if let index = fields.firstIndex(where: { JSONKey.same($0.key, key) }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((key: key, value: newValue))
            }
        }
    }

    public var keys: [String] { fields.map(\.key) }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.fields.count == rhs.fields.count else { return false }
        for (l, r) in zip(lhs.fields, rhs.fields) where !JSONKey.same(l.key, r.key) || l.value != r.value {
            return false
        }
        return true
    }
}

/// The six types of JSON values (RFC 8259 §3), named as messages name them (`expected a string,
/// got number`): one list for a tree's values and a tape's.
public enum JSONType: String, Sendable {
    case null, boolean, number, string, array, object
}
