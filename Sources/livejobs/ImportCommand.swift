import ArgumentParser
import Foundation
import LiveJobsStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load saved API responses (pages or JSON Lines) into the database.",
        discussion: """
            Each FILE is an API page ({"count": N, "smart_live_jobs": [...]}), a JSON array of jobs,
            or JSON Lines with one job (or page) per line; the format is detected. FILE may be -
            (standard input), a pipe, a FIFO or a process substitution, and may be compressed with
            gzip (recognised by its first bytes); each is read once. A job already
            stored is replaced only by a copy with a newer lastupdate_time, so importing a file
            twice changes nothing. Each file is one transaction: a bad job leaves that file out
            and names the file, line and job. Secrets (RTC signatures, callback keys, credentials
            in URLs) are masked before anything is stored.

            Example:
              livejobs import --db usage.sqlite sample-data/*.json
              zcat saved/*.jsonl.gz | livejobs import -
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("Record these jobs under this project id.", valueName: "id"))
    var projectId: String?

    @Option(help: ArgumentHelp("Record these jobs under this region, e.g. cn-north-4.", valueName: "region"))
    var region: String?

    @Argument(help: ArgumentHelp("Saved API pages or JSON Lines files, gzip-compressed or not; - for standard input.", valueName: "file"), transform: userPath)
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file to import") }
        guard files.filter({ $0 == "-" }).count <= 1 else {
            throw ValidationError("standard input can be read only once: name - once")
        }
    }

    func run() throws {
        let store = try reportingErrors("import") { try JobStore(path: common.databasePath, logger: common.logger("livejobs.store")) }
        var failures = 0
        var imported = 0
        var databaseFailed = false
        var total = ImportSummary(file: "", format: .page)
        for file in files {
            do {
                let s = try store.importFile(file, projectId: projectId, region: region)
                total.jobsRead += s.jobsRead
                total.inserted += s.inserted
                total.updated += s.updated
                total.unchanged += s.unchanged
                imported += 1
            } catch let error as StoreError {
                // The database cannot take more (a full disk, a read-only file): the other files
                // would fail the same way. Files imported before stay stored.
                FileHandle.standardError.write(Data("livejobs import: error: \(oneLine(error.description))\n".utf8))
                databaseFailed = true
                break
            } catch {
                failures += 1
                let message = (error as? ImportError)?.description ?? "\(file): \(error)"
                FileHandle.standardError.write(Data("livejobs import: error: \(oneLine(message))\n".utf8))
            }
        }
        let count = (try? store.jobCount()) ?? 0
        print("imported \(imported) of \(files.count) files: \(total.jobsRead) jobs read, \(total.inserted) new, \(total.updated) updated, \(total.unchanged) unchanged; \(count) jobs in \(common.databasePath)")
        if databaseFailed { throw ExitCode(ExitCodes.failure) }
        if failures > 0 { throw ExitCode(ExitCodes.dataError) }
    }
}
