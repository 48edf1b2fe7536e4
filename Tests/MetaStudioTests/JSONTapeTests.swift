import MetaStudioSimulator
import Testing
@testable import MetaStudio

/// Every job is read from a tape: it must read exactly what the tree parser reads, and leave to the
/// tree parser (by answering nil) everything else, including every malformed text.
@Suite(.timeLimit(.minutes(2))) struct JSONTapeTests {
    static let generated = Array(JobGenerator(options: .init(jobs: 400, seed: 11)).jobs())

    static func pageText(_ jobs: [String], count: Int? = nil) -> String {
        "{\"count\":\(count ?? jobs.count),\"smart_live_jobs\":[" + jobs.joined(separator: ",") + "]}"
    }

    /// Jobs as a tree parser sees them and as a page's tape holds them.
    static let handMade = [
        #"{"job_id":"e1","room_name":"A \"quoted\" name\nwith \\ escapes \u4e2d\u6587 \ud83d\ude00","state":"SUCCEED"}"#,
        #"{"job_id":"e2","cover_url":"https:\/\/cdn.example.com\/c.jpg?token=T0K&x=1","key":null,"token":"[REDACTED]"}"#,
        #"{"job_id":"e3","live_event_callback_config":{"key":"K","live_event_type_callback_url":"https://h/p?a=1&Sign=S#f","callback_event_type":["A","B"]}}"#,
        #"{"job_id":"e4","extra":{"streamKey":"SK","nested":[{"sig":{"a":1}},"ftp://u:p@h/x?session=9",true,false,null,-0.5e-3]},"duration":12.50}"#,
        #"{"job_id":"e5","rtc_room_info":{"app_id":"a","users":[{"user_type":"RENDER","user_id":"u","signature":"S","ctime":1785632141}]},"empty":{},"none":[]}"#,
        #"  {  "job_id" : "e6" , "state" : "WAITING" , "create_time" : "2026-08-01T00:49:06Z" }  "#,
        #"{"job_id":"e7","create_time":"2026-08-01T00:49:06\u005a","start_time":"2026-08-01 08:50:00.5+08:00","lastupdate_time":null}"#,
    ]

    @Test func readsWhatTheTreeParserReads() throws {
        var documents = Self.handMade
        documents.append(Self.pageText(Self.generated.prefix(100).map { $0.serialized() }))
        documents.append(Self.pageText(Self.handMade))
        documents += ["0", "-1.5E+7", "\"text\"", "true", "null", "[]", "{}", "[[[{}]]]", "[1,[2,[3]],{\"a\":[]}]"]
        for text in documents {
            let tape = try #require(JSONTape.parse(Array(text.utf8)), "\(text.prefix(60))")
            #expect(tape.root.value == (try JSONParser.parse(text)), "\(text.prefix(60))")
        }
    }

    /// Escaped strings on a tape are decoded by the scanner the tree parser reads strings with.
    @Test func escapedStringsDecodeLikeTheTreeParser() throws {
        let texts = [#""a\"b\\c\/d\n\t\u00e9\u4e2d\ud83d\ude00 end""#, #""\u0041""#, #""=HYPERLINK(\"x\",\"y\")""#]
        for text in texts {
            let tree = try JSONParser.parse(text).stringValue
            let literal = Array(text.utf8).withUnsafeBytes { try? JSONScanner.string(literal: $0) }
            #expect(literal != nil && literal == tree, "\(text)")
            let page = "{\"count\":1,\"smart_live_jobs\":[{\"job_id\":\(text)}]}"
            let tape = try #require(JSONTape.parse(Array(page.utf8)))
            #expect(tape.root["smart_live_jobs"]?.elements?.first?["job_id"]?.stringValue == tree)
        }
        for bad in [#""a" "#, #"1"#, #""\ud83d""#, #""a"#] {
            #expect((Array(bad.utf8).withUnsafeBytes { try? JSONScanner.string(literal: $0) }) == nil, "\(bad)")
        }
    }

    @Test func leavesWhatItWouldChangeToTheTreeParser() throws {
        let plainEnoughForTheParserOnly = [
            #"{"a":1,"b":2,"a":3}"#, // repeated key: the tree parser merges it
            #"{"job_id":"1","rtc_room_info":{"users":[{"ctime":1,"ctime":2}]}}"#,
            #"{"job_id":"1","job\u005fid":"2"}"#, // the same key, once escaped
            "{" + (0 ..< 70).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k3\":0}", // repeated in a large object
            "\u{FEFF}{\"a\":1}", // byte-order mark
        ]
        for text in plainEnoughForTheParserOnly {
            #expect(JSONTape.parse(Array(text.utf8)) == nil, "\(text.prefix(60))")
            let tree = try JSONParser.parse(text)
            // What the parser read is read from its own tape, merged.
            #expect(JSONTape(tree).root.value == tree, "\(text.prefix(60))")
        }
        let takenAsTheyAre = [
            #"{"job\u005fid":"1","room_name":"x"}"#, // escaped key
            #"{"\u0061":1,"b":2}"#,
            "{" + (0 ..< 70).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}", // a large object
        ]
        for text in takenAsTheyAre {
            let tape = try #require(JSONTape.parse(Array(text.utf8)), "\(text.prefix(60))")
            #expect(tape.root.value == (try JSONParser.parse(text)), "\(text.prefix(60))")
        }
        #expect(JSONTape.parse(Array(takenAsTheyAre[0].utf8))?.root["job_id"]?.stringValue == "1")
        let malformed = ["", " ", "{", "[1,]", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "[1 2]", "01", "1.", "-", "1e", "tru", "nul",
                         "\"abc", "\"a\\x\"", "\"a\\u12\"", "\"\\ud800\"", "\"a\u{01}b\"", "{}x", "[\"a\"]]", "{\"a\":1}}"]
        for text in malformed {
            #expect(JSONTape.parse(Array(text.utf8)) == nil, "\(text)")
            #expect((try? JSONParser.parse(text)) == nil, "\(text)")
        }
        #expect(JSONTape.parse([0x22, 0xC3, 0x28, 0x22]) == nil, "invalid UTF-8")
        #expect(JSONTape.parse(Array(repeating: UInt8(ascii: "["), count: 513) + Array(repeating: UInt8(ascii: "]"), count: 513)) == nil)
        #expect(JSONTape.parse(Array(repeating: UInt8(ascii: "["), count: 512) + Array(repeating: UInt8(ascii: "]"), count: 512)) != nil)
    }

    /// Cut and damaged pages: whatever the tape takes, the tree parser takes with the same value.
    @Test func neverTakesWhatTheTreeParserRejects() throws {
        let page = Array(Self.pageText(Self.handMade + Self.generated.prefix(3).map { $0.serialized() }).utf8)
        let damage: [UInt8] = Array("\"\\{}[],:0-e. un".utf8) + [0x01, 0xC3, 0xFF, 0x7F]
        var random = SplitMix64(seed: 99)
        var variants: [[UInt8]] = (0 ..< 400).map { Array(page.prefix($0 * page.count / 400)) }
        for _ in 0 ..< 3000 {
            var bytes = page
            for _ in 0 ..< Int(random.next() % 3) + 1 {
                bytes[Int(random.next() % UInt64(bytes.count))] = damage[Int(random.next() % UInt64(damage.count))]
            }
            variants.append(bytes)
        }
        var taken = 0, leftToParser = 0
        for bytes in variants {
            let tree = try? JSONParser.parse(bytes)
            if let tape = JSONTape.parse(bytes) {
                taken += 1
                #expect(tape.root.value == tree, "the tape took text the tree parser reads differently")
            } else if tree != nil {
                leftToParser += 1
            }
        }
        #expect(taken > 100, "some damage leaves valid JSON (a digit for a digit)")
        #expect(leftToParser < taken, "the tape should take most valid text")
    }

    @Test func jobsReadFromATapeEqualJobsReadFromATree() throws {
        let texts = Self.generated.map { $0.serialized() } + Self.handMade
        let tape = try #require(JSONTape.parse(Array(Self.pageText(texts).utf8)))
        let items = try #require(tape.root["smart_live_jobs"]?.elements)
        #expect(items.count == texts.count)
        var masked = 0
        for (item, text) in zip(items, texts) {
            let fromTape = try SmartLiveJob(tape: item)
            let fromTree = try SmartLiveJob(json: try JSONParser.parse(text))
            #expect(describe(fromTape) == describe(fromTree), "\(fromTree.jobId)")
            var tapeCopy: [UInt8] = [], treeCopy: [UInt8] = []
            fromTape.writeRedactedJSON(to: &tapeCopy)
            fromTree.writeRedactedJSON(to: &treeCopy)
            #expect(String(decoding: tapeCopy, as: UTF8.self) == String(decoding: treeCopy, as: UTF8.self))
            if !String(decoding: tapeCopy, as: UTF8.self).contains("[REDACTED]") { continue }
            masked += 1
        }
        #expect(masked > 100)
        // Secrets inside escaped strings are found too.
        var copy: [UInt8] = []
        try SmartLiveJob(tape: items[texts.count - 6]).writeRedactedJSON(to: &copy)
        #expect(String(decoding: copy, as: UTF8.self).contains(#""cover_url":"https://cdn.example.com/c.jpg?token=[REDACTED]&x=1""#))
    }

    /// Odd values are flagged the same way from a tape as from a tree (same fields, rules and words),
    /// and a non-object fails the same way.
    @Test func oddValuesAreFlaggedTheSameFromATape() throws {
        let odd = [
            #"{"job_id":"1","rtc_room_info":{"users":[{"ctime":1},{"ctime":"soon"}]}}"#,
            #"{"job_id":"1","state":3}"#, #"{"job_id":"1","duration":"long"}"#, #"{"job_id":"1","duration":1e999}"#,
            #"{"job_id":"1","is_ai_mark_on":"yes"}"#, #"{"job_id":"1","create_time":"yesterday"}"#,
            #"{"job_id":"1","create_time":7}"#, #"{"job_id":"1","end_time":"2026-02-30T00:00:00\u005a"}"#, #"{"job_id":"1","cover_url":5}"#,
            #"{"job_id":"1","rtc_room_info":{"app_id":[]}}"#, #"{"job_id":"1","live_event_callback_config":{"auth_type":{}}}"#,
            #"{"job_id":"1","rtc_room_info":{"users":[7]}}"#, #"{"job_id":"1","live_event_callback_config":{"callback_event_type":["A",2]}}"#,
            #"{"job_id":"1","error_info":[]}"#, #"{"state":"SUCCEED"}"#, #"{"job_id":""}"#, #"{"job_id":42}"#,
            #"{"job_id":"1","rtc_room_info":{"users":[{"ctime":1e19}]}}"#,
        ]
        let tape = try #require(JSONTape.parse(Array(("[" + odd.joined(separator: ",") + "]").utf8)))
        for (item, text) in zip(try #require(tape.root.elements), odd) {
            let fromTree = try SmartLiveJob(json: try JSONParser.parse(text))
            let fromTape = try SmartLiveJob(tape: item)
            #expect(!fromTree.flags.isEmpty, "\(text)")
            #expect(fromTape.flags == fromTree.flags, "\(text)")
            #expect(fromTape.jobId == fromTree.jobId, "\(text)")
        }
        let notJobs = [#"[1]"#, #""job""#, "7", "null"]
        let notTape = try #require(JSONTape.parse(Array(("[" + notJobs.joined(separator: ",") + "]").utf8)))
        for (item, text) in zip(try #require(notTape.root.elements), notJobs) {
            var treeError: JobFieldError?
            do { _ = try SmartLiveJob(json: try JSONParser.parse(text)) } catch let error as JobFieldError { treeError = error }
            #expect(treeError != nil, "\(text)")
            #expect(throws: treeError!) { try SmartLiveJob(tape: item) }
        }
    }

    @Test func pagesDecodeAndFailTheSameEitherWay() throws {
        let good = Self.pageText(Self.handMade, count: 99)
        let page = try MetaStudioClient.decodePage(Array(good.utf8), offset: 0, requestId: "r")
        #expect(page.count == 99)
        #expect(page.jobs == (try JSONParser.parse(good)).objectValue?["smart_live_jobs"]?.arrayValue)
        #expect(page.items.allSatisfy { if case .tape = $0 { true } else { false } })
        #expect(page.items.map { $0.string("job_id") } == ["e1", "e2", "e3", "e4", "e5", "e6", "e7"])
        for body in ["[]", "{}", #"{"count":-1}"#, #"{"count":"3"}"#, #"{"count":1.5}"#, #"{"count":1,"smart_live_jobs":{}}"#,
                     #"{"count":1,"smart_live_jobs":"none"}"#, #"{"count":1,"smart_live_jobs":null}"#, #"{"count":2}"#] {
            // The same body with a repeated member goes through the tree parser.
            let viaTree = body.hasPrefix("{") ? "{\"pad\":0,\"pad\":0," + body.dropFirst() : body
            let fast = Result { try MetaStudioClient.decodePage(Array(body.utf8), offset: 100, requestId: nil) }
            let slow = Result { try MetaStudioClient.decodePage(Array(viaTree.replacingOccurrences(of: ",}", with: "}").utf8), offset: 100, requestId: nil) }
            switch (fast, slow) {
            case (.success(let a), .success(let b)):
                #expect(a.count == b.count && a.jobs == b.jobs, "\(body)")
            case (.failure(let a), .failure(let b)):
                #expect("\(a)" == "\(b)", "\(body)")
            default:
                Issue.record("\(body): one way failed, the other did not")
            }
        }
    }

    /// A fetched page whose one job has text that is not valid Unicode is read all the same: that job
    /// flagged `invalid_text` where, the others untouched; a page cut short is still refused.
    @Test func aPageWithBrokenTextIsReadWithThatJobFlagged() throws {
        var body = Array(#"{"count":3,"smart_live_jobs":[{"job_id":"a"},{"job_id":"b","room_name":"x\ud83d y"},{"job_id":"c","error_info":{"error_msg":"caf"#.utf8)
        body += [0xE9] + Array(#""}}]}"#.utf8)
        let page = try MetaStudioClient.decodePage(body, offset: 0, requestId: "r")
        let jobs = try page.items.map { try $0.smartLiveJob() }
        #expect(jobs.map(\.jobId) == ["a", "b", "c"])
        #expect(jobs[0].flags.isEmpty)
        #expect(jobs[1].flags.map(\.field) == ["room_name"] && jobs[1].flags.first?.reason == .invalidText)
        #expect(jobs[1].roomName == "x\u{FFFD} y")
        #expect(jobs[2].flags.map(\.field) == ["error_info.error_msg"])
        #expect(throws: PageDecodeError.self) { try MetaStudioClient.decodePage(Array(body.dropLast(5)), offset: 0, requestId: "r") }
    }

    private func describe(_ job: SmartLiveJob) -> String {
        "\(job.jobId)|\(job.roomId as Any)|\(job.roomName as Any)|\(job.state as Any)|\(job.duration as Any)|\(job.streamDuration as Any)|"
            + "\(job.startTime as Any)|\(job.endTime as Any)|\(job.createTime as Any)|\(job.lastupdateTime as Any)|\(job.errorCode as Any)|"
            + "\(job.errorMsg as Any)|\(job.blockReason as Any)|\(job.usedResourceType as Any)|\(job.rtcUsers)|"
            + job.callbackEventTypes.map { "\($0.source):\($0.eventType)" }.joined(separator: ",") + "|\(job.flags)"
    }
}
