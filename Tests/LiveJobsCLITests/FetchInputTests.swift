import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// Inputs of `livejobs fetch` a hostile review found unchecked or ignored: a region and a project id
/// pasted into the URL as given, options that could not apply, switches given twice, token files
/// that are pipes, and unreadable files refused without a reason.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FetchInputTests {
    static let project = "0123456789abcdef0123456789abcdef"
    static let token = "TOKEN-input-5d1e"

    func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    /// A refused flag: exit 64, one error line naming `words`, and no database file created.
    func expectRefused(_ r: CLI.Result, _ cli: CLI, db: String, _ words: [String], _ what: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 64, "\(what): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(lines(r.stderr).count == 1, "\(what): \(r.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(r.stderr.contains(word), "\(what): missing '\(word)' in \(r.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: cli.path(db)), "\(what): the database was created", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains(Self.token), sourceLocation: sourceLocation)
    }

    // MARK: Region and project id go into the URL

    /// An empty region made host `metastudio..myhuaweicloud.com`; one with a host and path in it sent
    /// the token to `metastudio.evil.example`. Only the contract's regions are taken, with a hint.
    @Test func aRegionThatIsNotOneOfTheContractsIsRefusedWithAHint() throws {
        let cli = CLI()
        let env = ["METASTUDIO_AUTH_TOKEN": Self.token]
        let cases: [([String], [String: String], [String])] = [
            (["--region", ""], [:], ["--region", "cn-north-4, cn-east-3, ap-southeast-3"]),
            (["--region", "evil.example:443/x"], [:], ["--region", "evil.example:443/x", "cn-north-4, cn-east-3, ap-southeast-3"]),
            (["--region", "CN-NORTH-4"], [:], ["did you mean cn-north-4?", "lower-case"]),
            (["--region", "cn-east3"], [:], ["did you mean cn-east-3?"]),
            ([], ["HUAWEICLOUD_SDK_REGION": "evil.example/"], ["$HUAWEICLOUD_SDK_REGION", "evil.example/"]),
        ]
        for (flags, extra, words) in cases {
            let r = try cli.run(["fetch", "--db", "r.sqlite", "--project-id", Self.project] + flags,
                                environment: env.merging(extra) { $1 })
            expectRefused(r, cli, db: "r.sqlite", words, "\(flags) \(extra)")
        }
    }

    /// A project id with `?`, `/` or `..` changed the request's path or query. Only URL-safe id
    /// characters are taken, from the flag, the environment and the credentials file alike.
    @Test func aProjectIdThatWouldChangeTheURLIsRefusedFromEverySource() throws {
        let cli = CLI()
        let env = ["METASTUDIO_AUTH_TOKEN": Self.token]
        for id in ["a?b=c", "../../x", "a/b", "a#b", "a%2Fb", "", "a b", String(repeating: "a", count: 65)] {
            let r = try cli.run(["fetch", "--db", "p.sqlite", "--region", "cn-north-4", "--project-id", id], environment: env)
            expectRefused(r, cli, db: "p.sqlite", ["--project-id", "project id"], "--project-id \(id)")
        }
        let fromEnv = try cli.run(["fetch", "--db", "p.sqlite", "--region", "cn-north-4"],
                                  environment: env.merging(["HUAWEICLOUD_SDK_PROJECT_ID": "../x"]) { $1 })
        expectRefused(fromEnv, cli, db: "p.sqlite", ["$HUAWEICLOUD_SDK_PROJECT_ID", "../x"], "environment")
        let profile = cli.write("creds.ini", "[basic]\nak = AK1\nsk = SK1\nproject_id = x?y\n")
        let fromFile = try cli.run(["fetch", "--db", "p.sqlite", "--region", "cn-north-4"],
                                   environment: ["HUAWEICLOUD_SDK_CREDENTIALS_FILE": profile])
        expectRefused(fromFile, cli, db: "p.sqlite", ["project_id in \(profile)", "x?y"], "profile")
        #expect(!fromFile.stderr.contains("SK1"))
    }

    /// The checks refuse nothing that works: a valid id, and the simulator through --endpoint.
    @Test func aValidProjectIdThroughTheSimulatorStillFetches() async throws {
        let cli = CLI()
        let sim = MetaStudioSimulator(generated: 120, seed: 2, config: SimulatorConfig())
        let r = try await withSimulator(sim) { base in
            try await cli.run(["fetch", "--db", "ok.sqlite", "--endpoint", base, "--project-id", Self.project],
                              environment: ["METASTUDIO_AUTH_TOKEN": Self.token])
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try count(cli.path("ok.sqlite"), "SELECT count(*) FROM jobs") == 120)
    }

    // MARK: Options that cannot apply

    @Test func optionsThatCannotApplyOrSayNothingAreRefused() throws {
        let cli = CLI()
        let env = ["METASTUDIO_AUTH_TOKEN": Self.token]
        let pem = cli.write("ca.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
        let base = ["fetch", "--db", "o.sqlite", "--project-id", Self.project]
        let cases: [([String], [String])] = [
            (["--endpoint", "http://127.0.0.1:9", "--ca-bundle", pem], ["--ca-bundle", "plain http"]),
            (["--region", "cn-north-4", "--ca-bundle", cli.path("missing.pem")], ["--ca-bundle", "no such file"]),
            (["--region", "cn-north-4", "--ca-bundle", cli.workDir.path], ["--ca-bundle", "is a directory"]),
            (["--region", "cn-north-4", "--state", ","], ["--state", "names no state"]),
            (["--region", "cn-north-4", "--state", ""], ["--state", "empty"]),
            (["--region", "cn-north-4", "--room-name", ""], ["--room-name", "empty"]),
        ]
        for (flags, words) in cases {
            let r = try cli.run(base + flags, environment: env)
            expectRefused(r, cli, db: "o.sqlite", words, "\(flags)")
        }
    }

    /// `--full --full` and friends were taken although an option given twice is refused; every
    /// command's switches are covered.
    @Test func aSwitchGivenTwiceIsRefusedByEveryCommand() throws {
        let cli = CLI()
        let fetch = ["fetch", "--db", "s.sqlite", "--region", "cn-north-4", "--project-id", Self.project]
        let cases: [[String]] = [
            fetch + ["--full", "--full"], fetch + ["--json", "--json"], fetch + ["--strict", "--strict"],
            ["import", "--db", "s.sqlite", "--strict", "--strict", "x.json"],
            ["report", "--db", "s.sqlite", "--excel", "--excel"], ["query", "--db", "s.sqlite", "--list", "--list"],
            ["compare", "--db", "s.sqlite", "--format", "csv", "--excel", "--excel", "a", "b"], ["import", "--db", "s.sqlite", "--json", "--json", "x.json"],
        ]
        for args in cases {
            let twice = args.first(where: { word in word.hasPrefix("--") && args.filter { $0 == word }.count == 2 })!
            let r = try cli.run(args, environment: ["METASTUDIO_AUTH_TOKEN": Self.token])
            expectRefused(r, cli, db: "s.sqlite", ["\(twice) was given twice"], "\(args)")
        }
    }

    // MARK: Token files

    /// `--token-file <(...)` and `HUAWEICLOUD_SDK_CREDENTIALS_FILE=<(...)` are pipes: they are read
    /// (once), not refused as unreadable.
    @Test func aTokenOrCredentialsFileFromAPipeIsRead() async throws {
        let cli = CLI()
        var config = SimulatorConfig()
        config.auth = .tokenOrAKSK(token: Self.token, ak: "AKPIPE", sk: "SKPIPE")
        let livejobs = CLI.binary("livejobs")
        let (viaToken, viaProfile) = try await withSimulator(MetaStudioSimulator(generated: 150, seed: 5, config: config)) { base in
            let token = try await cli.run(["-c", "'\(livejobs)' fetch --db t.sqlite --endpoint \(base) --project-id \(Self.project) "
                                           + "--token-file <(printf '%s\\n' \(Self.token))"], binary: "/bin/bash")
            let profile = try await cli.run(["-c", "HUAWEICLOUD_SDK_CREDENTIALS_FILE=<(printf '[basic]\\nak = AKPIPE\\nsk = SKPIPE\\n"
                                             + "project_id = \(Self.project)\\n') '\(livejobs)' fetch --db a.sqlite --endpoint \(base)"],
                                             binary: "/bin/bash")
            return (token, profile)
        }
        #expect(viaToken.status == 0, "\(viaToken.stderr)")
        #expect(viaProfile.status == 0, "\(viaProfile.stderr)")
        #expect(try count(cli.path("t.sqlite"), "SELECT count(*) FROM jobs") == 150)
        #expect(try count(cli.path("a.sqlite"), "SELECT count(*) FROM jobs") == 150)
    }

    /// Every unreadable token or credentials file says why: no such file, a folder, too large
    /// (`/dev/zero` never ends). (Permission denied is the same errno path; root, as CI runs, reads
    /// any file whatever its mode, so it is not a case here.)
    @Test func anUnreadableTokenFileSaysWhy() throws {
        let cli = CLI()
        let big = cli.write("big.txt", String(repeating: "t", count: 70_000))
        let cases: [(String, String)] = [
            (cli.path("none.txt"), "no such file or directory"), (cli.workDir.path, "is a directory"),
            ("/dev/zero", "more than 64 KiB"), (big, "more than 64 KiB"),
        ]
        let base = ["fetch", "--db", "u.sqlite", "--region", "cn-north-4", "--project-id", Self.project]
        for (path, reason) in cases {
            let r = try cli.run(base + ["--token-file", path], timeout: 30)
            #expect(r.status == 1, "\(path): \(r.stderr)")
            #expect(lines(r.stderr) == ["livejobs fetch: error: cannot read the token file \(path): \(reason)"]
                    || (lines(r.stderr).count == 1 && r.stderr.contains(path) && r.stderr.contains(reason)), "\(r.stderr)")
            let viaEnv = try cli.run(["fetch", "--db", "u.sqlite", "--region", "cn-north-4"],
                                     environment: ["HUAWEICLOUD_SDK_CREDENTIALS_FILE": path], timeout: 30)
            #expect(viaEnv.status == 1 && lines(viaEnv.stderr).count == 1, "\(viaEnv.stderr)")
            #expect(viaEnv.stderr.contains(path) && viaEnv.stderr.contains(reason), "\(viaEnv.stderr)")
        }
    }
}
