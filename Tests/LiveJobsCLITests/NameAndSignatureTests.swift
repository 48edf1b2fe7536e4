import Foundation
import MetaStudioSimulator
import Testing

/// Holes a hostile review found, each through the real binary into a real database file: secrets in
/// the names of imported files (saved the way wget names a signed URL), and an API error body saved
/// among jobs that only counted as a skipped item. (The request's own signature echoed in a 401 is
/// checked with the other echoed credentials, in `UserInputTests`.)
@Suite(.serialized, .timeLimit(.minutes(5))) struct NameAndSignatureTests {
    /// Files named with credentials reach no output, log line or database byte: not `jobs.source`,
    /// not `import_runs.file`, not the error line of a refused file, not `--json`, not the debug
    /// line `file imported file=...` at `--log-level trace`.
    @Test func secretsInFileNamesAreMasked() async throws {
        let cli = CLI()
        let names = ["page.json?AccessKeyId=AKSECF04&Signature=SIGSECF05", "x?signature=SECF02.jsonl",
                     "password=SECF01.jsonl", "u:SECF03@h/a.jsonl"]
        var files: [String] = []
        for (i, name) in names.enumerated() {
            let job = #"{"job_id":"f\#(i)","state":"SUCCEED","create_time":"2026-11-02T10:00:00Z"}"#
            files.append(cli.write(name, i == 0 ? #"{"count":1,"smart_live_jobs":[\#(job)]}"# : job + "\n"))
        }
        let refused = cli.write("bad?token=SECF06.jsonl", "not json\n")
        var results: [CLI.Result] = []
        for extra in [["--json"], []] {
            let r = try await cli.run(["import", "--db", "f.sqlite", "--log-level", "trace"] + extra + files + [refused])
            #expect(r.status == 65, "\(r.stderr)")
            #expect(r.stderr.contains("file imported"), "the debug line is written: \(r.stderr)")
            results.append(r)
        }
        #expect(results[1].stderr.contains("bad?token=[REDACTED]"), "the refused file is named, masked: \(results[1].stderr)")
        let stored = try strings(cli.path("f.sqlite"), "SELECT DISTINCT source FROM jobs UNION ALL SELECT file FROM import_runs")
        #expect(stored.count >= 8 && stored.allSatisfy { $0.contains("[REDACTED]") }, "\(stored)")
        let all = SecretHoleTests.everything(cli, results, databases: ["f.sqlite"])
        let leaked = SecretHoleTests.leaked(["SECF01", "SECF02", "SECF03", "AKSECF04", "SIGSECF05", "SECF06"], in: all)
        #expect(leaked.isEmpty, "\(leaked) leaked: \(results.map(\.stderr))")
    }

    /// A throttled page saved in place of data among JSON Lines of jobs: the jobs around it are
    /// stored, one line at the default level names the line of each error body (its error_code
    /// masked), and the import ends 65. A page file whose list holds an error body names its item.
    @Test func anAPIErrorBodyAmongJobsIsNamedAndEndsTheImport65() async throws {
        let cli = CLI()
        let lines = cli.write("pages.jsonl", """
            {"count":3,"smart_live_jobs":[{"job_id":"p1"}]}
            {"error_code":"APIGW.0308","error_msg":"throttled"}
            {"count":3,"smart_live_jobs":[{"job_id":"p3"}]}
            {"error_code":"token=SECF07","error_msg":"throttled"}

            """)
        let r = try await cli.run(["import", "--db", "e.sqlite", lines])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(try count(cli.path("e.sqlite"), "SELECT count(*) FROM jobs WHERE job_id IN ('p1', 'p3')") == 2)
        let errorLines = r.stderr.split(separator: "\n")
        #expect(errorLines.count == 1, "one line for the file: \(r.stderr)")
        #expect(errorLines.first?.contains("pages.jsonl:2: an API error response (error_code APIGW.0308)") == true, "\(r.stderr)")
        #expect(errorLines.first?.contains("and 1 more: line 4") == true, "\(r.stderr)")
        #expect(!r.stderr.contains("SECF07") && !r.stdout.contains("SECF07"), "\(r.stderr)")

        let page = cli.write("page.json", #"[{"job_id":"a1"},{"error_code":"APIGW.0308","error_msg":"x"}]"#)
        let p = try await cli.run(["import", "--db", "e.sqlite", page])
        #expect(p.status == 65, "\(p.stderr)")
        #expect(p.stderr.contains("page.json: item 2: an API error response (error_code APIGW.0308)"), "\(p.stderr)")
        #expect(try count(cli.path("e.sqlite"), "SELECT count(*) FROM jobs WHERE job_id = 'a1'") == 1)

        // An item that is not a job and not an error body is still only counted, exit 0.
        let empty = cli.write("empty.jsonl", "{\"job_id\":\"b1\"}\n{}\n")
        let e = try await cli.run(["import", "--db", "e.sqlite", empty])
        #expect(e.status == 0 && e.stderr.isEmpty, "\(e.stderr)")
        #expect(e.stdout.contains("1 items skipped"), "\(e.stdout)")
    }
}
