import Foundation
import Testing

/// The commands sample-data/README.md gives remake the bundled sample byte for byte with the real
/// `metastudio-sim`, and its new options are refused where they cannot apply.
@Suite(.timeLimit(.minutes(3))) struct SampleCommandTests {
    @Test func theReadmeCommandsRemakeBothProjects() async throws {
        let readme = try String(contentsOf: CLI.root.appendingPathComponent("sample-data/README.md"), encoding: .utf8)
        let commands = readme.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("swift run metastudio-sim generate ") }
        #expect(commands.count == 2, "\(commands)")
        let cli = CLI()
        for command in commands {
            var words = command.split(separator: " ").map(String.init).dropFirst(3).map { $0 }
            let out = try #require(words.firstIndex(of: "--out"))
            let folder = words[out + 1]
            words[out + 1] = cli.path(folder)
            let r = try await cli.run(words, binary: "metastudio-sim")
            #expect(r.status == 0, "\(r.stderr)")
            let bundled = CLI.root.appendingPathComponent(folder)
            let pages = try FileManager.default.contentsOfDirectory(atPath: cli.path(folder)).sorted()
            #expect(pages == (try FileManager.default.contentsOfDirectory(atPath: bundled.path))
                        .filter { $0.hasSuffix(".json") }.sorted())
            for page in pages {
                #expect(try Data(contentsOf: URL(fileURLWithPath: cli.path("\(folder)/\(page)")))
                        == Data(contentsOf: bundled.appendingPathComponent(page)), "\(folder)/\(page) is stale")
            }
        }
    }

    @Test func sharedRoomIdsNeedATagAndAsManyRooms() async throws {
        let cli = CLI()
        let untagged = try await cli.run(["generate", "--jobs", "5", "--shared-room-ids", "1", "--format", "jsonl", "--out", "-"],
                                         binary: "metastudio-sim")
        #expect(untagged.status == 64 && untagged.stderr.contains("--shared-room-ids needs --project-tag"), "\(untagged.stderr)")
        let tooMany = try await cli.run(["generate", "--jobs", "5", "--rooms", "3", "--project-tag", "b", "--shared-room-ids", "4",
                                         "--format", "jsonl", "--out", "-"], binary: "metastudio-sim")
        #expect(tooMany.status == 64 && tooMany.stderr.contains("--shared-room-ids must be 0...3"), "\(tooMany.stderr)")
    }
}
