/// What the masking rules say about the texts every job repeats: the contract's member names
/// (SmartLiveJob and its nested objects) and its enumerated values (states, user types, auth
/// types, event types, resource types). Each verdict is computed once, by the rules themselves
/// (`SecretRedactor.isSecretName`, `SecretRedactor.redactText`), so this table cannot disagree
/// with them; it spares a dense job's sixty member names and dozen enumerated values the rules'
/// work on every job (a tenth of the time preparing a job took).
///
/// Concurrency: every field is a constant set by `init`, so any thread may read the table.
final class KnownText: Sendable {
    /// A known text's verdicts: whether it names a secret member, and whether `redactText` changes it.
    struct Verdict: Sendable {
        var isSecretName: Bool
        var isChangedByRedaction: Bool
    }

    static let texts = SmartLiveJob.memberNames + SmartLiveJob.nestedMemberNames + [
        // the page's own members
        "count", "smart_live_jobs",
        // enumerated values
        "WAITING", "PROCESSING", "SUCCEED", "FAILED", "BLOCKED", "CAPTURE", "ANIMATION", "RENDER", "PLAYER",
        "INFERENCE_USER", "END_USER", "NONE", "MSS_A", "MSS_A_HEAD", "MEITUAN_DEFAULT", "SHOOT_SCRIPT_SWITCH",
        "RTMP_STREAM_STATE_CHANGE", "REPLY_COMMAND_FINISH", "LIVE_PROGRESS", "SILENCE", "VOLUME_DOWN", "PERIOD",
        "ONDEMAND", "ONE_TIME", "UNKNOW",
    ]

    /// The table, built on first use; a walk over a job fetches it once (`shared` costs a
    /// one-time-initialization check on every access).
    static let shared = KnownText()

    /// Open addressing on `JSONKey.tag`: `slotCount` slots, each the index of a text plus one (0: empty).
    private static let slotCount = 256
    private let slots: [UInt16]
    /// Each text's bytes are `bytes[offsets[i] ..< offsets[i + 1]]`.
    private let bytes: [UInt8]
    private let offsets: [Int]
    private let verdicts: [Verdict]

    private init() {
        var slots = [UInt16](repeating: 0, count: KnownText.slotCount)
        var bytes: [UInt8] = [], offsets = [0], verdicts: [Verdict] = []
        for text in KnownText.texts {
            bytes += Array(text.utf8)
            offsets.append(bytes.count)
            verdicts.append(Verdict(isSecretName: SecretRedactor.isSecretName(text),
                                    isChangedByRedaction: !SecretRedactor.redactText(text).utf8.elementsEqual(text.utf8)))
            var slot = KnownText.slot(JSONKey.tag(text))
            while slots[slot] != 0 { slot = (slot + 1) % KnownText.slotCount }
            slots[slot] = UInt16(verdicts.count)
        }
        (self.slots, self.bytes, self.offsets, self.verdicts) = (slots, bytes, offsets, verdicts)
    }

    /// The top byte of the tag mixed once more: short texts' tags differ in their low bytes only.
    @inline(__always)
    private static func slot(_ tag: UInt64) -> Int { Int(truncatingIfNeeded: (tag &* 0x9E37_79B9_7F4A_7C15) >> 56) }

    /// The verdicts for `text` when it is one of the known texts, else nil. `readable` bytes from
    /// `text.baseAddress` may be loaded (see `JSONKey.tag`).
    @inline(__always)
    func verdict(_ text: UnsafeBufferPointer<UInt8>, readable: Int) -> Verdict? {
        guard let base = text.baseAddress, text.count <= 32 else { return nil }
        var slot = KnownText.slot(JSONKey.tag(base, text.count, readable))
        return slots.withUnsafeBufferPointer { slots in
            bytes.withUnsafeBufferPointer { bytes in
                offsets.withUnsafeBufferPointer { offsets in
                    while slots[slot] != 0 {
                        let i = Int(slots[slot]) - 1
                        let start = offsets[i], count = offsets[i + 1] - start
                        if count == text.count && JSONTape.sameBytes(base, bytes.baseAddress! + start, count) { return verdicts[i] }
                        slot = (slot + 1) % KnownText.slotCount
                    }
                    return nil
                }
            }
        }
    }
}
