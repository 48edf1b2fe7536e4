import Testing
@testable import MetaStudio

/// The syntax error for `bytes`, or nil when they parse.
private func syntaxError(_ bytes: [UInt8]) -> JSONSyntaxError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error as? JSONSyntaxError
    }
}

private func syntaxError(_ text: String) -> JSONSyntaxError? { syntaxError(Array(text.utf8)) }

@Suite(.timeLimit(.minutes(2))) struct JSONParserTests {
    @Test func objectsKeepKeyOrder() throws {
        let value = try JSONParser.parse(#"{"zeta":1,"alpha":{"y":true,"b":null,"x":false},"mid":[]}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["zeta", "alpha", "mid"])
        #expect(object["alpha"]?.objectValue?.keys == ["y", "b", "x"])
        #expect(object["mid"] == .array([]))
        #expect(object["alpha"]?.objectValue?["b"] == .null)
    }

    @Test func numbersKeepTheirExactSourceText() throws {
        let value = try JSONParser.parse("[3.50, -0, 1E+3, 0, -12.5e-07, 1e3, 0.0, 123456789012345678901234567890]")
        let texts = try #require(value.arrayValue).map { item -> String in
            guard case .number(let text) = item else { return "not a number" }
            return text
        }
        #expect(texts == ["3.50", "-0", "1E+3", "0", "-12.5e-07", "1e3", "0.0", "123456789012345678901234567890"])
        #expect(try JSONParser.parse(" 42 ") == .number("42"))
        #expect(try JSONParser.parse("[3.50]").serialized() == "[3.50]")
    }

    @Test func scalarsAndWhitespaceParse() throws {
        #expect(try JSONParser.parse(" \t\r\n true \n") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse(#""""#) == .string(""))
        #expect(try JSONParser.parse("[ 1 , [ ] , { } ]") == .array([.number("1"), .array([]), .object(JSONObject())]))
        #expect(try JSONParser.parse(#"{ "a" : [ 1 , 2 ] }"#) == .object(JSONObject([(key: "a", value: .array([.number("1"), .number("2")]))])))
    }

    @Test func allThreeEntryPointsAgree() throws {
        let text = #"{"k":["v",1,{"é":"😀"}]}"#
        let bytes = Array(text.utf8)
        let fromBuffer = try bytes.withUnsafeBytes { try JSONParser.parse($0) }
        #expect(try JSONParser.parse(text) == fromBuffer)
        #expect(try JSONParser.parse(bytes) == fromBuffer)
    }

    @Test func nestedJobWithUnicodeRoundTripsExactly() throws {
        // Written the way JSONWriter writes (compact, raw UTF-8, minimal escapes), so it must come back byte for byte.
        let text = #"""
        {"job_id":"7f3a9c","title":"直播带货 | 夏季新品 🎉🔥","state":"running","create_time":1785542400123,\#
        "duration":3600.50,"ratio":-0,"big":1E+3,"note":"line1\nline2\t\"quoted\" back\\slash / ok",\#
        "rtc_room_info":{"room_id":"r-1","users":[{"user_id":"主播","ctime":1785542400,"tags":["a|b","c"]},\#
        {"user_id":"guest","ctime":null,"muted":true,"extra":{}}]},"empty":[],"ctrl":"\u0001\u001f","emoji":"👩‍💻"}
        """#
        let first = try JSONParser.parse(text)
        let serialized = first.serialized()
        #expect(serialized == text)
        #expect(try JSONParser.parse(serialized) == first)
        let object = try #require(first.objectValue)
        #expect(object["title"] == .string("直播带货 | 夏季新品 🎉🔥"))
        #expect(object["note"] == .string("line1\nline2\t\"quoted\" back\\slash / ok"))
        #expect(object["ctrl"] == .string("\u{01}\u{1F}"))
        #expect(object["duration"] == .number("3600.50"))
        let users = try #require(object["rtc_room_info"]?.objectValue?["users"]?.arrayValue)
        #expect(users.count == 2)
        #expect(users[0].objectValue?["user_id"] == .string("主播"))
        #expect(users[0].objectValue?["tags"] == .array([.string("a|b"), .string("c")]))
    }

    @Test func everyEscapeDecodes() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u4E2D\u0000x""#)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\tAé中\u{0}x"))
        #expect(try JSONParser.parse(#""a\/b""#) == .string("a/b"))
        #expect(try JSONParser.parse(#""中\n文""#) == .string("中\n文"))
    }

    @Test func surrogatePairsDecodeToOneScalar() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""x\uD83D\uDE00y\uDBFF\uDFFF""#) == .string("x😀y\u{10FFFF}"))
        #expect(try JSONParser.parse(#""\uffff\ue000""#) == .string("\u{FFFF}\u{E000}"))
    }

    @Test func stringsOfEveryLengthFindTheirSpecialBytes() throws {
        // Crosses the eight-byte scanning boundary at every position.
        for length in 0..<24 {
            for position in 0...length {
                var plain = String(repeating: "a", count: length)
                plain.insert(contentsOf: "é", at: plain.index(plain.startIndex, offsetBy: position))
                #expect(try JSONParser.parse("\"\(plain)\"") == .string(plain))
                var escaped = Array(repeating: UInt8(ascii: "b"), count: length)
                escaped.insert(contentsOf: Array(#"\""#.utf8), at: position)
                let expected = String(repeating: "b", count: position) + "\"" + String(repeating: "b", count: length - position)
                #expect(try JSONParser.parse([0x22] + escaped + [0x22]) == .string(expected))
                var control = Array(repeating: UInt8(ascii: "c"), count: length)
                control.insert(0x0A, at: position)
                #expect(syntaxError([0x22] + control + [0x22]) == JSONSyntaxError(offset: position + 1, message: "control character in string"))
            }
        }
    }

    @Test func structuralErrorsPointAtTheOffendingByte() {
        let cases: [(String, Int, String)] = [
            (#"{"a":1,}"#, 7, "expected string for object key"),
            (#"{1:2}"#, 1, "expected string for object key"),
            (#"{"a" 1}"#, 5, "expected ':' after object key"),
            (#"{"a":1 "b":2}"#, 7, "expected ',' or '}' after object member"),
            (#"{"a":1]"#, 6, "expected ',' or '}' after object member"),
            ("[1 2]", 3, "expected ',' or ']' after array element"),
            ("[1,]", 3, "expected a JSON value"),
            ("[,1]", 1, "expected a JSON value"),
            ("'a'", 0, "expected a JSON value"),
            ("// c\n1", 0, "expected a JSON value"),
            ("NaN", 0, "expected a JSON value"),
            ("+1", 0, "expected a JSON value"),
            ("[.5]", 1, "expected a JSON value"),
            ("True", 0, "expected a JSON value"),
            ("nulx", 3, "invalid literal"),
            ("[tRue]", 2, "invalid literal"),
            ("{} x", 3, "trailing characters after JSON value"),
            ("1 2", 2, "trailing characters after JSON value"),
            ("[]]", 2, "trailing characters after JSON value"),
            (#"{"a":1}/* c */"#, 7, "trailing characters after JSON value"),
        ]
        for (text, offset, message) in cases {
            #expect(syntaxError(text) == JSONSyntaxError(offset: offset, message: message), "\(text)")
        }
    }

    @Test func truncatedInputPointsAtTheInputLength() {
        for text in ["", "   ", "{", "[", #"{"job":[1,2"#, #"{"a""#, #"{"a":"#, #"{"a":1"#, "[1,", "tru", "-", "1.", "1e", "1e+", "-0."] {
            #expect(syntaxError(text) == JSONSyntaxError(offset: text.utf8.count, message: "unexpected end of input"), "\(text)")
        }
        for text in [#""abc"#, #""ab\"#, #""\u12"#, #"["x\""#, #""\ud800"#, #""\ud800\"#, #"{"k"#, "\"中"] {
            #expect(syntaxError(text) == JSONSyntaxError(offset: text.utf8.count, message: "unterminated string"), "\(text)")
        }
        #expect(syntaxError([0x22, 0xE4, 0xB8]) == JSONSyntaxError(offset: 3, message: "unterminated string"))
    }

    @Test func malformedNumbersAreRejected() {
        let cases: [(String, Int)] = [("[01]", 2), ("-01", 2), ("00", 1), ("[-]", 2), ("[1.]", 3), ("[1.e5]", 3), ("[1e]", 3),
                                      ("[1e+]", 4), ("[-Infinity]", 2), ("-.5", 1), ("[1.5e+x]", 6)]
        for (text, offset) in cases {
            #expect(syntaxError(text) == JSONSyntaxError(offset: offset, message: "invalid number"), "\(text)")
        }
        #expect(syntaxError("0x10") == JSONSyntaxError(offset: 1, message: "trailing characters after JSON value"))
    }

    @Test func badStringContentsAreRejected() {
        #expect(syntaxError(#""\ud800""#) == JSONSyntaxError(offset: 1, message: "lone surrogate in \\u escape"))
        #expect(syntaxError(#""\udc00""#) == JSONSyntaxError(offset: 1, message: "lone surrogate in \\u escape"))
        #expect(syntaxError(#""ab\ud800\u0041""#) == JSONSyntaxError(offset: 3, message: "lone surrogate in \\u escape"))
        #expect(syntaxError(#""\ud800\n""#) == JSONSyntaxError(offset: 1, message: "lone surrogate in \\u escape"))
        #expect(syntaxError(#""\ude00\ud83d""#) == JSONSyntaxError(offset: 1, message: "lone surrogate in \\u escape"))
        #expect(syntaxError(#""\x""#) == JSONSyntaxError(offset: 2, message: "invalid escape"))
        #expect(syntaxError(#""\'""#) == JSONSyntaxError(offset: 2, message: "invalid escape"))
        #expect(syntaxError(#""\u12G4""#) == JSONSyntaxError(offset: 5, message: "invalid \\u escape"))
        #expect(syntaxError(#""\ud83d\uZe00""#) == JSONSyntaxError(offset: 9, message: "invalid \\u escape"))
        #expect(syntaxError("\"a\tb\"") == JSONSyntaxError(offset: 2, message: "control character in string"))
        #expect(syntaxError("[\"ok\",\"x\\n\u{1F}\"]") == JSONSyntaxError(offset: 10, message: "control character in string"))
        #expect(syntaxError("\"a\u{7F}b\"") == nil) // DEL is not a control character in JSON
    }

    @Test func invalidUTF8IsRejectedAtItsFirstByte() throws {
        let q: UInt8 = 0x22
        let cases: [([UInt8], Int)] = [
            ([q, 0x61, 0xFF, q], 2),               // never valid
            ([q, 0x80, q], 1),                     // stray continuation
            ([q, 0x61, 0xC3, 0x28, q], 2),         // missing continuation
            ([q, 0xC0, 0xAF, q], 1),               // overlong
            ([q, 0xE0, 0x80, 0xAF, q], 1),         // overlong three-byte
            ([q, 0xED, 0xA0, 0x80, q], 1),         // UTF-8 encoded surrogate
            ([q, 0xF4, 0x90, 0x80, 0x80, q], 1),   // above U+10FFFF
            ([q, 0xE4, 0xB8, q], 1),               // truncated before the closing quote
            (Array(#"{"key":"abcdefghij"#.utf8) + [0xF0, 0x9F, 0x98, q, 0x7D], 18),
            ([q, 0xFF, 0x5C, 0x78, q], 1),         // earlier than the bad escape after it
            ([q, 0xFE, 0x0A, q], 1),               // earlier than the control character after it
            ([q, 0xC3, 0x5C, 0x6E, q], 1),         // a lead byte cut off by an escape
        ]
        for (bytes, offset) in cases {
            #expect(syntaxError(bytes) == JSONSyntaxError(offset: offset, message: "invalid UTF-8"), "\(bytes)")
        }
        // Outside strings no non-ASCII byte is valid JSON, whether or not it is valid UTF-8.
        #expect(syntaxError([0x5B, 0xC3, 0xA9, 0x5D]) == JSONSyntaxError(offset: 1, message: "expected a JSON value"))
        #expect(try JSONParser.parse([q, 0xF0, 0x9F, 0x98, 0x80, 0xE4, 0xB8, 0xAD, q]) == .string("😀中"))
    }

    @Test func nestingDeeperThan512IsRejected() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        var value = try JSONParser.parse(ok)
        var depth = 0
        while case .array(let items) = value, let first = items.first { value = first; depth += 1 }
        #expect(depth == 511 && value == .array([]))
        let arrays = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(syntaxError(arrays) == JSONSyntaxError(offset: 512, message: "nesting too deep"))
        let objects = String(repeating: #"{"a":"#, count: 513) + "1" + String(repeating: "}", count: 513)
        #expect(syntaxError(objects) == JSONSyntaxError(offset: 512 * 5, message: "nesting too deep"))
        #expect(syntaxError(String(repeating: "[", count: 100_000)) == JSONSyntaxError(offset: 512, message: "nesting too deep"))
    }

    /// What `parseRepairingText` keeps as a note past 512 levels is read by the same grammar as the
    /// rest: malformed content down there fails the document with the error (and byte) the parser
    /// names for the same content near the top; well-formed content 100,000 levels deep is kept as
    /// a note of its size, without recursion.
    @Test func thePartTooDeepIsReadByTheSameGrammar() throws {
        func repairing(_ text: String) throws -> (value: JSONValue, repaired: Bool) {
            try Array(text.utf8).withUnsafeBytes { try JSONParser.parseRepairingText($0) }
        }
        func repairError(_ text: String) -> JSONSyntaxError? {
            do { _ = try repairing(text); return nil } catch { return error as? JSONSyntaxError }
        }
        let bottoms = ["1 2", "1,", "tru", "01", "1.", "-", "nul", "1e", #"{"a" 1}"#, "{a:1}", #"{"a":1,}"#, #"{"a":1 "b":2}"#,
                       #""\q""#, "\"a\u{1}\"", #""\u12x4""#, "[1}", "{]", "[,1]", ",", "+1", "NaN", "'x'"]
        for bottom in bottoms {
            let shallow = try #require(syntaxError("[" + bottom + "]"), "\(bottom) is malformed near the top")
            for levels in [600, 100_000] {
                let text = String(repeating: "[", count: levels) + bottom + String(repeating: "]", count: levels)
                #expect(repairError(text) == JSONSyntaxError(offset: shallow.offset + levels - 1, message: shallow.message), "\(bottom) at \(levels)")
            }
        }
        // Objects and arrays mixed, every kind of value, white space and escapes, 100,000 levels.
        let inner = #"{ "s" : "x\"y\u00e9" , "n":-1.5e3,"t":true,"f":false,"z":null,"e":[ ],"o":{}}"#
        let deep = String(repeating: #"{"k":["#, count: 50_000) + inner + String(repeating: "]}", count: 50_000)
        let read = try repairing(#"{"a":1,"x":\#(deep),"b":2}"#)
        #expect(read.repaired)
        let x = try #require(read.value.objectValue?["x"])
        var value = x
        var levels = 1
        while let next = value.objectValue?["k"]?.arrayValue?.first { value = next; levels += 1 }
        // `x` is the 2nd level; the 256th object, at level 512, holds the note in place of its array.
        #expect(levels == 256)
        let note = try #require(value.objectValue?["k"])
        let skipped = deep.utf8.count - (256 * #"{"k":"#.utf8.count + 255) - (1 + 255 * 2)
        #expect(note == .string(JSONParser.tooDeepPlaceholder + "\(skipped) bytes]"), "\(note)")
        #expect(read.value.objectValue?["b"] == .number("2"))
        // Brackets that close early or never close are malformed too.
        #expect(repairError(String(repeating: "[", count: 600) + String(repeating: "]", count: 601)) != nil)
        #expect(repairError(String(repeating: "[", count: 100_000)) == JSONSyntaxError(offset: 100_000, message: "unexpected end of input"))
    }

    @Test func leadingByteOrderMarkIsSkipped() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(try JSONParser.parse(bom + Array(#"{"a":1}"#.utf8)) == JSONParser.parse(#"{"a":1}"#))
        #expect(try JSONParser.parse("\u{FEFF} [true]") == .array([.bool(true)]))
        #expect(syntaxError(bom + Array("[1,]".utf8)) == JSONSyntaxError(offset: 6, message: "expected a JSON value"))
        #expect(syntaxError(bom) == JSONSyntaxError(offset: 3, message: "unexpected end of input"))
        #expect(syntaxError(Array("[".utf8) + bom + Array("]".utf8)) == JSONSyntaxError(offset: 1, message: "expected a JSON value"))
        #expect(syntaxError(bom + bom + Array("1".utf8)) == JSONSyntaxError(offset: 3, message: "expected a JSON value"))
    }

    @Test func duplicateKeysKeepTheFirstPositionAndTheLastValue() throws {
        let object = try #require(try JSONParser.parse(#"{"a":1,"b":2,"a":{"x":3},"c":4,"b":5}"#).objectValue)
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == .object(JSONObject([(key: "x", value: .number("3"))])))
        #expect(object["b"] == .number("5"))
        // Objects of 32 or more members track key fingerprints in a set; the rule must not change.
        var text = "{"
        for k in 0..<40 { text += "\"k\(k)\":\(k)," }
        text += #""k3":"again","k39":"last","k40":40}"#
        let big = try #require(try JSONParser.parse(text).objectValue)
        #expect(big.fields.count == 41)
        #expect(big.fields[3].key == "k3" && big.fields[3].value == .string("again"))
        #expect(big.fields[39].value == .string("last") && big.fields[40].key == "k40")
        // Escaped and raw spellings of one key are the same key.
        let escaped = try #require(try JSONParser.parse(#"{"a":1,"b":0,"\u0061":2,"long_key_name":3,"long_key_n\u0061me":4}"#).objectValue)
        #expect(escaped.keys == ["a", "b", "long_key_name"])
        #expect(escaped["a"] == .number("2") && escaped["long_key_name"] == .number("4"))
        let atEnd = try #require(try JSONParser.parse(#"{"\u006b":1,"k":2}"#).objectValue)
        #expect(atEnd.fields.count == 1 && atEnd["k"] == .number("2"))
        // Keys are compared by bytes, as JSON does, not by Unicode canonical equivalence.
        let distinct = try #require(try JSONParser.parse(#"{"é":1,"e\u0301":2}"#).objectValue)
        #expect(distinct.fields.count == 2)
    }

    @Test func errorDescriptionNamesTheByte() {
        #expect(syntaxError("[01]")?.description == "invalid number at byte 2")
    }

    @Test func parsesTwoThousandJobLinesInOneBuffer() throws {
        var text = ""
        for n in 0..<2000 {
            let price = n % 3 == 0 ? "\(n).50" : "\(n)"
            text += #"{"job_id":"job-\#(n)","room":{"room_id":"r\#(n % 7)","name":"直播间 \#(n) 🎬"},"#
            text += #""state":"\#(n % 2 == 0 ? "done" : "running")","price":\#(price),"ok":\#(n % 5 != 0),"#
            text += #""tags":["a","b\n\#(n)"],"error":null,"usage":[{"kind":"video","seconds":\#(n * 60)}]}"# + "\n"
        }
        let bytes = Array(text.utf8)
        var jobs: [JSONObject] = []
        try bytes.withUnsafeBytes { buffer in
            var lineStart = 0
            for k in 0..<buffer.count where buffer[k] == 0x0A {
                let line = UnsafeRawBufferPointer(rebasing: buffer[lineStart..<k])
                jobs.append(try #require(try JSONParser.parse(line).objectValue))
                lineStart = k + 1
            }
        }
        #expect(jobs.count == 2000)
        #expect(jobs[0]["job_id"] == .string("job-0") && jobs[0]["price"] == .number("0.50"))
        #expect(jobs[1234]["room"]?.objectValue?["name"] == .string("直播间 1234 🎬"))
        #expect(jobs[1234]["tags"] == .array([.string("a"), .string("b\n1234")]))
        #expect(jobs[1999]["state"] == .string("running") && jobs[1999]["ok"] == .bool(true))
        #expect(jobs[1500]["ok"] == .bool(false) && jobs[1500]["error"] == .null)
        #expect(jobs[1999]["usage"]?.arrayValue?.first?.objectValue?["seconds"] == .number("119940"))
        let all = try JSONParser.parse("[" + text.split(separator: "\n").joined(separator: ",") + "]")
        #expect(all.arrayValue?.count == 2000)
        #expect(all.arrayValue?[777] == .object(jobs[777]))
    }
}
