import ArgumentParser
import Foundation
import LiveJobsStore
import MetaStudio

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load saved API responses (pages or JSON Lines) into the database.",
        discussion: """
            Each FILE is an API page ({"count": N, "smart_live_jobs": [...]}), a JSON
            array of jobs, or JSON Lines with one job (or page) per line; the format is
            detected. FILE may be - (standard input), a pipe, a FIFO or a process
            substitution, and may be compressed with gzip (recognised by its first bytes);
            each is read once. A job already stored is replaced only by a copy with a
            newer lastupdate_time, so importing a file twice changes nothing. Secrets (RTC
            signatures, callback keys, credentials in URLs) are masked before anything is
            stored.

            A job whose values cannot be used (a negative duration, an end before its
            start, a value of the wrong type, an invalid timestamp, a number out of range,
            a job PROCESSING for weeks) is stored all the same, flagged, and left out of
            the figures it would falsify (docs/METRICS.md); the summary says how many,
            --json lists them. With --strict such a job refuses its whole file instead. A
            file that is not JSON, or not jobs, is refused whole, with its file, line and
            job named; other files go on. An API error body saved among jobs (a
            throttled page) is named on one error line; the file's jobs are stored, and
            the import ends 65.

            Examples:
              livejobs import --db usage.sqlite sample-data/*.json
              zcat saved/*.jsonl.gz | livejobs import -
              livejobs import --json saved/jobs.jsonl > import-summary.json

            Each file is one transaction: Ctrl-C (exit 130) keeps every file imported
            before it and nothing of the file being read; import that one again.

            Exit codes: 0 every file imported (flagged jobs included), 1 a database or
            output problem (the files imported before it stay stored), 64 bad flags, 65 a
            file refused or holding an API error body, 130 interrupted by Ctrl-C.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("Record these jobs under this project id.", valueName: "id"))
    var projectId: String?

    @Option(help: ArgumentHelp("Record these jobs under this region, e.g. cn-north-4.", valueName: "region"))
    var region: String?

    @Flag(help: "Refuse a whole file when any job in it has a value that cannot be used.")
    var strict = false

    @Flag(help: "Print the summary as one JSON object on stdout, listing every flagged value.")
    var json = false

    @Argument(help: ArgumentHelp("Saved API pages or JSON Lines files, gzip-compressed or not; - for standard input.", valueName: "file"), transform: userPath)
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file to import") }
        // Stored on every job and read back by --project/--region: the same rules as fetch's for a
        // project id, and a region's shape (lower-case letters, digits and -), so that a value with
        // a line break or an escape can neither be stored nor fail to be selected later.
        if let projectId, let problem = FetchTarget.projectIdProblem(projectId) {
            throw ValidationError("--project-id: \(problem)")
        }
        if let region, region.isEmpty || region.count > 64
            || !region.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) {
            throw ValidationError("--region: '\(SafeText.escaped(region, limit: 60))' is not a region name (lower-case letters, digits and -, as cn-north-4)")
        }
        guard files.filter({ $0 == "-" }).count <= 1 else {
            throw ValidationError("standard input can be read only once: name - once")
        }
    }

    func run() throws {
        let store = try reportingErrors("import") { try JobStore(path: common.databasePath, logger: common.logger("livejobs.store")) }
        var total = ImportSummary(file: "", format: .page)
        var outcomes: [(file: String, summary: ImportSummary?, error: String?)] = []
        var refused = 0, failed = 0, incomplete = 0
        for argument in files {
            // The name every line, the JSON summary and the database show (secrets masked).
            let file = InputName.shown(argument)
            do {
                let summary = try store.importFile(argument, projectId: projectId, region: region,
                                                   strictness: strict ? .strict : .lenient)
                total.add(summary)
                outcomes.append((file, summary, nil))
                // A throttled page saved in place of its jobs: the jobs read are kept, and the gap
                // is named (one line a file) and ends the import 65, like a file refused.
                if let line = ImportReport.apiErrorLine(file: file, summary) {
                    printError("import", line)
                    incomplete += 1
                }
            } catch let error as StoreError {
                // The database cannot take more (a full disk, a read-only file): the other files
                // would fail the same way. Files imported before stay stored.
                printError("import", error.description)
                outcomes.append((file, nil, SafeText.line(error.description)))
                failed += 1
                break
            } catch {
                let message = (error as? ImportError)?.description ?? "\(file): \(describe(error))"
                printError("import", message)
                outcomes.append((file, nil, SafeText.line(message)))
                // A refused file is the input's fault (65); anything else (the database, the disk) is not (1).
                if error is ImportError { refused += 1 } else { failed += 1 }
            }
        }
        // After a database failure, one line has said so: counting and closing are best effort.
        let stored: Int
        if failed > 0 {
            stored = (try? store.jobCount()) ?? 0
            try? store.close()
        } else {
            stored = try reportingErrors("import") { () -> Int in
                let count = try store.jobCount()
                try store.close()
                return count
            }
        }
        try reportingErrors("import") {
            if json {
                try Output.line(ImportReport.json(outcomes, total: total, stored: stored))
            } else {
                try Output.line(ImportReport.line(imported: outcomes.filter { $0.summary != nil }.count, of: files.count,
                                                  total: total, stored: stored, database: common.databasePath))
            }
        }
        if failed > 0 { throw ExitCode(ExitCodes.failure) }
        if refused > 0 || incomplete > 0 { throw ExitCode(ExitCodes.dataError) }
    }
}

/// The end of an import: one line, or one JSON object.
enum ImportReport {
    /// The one line naming where a file held API error responses (`{"error_code": ...}`) among its
    /// jobs, or nil when it held none: `FILE:LINE: an API error response (error_code X), not jobs:
    /// ...`, the other places counted. `file` is the file's shown name (`InputName.shown`).
    static func apiErrorLine(file: String, _ summary: ImportSummary) -> String? {
        let errors = summary.apiErrorResponses
        guard let first = errors.first else { return nil }
        func place(_ item: SkippedItem) -> String { item.line.map { "line \($0)" } ?? "item \(item.index + 1)" }
        var text = first.line.map { "\(file):\($0): " } ?? "\(file): item \(first.index + 1): "
        text += first.problem
        if errors.count > 1 {
            let more = errors.dropFirst()
            text += " (and \(more.count) more: " + more.prefix(5).map(place).joined(separator: ", ")
                + (more.count > 5 ? ", ..." : "") + ")"
        }
        text += "; the jobs of the page saved there are missing: save that page again and import it"
            + " (\(summary.jobsRead) jobs of the file stored)"
        return text
    }

    static func line(imported: Int, of count: Int, total: ImportSummary, stored: Int, database: String) -> String {
        var text = "imported \(imported) of \(count) files: \(total.jobsRead) jobs read, \(total.inserted) new, "
            + "\(total.updated) updated, \(total.unchanged) unchanged, \(total.flagged) flagged"
        if !total.skipped.isEmpty { text += ", \(total.skipped.count) items skipped (not job objects)" }
        text += "; \(stored) jobs in \(SafeText.escaped(database))"
        if total.flagged > 0 {
            text += " (flagged jobs are stored and left out of the figures they would falsify; --json lists them)"
        }
        return text
    }

    static func json(_ outcomes: [(file: String, summary: ImportSummary?, error: String?)], total: ImportSummary,
                     stored: Int) -> String {
        func number(_ n: Int) -> JSONValue { .number(String(n)) }
        var files: [JSONValue] = []
        var flags: [JSONValue] = []
        var skipped: [JSONValue] = []
        for outcome in outcomes {
            var fields: [(key: String, value: JSONValue)] = [("file", .string(outcome.file))]
            if let s = outcome.summary {
                fields += [("format", .string(s.format.rawValue)), ("jobs_read", number(s.jobsRead)),
                           ("inserted", number(s.inserted)), ("updated", number(s.updated)),
                           ("unchanged", number(s.unchanged)), ("flagged", number(s.flagged)),
                           ("skipped", number(s.skipped.count)), ("error", .null)]
                for f in s.flags {
                    flags.append(.object(JSONObject([
                        ("file", .string(outcome.file)), ("job_id", .string(f.jobId)), ("field", .string(f.field)),
                        ("reason", .string(f.reason)), ("detail", .string(f.detail)),
                        ("excluded", .array(f.excluded.split(separator: ",").map { .string(String($0)) })),
                    ])))
                }
                for item in s.skipped {
                    skipped.append(.object(JSONObject([
                        ("file", .string(outcome.file)), ("index", number(item.index)),
                        ("line", item.line.map(number) ?? .null), ("problem", .string(item.problem)),
                    ])))
                }
            } else {
                fields.append(("error", .string(outcome.error ?? "")))
            }
            files.append(.object(JSONObject(fields)))
        }
        return JSONObject([
            ("files", .array(files)), ("jobs_read", number(total.jobsRead)), ("inserted", number(total.inserted)),
            ("updated", number(total.updated)), ("unchanged", number(total.unchanged)),
            ("flagged", number(total.flagged)), ("skipped", number(total.skipped.count)),
            ("jobs_in_database", number(stored)), ("flags", .array(flags)), ("skipped_items", .array(skipped)),
        ]).serializedForTerminal()
    }
}
