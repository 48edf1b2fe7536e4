import Foundation
import GRDB
import MetaStudio

/// One flagged value of a stored job, as `--json` lists it and `job_flags` holds it.
public struct FlagReport: Sendable, Equatable {
    public var jobId: String
    public var field: String
    /// A `JobFlag.Reason` raw value: `negative`, `wrong_type`, ...
    public var reason: String
    public var detail: String
    /// The figures it left the job out of, comma-separated (empty: none).
    public var excluded: String
}

/// Something in a page's job list that is not a job object (a number, a string, null), so there is
/// nothing to store: where it was and what it was.
public struct SkippedItem: Sendable, Equatable {
    /// The item's index among the file's items (jobs and skipped items), from 0.
    public var index: Int
    /// Its line in a JSON Lines file, from 1; nil in a page or an array read whole.
    public var line: Int?
    /// Why it is not a job, one line, masked and escaped.
    public var problem: String
    /// True for a saved API error body (`{"error_code": ...}`): a page of jobs missing from the
    /// file, which the import reports as such, not only counts.
    public var isAPIErrorResponse = false
}

/// A prepared job, or an item of a job list that is not a job.
enum PreparedItem: Sendable {
    case job(PreparedJob)
    case notAJob(SkippedItem)
}

/// What one imported file (or one fetch) did to the database.
public struct ImportSummary: Sendable, Equatable {
    public enum Format: String, Sendable { case page, jsonLines = "jsonl" }
    public var file: String
    public var format: Format
    public var jobsRead = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    /// Distinct jobs read with at least one flagged value (stored all the same); a job read twice
    /// (overlapping pages, a page read again) counts once.
    public var flagged: Int { flaggedIds.count }
    private var flaggedIds = Set<String>()
    /// Every flagged value read, in order, each job's once.
    public var flags: [FlagReport] = []
    /// Items of a job list that were not job objects, so not stored.
    public var skipped: [SkippedItem] = []
    /// The skipped items that are saved API error bodies (a throttled page saved in place of its jobs).
    public var apiErrorResponses: [SkippedItem] { skipped.filter(\.isAPIErrorResponse) }

    public init(file: String, format: Format) {
        self.file = file
        self.format = format
    }

    mutating func count(_ outcome: JobWriter.Outcome, of job: PreparedJob) {
        jobsRead += 1
        switch outcome {
        case .inserted: inserted += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        }
        if !job.flags.isEmpty, flaggedIds.insert(job.jobId).inserted {
            for f in job.flags {
                flags.append(FlagReport(jobId: job.jobId, field: f.flag.field, reason: f.flag.reason.rawValue,
                                        detail: f.flag.detail, excluded: f.excludedText))
            }
        }
    }

    /// Writes a prepared job and counts it, or counts an item that is not a job.
    mutating func record(_ item: PreparedItem, _ writer: JobWriter) throws {
        switch item {
        case .job(let job): count(try writer.write(job), of: job)
        case .notAJob(let skipped): self.skipped.append(skipped)
        }
    }

    /// Adds another file's (or page's) counts to these.
    public mutating func add(_ other: ImportSummary) {
        jobsRead += other.jobsRead
        inserted += other.inserted
        updated += other.updated
        unchanged += other.unchanged
        for f in other.flags where !flaggedIds.contains(f.jobId) { flags.append(f) }
        flaggedIds.formUnion(other.flaggedIds)
        skipped += other.skipped
    }
}

/// How a run treats a job with a flagged value.
public enum Strictness: Sendable {
    /// Store it, flagged, and go on (the default).
    case lenient
    /// Refuse the whole file (import) or stop the fetch: the behaviour before flags, for whoever wants it.
    case strict
}

