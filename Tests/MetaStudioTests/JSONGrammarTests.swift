import MetaStudioSimulator
import Testing
@testable import MetaStudio

/// The tree parser and the tape read JSON with one scanner (`JSONScanner`): on the same text they
/// agree value for value, or the tape declines it and the parser reads it (refuses it, or repairs
/// and merges it), and then the tape of what the parser read reads the same.
@Suite(.timeLimit(.minutes(2))) struct JSONGrammarTests {
    enum Reading: Equatable { case taken, leftToTheParser, refused }

    /// Reads `bytes` both ways and checks that they agree.
    func read(_ bytes: [UInt8]) -> Reading {
        let tree = try? JSONParser.parse(bytes)
        if let tape = JSONTape.parse(bytes) {
            #expect(tree != nil && tape.root.value == tree!, "the tape read what the parser refuses or reads otherwise")
            return .taken
        }
        guard let tree else { return .refused }
        #expect(JSONTape(tree).root.value == tree)
        return .leftToTheParser
    }

    func read(_ text: String) -> Reading { read(Array(text.utf8)) }

    @Test func numbersFollowOneGrammarAndKeepTheirText() {
        let valid = ["0", "-0", "1", "-1", "10", "123456789012345678901234567890", "0.5", "-0.0", "1e5", "1E5", "1e+5",
                     "1e-5", "1.5e-07", "-12.50E+3", "9007199254740993", "1e400"]
        let invalid = ["01", "-01", "00", "+1", ".5", "1.", "1.e5", "1e", "1e+", "-", "--1", "0x10", "1_000", "Infinity",
                       "-Infinity", "NaN", "1.5.5", "1e5e5", "0.", "-.5", "١"]
        for n in valid {
            for text in [n, "[\(n)]", "{\"n\":\(n)}", " \(n)\n"] {
                #expect(read(text) == .taken, "\(text)")
            }
            #expect(JSONTape.parse(Array("[\(n)]".utf8))?.root.elements?.first?.numberText == n)
            #expect((try? JSONParser.parse("[\(n)]"))?.arrayValue?.first == .number(n))
        }
        for n in invalid {
            for text in [n, "[\(n)]", "{\"n\":\(n)}"] {
                #expect(read(text) == .refused, "\(text)")
            }
        }
    }

    @Test func whiteSpaceIsSpaceTabLineFeedAndCarriageReturnOnly() {
        for ws in [" ", "\t", "\n", "\r", " \r\n\t ", ""] {
            let text = "\(ws){\(ws)\"a\"\(ws):\(ws)[\(ws)1\(ws),\(ws)true\(ws),\(ws)\"x\"\(ws)]\(ws),\(ws)\"b\"\(ws):\(ws){\(ws)}\(ws)}\(ws)"
            #expect(read(text) == .taken, "\(Array(ws.utf8))")
        }
        for other in ["\u{0B}", "\u{0C}", "\u{A0}", "\u{2028}", "\u{3000}", "\u{0}", "\u{FEFF}"] {
            #expect(read("[1\(other),2]") == .refused, "\(Array(other.utf8))")
            #expect(read("{\"a\"\(other):1}") == .refused, "\(Array(other.utf8))")
        }
        // A byte-order mark is read before the document only, and only by the parser.
        #expect(read("\u{FEFF}[1]") == .leftToTheParser)
    }

    @Test func stringsAndEscapesDecodeAlikeAsValuesAndAsKeys() throws {
        let valid = [#""""#, #""a""#, #""\"\\\/\b\f\n\r\t""#, #""\u0041\u00e9\u4E2D\uFFFF""#, #""\ud83d\ude00""#,
                     #""x\uD83D\uDE00y""#, "\"中文 😀\"", #""\u0000""#, "\"\u{7F}\"", #""a\/b""#, #""\u005c""#]
        for text in valid {
            for document in [text, "[\(text),\(text)]", "{\(text):1}", "{\"k\":{\(text):[\(text)]}}"] {
                #expect(read(document) == .taken, "\(document)")
            }
            let decoded = try JSONParser.parse(text).stringValue
            #expect(JSONTape.parse(Array("{\(text):1}".utf8))?.root.keys == decoded.map { [$0] })
        }
        let invalid = [#""\x""#, #""\'""#, #""\u12G4""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, "\"a\tb\"",
                       "\"a\u{01}b\"", #""abc"#, #""\"#, #""\u12""#, #""\U0041""#]
        for text in invalid {
            #expect(read(text) == .refused, "\(text)")
            #expect(read("{\(text):1}") == .refused, "\(text)")
        }
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] {
            #expect(read(bytes) == .refused, "\(bytes)")
            // Repaired by the parser (U+FFFD), then read from its tape like any text.
            let repaired = try bytes.withUnsafeBytes { try JSONParser.parseRepairingText($0) }
            #expect(repaired.repaired && JSONTape(repaired.value).root.value == repaired.value)
        }
    }

    /// One rule for keys (RFC 8259 §8.3): the same key when the bytes after escape decoding are the
    /// same. Not Swift's `==`, which takes `"K"` and the Kelvin sign, or `"é"` and `"e\u{301}"`, as one.
    @Test func keysAreTheSameKeyWhenTheirDecodedBytesAre() throws {
        var large = (0 ..< 70).map { "\"k\($0)\":\($0)" }
        large.append(#""k\u0033":"again""#)
        let repeated = [#"{"a":1,"a":2}"#, #"{"a":1,"\u0061":2}"#, #"{"\u0061":1,"a":2}"#, #"{"é":1,"\u00e9":2}"#,
                        "{" + large.joined(separator: ",") + "}"]
        for text in repeated {
            #expect(read(text) == .leftToTheParser, "\(text.prefix(40))")
            let object = try #require(try JSONParser.parse(text).objectValue)
            #expect(object.fields.count == (text.hasPrefix("{\"k0\"") ? 70 : 1), "\(text.prefix(40))")
        }
        #expect(try JSONParser.parse(repeated[4]).objectValue?["k3"] == .string("again"))
        for text in [#"{"é":1,"e\u0301":2}"#, "{\"K\":1,\"\u{212A}\":2}", "{\"\u{212B}\":1,\"\u{C5}\":2}"] {
            #expect(read(text) == .taken, "\(text)")
            #expect(try JSONParser.parse(text).objectValue?.fields.count == 2, "\(text)")
        }
        // Lookups follow the same rule, in a tree and on a tape.
        let kelvin = "{\"\u{212A}\":1}"
        let tree = try #require(try JSONParser.parse(kelvin).objectValue)
        let tape = try #require(JSONTape.parse(Array(kelvin.utf8))).root
        #expect(tree["K"] == nil && tape["K"] == nil)
        #expect(tree["\u{212A}"] == .number("1") && tape["\u{212A}"]?.numberText == "1")
        let accents = try #require(try JSONParser.parse(#"{"é":1,"e\u0301":2}"#).objectValue)
        #expect(accents["é"] == .number("1") && accents["e\u{301}"] == .number("2"))
        let escaped = #"{"job\u005fid":"x","room_name":"r"}"#
        #expect(try JSONParser.parse(escaped).objectValue?["job_id"] == .string("x"))
        #expect(JSONTape.parse(Array(escaped.utf8))?.root["job_id"]?.stringValue == "x")
        // Values compare by bytes too, so a test cannot pass on canonically equivalent text.
        #expect(JSONValue.string("é") != .string("e\u{301}"))
    }

    @Test func nestingTo512IsReadAlikeAndDeeperIsTheParsersToRepair() throws {
        for depth in [1, 2, 100, 511, 512] {
            #expect(read(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)) == .taken, "\(depth)")
            let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
            #expect(read(objects) == .taken, "\(depth)")
        }
        for depth in [513, 600] {
            let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            #expect(read(text) == .refused, "\(depth)")
            let repaired = try Array(text.utf8).withUnsafeBytes { try JSONParser.parseRepairingText($0) }
            #expect(repaired.repaired && JSONTape(repaired.value).root.value == repaired.value)
        }
    }

    @Test func typesAreNamedAlike() throws {
        for (text, name) in [("null", "null"), ("true", "boolean"), ("false", "boolean"), ("-1.5", "number"), (#""s""#, "string"),
                             ("[]", "array"), ("{}", "object")] {
            #expect(try JSONParser.parse(text).typeName == name)
            #expect(JSONTape.parse(Array(text.utf8))?.root.typeName == name)
        }
    }

    /// Generated jobs written as other encoders write JSON (escapes where none are needed, `\/`,
    /// `\u` for every non-ASCII character, white space everywhere) read the same both ways.
    @Test func hostileEncodingsOfGeneratedJobsReadAlike() throws {
        var rng = SplitMix64(seed: 77)
        for job in JobGenerator(options: .init(jobs: 200, seed: 5)).jobs() {
            let text = HostileJSON.text(.object(job), &rng)
            #expect(read(text) == .taken, "\(text.prefix(80))")
            #expect(try JSONParser.parse(text) == .object(job))
        }
    }
}
