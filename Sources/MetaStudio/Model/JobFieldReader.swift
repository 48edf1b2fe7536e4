/// What `FieldReader` reads of a value on a tape.
extension JSONTapeValue {
    var asString: String? { stringValue }
    var isString: Bool { kind == .string }
    /// For a string: its RFC 3339 instant, or nil inside when it is not one. Nil for other types.
    var asTimestamp: Double?? {
        guard kind == .string else { return nil }
        if tape.nodes[index].escaped { return .some(RFC3339.parse(tape.string(index))) }
        return .some(tape.withBytes(of: index) { RFC3339.parse(bytes: $0) })
    }
    /// The number as a finite Double; nil when this is no number or one a Double cannot hold.
    var asFiniteNumber: Double? {
        guard let text = numberText, let d = Double(text), d.isFinite else { return nil }
        return d
    }
    var asBool: Bool? {
        switch kind {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }
    var asObject: TapeObject? { isObject ? TapeObject(self) : nil }
    var asArray: [JSONTapeValue]? { elements }
}

/// An object on a tape; a cursor is the node index of the member to look at next.
struct TapeObject {
    let value: JSONTapeValue

    init(_ value: JSONTapeValue) { self.value = value }

    /// The first member named `key`, searching from `cursor` round to just before it, and the
    /// cursor to start the next search at. A cursor of 0 starts at the first member.
    func find(_ key: String, from cursor: Int) -> (value: JSONTapeValue, cursor: Int)? {
        guard let found = value.tape.member(key, of: value.index, from: cursor) else { return nil }
        return (JSONTapeValue(tape: value.tape, index: found.value), found.cursor)
    }
}

/// Reads typed members of one JSON object. A member of the wrong type, a number out of range or an
/// invalid timestamp is not an error: it is read as absent and noted in `flags` with its full path,
/// so that one odd value never costs the rest of the job (or the other jobs).
struct FieldReader {
    typealias Value = JSONTapeValue
    let object: TapeObject
    /// Where the object is, kept as parts and joined only when a flag names a field (most jobs
    /// have none): the path of its parent, its member name, and for a list element its index.
    private let parent: String
    private let key: String
    private let index: Int?

    /// The object's path as flags name fields: `""`, `"error_info."`, `"rtc_room_info.users[2]."`.
    var path: String {
        guard !key.isEmpty else { return parent }
        return index.map { "\(parent)\(key)[\($0)]." } ?? parent + key + "."
    }

    init(object: TapeObject, path: String) {
        (self.object, parent, key, index) = (object, path, "", nil)
    }

    /// The reader of member `key` of an object at `parent` (element `index` of it, for a list).
    init(object: TapeObject, parent: String, key: String, index: Int? = nil) {
        (self.object, self.parent, self.key, self.index) = (object, parent, key, index)
    }

    private func wrongType(_ key: String, _ expected: String, _ got: Value) -> JobFlag {
        JobFlag(field: path + key, reason: .wrongType, detail: "expected \(expected), got \(got.typeName)")
    }

    /// Where the next search starts: members are read in about the order the API sends them,
    /// so most lookups hit on the first comparison instead of scanning the object.
    private var cursor = 0

    /// The member's value; JSON null counts as absent.
    mutating func value(_ key: String) -> Value? {
        guard let found = object.find(key, from: cursor) else { return nil }
        cursor = found.cursor
        return found.value.isNull ? nil : found.value
    }

    mutating func string(_ key: String, _ flags: inout [JobFlag]) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.asString else { flags.append(wrongType(key, "a string", v)); return nil }
        return s
    }

    /// A finite number; a number a Double cannot hold (`1e400`) is flagged out of range.
    mutating func number(_ key: String, _ flags: inout [JobFlag]) -> Double? {
        guard let v = value(key) else { return nil }
        guard let text = v.numberText else { flags.append(wrongType(key, "a number", v)); return nil }
        guard let d = v.asFiniteNumber else {
            flags.append(JobFlag(field: path + key, reason: .outOfRange,
                                 detail: "number \(SafeText.escaped(text, limit: 40)) is out of range"))
            return nil
        }
        return d
    }

