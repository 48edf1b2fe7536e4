import Foundation
import Logging
import MetaStudio

/// The CLI's swift-log handler: one line per event on stderr, through `StderrLines` (so a line
/// never lands inside the progress line):
///
///     2026-12-01T05:25:00.123Z info livejobs.fetch.pager: page failed: asking again after the wait attempt=2 http.status=503 page.offset=196 ...
///
/// The time is UTC (RFC 3339, milliseconds when not whole); metadata follows the message as
/// `key=value`, sorted by key, a value holding a space, a quote or an `=` in double quotes.
/// Everything is made terminal-safe as every other line of text from outside is (`SafeText`): a
/// request id or a server message could hold an ESC sequence or a line break, and each value is
/// cut at `SafeText.valueLimit` characters.
/// The libraries never put a secret in a line (URLs go through `SecretRedactor.redactURL`,
/// headers are never logged, server text is masked before it becomes an error).
struct StderrLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let own = event.metadata { all.merge(own) { $1 } }
        StderrLines.shared.line(Self.line(time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: all))
    }

    /// The line for one event (without its line break).
    static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var text = RFC3339.format(time.timeIntervalSince1970) + " \(level.rawValue) \(SafeText.escaped(label, limit: 80)): "
        text += SafeText.escaped(message, limit: SafeText.lineLimit)
        for key in metadata.keys.sorted() {
            text += " " + SafeText.escaped(key, limit: 80) + "=" + quoted(flattened(metadata[key]!))
        }
        return text
    }

    /// A metadata value as text: nested dictionaries and arrays as `{k: v}` and `[a, b]`.
    static func flattened(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let items): return "[" + items.map(flattened).joined(separator: ", ") + "]"
        case .dictionary(let d):
            return "{" + d.keys.sorted().map { "\($0): \(flattened(d[$0]!))" }.joined(separator: ", ") + "}"
        }
    }

    /// `value` terminal-safe and cut, in double quotes (a quote inside written `\"`) when it is empty
    /// or holds a space, a quote or an `=`, so that a line reads back as key=value pairs.
    static func quoted(_ value: String) -> String {
        let safe = SafeText.escaped(value, limit: SafeText.valueLimit)
        guard safe.isEmpty || safe.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return safe }
        return "\"" + safe.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
