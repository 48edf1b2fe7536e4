import Foundation
import MetaStudioSimulator
import Testing

/// A read-only database, a full disk and a report folder that cannot be written, made real with a
/// small tmpfs and a read-only mount in a mount namespace of the test's own (`unshare -r -m`,
/// which needs no privileges beyond user namespaces): one line each, exit 1, nothing stored lost.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DiskProblemTests {
    /// Runs `script` with bash inside a new user and mount namespace, in the scratch folder, with
    /// `$LJ` naming the livejobs binary. Each `run NAME ARGS...` in the script leaves NAME.rc,
    /// NAME.out and NAME.err in the scratch folder for the test to read.
    func inNamespace(_ cli: CLI, _ script: String) throws -> CLI.Result {
        let prelude = #"run() { local name=$1; shift; "$LJ" "$@" > "$name.out" 2> "$name.err"; echo $? > "$name.rc"; }"#
        return try cli.run(["-r", "-m", "/bin/bash", "-c", prelude + "\n" + script], binary: "/usr/bin/unshare",
                           environment: ["LJ": CLI.binary("livejobs")], timeout: 120)
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func outcome(_ cli: CLI, _ name: String) throws -> Outcome {
        func read(_ suffix: String) throws -> String { try String(contentsOfFile: cli.path("\(name).\(suffix)"), encoding: .utf8) }
        return Outcome(status: Int32(try read("rc").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
                       stdout: try read("out"), stderr: try read("err"))
    }

    func expectOneLine(_ o: Outcome, _ needle: String, _ name: String) {
        #expect(o.status == 1, "\(name): \(o.status) \(o.stderr)")
        #expect(o.stderr.contains(needle), "\(name): \(o.stderr)")
        #expect(o.stderr.split(separator: "\n").count == 1, "\(name): \(o.stderr)")
    }

    func generate(_ cli: CLI, _ name: String, jobs: Int, seed: Int) throws {
        let r = try cli.run(["generate", "--jobs", "\(jobs)", "--seed", "\(seed)", "--format", "jsonl", "--out", cli.path(name)], binary: "metastudio-sim")
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func aFullDiskIsOneLineExit1AndKeepsWhatWasStored() throws {
        let cli = CLI()
        try generate(cli, "small.jsonl", jobs: 40, seed: 1)
        try generate(cli, "big.jsonl", jobs: 3000, seed: 2)
        _ = cli.write("count.sql", "-- title: n\nSELECT count(*) AS n FROM jobs\n")
        #expect(try cli.run(["import", "--db", "good.sqlite", cli.path("small.jsonl")]).status == 0)
        let r = try inNamespace(cli, """
            mkdir -p full tiny && mount -t tmpfs -o size=1536k none full && mount -t tmpfs -o size=16k none tiny || exit 90
            run small import --db full/f.sqlite small.jsonl
            run big import --db full/f.sqlite big.jsonl
            run count query count.sql --db full/f.sqlite --format csv
            run report report --db good.sqlite --out tiny/report
            """)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try outcome(cli, "small").status == 0)
        expectOneLine(try outcome(cli, "big"), "the disk holding full/f.sqlite is full", "big import")
        let count = try outcome(cli, "count")
        #expect(count.status == 0 && count.stdout == "n\n40\n", "\(count.stdout) \(count.stderr)")
        expectOneLine(try outcome(cli, "report"), "tiny/report/", "report into a full folder")
        #expect(try outcome(cli, "report").stderr.contains("no space left on device"))
    }

    @Test func aFetchOntoAFullDiskIsOneLineExit1() async throws {
        var config = SimulatorConfig()
        config.auth = .token("TOKEN-full-disk-3c9d")
        let sim = MetaStudioSimulator(generated: 3000, seed: 12, config: config)
        let cli = CLI()
        _ = try await sim.start()
        let script = #"mkdir -p full && mount -t tmpfs -o size=1m none full || exit 90"# + "\n"
            + #"METASTUDIO_AUTH_TOKEN=TOKEN-full-disk-3c9d run fetch fetch --db full/f.sqlite --project-id 0123456789abcdef0123456789abcdef --rate 0 --endpoint "# + sim.baseURL
        // Waited for on a thread of its own, so that the simulator keeps a cooperative thread.
        let r = try await onOwnThread { try self.inNamespace(cli, script) }
        try await sim.stop()
        #expect(r.status == 0, "\(r.stderr)")
        let fetch = try outcome(cli, "fetch")
        #expect(fetch.status == 1, "\(fetch.status) \(fetch.stderr)")
        #expect(fetch.stderr.contains("the disk holding full/f.sqlite is full"), "\(fetch.stderr)")
        #expect(fetch.stderr.split(separator: "\n").count == 1, "\(fetch.stderr)")
        #expect(!fetch.stderr.contains("TOKEN-full-disk-3c9d"))
    }

    @Test func aReadOnlyDatabaseOrFolderIsOneLineExit1AndStillReads() throws {
        let cli = CLI()
        try generate(cli, "a.jsonl", jobs: 30, seed: 3)
        try generate(cli, "b.jsonl", jobs: 30, seed: 4)
        _ = cli.write("count.sql", "-- title: n\nSELECT count(*) AS n FROM jobs\n")
        #expect(try cli.run(["import", "--db", "good.sqlite", cli.path("a.jsonl")]).status == 0)
        let r = try inNamespace(cli, """
            mkdir -p ro && mount -t tmpfs none ro && cp good.sqlite ro/ && mount -o remount,ro ro || exit 90
            run existing import --db ro/good.sqlite b.jsonl
            run new import --db ro/new.sqlite b.jsonl
            run fetch fetch --db ro/new.sqlite --endpoint http://127.0.0.1:9 --project-id p
            run count query count.sql --db ro/good.sqlite --format csv
            run utc report --db ro/good.sqlite --out utc
            run zone report --db ro/good.sqlite --tz Asia/Shanghai --out zone
            run out report --db good.sqlite --out ro/report
            """)
        #expect(r.status == 0, "\(r.stderr)")
        expectOneLine(try outcome(cli, "existing"), "ro/good.sqlite is read-only (read-only file system)", "import into a read-only file")
        expectOneLine(try outcome(cli, "new"), "the folder ro of ro/new.sqlite is read-only", "import into a read-only folder")
        expectOneLine(try outcome(cli, "fetch"), "the folder ro of ro/new.sqlite is read-only", "fetch into a read-only folder")
        let count = try outcome(cli, "count")
        #expect(count.status == 0 && count.stdout == "n\n30\n", "\(count.stdout) \(count.stderr)")
        let utc = try outcome(cli, "utc")
        #expect(utc.status == 0, "\(utc.stderr)")
        expectOneLine(try outcome(cli, "zone"), "--tz Asia/Shanghai: ro/good.sqlite holds no per-day usage rows", "report in a new zone")
        expectOneLine(try outcome(cli, "out"), "cannot write ro/report: read-only file system", "report into a read-only folder")
    }

    @Test func aReportFolderThatCannotBeMadeIsOneLine() throws {
        let cli = CLI()
        let file = cli.write("j.jsonl", #"{"job_id":"a","room_id":"r1","state":"SUCCEED","start_time":"2026-10-05T10:00:00Z","duration":60}"#)
        #expect(try cli.run(["import", "--db", "o.sqlite", file]).status == 0)
        let cases: [(out: String, needle: String)] = [
            (file, "cannot write \(file): it exists and is not a folder"),
            (file + "/x/y", "\(file) is a file, not a folder"),
            ("", "--out is empty"),
            ("/dev/full", "cannot write /dev/full: it exists and is not a folder"),
        ]
        for c in cases {
            let r = try cli.run(["report", "--db", "o.sqlite", "--out", c.out])
            #expect(r.status == 1, "\(c.out): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(c.needle), "\(c.out): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(c.out): \(r.stderr)")
            #expect(!r.stderr.contains("Domain="), "\(c.out): \(r.stderr)")
        }
    }
}
