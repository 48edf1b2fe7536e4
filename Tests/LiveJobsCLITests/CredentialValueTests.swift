import Foundation
import MetaStudio
import MetaStudioSimulator
import Testing

/// Values read in a flag's stead that a hostile review found treated unlike the flag: a project id
/// from the environment trimmed of its line break (the flag's was refused), empty ones reported as
/// missing (exit 1), `--state FAILED,,` taken, a two-line token file failing only at the first
/// request, and a FIFO with no writer holding the fetch for ever.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CredentialValueTests {
    static let project = "0123456789abcdef0123456789abcdef"
    static let token = "TOKEN-value-3c7a"

    func lines(_ text: String) -> [Substring] { text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty } }

    /// Exit 64, one line naming `words`, no secret in it, and no database created.
    func expectRefused(_ r: CLI.Result, _ cli: CLI, _ words: [String], _ what: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 64, "\(what): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(lines(r.stderr).count == 1, "\(what): \(r.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(r.stderr.contains(word), "\(what): missing '\(word)' in \(r.stderr)", sourceLocation: sourceLocation)
        }
        for secret in [Self.token, "SECRET-SK", "tok-line"] {
            #expect(!r.stderr.contains(secret), "\(what): \(r.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: cli.path("v.sqlite")), "\(what): the database was created",
                sourceLocation: sourceLocation)
    }

    /// The project id is checked the same from the flag, the environment and the credentials file:
    /// a trailing line break and an empty value are refused from each, naming where it came from.
    @Test func aProjectIdIsCheckedAlikeFromEverySource() throws {
        let cli = CLI()
        let base = ["fetch", "--db", "v.sqlite", "--region", "cn-north-4"]
        let env = ["METASTUDIO_AUTH_TOKEN": Self.token]
        for bad in ["p1\n", ""] {
            let flag = try cli.run(base + ["--project-id", bad], environment: env, timeout: 30)
            expectRefused(flag, cli, ["--project-id", "project id"], "flag '\(bad)'")
            var viaEnv = env
            viaEnv["HUAWEICLOUD_SDK_PROJECT_ID"] = bad
            let fromEnv = try cli.run(base, environment: viaEnv, timeout: 30)
            expectRefused(fromEnv, cli, ["$HUAWEICLOUD_SDK_PROJECT_ID", "project id"], "environment '\(bad)'")
        }
        let file = cli.write("credentials", "[basic]\nak = AKFILE\nsk = SECRET-SK\nproject_id = \n")
        let fromFile = try cli.run(base, environment: ["HUAWEICLOUD_SDK_CREDENTIALS_FILE": file], timeout: 30)
        expectRefused(fromFile, cli, ["project_id in \(file)", "empty"], "file")
    }

    /// `--state FAILED,,` was taken as `FAILED` although `--state ,` is refused.
    @Test func aStateListWithAnEmptyItemIsRefused() throws {
        let cli = CLI()
        for list in ["FAILED,,", "FAILED,", ",FAILED", "FAILED, ,BLOCKED"] {
            let r = try cli.run(["fetch", "--db", "v.sqlite", "--region", "cn-north-4", "--project-id", Self.project, "--state", list],
                                environment: ["METASTUDIO_AUTH_TOKEN": Self.token], timeout: 30)
            expectRefused(r, cli, ["--state", "empty item"], list)
        }
    }

    /// A token with a line break or a control character inside failed at the first request with
    /// `curl 43: request header 'X-Auth-Token' has a forbidden character`: refused before anything
    /// is sent, the line naming the file or variable and never the token.
    @Test func aTokenWithALineBreakInsideIsRefusedUpFront() throws {
        let cli = CLI()
        let base = ["fetch", "--db", "v.sqlite", "--region", "cn-north-4", "--project-id", Self.project]
        let twoLines = cli.write("token.txt", "tok-line-one\ntok-line-two\n")
        let r = try cli.run(base + ["--token-file", twoLines], timeout: 30)
        expectRefused(r, cli, ["token file \(twoLines)", "line break"], "two-line file")
        // Blank lines and spaces around a token are not inside it: such a file is taken.
        let padded = cli.write("padded.txt", "\n  tok-line-only  \n\n")
        let ok = try cli.run(["fetch", "--db", "v.sqlite", "--endpoint", "http://127.0.0.1:9", "--project-id", Self.project,
                              "--token-file", padded, "--timeout", "1"], timeout: 60)
        #expect(!ok.stderr.contains("line break") && ok.status != 64, "\(ok.stderr)")
        try? FileManager.default.removeItem(atPath: cli.path("v.sqlite"))
        for (value, words) in [("tok-line\nmore", ["$METASTUDIO_AUTH_TOKEN", "line break"]),
                               ("tok-line\u{7}bell", ["$METASTUDIO_AUTH_TOKEN", "control character (U+0007)"]),
                               ("tok\u{2028}line", ["$METASTUDIO_AUTH_TOKEN", "outside printable ASCII (U+2028)"]),
                               ("tok\u{A0}nbsp", ["$METASTUDIO_AUTH_TOKEN", "outside printable ASCII (U+00A0)"])] {
            let env = try cli.run(base, environment: ["METASTUDIO_AUTH_TOKEN": value], timeout: 30)
            expectRefused(env, cli, words, words[1])
        }
    }

    /// A credential variable set but empty is a value given and unusable (exit 64), not a value
    /// absent that sends the user looking for credentials elsewhere; an empty `sk =` in the file too.
    @Test func anEmptyCredentialIsABadValue() throws {
        let cli = CLI()
        let base = ["fetch", "--db", "v.sqlite", "--region", "cn-north-4", "--project-id", Self.project]
        for env in [["METASTUDIO_AUTH_TOKEN": ""], ["METASTUDIO_AUTH_TOKEN": "   "],
                    ["HUAWEICLOUD_SDK_AK": "AKEXAMPLE", "HUAWEICLOUD_SDK_SK": ""]] {
            let r = try cli.run(base, environment: env, timeout: 30)
            let name = env.first { $0.value.trimmingCharacters(in: .whitespaces).isEmpty }!.key
            expectRefused(r, cli, ["$\(name) is set but empty"], "\(env.keys.sorted())")
        }
        let file = cli.write("credentials", "[basic]\nak = AKEXAMPLE\nsk =\n")
        let r = try cli.run(base, environment: ["HUAWEICLOUD_SDK_CREDENTIALS_FILE": file], timeout: 30)
        expectRefused(r, cli, ["needs both ak and sk (sk given empty)"], "empty sk in the file")
    }

    /// A FIFO no program writes to held the fetch for ever: it is waited for --timeout, then one line
    /// (a fetch that waits on fails at the harness's 30 s limit). A FIFO whose writer comes while the
    /// fetch waits is read: the writer opens it only once the fetch holds it open (seen in /proc).
    @Test func aFIFOWithNoWriterFailsAfterTheTimeout() async throws {
        let cli = CLI()
        let fifo = cli.path("token.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let r = try await cli.run(["fetch", "--db", "v.sqlite", "--region", "cn-north-4", "--project-id", Self.project,
                             "--token-file", fifo, "--timeout", "1"], timeout: 30)
        #expect(r.status == 1 && lines(r.stderr).count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("token file \(fifo)") && r.stderr.contains("nothing was written to the FIFO in 1 s"), "\(r.stderr)")

        var config = SimulatorConfig()
        config.auth = .token(Self.token)
        let late = try await withSimulator(MetaStudioSimulator(generated: 20, seed: 4, config: config)) { base in
            let livejobs = CLI.binary("livejobs")
            let script = """
                '\(livejobs)' fetch --db f.sqlite --endpoint \(base) --project-id \(Self.project) --token-file '\(fifo)' --timeout 60 &
                fetch=$!
                until ls -l /proc/$fetch/fd 2>/dev/null | grep -q 'token.fifo'; do
                    kill -0 $fetch 2>/dev/null || { wait $fetch; exit; }
                    sleep 0.02
                done
                printf '%s\\n' \(Self.token) > '\(fifo)'
                wait $fetch
                """
            return try await cli.run(["-c", script], binary: "/bin/bash", timeout: 90)
        }
        #expect(late.status == 0, "\(late.stderr)")
        #expect(try count(cli.path("f.sqlite"), "SELECT count(*) FROM jobs") == 20)
    }
}
