import MetaStudio

/// Why a file could not be imported, with enough context to find the spot: the file, the line
/// and byte offset, the job's index in the file and its job_id when known, and the field.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var byteOffset: Int?
    public var jobIndex: Int?
    public var jobId: String?
    public var message: String

    public init(file: String, line: Int? = nil, byteOffset: Int? = nil, jobIndex: Int? = nil,
                jobId: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.byteOffset = byteOffset
        self.jobIndex = jobIndex
        self.jobId = jobId
        self.message = message
    }

    /// One line: `FILE:LINE: job N (job_id X): message (byte B)`; the file name and job_id come from
    /// outside, so they are made terminal-safe and shortened (`SafeText`).
    public var description: String {
        var where_ = SafeText.escaped(file)
        if let line { where_ += ":\(line)" }
        var text = where_ + ": "
        if let jobIndex {
            text += "job \(jobIndex)"
            if let jobId { text += " (job_id \(SafeText.escaped(jobId)))" }
            text += ": "
        }
        text += message
        if let byteOffset { text += " (byte \(byteOffset))" }
        return text
    }
}
