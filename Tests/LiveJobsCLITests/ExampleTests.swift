import Foundation
import MetaStudioSimulator
import Testing

/// Every example a newcomer copies, from the README's code blocks and from each command's `--help`,
/// runs as shown on the bundled sample: a reader that reads only, so nothing but the sample is
/// needed (`fetch` and `import` examples need credentials or files of the user's own and are checked
/// by the help test for their options only).
@Suite(.serialized, .timeLimit(.minutes(5))) struct ExampleTests {
    static let commands = ["report", "query", "compare", "zones", "status"]

    /// The words of one example line as a shell would split them: double and single quotes group,
    /// and the line ends at a comment, a pipe or a redirection (what follows is the shell's business).
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var word = ""
        var quote: Character?
        var inWord = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
                continue
            }
            if c == "\"" || c == "'" { quote = c; inWord = true; continue }
            if "#|>&;".contains(c) { break }
            if c == " " || c == "\t" {
                if inWord { words.append(word); word = ""; inWord = false }
                continue
            }
            word.append(c)
            inWord = true
        }
        if inWord { words.append(word) }
        return words
    }

    /// The example lines of `text` that run `livejobs COMMAND` for one of `commands`, as argument
    /// lists without the program name (a leading path such as `.build/release/` dropped).
    static func examples(in lines: [String]) -> [[String]] {
        lines.compactMap { line in
            let w = words(line.trimmingCharacters(in: .whitespaces))
            guard let program = w.first, program == "livejobs" || program.hasSuffix("/livejobs"),
                  w.count > 1, commands.contains(w[1]) else { return nil }
            return Array(w.dropFirst())
        }
    }

    static func readmeExamples() throws -> [[String]] {
        let readme = try String(contentsOf: CLI.root.appendingPathComponent("README.md"), encoding: .utf8)
        var inCode = false
        var code: [String] = []
        for line in readme.replacingOccurrences(of: "\\\n", with: " ").components(separatedBy: "\n") {
            if line.hasPrefix("```") { inCode.toggle(); continue }
            if inCode { code.append(line) }
        }
        return examples(in: code)
    }

    /// A folder holding the sample as `livejobs.sqlite` (the default `--db`), imported as `make demo`
    /// imports it (two projects), and as `demo.sqlite` (the quick start's), and the query file the
    /// README's own-query example names.
    static func sampleFolder() async throws -> CLI {
        let cli = CLI()
        let second = CLI.root.appendingPathComponent("sample-data/second-project")
        let secondPages = try FileManager.default.contentsOfDirectory(atPath: second.path)
            .filter { $0.hasSuffix(".json") }.sorted().map { second.appendingPathComponent($0).path }
        #expect(CLI.samplePages.count == 30 && secondPages.count == 3)
        for (project, region, pages) in [("645fb06c781544f1860db551a3a2e467", "cn-north-4", CLI.samplePages),
                                         ("6175ed37dd8f1b5d90ada08b1d6b05c9", "cn-east-3", secondPages)] {
            let imported = try await cli.run(["import", "--db", "livejobs.sqlite", "--project-id", project, "--region", region] + pages)
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        try FileManager.default.copyItem(atPath: cli.path("livejobs.sqlite"), toPath: cli.path("demo.sqlite"))
        let query = "-- title: My query\n-- param: month month required The month.\nSELECT :month AS month, COUNT(*) AS jobs FROM jobs\n"
        _ = cli.write("my_query.sql", query)
        _ = cli.write("my-query.sql", query)
        return cli
    }

    /// `~/x` as the scratch folder's `x`: the child's home is not the test's to write in.
    static func run(_ example: [String], in cli: CLI) async throws -> CLI.Result {
        let args = example.map { $0.hasPrefix("~/") ? cli.path(String($0.dropFirst(2))) : $0 }
        return try await cli.run(args)
    }

    @Test func everyReadmeExampleOfAReadingCommandRunsOnTheSample() async throws {
        let examples = try Self.readmeExamples()
        // report, query, compare, zones and status each have examples in the README.
        #expect(Set(examples.map { $0[0] }) == Set(Self.commands), "\(examples)")
        let cli = try await Self.sampleFolder()
        for example in examples {
            let r = try await Self.run(example, in: cli)
            #expect(r.status == 0, "README: livejobs \(example.joined(separator: " ")): exit \(r.status): \(r.stderr)")
            #expect(!r.stdout.isEmpty, "README: livejobs \(example.joined(separator: " ")) printed nothing")
        }
    }

    @Test func everyHelpExampleOfAReadingCommandRunsOnTheSample() async throws {
        let cli = try await Self.sampleFolder()
        for command in Self.commands {
            let help = try await cli.run([command, "--help"])
            #expect(help.status == 0, "\(help.stderr)")
            let text = help.stdout.components(separatedBy: "\nUSAGE: ").first ?? ""
            let examples = Self.examples(in: text.components(separatedBy: "\n")).filter { $0[0] == command }
            #expect(!examples.isEmpty, "\(command) --help shows no example: \(text)")
            for example in examples {
                let r = try await Self.run(example, in: cli)
                #expect(r.status == 0, "\(command) --help: livejobs \(example.joined(separator: " ")): exit \(r.status): \(r.stderr)")
                #expect(!r.stdout.isEmpty, "\(command) --help: livejobs \(example.joined(separator: " ")) printed nothing")
            }
        }
    }

    /// `make demo` and sample-data/README.md import each folder under the project id the generator
    /// gives it (the id in the jobs' own URLs), and the tests import the sample the same way.
    @Test func makeDemoImportsEachProjectUnderItsOwnId() throws {
        let main = JobGenerator(options: .init(jobs: 3000, seed: 42, anomalies: true)).projectId
        let second = JobGenerator(options: .init(jobs: 300, seed: 42, rooms: 3, projectTag: "second", sharedRoomIds: 1)).projectId
        #expect(main == "645fb06c781544f1860db551a3a2e467" && second == "6175ed37dd8f1b5d90ada08b1d6b05c9")
        let makefile = try String(contentsOf: CLI.root.appendingPathComponent("Makefile"), encoding: .utf8)
        let readme = try String(contentsOf: CLI.root.appendingPathComponent("sample-data/README.md"), encoding: .utf8)
        for text in [makefile, readme] {
            #expect(text.contains("--project-id \(main) --region cn-north-4 sample-data/*.json"))
            #expect(text.contains("--project-id \(second) --region cn-east-3 sample-data/second-project/*.json"))
        }
    }

    @Test func examplesAreSplitAsAShellSplitsThem() {
        #expect(Self.words(#"livejobs compare "美妆直播间" 'Demo Room 1' --month 2026-11 > x.csv"#)
                == ["livejobs", "compare", "美妆直播间", "Demo Room 1", "--month", "2026-11"])
        #expect(Self.words("livejobs zones   # comment") == ["livejobs", "zones"])
        #expect(Self.words(#"livejobs query "" --x"#) == ["livejobs", "query", "", "--x"])
    }
}
