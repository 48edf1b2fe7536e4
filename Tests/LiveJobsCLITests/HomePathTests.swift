import Foundation
import GRDB
import MetaStudioSimulator
import Testing

/// `~` means `$HOME`, as in a shell and in the vendor's SDK and CLI: for the credentials file, and
/// for every path given as an argument or named by the environment, even where the shell left the
/// tilde alone (`--db=~/x.sqlite`, quoted, or in a variable).
@Suite(.serialized, .timeLimit(.minutes(5))) struct HomePathTests {
    static let project = "0123456789abcdef0123456789abcdef"
    static let ak = "AKHOMEPATH", sk = "SK-home-secret-91c2", token = "TOKEN-home-77ab"

    func jobCount(_ db: String) throws -> Int {
        try DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM jobs") ?? -1 }
    }

    /// A home folder that is not the account's home in the password database.
    func home(_ cli: CLI) throws -> String {
        let home = cli.path("elsewhere-home")
        try FileManager.default.createDirectory(atPath: home + "/.huaweicloud", withIntermediateDirectories: true)
        return home
    }

    @Test func theCredentialsFileIsFoundUnderHOMEAsTheVendorsToolsFindIt() async throws {
        var config = SimulatorConfig()
        config.auth = .aksk(ak: HomePathTests.ak, sk: HomePathTests.sk)
        let sim = MetaStudioSimulator(generated: 120, seed: 6, config: config)
        let cli = CLI()
        let home = try home(cli)
        try "[basic]\nak = \(HomePathTests.ak)\nsk = \(HomePathTests.sk)\nproject_id = \(HomePathTests.project)\n"
            .write(toFile: home + "/.huaweicloud/credentials", atomically: true, encoding: .utf8)
        let r = try await withSimulator(sim) { base in
            try await cli.run(["fetch", "--db=~/fetched.sqlite", "--endpoint", base], environment: ["HOME": home])
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try jobCount(home + "/fetched.sqlite") == 120)
        #expect(!FileManager.default.fileExists(atPath: cli.path("~")), "a folder named ~ was created")
    }

    @Test func aTildeInTheCredentialsVariableAndTheTokenFileIsHOME() async throws {
        var config = SimulatorConfig()
        config.auth = .token(HomePathTests.token)
        let sim = MetaStudioSimulator(generated: 50, seed: 8, config: config)
        let cli = CLI()
        let home = try home(cli)
        try "\(HomePathTests.token)\n".write(toFile: home + "/token.txt", atomically: true, encoding: .utf8)
        try "[basic]\nproject_id = \(HomePathTests.project)\n".write(toFile: home + "/creds.ini", atomically: true, encoding: .utf8)
        let r = try await withSimulator(sim) { base in
            try await cli.run(["fetch", "--db", "t.sqlite", "--endpoint", base, "--token-file=~/token.txt"],
                          environment: ["HOME": home, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": "~/creds.ini"])
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try jobCount(cli.path("t.sqlite")) == 50)
    }

    @Test func everyPathArgumentAndVariableReadsTildeAsHOME() throws {
        let cli = CLI()
        let home = try home(cli)
        let job = #"{"job_id":"h1","room_id":"r1","room_name":"Room One","state":"SUCCEED","start_time":"2026-10-05T10:00:00Z","duration":3600,"stream_duration":3000}"#
        try job.write(toFile: home + "/jobs.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: CLI.root.appendingPathComponent("queries").path, toPath: home + "/my-queries")
        try "-- title: n\nSELECT count(*) AS n FROM jobs\n".write(toFile: home + "/count.sql", atomically: true, encoding: .utf8)
        let env = ["HOME": home, "LIVEJOBS_DB": "~/env.sqlite", "LIVEJOBS_QUERIES": "~/my-queries"]
        let imported = try cli.run(["import", "~/jobs.jsonl"], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try jobCount(home + "/env.sqlite") == 1)
        let report = try cli.run(["report", "--out=~/november"], environment: env)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: home + "/november/report.md"))
        let query = try cli.run(["query", "~/count.sql", "--db=~/env.sqlite", "--queries=~/my-queries", "--format", "csv"], environment: ["HOME": home])
        #expect(query.status == 0 && query.stdout == "n\n1\n", "\(query.stdout) \(query.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("~")), "a folder named ~ was created")
    }
}
