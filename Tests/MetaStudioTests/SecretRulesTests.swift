import Foundation
import Testing
@testable import MetaStudio

/// docs/SECRETS.md is the one place that says what livejobs masks and escapes; its tables are these
/// tests' cases, read from the file, so the page and the code cannot drift apart.
@Suite(.timeLimit(.minutes(1))) struct SecretRulesTests {
    static let page: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("docs/SECRETS.md"), encoding: .utf8)) ?? ""
    }()

    /// The two cells of each table row under the heading that starts with `## N.`.
    static func cases(_ section: Int) -> [(input: String, output: String)] {
        var rows: [(String, String)] = []
        var inSection = false
        for line in page.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") { inSection = line.hasPrefix("## \(section).") }
            guard inSection, line.hasPrefix("| "), !line.hasPrefix("|---") else { continue }
            let cells = line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
            guard cells.count == 2, cells[1].hasPrefix("`") else { continue }
            rows.append((cells[0], String(cells[1].dropFirst().dropLast())))
        }
        return rows
    }

    /// A cell's text: a `code` literal, or pieces joined by ` + ` where a piece is a literal or a
    /// character's name (ESC, BEL, TAB, LF, or anything with `(U+XXXX)`).
    static func text(_ cell: String) -> String {
        cell.components(separatedBy: " + ").map { piece -> String in
            if piece.hasPrefix("`") { return String(piece.dropFirst().dropLast()) }
            if let u = piece.range(of: "(U+"), let scalar = UInt32(piece[u.upperBound...].prefix(4), radix: 16) {
                return String(Character(Unicode.Scalar(scalar)!))
            }
            return ["ESC": "\u{1B}", "BEL": "\u{07}", "TAB": "\t", "LF": "\n", "NUL": "\u{0}"][piece] ?? "?"
        }.joined()
    }

    @Test func thePageHasEveryTable() {
        #expect(Self.cases(1).count >= 15 && Self.cases(2).count >= 5 && Self.cases(3).count >= 4 && Self.cases(4).count >= 5)
    }

    /// Job data: the stored copy, as the one walker writes it from a tape, whether the text was
    /// taken by the tape as it is or read by the parser first; the tests' reference walker over a
    /// tree says the same.
    @Test func jobDataIsStoredWithItsSecretsMasked() throws {
        for (input, expected) in Self.cases(1) {
            let json = Self.text(input)
            let tape = try #require(JSONTape.parse(Array(json.utf8)), "\(json)")
            var fromTape: [UInt8] = []
            try SmartLiveJob(tape: tape.root).writeRedactedJSON(to: &fromTape)
            #expect(String(decoding: fromTape, as: UTF8.self) == expected, "\(json)")
            let tree = try JSONParser.parse(json)
            var viaParser: [UInt8] = []
            try SmartLiveJob(json: tree).writeRedactedJSON(to: &viaParser)
            #expect(String(decoding: viaParser, as: UTF8.self) == expected, "via the parser: \(json)")
            #expect(ReferenceRedactor.storedText(try #require(tree.objectValue)) == expected, "reference: \(json)")
        }
    }

    /// Server text, as an API error carries it (one line, credentials masked).
    @Test func serverTextHasItsCredentialsMasked() throws {
        for (input, expected) in Self.cases(2) {
            let text = Self.text(input)
            #expect(SecretRedactor.maskingCredentials(["AKCASE", "SKCASE-1234"], in: text) == expected, "\(text)")
            let error = APIError.from(status: 401, body: Array(JSONObject([("error_code", .string("APIGW.0301")),
                                                                          ("error_msg", .string(text))]).serialized().utf8),
                                      requestId: "r-1", url: "https://h/v1/p/smart-live-jobs?offset=200", secrets: ["AKCASE", "SKCASE-1234"])
            #expect(error.errorMessage == expected, "\(text)")
            #expect(error.description == "HTTP 401 APIGW.0301: \(expected) (X-Request-Id r-1) GET https://h/v1/p/smart-live-jobs (offset 200)")
        }
    }

    @Test func urlsAreShownWithoutUserInfoQueryOrFragment() {
        for (input, expected) in Self.cases(3) {
            #expect(URLDisplay.safe(Self.text(input)) == expected, "\(input)")
        }
    }

    @Test func controlCharactersAreEscapedVisibly() {
        for (input, expected) in Self.cases(4) {
            #expect(SafeText.escaped(Self.text(input)) == expected, "\(input)")
        }
        let long = String(repeating: "é", count: 1000)
        #expect(SafeText.escaped(long) == String(repeating: "é", count: 200) + "… (800 more characters)")
        #expect(SafeText.line("a\nb\u{1B}c").contains("a b\\u{1B}c"))
        #expect(SafeText.jsonForTerminal(#"["x\u001b","y\#u{9B}"]"#) == #"["x\u001b","y\u009B"]"#)
    }

    /// An error body that is not text is described, never printed; one with escapes is escaped.
    @Test func binaryAndHostileErrorBodiesAreDescribedOrEscaped() {
        let binary: [UInt8] = [0x1F, 0x8B, 0x08, 0x00] + Array(repeating: 0xFF, count: 60)
        let described = APIError.from(status: 502, body: binary, requestId: nil, url: "https://h/", secrets: [])
        #expect(described.errorMessage == "binary body of 64 bytes")
        let hostile = APIError.from(status: 500, body: Array(#"{"error_code":"X\u001b[2J","error_msg":"x\u001b]0;pwned\u0007"}"#.utf8),
                                    requestId: "id\u{1B}[31m", url: "https://h/", secrets: [])
        #expect(!hostile.description.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(hostile.description)")
        #expect(hostile.description.contains("x\\u{1B}]0;pwned\\u{7}"))
        let html = APIError.from(status: 503, body: Array("<html>\n<b>Service Unavailable</b>\n</html>".utf8), requestId: nil, url: "https://h/", secrets: [])
        #expect(html.errorMessage == "<html> ⏎ <b>Service Unavailable</b> ⏎ </html>")
    }
}
