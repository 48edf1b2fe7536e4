import Foundation
import GRDB
import MetaStudio

/// What one imported file did to the database.
public struct ImportSummary: Sendable, Equatable {
    public enum Format: String, Sendable { case page, jsonLines = "jsonl" }
    public var file: String
    public var format: Format
    public var jobsRead = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0

    public init(file: String, format: Format) {
        self.file = file
        self.format = format
    }

    mutating func count(_ outcome: JobWriter.Outcome) {
        jobsRead += 1
        switch outcome {
        case .inserted: inserted += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        }
    }
}

extension JobStore {
    /// One transaction of job writes. Foreign keys are not checked row by row here: `JobWriter`
    /// writes child rows only for the job it has just written, so the per-row parent lookups
    /// would check what holds by construction.
    func writeJobs(_ body: (Database) throws -> Void) throws {
        try dbQueue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            try db.inTransaction {
                try body(db)
                return .commit
            }
        }
    }

    static func prepare(_ value: JSONValue, zones: [ZoneOffsets], file: String, index: Int, line: Int?, offset: Int?) throws -> PreparedJob {
        try prepare(.tree(value), zones: zones, file: file, index: index, line: line, offset: offset)
    }

    static func prepare(_ job: PageJob, zones: [ZoneOffsets], file: String, index: Int, line: Int?, offset: Int?) throws -> PreparedJob {
        do {
            return try PreparedJob(try job.smartLiveJob(), zones: zones)
        } catch {
            throw ImportError(file: file, line: line, byteOffset: offset, jobIndex: index,
                              jobId: job.string("job_id"), message: error.description)
        }
    }

    /// Imports one saved API response (`{"count", "smart_live_jobs"}`), a JSON array of jobs, or
    /// JSON Lines of jobs (or pages), in one transaction: a bad job anywhere leaves the file's rows out.
    /// JSON Lines are parsed and prepared on a second thread while this one writes.
    /// `argument` is a path (a file, FIFO or `/dev/fd/N`) or `-` for standard input, read once;
    /// gzip-compressed input is decompressed as it is read (`LineReader`).
    public func importFile(_ argument: String, projectId: String? = nil, region: String? = nil) throws -> ImportSummary {
        let reader = try LineReader(path: argument)
        let path = reader.name
        let zones = try materializedZones()
        let storedAt = RFC3339.format(Date().timeIntervalSince1970.rounded(.down))
        let isLines = try looksLikeJSONLines(reader, path: path)
        var summary = ImportSummary(file: path, format: isLines ? .jsonLines : .page)
        do {
            try writeJobs { db in
                let writer = try JobWriter(db, source: path, storedAt: storedAt, projectId: projectId, region: region)
                if isLines {
                    let pipeline = PreparePipeline { emit in
                        try JobStore.prepareLines(reader, path: path, zones: zones, emit: emit)
                    }
                    try pipeline.consume { job in try summary.count(writer.write(job)) }
                } else {
                    for job in try JobStore.preparePage(reader, path: path, zones: zones) {
                        try summary.count(writer.write(job))
                    }
                }
                try db.execute(sql: """
                    INSERT INTO import_runs (file, format, started_at, jobs_read, inserted, updated, unchanged)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [path, summary.format.rawValue, storedAt, summary.jobsRead,
                                     summary.inserted, summary.updated, summary.unchanged])
            }
        } catch let error as ImportError {
            throw error
        } catch let error as DatabaseError {
            // The input was fine; the database was not (full, read-only, locked): exit 1, not 65.
            throw DatabaseProblem.describe(error, path: self.path)
        }
        logger.info("imported", metadata: ["file": "\(path)", "read": "\(summary.jobsRead)",
                                           "inserted": "\(summary.inserted)", "updated": "\(summary.updated)"])
        return summary
    }

    private static func preparePage(_ reader: LineReader, path: String, zones: [ZoneOffsets]) throws -> [PreparedJob] {
        let document = try reader.readAll()
        let value: JSONValue
        do { value = try document.withUnsafeBytes { try JSONParser.parse($0) } } catch let e as JSONSyntaxError {
            let line = LineReader.lineNumber(in: document, at: e.offset)
            throw ImportError(file: path, line: line, byteOffset: e.offset, message: "malformed JSON: \(e.message)")
        }
        return try PageShape.jobs(in: value, file: path, line: nil).enumerated().map { i, job in
            try prepare(job, zones: zones, file: path, index: i, line: nil, offset: nil)
        }
    }

    private static func prepareLines(_ reader: LineReader, path: String, zones: [ZoneOffsets],
                                     emit: (PreparedJob) throws -> Void) throws {
        var index = 0
        try reader.forEachLine { line, lineNumber, offset in
            let value: JSONValue
            do {
                value = try JSONParser.parse(line)
            } catch let e as JSONSyntaxError {
                throw ImportError(file: path, line: lineNumber, byteOffset: offset + e.offset, message: "malformed JSON: \(e.message)")
            }
            if case .object(let object) = value, object["smart_live_jobs"] != nil {
                for job in try PageShape.jobs(in: value, file: path, line: lineNumber) {
                    try emit(prepare(job, zones: zones, file: path, index: index, line: lineNumber, offset: offset))
                    index += 1
                }
            } else {
                try emit(prepare(value, zones: zones, file: path, index: index, line: lineNumber, offset: offset))
                index += 1
            }
        }
    }

    /// JSON Lines when the first line alone is a complete JSON object; a pretty-printed page is not.
    private func looksLikeJSONLines(_ reader: LineReader, path: String) throws -> Bool {
        guard let first = try reader.peekFirstLine() else {
            throw ImportError(file: path, message: "empty file: expected an API page or JSON Lines of jobs")
        }
        guard let value = try? first.withUnsafeBytes({ try JSONParser.parse($0) }), case .object = value else { return false }
        return true
    }
}

/// The shapes a saved response may have: the API's page object, or a bare array of jobs.
enum PageShape {
    static func jobs(in value: JSONValue, file: String, line: Int?) throws -> [JSONValue] {
        switch value {
        case .array(let jobs):
            return jobs
        case .object(let page):
            guard let list = page["smart_live_jobs"] else {
                if page["job_id"] != nil { return [value] }
                throw ImportError(file: file, line: line, message: "not an API page: no \"smart_live_jobs\" member")
            }
            guard case .array(let jobs) = list else {
                throw ImportError(file: file, line: line, message: "field 'smart_live_jobs': expected an array, got \(list.typeName)")
            }
            if let count = page["count"] {
                guard case .number(let text) = count, let n = Int(text), n >= 0 else {
                    throw ImportError(file: file, line: line, message: "field 'count': expected a non-negative integer, got \(count.typeName) \(count.serialized().prefix(20))")
                }
            }
            return jobs
        default:
            throw ImportError(file: file, line: line, message: "expected an API page object or an array of jobs, got \(value.typeName)")
        }
    }
}
