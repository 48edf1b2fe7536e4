import MetaStudioSimulator
import Testing
@testable import MetaStudio

/// The one walker that writes stored jobs (`SecretRedactor.writeRedacted` over a tape) against the
/// reference walker over a tree (`ReferenceRedactor`), on generated jobs made hostile: secrets under
/// many names and at every depth, credentials in URLs, member names and free text, and every string
/// written with escapes other encoders use. The tape copies bytes where nothing changes and masks
/// from bytes; the reference decodes everything; they must write the same text.
@Suite(.timeLimit(.minutes(2))) struct RedactionDifferentialTests {
    static let names = ["streamKey", "password1", "X-Auth-Token", "session_id", "Sig", "apiKEY", "sessionCount", "keyword",
                        "monkey", "auth_type", "tokens", "cookie_jar", "secret", "signatures", "note", "url", "error_msg",
                        "https://h.example.com/cb?token=t9&a=1", "密码", "user:pw@push.example.com"]
    static let texts = [
        "https://u:pw@h.example.com/p?a=1&token=t1#access_token=z",
        "rtmp://live:pw6@push.example.com/app/stream",
        "see https://a.example.com/x?a=1 and https://b.example.com/y?sig=abc%2Bdef",
        "password: hunter2, user: bob",
        "Authorization: Bearer abcdefgh12345678",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdEFGH",
        "直播间 密码：123456 pwd：abc",
        "redirect_uri=https%3A%2F%2Fb.example.com%2Fcb%3Fsig%3Dxyz",
        "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----",
        "Q&A #1 sale=50%",
        "plain text 😀 with \"quotes\", a \\ backslash\tand a tab",
        "ops@example.com",
        "{\"secret\":\"s\",\"x\":1}",
        "obs.example.com/bucket/f.mp4?Signature=s5&Expires=1",
        "",
        "[REDACTED]",
    ]

    /// `object` with members added from the lists above at random depths, never repeating a key.
    static func hostile(_ object: JSONObject, _ rng: inout SplitMix64, depth: Int = 0) -> JSONObject {
        var object = object
        for i in object.fields.indices where depth < 3 {
            switch object.fields[i].value {
            case .object(let inner): object.fields[i].value = .object(hostile(inner, &rng, depth: depth + 1))
            case .array(let items):
                object.fields[i].value = .array(items.map { item in
                    guard case .object(let inner) = item else { return item }
                    return .object(hostile(inner, &rng, depth: depth + 1))
                })
            default: break
            }
        }
        for _ in 0 ..< rng.below(depth == 0 ? 4 : 2) {
            let name = rng.pick(names)
            guard object[name] == nil else { continue }
            object.fields.insert((key: name, value: value(&rng, depth: depth)), at: rng.below(object.fields.count + 1))
        }
        return object
    }

    static func value(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        switch rng.below(depth < 2 ? 8 : 6) {
        case 0, 1: return .string(rng.pick(texts))
        case 2: return .null
        case 3: return .number(rng.pick(["0", "-1.5e3", "12"]))
        case 4: return .array([.string(rng.pick(texts)), .bool(true), .string(rng.pick(texts))])
        // A name/value pair as an array, the value of any kind.
        case 5: return .array([.string(rng.pick(names)), rng.below(4) == 0 ? .null : .string(rng.pick(texts))])
        default: return .object(hostile(JSONObject([(key: "inner", value: .string(rng.pick(texts)))]), &rng, depth: depth + 1))
        }
    }

    @Test func theWalkerWritesWhatTheReferenceSaysOnHostileJobs() throws {
        var rng = SplitMix64(seed: 2026)
        var masked = 0
        for job in JobGenerator(options: .init(jobs: 400, seed: 21)).jobs() {
            let object = Self.hostile(job, &rng)
            let text = HostileJSON.text(.object(object), &rng)
            let tree = try JSONParser.parse(text)
            let expected = ReferenceRedactor.storedText(try #require(tree.objectValue))
            let tape = try #require(JSONTape.parse(Array(text.utf8)), "no key repeats, so the tape takes it: \(text.prefix(80))")
            var fromTape: [UInt8] = []
            try SmartLiveJob(tape: tape.root).writeRedactedJSON(to: &fromTape)
            #expect(String(decoding: fromTape, as: UTF8.self) == expected, "\(text.prefix(200))")
            var viaParser: [UInt8] = []
            try SmartLiveJob(json: tree).writeRedactedJSON(to: &viaParser)
            #expect(viaParser == fromTape)
            if expected.contains("[REDACTED]") && !text.contains("[REDACTED]") { masked += 1 }
        }
        #expect(masked > 300, "the hostile jobs should carry secrets to mask")
    }

    /// The same, page by page as the importer and the fetcher read them: a page's jobs off one tape.
    @Test func pagesOfHostileJobsAreStoredAsTheReferenceSays() throws {
        var rng = SplitMix64(seed: 7)
        let jobs = Array(JobGenerator(options: .init(jobs: 100, seed: 8)).jobs()).map { JSONValue.object(Self.hostile($0, &rng)) }
        let page = HostileJSON.text(.object(JSONObject([(key: "count", value: .number("100")), (key: "smart_live_jobs", value: .array(jobs))])), &rng)
        let decoded = try MetaStudioClient.decodePage(Array(page.utf8), offset: 0, requestId: nil)
        #expect(decoded.items.count == 100)
        for (item, job) in zip(decoded.items, jobs) {
            var out: [UInt8] = []
            try item.smartLiveJob().writeRedactedJSON(to: &out)
            #expect(String(decoding: out, as: UTF8.self) == ReferenceRedactor.storedText(try #require(job.objectValue)))
        }
    }
}
