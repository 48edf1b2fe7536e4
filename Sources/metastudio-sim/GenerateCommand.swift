import ArgumentParser
import Foundation
import MetaStudioSimulator

/// `metastudio-sim generate`: writes a deterministic set of jobs as API pages or JSON Lines.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a deterministic set of livestreaming jobs as API pages or JSON Lines.",
        discussion: """
            Jobs are spread over --months calendar months from --start (UTC), with create_time \
            ascending. The set deliberately contains hostile room names (Chinese, emoji, quotes, \
            pipes, newlines, spreadsheet formulas), every state including one the contract does not \
            know (SUSPENDED), failures with error_info, jobs missing duration or end_time, jobs that \
            cross month ends, and unknown fields. Like a real tenant's jobs, every job carries \
            secrets: a callback configuration with an HMAC key and a signed URL, RTC users with \
            signatures (every job that started), pre-signed log URLs (every job that ended).

            pages: <out>/page-00000.json, page-00001.json, ... each {"count": N, "smart_live_jobs": [...]} \
            with up to 100 jobs, as the API answers consecutive offsets with limit 100. Stale \
            page-NNNNN.json files past the new last page are removed.
            jsonl: one job object per line in the file <out> ('-' for standard output).

            Example (the bundled sample, two projects sharing a room id):
              metastudio-sim generate --jobs 3000 --seed 42 --start 2026-08-01 --months 4 \\
                --anomalies --format pages --out sample-data
              metastudio-sim generate --jobs 300 --seed 42 --start 2026-08-01 --months 4 \\
                --rooms 3 --project-tag second --shared-room-ids 1 --format pages \\
                --out sample-data/second-project

            Exit status: 0 on success, 1 when the output cannot be written, 64 for invalid options.
            """
    )

    @Option(help: "How many jobs the whole set has (the API's count).")
    var jobs: Int = 3000

    @Option(help: "PRNG seed; the same options always give byte-identical output.")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("First day of the window, UTC.", valueName: "YYYY-MM-DD"))
    var start: Day = Day(date: JobGenerator.Options.defaultStart, text: "2026-08-01")

    @Option(help: "Length of the window in calendar months; its end plays \"now\".")
    var months: Int = 4

    @Option(help: "How many live rooms (the first 12 have hand-picked hostile names).")
    var rooms: Int = 12

    @Option(help: "Salt for every id, so two simulated projects with one seed share no ids.")
    var projectTag: String?

    @Option(help: ArgumentHelp("With --project-tag: the first N rooms keep the room_id they have without it (two projects sharing room ids).", valueName: "N"))
    var sharedRoomIds: Int = 0

    @Flag(help: "Plant what the report's Anomalies section looks for: in the last month one room's error rate jumps and another's hours collapse; a stream ratio above 1, a zero-length job, a job PROCESSING for ~41 hours.")
    var anomalies = false

    @Option(help: "pages (a folder of API pages) or jsonl (one file).")
    var format: OutputFormat = .pages

    @Option(help: ArgumentHelp("A folder for pages; a file (or '-') for jsonl.", valueName: "path"))
    var out: String

    func validate() throws {
        guard jobs >= 0 else { throw ValidationError("--jobs must be 0 or more, got \(jobs).") }
        guard (1...1200).contains(months) else { throw ValidationError("--months must be 1...1200, got \(months).") }
        guard (1...10_000).contains(rooms) else { throw ValidationError("--rooms must be 1...10000, got \(rooms).") }
        guard (0...rooms).contains(sharedRoomIds) else {
            throw ValidationError("--shared-room-ids must be 0...\(rooms) (--rooms), got \(sharedRoomIds).")
        }
        if sharedRoomIds > 0, projectTag == nil {
            throw ValidationError("--shared-room-ids needs --project-tag (without a tag every room id is the untagged one already).")
        }
        guard !out.isEmpty else { throw ValidationError("--out must not be empty.") }
        if format == .pages, out == "-" { throw ValidationError("--format pages needs a folder for --out, not '-'.") }
    }

    func run() throws {
        let options = JobGenerator.Options(jobs: jobs, seed: seed, start: start.date, months: months,
                                           rooms: rooms, projectTag: projectTag, sharedRoomIds: sharedRoomIds,
                                           anomalies: anomalies)
        let generator = JobGenerator(options: options)
        let writer = SampleWriter(generator: generator)
        let began = Date()
        do {
            switch format {
            case .pages:
                let pages = try writer.writePages(to: URL(fileURLWithPath: out, isDirectory: true))
                note("wrote \(jobs) jobs of project \(generator.projectId) in \(pages.count) pages to \(out)", since: began)
            case .jsonl where out == "-":
                try writer.writeJSONLines(to: FileHandle.standardOutput)
            case .jsonl:
                try writer.writeJSONLines(to: URL(fileURLWithPath: out))
                note("wrote \(jobs) jobs of project \(generator.projectId) to \(out)", since: began)
            }
        } catch let error as SampleWriteError {
            FileHandle.standardError.write(Data("metastudio-sim: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// A one-line summary on standard error, keeping standard output for data.
    private func note(_ message: String, since began: Date) {
        let seconds = String(format: "%.2f", Date().timeIntervalSince(began))
        FileHandle.standardError.write(Data("\(message) in \(seconds) s\n".utf8))
    }
}

/// The output shapes as the command line spells them.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case pages, jsonl
}

/// A `YYYY-MM-DD` calendar day, read as midnight UTC.
struct Day: ExpressibleByArgument {
    let date: Date
    let text: String

    init(date: Date, text: String) {
        self.date = date
        self.text = text
    }

    init?(argument: String) {
        guard let date = JobGenerator.Options.day(argument) else { return nil }
        self.init(date: date, text: argument)
    }

    var defaultValueDescription: String { text }
}
