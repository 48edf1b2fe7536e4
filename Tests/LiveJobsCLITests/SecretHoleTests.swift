import Foundation
import Testing

/// Holes found in the masking of secrets, each through the real binary into a real database file:
/// member names quoted in flagged paths and in the messages about objects that are not jobs,
/// `label:digits` in free text, name/value pairs given as two-element arrays, Chinese labels, and
/// malformed JSON hidden past the nesting limit.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SecretHoleTests {
    /// What a run leaves where people read it: its output and the database files.
    static func everything(_ cli: CLI, _ results: [CLI.Result], databases: [String]) -> Data {
        var all = Data(results.map { $0.stdout + $0.stderr }.joined().utf8)
        for db in databases {
            for suffix in ["", "-wal", "-shm"] {
                all += (try? Data(contentsOf: URL(fileURLWithPath: cli.path(db) + suffix))) ?? Data()
            }
        }
        return all
    }

    static func leaked(_ secrets: [String], in all: Data) -> [String] {
        secrets.filter { all.range(of: Data($0.utf8)) != nil }
    }

    /// Past 512 levels the nesting is read as strictly as the rest (iteratively, so 100,000 levels
    /// cost no stack): well-formed, it is kept as a note and flagged; malformed anywhere down there,
    /// the file is refused whole with one line and exit 65, and nothing of it is stored.
    @Test func theNestingTooDeepIsValidatedAsJSON() async throws {
        let cli = CLI()
        let depth = 100_000
        let wellFormed = String(repeating: #"{"k":["#, count: depth / 2) + #"{"s":"x\"y","n":-1.5e3,"t":true,"f":false,"z":null,"e":[],"o":{}}"#
            + String(repeating: "]}", count: depth / 2)
        let ok = cli.write("ok.jsonl", #"{"job_id":"deep","state":"SUCCEED","x":\#(wellFormed),"room_name":"after"}"#)
        let kept = try await cli.run(["import", "--db", "d.sqlite", ok])
        #expect(kept.status == 0, "\(kept.stderr)")
        let db = cli.path("d.sqlite")
        #expect(try strings(db, "SELECT reason || ' ' || substr(field, 1, 13) FROM job_flags WHERE job_id = 'deep'") == ["nested_too_deep x.k[0].k[0].k"])
        #expect(try strings(db, "SELECT json_extract(raw_json, '$.room_name') FROM jobs WHERE job_id = 'deep'") == ["after"])
        let bottoms = ["1 2", "1,", "tru", "01", #"{"a" 1}"#, "{a:1}", #"{"a":1,}"#, #""\q""#, "-", "[1}", "nul", #""x"#]
        for (n, bottom) in bottoms.enumerated() {
            for levels in [600, depth] {
                let text = String(repeating: "[", count: levels) + bottom + String(repeating: "]", count: levels)
                let bad = cli.write("bad\(n)-\(levels).jsonl", #"{"job_id":"ok"}"# + "\n" + #"{"job_id":"b","x":\#(text)}"#)
                let refused = try await cli.run(["import", "--db", "d.sqlite", bad])
                #expect(refused.status == 65 && refused.stderr.split(separator: "\n").count == 1, "\(bottom) at \(levels): \(refused.status) \(refused.stderr)")
                #expect(refused.stderr.contains(":2: malformed JSON"), "\(bottom) at \(levels): \(refused.stderr)")
            }
        }
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE job_id IN ('ok', 'b')") == 0, "a refused file stores nothing")
    }
}
