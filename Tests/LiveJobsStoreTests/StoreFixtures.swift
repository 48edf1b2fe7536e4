import Foundation
import GRDB
import Logging
import MetaStudio
@testable import LiveJobsStore

/// A temporary folder with a database path, removed when the value is released.
final class TempDir {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("livejobs-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    var dbPath: String { url.appendingPathComponent("test.sqlite").path }

    /// Writes `text` to a file in the folder and returns its path.
    func file(_ name: String, _ text: String) -> String {
        let path = url.appendingPathComponent(name).path
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A job object as the API sends it, with the fields a test cares about.
func jobJSON(id: String, room: String = "room-a", name: String = "Room A", state: String = "SUCCEED",
             start: String? = "2026-03-10T10:00:00Z", duration: Double? = 3600, stream: Double? = 3000,
             lastupdate: String = "2026-03-10T11:00:00Z", created: String = "2026-03-10T09:55:00Z", extra: String = "") -> String {
    var fields = [
        "\"job_id\":\"\(id)\"", "\"room_id\":\"\(room)\"", "\"room_name\":\(quoted(name))", "\"state\":\"\(state)\"",
        "\"create_time\":\"\(created)\"", "\"lastupdate_time\":\"\(lastupdate)\"",
    ]
    if let start { fields.append("\"start_time\":\"\(start)\"") }
    if let duration { fields.append("\"duration\":\(duration)") }
    if let stream { fields.append("\"stream_duration\":\(stream)") }
    if !extra.isEmpty { fields.append(extra) }
    return "{" + fields.joined(separator: ",") + "}"
}

/// An RFC 3339 instant `seconds` before now (UTC, whole seconds): for jobs that must not be stale.
func recent(_ seconds: Double) -> String {
    RFC3339.format((Date().timeIntervalSince1970 - seconds).rounded(.down))
}

func quoted(_ s: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description
}

func page(_ jobs: [String], count: Int? = nil) -> String {
    "{\"count\": \(count ?? jobs.count), \"smart_live_jobs\": [\n" + jobs.joined(separator: ",\n") + "\n]}"
}

extension JobStore {
    func read<T>(_ body: (Database) throws -> T) throws -> T { try dbQueue.read(body) }
}

extension Logger {
    /// A logger that writes nothing, for a test that checks other things than what is logged: the
    /// store takes the logger its caller sets up and never builds its own.
    static let discarding = Logger(label: "test.discarding") { _ in SwiftLogNoOpLogHandler() }
}
