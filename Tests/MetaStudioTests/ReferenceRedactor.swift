@testable import MetaStudio

/// The tree walker livejobs once stored jobs with: a copy of a parsed tree with every secret masked
/// (docs/SECRETS.md, section 1), sharing what needs none, then serialized. It is kept here, in the
/// tests only, as the plain statement of the rules that the one production walker
/// (`SecretRedactor.writeRedacted` over a tape, copying bytes where nothing changes) is checked
/// against, job by job.
enum ReferenceRedactor {
    /// The text a job must be stored as.
    static func storedText(_ object: JSONObject) -> String {
        (redacted(object) ?? object).serialized()
    }

    /// The redacted object, or nil when nothing in it needed masking.
    static func redacted(_ object: JSONObject) -> JSONObject? {
        var copy: JSONObject?
        for i in object.fields.indices {
            let field = object.fields[i]
            let replacement: JSONValue?
            if SecretRedactor.isSecretName(field.key) {
                if case .null = field.value { continue }
                if case .string(let s) = field.value, s == SecretRedactor.mask { continue }
                replacement = .string(SecretRedactor.mask)
            } else {
                replacement = redacted(field.value)
            }
            // A member name may be a signed URL too (`{"https://x/?token=t": 1}`).
            let key = SecretRedactor.redactText(field.key)
            let renamed = !key.utf8.elementsEqual(field.key.utf8)
            guard replacement != nil || renamed else { continue }
            if copy == nil { copy = object }
            if let replacement { copy!.fields[i].value = replacement }
            if renamed { copy!.fields[i].key = key }
        }
        return copy
    }

    static func redacted(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .object(let o):
            return redacted(o).map { .object($0) }
        case .array(let items):
            var copy: [JSONValue]?
            // A name/value pair given as an array: a secret's name first masks the value after it.
            let pair = items.count == 2 && { if case .string(let name) = items[0] { return SecretRedactor.isSecretName(name) } else { return false } }()
            for i in items.indices {
                let replacement: JSONValue?
                if pair && i == 1 {
                    if case .null = items[1] { continue }
                    if case .string(let s) = items[1], s == SecretRedactor.mask { continue }
                    replacement = .string(SecretRedactor.mask)
                } else {
                    replacement = redacted(items[i])
                }
                guard let replacement else { continue }
                if copy == nil { copy = items }
                copy![i] = replacement
            }
            return copy.map { .array($0) }
        case .string(let s):
            let r = SecretRedactor.redactText(s)
            return r.utf8.elementsEqual(s.utf8) ? nil : .string(r)
        default:
            return nil
        }
    }
}
