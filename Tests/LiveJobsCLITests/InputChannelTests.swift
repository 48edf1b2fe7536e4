import Foundation
import GRDB
import Testing

/// Every way a user feeds `livejobs import`: standard input, pipes, FIFOs, process substitution,
/// gzip (one member or several), and what happens to corrupt, truncated or other-compressed input.
@Suite(.serialized, .timeLimit(.minutes(5))) struct InputChannelTests {
    /// `n` generated jobs as JSON Lines (the generator's hostile room names and secrets included).
    func jsonLines(_ cli: CLI, _ name: String, jobs n: Int, seed: Int = 7) throws -> String {
        let path = cli.path(name)
        let r = try cli.run(["generate", "--jobs", "\(n)", "--seed", "\(seed)", "--format", "jsonl", "--out", path], binary: "metastudio-sim")
        #expect(r.status == 0, "\(r.stderr)")
        return path
    }

    /// Runs a bash script in the scratch folder with `$LJ` naming the livejobs binary.
    func bash(_ cli: CLI, _ script: String, stdin: Data? = nil) throws -> CLI.Result {
        try cli.run(["-c", script], binary: "/bin/bash", environment: ["LJ": CLI.binary("livejobs")], stdin: stdin, timeout: 60)
    }

    func jobCount(_ db: String) throws -> Int {
        try DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM jobs") ?? -1 }
    }

    @Test func dashAndDevStdinReadStandardInputOnceWhateverItHolds() throws {
        let cli = CLI()
        let lines = try Data(contentsOf: URL(fileURLWithPath: try jsonLines(cli, "a.jsonl", jobs: 250)))
        let dash = try cli.run(["import", "--db", "s.sqlite", "-"], stdin: lines, timeout: 60)
        #expect(dash.status == 0, "\(dash.stderr)")
        #expect(dash.stdout.contains("250 jobs read, 250 new"), "\(dash.stdout)")
        #expect(try jobCount(cli.path("s.sqlite")) == 250)
        let devStdin = try cli.run(["import", "--db", "d.sqlite", "/dev/stdin"], stdin: lines, timeout: 60)
        #expect(devStdin.status == 0, "\(devStdin.stderr)")
        #expect(try jobCount(cli.path("d.sqlite")) == 250)
        // A pretty-printed page through a pipe: the format is told from the same single read.
        let page = try Data(contentsOf: URL(fileURLWithPath: CLI.samplePages[0]))
        let piped = try cli.run(["import", "--db", "p.sqlite", "-"], stdin: page, timeout: 60)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try jobCount(cli.path("p.sqlite")) == 100)
        let stored = try DatabaseQueue(path: cli.path("p.sqlite")).read { try String.fetchAll($0, sql: "SELECT DISTINCT source FROM jobs") }
        #expect(stored == ["<stdin>"])
        // Blank input and malformed input through stdin are one line each, exit 65.
        let empty = try cli.run(["import", "--db", "p.sqlite", "-"], stdin: Data("\n \n".utf8), timeout: 60)
        #expect(empty.status == 65 && empty.stderr.contains("<stdin>: empty file"), "\(empty.stderr)")
        let bad = try cli.run(["import", "--db", "p.sqlite", "-"], stdin: Data("{\"job_id\": \n".utf8), timeout: 60)
        #expect(bad.status == 65 && bad.stderr.hasPrefix("livejobs import: error: <stdin>:2: malformed JSON"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1)
        let twice = try cli.run(["import", "--db", "p.sqlite", "-", "-"], stdin: lines, timeout: 60)
        #expect(twice.status == 64 && twice.stderr.contains("standard input can be read only once"), "\(twice.stderr)")
    }

    @Test func aFIFOIsReadOnceAndDoesNotHang() throws {
        let cli = CLI()
        let lines = try Data(contentsOf: URL(fileURLWithPath: try jsonLines(cli, "a.jsonl", jobs: 300)))
        let fifo = cli.path("jobs.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = DispatchGroup()
        writer.enter()
        DispatchQueue.global().async {
            // Opening a FIFO for writing waits for its reader, as `cat > fifo` does.
            if let handle = FileHandle(forWritingAtPath: fifo) {
                try? handle.write(contentsOf: lines)
                try? handle.close()
            }
            writer.leave()
        }
        defer {
            // Should the import not have opened the FIFO, open it once so that the writer is released.
            let unblock = open(fifo, O_RDONLY | O_NONBLOCK)
            if unblock >= 0 { close(unblock) }
            writer.wait()
        }
        let r = try cli.run(["import", "--db", "f.sqlite", fifo], timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("300 jobs read"), "\(r.stdout)")
        #expect(try jobCount(cli.path("f.sqlite")) == 300)
    }

    /// Each file is one transaction: Ctrl-C while the second file is being read keeps the first
    /// file whole and nothing of the second (README, exit code 130).
    @Test func ctrlCDuringAnImportKeepsTheFilesFinishedAndNothingOfTheOneBeingRead() throws {
        let cli = CLI()
        _ = try jsonLines(cli, "a.jsonl", jobs: 300, seed: 1)
        let second = try Data(contentsOf: URL(fileURLWithPath: try jsonLines(cli, "b.jsonl", jobs: 200, seed: 2)))
        let lines = second.split(separator: UInt8(ascii: "\n"))
        let half = Data(lines.prefix(150).map { $0 + [UInt8(ascii: "\n")] }.joined())
        let fifo = cli.path("b.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let import_ = try cli.start(["import", "--db", "i.sqlite", cli.path("a.jsonl"), fifo])
        // The write of 150 jobs (far more than a pipe holds) returns only once the import has read
        // most of them: by then it is inside the second file's transaction. The FIFO stays open.
        let handle = try #require(FileHandle(forWritingAtPath: fifo))
        defer { try? handle.close() }
        try handle.write(contentsOf: half)
        import_.send(SIGINT)
        let r = try import_.wait(timeout: 60)
        #expect(r.status == 130 || r.signal == SIGINT, "status \(r.status), signal \(String(describing: r.signal)): \(r.stderr)")
        #expect(try jobCount(cli.path("i.sqlite")) == 300)
        #expect(try strings(cli.path("i.sqlite"), "PRAGMA integrity_check") == ["ok"])
        #expect(try count(cli.path("i.sqlite"), "SELECT COUNT(*) FROM import_runs") == 1)
    }

    @Test func processSubstitutionAndPipesOfGzipImportEveryJob() throws {
        let cli = CLI()
        _ = try jsonLines(cli, "a.jsonl", jobs: 200)
        let prep = try bash(cli, "gzip -c a.jsonl > a.jsonl.gz && gzip -c \(CLI.samplePages[1]) > page.json.gz")
        #expect(prep.status == 0, "\(prep.stderr)")
        let r = try bash(cli, #""$LJ" import --db p.sqlite <(gzip -dc a.jsonl.gz) <(cat page.json.gz)"#)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("imported 2 of 2 files: 300 jobs read"), "\(r.stdout)")
        let piped = try bash(cli, #"cat a.jsonl.gz | "$LJ" import --db q.sqlite -"#)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try jobCount(cli.path("q.sqlite")) == 200)
        // A saved page, gzip-compressed, imports directly by name.
        let page = try cli.run(["import", "--db", "g.sqlite", cli.path("page.json.gz")])
        #expect(page.status == 0, "\(page.stderr)")
        #expect(try jobCount(cli.path("g.sqlite")) == 100)
    }

    @Test func multiMemberGzipIsOneStreamAndPaddingIsIgnored() throws {
        let cli = CLI()
        _ = try jsonLines(cli, "a.jsonl", jobs: 150, seed: 1)
        _ = try jsonLines(cli, "b.jsonl", jobs: 170, seed: 2)
        let prep = try bash(cli, "gzip -c a.jsonl > ab.jsonl.gz && gzip -c b.jsonl >> ab.jsonl.gz && cp ab.jsonl.gz padded.gz && head -c 512 /dev/zero >> padded.gz")
        #expect(prep.status == 0, "\(prep.stderr)")
        let both = try cli.run(["import", "--db", "m.sqlite", cli.path("ab.jsonl.gz")])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout.contains("320 jobs read"), "\(both.stdout)")
        let padded = try cli.run(["import", "--db", "z.sqlite", cli.path("padded.gz")])
        #expect(padded.status == 0, "\(padded.stderr)")
        #expect(try jobCount(cli.path("z.sqlite")) == 320)
    }

    @Test func corruptTruncatedOrOtherCompressedInputIsOneLineAndStoresNothingOfIt() throws {
        let cli = CLI()
        _ = try jsonLines(cli, "a.jsonl", jobs: 400)
        let keep = cli.write("keep.jsonl", #"{"job_id":"kept","state":"SUCCEED","start_time":"2026-10-05T10:00:00Z","duration":60}"#)
        #expect(try cli.run(["import", "--db", "c.sqlite", keep]).status == 0)
        let prep = try bash(cli, "gzip -c a.jsonl > a.gz && head -c $(( $(stat -c %s a.gz) / 2 )) a.gz > half.gz && head -c $(( $(stat -c %s a.gz) - 4 )) a.gz > notrailer.gz")
        #expect(prep.status == 0, "\(prep.stderr)")
        var corrupt = try Data(contentsOf: URL(fileURLWithPath: cli.path("a.gz")))
        corrupt[corrupt.count - 6] ^= 0xFF  // the CRC-32 of the member's data
        try corrupt.write(to: URL(fileURLWithPath: cli.path("crc.gz")))
        var garbled = try Data(contentsOf: URL(fileURLWithPath: cli.path("a.gz")))
        for i in stride(from: 40, to: 240, by: 1) { garbled[i] = 0xFF }
        try garbled.write(to: URL(fileURLWithPath: cli.path("garbled.gz")))
        var trailing = try Data(contentsOf: URL(fileURLWithPath: cli.path("a.gz")))
        trailing.append(Data("not gzip".utf8))
        try trailing.write(to: URL(fileURLWithPath: cli.path("trailing.gz")))
        let xz = Data([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00, 0x04]) + Data(repeating: 0x41, count: 64)
        try xz.write(to: URL(fileURLWithPath: cli.path("jobs.jsonl.xz")))
        let cases: [(file: String, needle: String)] = [
            ("half.gz", "half.gz: gzip data ends early"),
            ("notrailer.gz", "notrailer.gz: gzip data ends early"),
            ("crc.gz", "crc.gz: corrupt gzip data"),
            ("garbled.gz", "garbled.gz: corrupt gzip data"),
            ("trailing.gz", "trailing.gz: corrupt gzip data"),
            ("jobs.jsonl.xz", "xz-compressed data: only gzip is read directly"),
        ]
        for c in cases {
            let r = try cli.run(["import", "--db", "c.sqlite", cli.path(c.file)])
            #expect(r.status == 65, "\(c.file): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(c.needle), "\(c.file): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(c.file): \(r.stderr)")
            let fromStdin = try cli.run(["import", "--db", "c.sqlite", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: cli.path(c.file))))
            #expect(fromStdin.status == 65 && fromStdin.stderr.contains("<stdin>"), "\(c.file) on stdin: \(fromStdin.stderr)")
        }
        #expect(try jobCount(cli.path("c.sqlite")) == 1, "a file that fails part-way must store none of its jobs")
    }

    @Test func importFilesThatCannotBeOpenedSayWhy() throws {
        let cli = CLI()
        let cases: [(path: String, needle: String)] = [
            (cli.path("missing.jsonl"), "missing.jsonl: cannot read: no such file"),
            (cli.workDir.path, "cannot read: is a directory"),
            (cli.write("f/plain", "x") + "/below.jsonl", "cannot read: a part of the path is not a folder"),
        ]
        for c in cases {
            let r = try cli.run(["import", "--db", "o.sqlite", c.path])
            #expect(r.status == 65, "\(c.path): \(r.stderr)")
            #expect(r.stderr.contains(c.needle), "\(c.path): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
    }

    /// Import reads a JSON document whole and a JSON Lines line whole, so both are bounded: a gzip
    /// bomb of a megabyte that decompresses to 300 MiB of one document, or a 70 MiB line, is refused
    /// in one line instead of taking the machine's memory (a gigabyte bomb used to take 2 GB and
    /// three minutes). The other lines of a JSON Lines file before the long one are not stored
    /// either: the file is one transaction.
    @Test func aDocumentOrALineTooLargeToReadWholeIsRefused() throws {
        let cli = CLI()
        let prep = try bash(cli, """
            { printf '['; head -c 300000000 /dev/zero | tr '\\0' ' '; printf ']'; } | gzip -1 > bomb.json.gz
            { printf '{"job_id":"ok"}\\n{"job_id":"'; head -c 70000000 /dev/zero | tr '\\0' 'a'; printf '"}\\n'; } > long.jsonl
            """)
        #expect(prep.status == 0, "\(prep.stderr)")
        let bomb = try cli.run(["import", "--db", "b.sqlite", "bomb.json.gz"], timeout: 120)
        #expect(bomb.status == 65, "\(bomb.stderr)")
        #expect(bomb.stderr.split(separator: "\n").count == 1, "\(bomb.stderr)")
        #expect(bomb.stderr.contains("longer than 256 MiB") || bomb.stderr.contains("larger than 256 MiB"), "\(bomb.stderr)")
        let long = try cli.run(["import", "--db", "b.sqlite", "long.jsonl"], timeout: 120)
        #expect(long.status == 65, "\(long.stderr)")
        #expect(long.stderr.contains("long.jsonl:2: a line longer than 64 MiB"), "\(long.stderr)")
        #expect(try jobCount(cli.path("b.sqlite")) == 0)
    }
}