    /// Whole epoch seconds (`ctime`): an integer literal is read exactly (a double would round
    /// 9007199254740993); a fraction is cut; a value past the 64-bit range is flagged.
    mutating func epochSeconds(_ key: String, _ flags: inout [JobFlag]) -> Int64? {
        guard let v = value(key) else { return nil }
        if let text = v.numberText, text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") }) {
            if let exact = Int64(text) { return exact }
            flags.append(JobFlag(field: path + key, reason: .outOfRange,
                                 detail: "epoch seconds \(SafeText.escaped(text, limit: 40)) out of range"))
            return nil
        }
        cursor = 0
        guard let d = number(key, &flags) else { return nil }
        guard let whole = Int64(exactly: d.rounded(.towardZero)) else {
            flags.append(JobFlag(field: path + key, reason: .outOfRange,
                                 detail: "epoch seconds \(JobFlag.show(d)) out of range"))
            return nil
        }
        return whole
    }

    mutating func bool(_ key: String, _ flags: inout [JobFlag]) {
        guard let v = value(key) else { return }
        if v.asBool == nil { flags.append(wrongType(key, "a boolean", v)) }
    }

    /// Checks that a member only validated here is a string, without decoding it.
    mutating func checkString(_ key: String, _ flags: inout [JobFlag]) {
        guard let v = value(key) else { return }
        if !v.isString { flags.append(wrongType(key, "a string", v)) }
    }

    /// Epoch seconds (UTC) of an RFC 3339 member; anything else is flagged and read as absent.
    mutating func timestamp(_ key: String, _ flags: inout [JobFlag]) -> Double? {
        guard let v = value(key) else { return nil }
        guard let parsed = v.asTimestamp else { flags.append(wrongType(key, "a string", v)); return nil }
        guard let epoch = parsed else {
            let text = v.asString ?? ""
            flags.append(JobFlag(field: path + key, reason: .invalidTimestamp,
                                 detail: "invalid RFC 3339 timestamp \"\(SafeText.escaped(text, limit: 40))\""))
            return nil
        }
        return epoch
    }

    mutating func object(_ key: String, _ flags: inout [JobFlag]) -> FieldReader? {
        guard let v = value(key) else { return nil }
        guard let o = v.asObject else { flags.append(wrongType(key, "an object", v)); return nil }
        return FieldReader(object: o, parent: path, key: key)
    }

    mutating func array(_ key: String, _ flags: inout [JobFlag]) -> [Value]? {
        guard let v = value(key) else { return nil }
        guard let a = v.asArray else { flags.append(wrongType(key, "an array", v)); return nil }
        return a
    }

    /// The first `JobFlag.maximumListItems` elements of an array member; a longer list is flagged
    /// `out_of_range` (no job has so many RTC users or callback events), so one absurd job costs
    /// bounded memory and rows.
    mutating func list(_ key: String, _ flags: inout [JobFlag]) -> ArraySlice<Value> {
        guard let items = array(key, &flags) else { return [] }
        if items.count > JobFlag.maximumListItems {
            flags.append(JobFlag(field: path + key, reason: .outOfRange,
                                 detail: "\(items.count) items; only the first \(JobFlag.maximumListItems) are read"))
        }
        return items.prefix(JobFlag.maximumListItems)
    }

    /// The string elements of an array member (`list`); an element of another type is flagged
    /// (`JobFlag.cappedList`) and skipped. A list of two whose first names a secret is a
    /// name/value pair, as the stored JSON reads it: its second element is read as the mask.
    mutating func strings(_ key: String, _ flags: inout [JobFlag]) -> [String] {
        var result: [String] = []
        var itemFlags: [JobFlag] = []
        let items = list(key, &flags)
        let pair = items.count == 2 && items.first?.asString.map(SecretRedactor.isSecretName) == true
        for (i, item) in items.enumerated() {
            guard let s = item.asString else {
                itemFlags.append(JobFlag(field: "\(path)\(key)[\(i)]", reason: .wrongType,
                                         detail: "expected a string, got \(item.typeName)"))
                continue
            }
            result.append(pair && i == 1 ? SecretRedactor.mask : s)
        }
        if !itemFlags.isEmpty { flags += JobFlag.cappedList(itemFlags, field: path + key) }
        return result
    }
}

extension JobFlag {
    /// How many elements of one list in a job are read (`rtc_room_info.users`, callback event types).
    public static let maximumListItems = 1000
    /// How many flags the elements of one list may add to a job; the rest are counted in one more.
    public static let maximumPerList = 10

    /// `flags` (of the elements of the list at `field`) cut to `maximumPerList`, with one flag more
    /// that counts the rest, so a list of a million bad elements is eleven flags, not a million.
    static func cappedList(_ flags: [JobFlag], field: String) -> [JobFlag] {
        guard flags.count > maximumPerList else { return flags }
        let rest = flags.count - maximumPerList
        return Array(flags.prefix(maximumPerList)) + [JobFlag(field: field, reason: flags[maximumPerList].reason,
            detail: "\(rest) more elements flagged like those before, not listed one by one")]
    }
}
