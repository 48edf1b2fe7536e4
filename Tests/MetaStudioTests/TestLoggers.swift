import Logging

extension Logger {
    /// A logger that writes nothing, for a test that checks other things than what is logged: the
    /// libraries take the logger their caller sets up and never build their own.
    static let discarding = Logger(label: "test.discarding") { _ in SwiftLogNoOpLogHandler() }
}