extension JobStore {
    /// One transaction of job writes. Foreign keys are not checked row by row here: `JobWriter`
    /// writes child rows only for the job it has just written, so the per-row parent lookups
    /// would check what holds by construction.
    /// The body writes through the `JobWriter` it is given; the writer's rollup sums are written
    /// after the body, in the same transaction, so a committed job is always in `usage_rollup`.
    func writeJobs(source: String?, storedAt: String, projectId: String?, region: String?, zones: [ZoneOffsets],
                   _ body: (Database, JobWriter) throws -> Void) throws {
        try dbQueue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            try db.inTransaction {
                let writer = try JobWriter(db, source: source, storedAt: storedAt, projectId: projectId, region: region, zones: zones)
                try body(db, writer)
                try writer.finish(db)
                try JobStore.reconcileZones(db, written: zones)
                return .commit
            }
        }
    }

    /// A zone dropped or first asked for while this write ran (a fetch reads the kept zones once,
    /// when it starts): the jobs were split into the zones kept then. Rows of a zone no longer kept
    /// go; a zone kept now that these jobs were not split into is no longer listed, so the next
    /// report or query in it builds it whole from the stored jobs.
    static func reconcileZones(_ db: Database, written: [ZoneOffsets]) throws {
        let kept = Set(try String.fetchAll(db, sql: "SELECT tz FROM usage_zones"))
        let split = Set(written.map(\.identifier))
        let dropped = split.subtracting(kept)
        let unsplit = kept.subtracting(split).filter { ZoneOffsets(identifier: $0) != nil }
        for tz in dropped.union(unsplit) where tz != "UTC" {
            try db.execute(sql: "DELETE FROM job_day_usage WHERE tz = ?", arguments: [tz])
            try db.execute(sql: "DELETE FROM usage_rollup WHERE tz = ?", arguments: [tz])
            try db.execute(sql: "DELETE FROM usage_zones WHERE tz = ?", arguments: [tz])
        }
    }

    /// Prepares one item of a job list: a job (flagged or not), or, for anything but an object, a
    /// skipped item. Under `.strict` the first flagged value, or a non-object, throws `ImportError`.
    static func prepare(_ job: PageJob, zones: [ZoneOffsets], now: Double, strictness: Strictness,
                        file: String, index: Int, line: Int?, offset: Int?, isFetched: Bool = false) throws -> PreparedItem {
        // In a saved file, an object with none of a job's members (an API error body, `{}`) is not a job.
        if !isFetched, job.tapeValue.isObject, let problem = PageShape.notAJob(job.tapeValue) {
            if strictness == .strict {
                throw ImportError(file: file, line: line, byteOffset: offset, jobIndex: index, jobId: nil, message: problem)
            }
            return .notAJob(SkippedItem(index: index, line: line, problem: problem,
                                        isAPIErrorResponse: PageShape.isAPIErrorResponse(job.tapeValue)))
        }
        let smartLiveJob: SmartLiveJob
        do {
            smartLiveJob = try job.smartLiveJob()
        } catch {
            if strictness == .strict {
                throw ImportError(file: file, line: line, byteOffset: offset, jobIndex: index, jobId: nil, message: error.description)
            }
            return .notAJob(SkippedItem(index: index, line: line, problem: error.description))
        }
        let prepared = PreparedJob(smartLiveJob, zones: zones, now: now)
        if strictness == .strict, let first = prepared.flags.first {
            throw ImportError(file: file, line: line, byteOffset: offset, jobIndex: index,
                              jobId: prepared.jobId, message: first.flag.description + " (--strict)")
        }
        return .job(prepared)
    }

    /// Imports one saved API response (`{"count", "smart_live_jobs"}`), a JSON array of jobs, or
    /// JSON Lines of jobs (or pages), in one transaction. A job with values that cannot be used is
    /// stored flagged (`.lenient`) or refuses the whole file (`.strict`); text that is not JSON, or
    /// not jobs, refuses the whole file either way (`ImportError`, nothing of the file stored).
    /// JSON Lines are parsed and prepared on a second thread while this one writes.
    /// `argument` is a path (a file, FIFO or `/dev/fd/N`) or `-` for standard input, read once;
    /// gzip-compressed input is decompressed as it is read (`LineReader`).
    public func importFile(_ argument: String, projectId: String? = nil, region: String? = nil,
                           strictness: Strictness = .lenient) throws -> ImportSummary {
        let reader = try LineReader(path: argument)
        let path = reader.name
        let zones = try materializedZones()
        let now = Date().timeIntervalSince1970
        let storedAt = RFC3339.format(now.rounded(.down))
        // The file's name as stored (`jobs.source`, `import_runs.file`) is the reader's name, already
        // masked and escaped (`InputName.shown`).
        let storedName = path
        let isLines = try looksLikeJSONLines(reader, path: path)
        var summary = ImportSummary(file: path, format: isLines ? .jsonLines : .page)
        // JSON Lines are prepared on a thread of their own, which takes the reader; a page is read
        // whole and prepared here, before the transaction.
        let pipeline: PreparePipeline?
        let pageItems: [PreparedItem]
        if isLines {
            pipeline = PreparePipeline { emit in
                try JobStore.prepareLines(reader, path: path, zones: zones, now: now, strictness: strictness, emit: emit)
            }
            pageItems = []
        } else {
            pipeline = nil
            pageItems = try JobStore.preparePage(reader, path: path, zones: zones, now: now, strictness: strictness)
        }
        defer { pipeline?.stop() }
        do {
            try writeJobs(source: storedName, storedAt: storedAt, projectId: projectId, region: region, zones: zones) { db, writer in
                // An import's page cache is 40 MiB instead of the store's 32: every job writes rows
                // into B-trees keyed by its random `job_id` (the primary key, RTC users, callback
                // event types, the per-day usage index, the rollup), which for dense jobs outgrow
                // 32 MiB at about 60,000 jobs; past that, most rows cost a page read back from the
                // WAL and a page written out again. Importing the 200,000-job benchmark file (two
                // runs each): 32 MiB 20.5 and 17.9 s of CPU, 83 MB peak; 40 MiB 16.8 and 18.6 s,
                // 92 MB; 48 MiB 15.0 and 15.1 s but 99-101 MB, past the benchmark's 100 MB. It
                // stays so for the connection: shrinking it before the commit would only move the
                // same page writes earlier.
                try db.execute(sql: "PRAGMA cache_size = -40960")
                if let pipeline {
                    try pipeline.consume { item in try summary.record(item, writer) }
                } else {
                    for item in pageItems { try summary.record(item, writer) }
                }
                // Items skipped and no job at all: the file is not jobs (an array of error bodies).
                if summary.jobsRead == 0, let first = summary.skipped.first {
                    let count = summary.skipped.count
                    throw ImportError(file: path, line: first.line,
                                      message: "no job in the file: \(count) item\(count == 1 ? "" : "s"), none a job (item \(first.index + 1): \(first.problem))")
                }
                try db.execute(sql: """
                    INSERT INTO import_runs (file, format, started_at, jobs_read, inserted, updated, unchanged, flagged, skipped,
                                             project_id, region)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [storedName, summary.format.rawValue, storedAt, summary.jobsRead, summary.inserted,
                                     summary.updated, summary.unchanged, summary.flagged, summary.skipped.count,
                                     projectId, region])
            }
        } catch let error as ImportError {
            throw error
        } catch let error as DatabaseError {
            // The input was fine; the database was not (full, read-only, locked): exit 1, not 65.
            throw DatabaseProblem.describe(error, path: self.path)
        }
        logger.debug("file imported", metadata: ["file": "\(path)", "jobs.read": "\(summary.jobsRead)",
                                                 "jobs.inserted": "\(summary.inserted)", "jobs.updated": "\(summary.updated)",
                                                 "jobs.flagged": "\(summary.flagged)"])
        return summary
    }

    private static func preparePage(_ reader: LineReader, path: String, zones: [ZoneOffsets], now: Double,
                                    strictness: Strictness) throws -> [PreparedItem] {
        let document = try reader.readAll()
        let read: (tape: JSONTape, repaired: Bool)
        do { read = try document.withUnsafeBytes { try readTape($0) } } catch let e as JSONSyntaxError {
            let line = LineReader.lineNumber(in: document, at: e.offset)
            let what = document.withUnsafeBytes { JobStore.notJSONText($0) } ?? "malformed JSON: \(e.message)"
            throw ImportError(file: path, line: line, byteOffset: e.offset, message: what)
        }
        return try PageShape.jobs(in: read.tape.root, file: path, line: nil).enumerated().map { i, job in
            try prepare(read.repaired ? .repaired(job) : .tape(job), zones: zones, now: now, strictness: strictness,
                        file: path, index: i, line: nil, offset: nil)
        }
    }

    private static func prepareLines(_ reader: LineReader, path: String, zones: [ZoneOffsets], now: Double,
                                     strictness: Strictness, emit: (PreparedItem) throws -> Void) throws {
        var index = 0
        try reader.forEachLine { line, lineNumber, offset in
            let read: (tape: JSONTape, repaired: Bool)
            do {
                read = try readTape(line)
            } catch let e as JSONSyntaxError {
                let what = (lineNumber == 1 ? JobStore.notJSONText(line) : nil) ?? "malformed JSON: \(e.message)"
                throw ImportError(file: path, line: lineNumber, byteOffset: offset + e.offset, message: what)
            }
            let root = read.tape.root
            let jobs = root.isObject && root["smart_live_jobs"] != nil ? try PageShape.jobs(in: root, file: path, line: lineNumber) : [root]
            for job in jobs {
                try emit(prepare(read.repaired ? .repaired(job) : .tape(job), zones: zones, now: now, strictness: strictness,
                                 file: path, index: index, line: lineNumber, offset: offset))
                index += 1
            }
        }
    }

    /// What a file that fails to parse from its first bytes is instead, when that is recognisable:
    /// gzip data (a file compressed twice: the first layer is already undone), UTF-16 text (a byte
    /// order mark, or a NUL after each ASCII byte), or no text at all. Nil for ordinary bad JSON.
    static func notJSONText(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count >= 2 else { return nil }
        let (b0, b1) = (bytes[0], bytes[1])
        if b0 == 0x1F && b1 == 0x8B {
            return "gzip data inside the file once it is decompressed (compressed twice?): decompress it once (zcat) and import that"
        }
        // JSON starts with `{`, `[` or white space; in UTF-16 without a mark, with a NUL beside it.
        let opening: Set<UInt8> = [UInt8(ascii: "{"), UInt8(ascii: "["), 0x20, 0x09, 0x0A, 0x0D]
        if (b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF) || (opening.contains(b0) && b1 == 0) || (b0 == 0 && opening.contains(b1)) {
            return "UTF-16 text, not UTF-8 (RFC 8259 asks for UTF-8): convert it first, e.g. iconv -f UTF-16 -t UTF-8"
        }
        // Bytes that are not UTF-8 alone are no sign: the repairing parse reads them in text.
        if SafeText.isBinary(bytes, invalidUTF8IsBinary: false) { return "binary data, not JSON text" }
        return nil
    }

    /// The tape of one JSON text (a line, a page file), and whether its text was repaired: the text's
    /// own tape when the tape takes it (almost always), else the tape of what `JSONParser` reads
    /// (`parseRepairingText`: repeated keys merged, invalid Unicode and containers nested too deep
    /// repaired), or the parser's error.
    private static func readTape(_ bytes: UnsafeRawBufferPointer) throws -> (tape: JSONTape, repaired: Bool) {
        if let tape = JSONTape.parse(Array(bytes)) { return (tape, false) }
        let (value, repaired) = try parseRepairingText(bytes)
        return (JSONTape(value), repaired)
    }

    /// `bytes` parsed strictly; when that fails only on text that is not valid Unicode, parsed again
    /// reading it as U+FFFD (the jobs are then flagged where), so one broken name costs no job.
    private static func parseRepairingText(_ bytes: UnsafeRawBufferPointer) throws -> (value: JSONValue, repaired: Bool) {
        do {
            return (try JSONParser.parse(bytes), false)
        } catch let error as JSONSyntaxError where JSONParser.isRepairable(error) {
            return try JSONParser.parseRepairingText(bytes)
        }
    }

    /// JSON Lines when the first line alone is a complete JSON object; a pretty-printed page is not.
    private func looksLikeJSONLines(_ reader: LineReader, path: String) throws -> Bool {
        guard let first = try reader.peekFirstLine() else {
            throw ImportError(file: path, message: "empty file: expected an API page or JSON Lines of jobs")
        }
        guard let value = try? first.withUnsafeBytes({ try JobStore.parseRepairingText($0).value }), case .object = value else { return false }
        return true
    }
}

/// The shapes a saved response may have: the API's page object, or a bare array of jobs.
enum PageShape {
    /// An object with none of the contract's job members is not a job (`job_id` first: a job is told
    /// by its first lookup).
    static let jobMembers = SmartLiveJob.memberNames

    /// Why a top-level object (a whole document, or a JSON Lines line) without `smart_live_jobs` is
    /// not a job, or nil when it has at least one job member: a saved API error body, or a page
    /// without its list, must be refused, not stored as a job with a made-up id. What it quotes
    /// from the object (its error_code, its member names) is masked as stored job data is
    /// (docs/SECRETS.md, section 1) before it is shortened and escaped: it reaches a terminal.
    static func notAJob(_ object: JSONTapeValue) -> String? {
        guard !jobMembers.contains(where: { object[$0] != nil }) else { return nil }
        if isAPIErrorResponse(object), let code = object["error_code"] {
            let text = code.stringValue.map(SecretRedactor.redactText) ?? code.redactedJSON
            return "an API error response (error_code \(SafeText.escaped(text, limit: 60))), not jobs"
        }
        if object["count"] != nil { return "an API page without its \"smart_live_jobs\" list" }
        let keys = object.keys
        let shown = keys.prefix(5).map { SafeText.escaped(SecretRedactor.redactText($0), limit: 40) }.joined(separator: ", ")
        return keys.isEmpty ? "an empty object, not a job" : "not a job: an object with none of a job's members (it has \(shown))"
    }

    /// True for an object with an `error_code` and none of a job's members: an API error body.
    static func isAPIErrorResponse(_ object: JSONTapeValue) -> Bool {
        object.isObject && object["error_code"] != nil && !jobMembers.contains(where: { object[$0] != nil })
    }

    static func jobs(in value: JSONTapeValue, file: String, line: Int?) throws -> [JSONTapeValue] {
        switch value.type {
        case .array:
            let items = value.elements ?? []
            // A JSON array of saved pages (responses collected into one list) holds their jobs.
            guard items.contains(where: { $0.isObject && $0["smart_live_jobs"] != nil }) else { return items }
            var jobs: [JSONTapeValue] = []
            for item in items {
                if item.isObject, item["smart_live_jobs"] != nil {
                    jobs += try Self.jobs(in: item, file: file, line: line)
                } else {
                    jobs.append(item)
                }
            }
            return jobs
        case .object:
            guard let list = value["smart_live_jobs"] else {
                if let problem = notAJob(value) { throw ImportError(file: file, line: line, message: problem) }
                return [value]
            }
            guard let jobs = list.elements else {
                throw ImportError(file: file, line: line, message: "field 'smart_live_jobs': expected an array, got \(list.typeName)")
            }
            // The count is not used on import (the jobs are), so any non-negative number will do
            // (`300`, `300.0`, `3e2`, even one past 64 bits); anything else is not a page.
            if let count = value["count"] {
                guard let text = count.numberText, let n = Double(text), n >= 0 else {
                    throw ImportError(file: file, line: line, message: "field 'count': expected a non-negative number, got \(count.typeName) \(SafeText.escaped(count.redactedJSON, limit: 20))")
                }
            }
            return jobs
        default:
            throw ImportError(file: file, line: line, message: "expected an API page object or an array of jobs, got \(value.typeName)")
        }
    }
}
