import Foundation
import MetaStudio

/// A report file or folder that could not be written, said in one line: which path and why
/// ("no space left on device", "read-only file system", "permission denied"), never the
/// framework's error dump. The CLI exits 1 on it.
public struct OutputFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "cannot write \(path): \(reason)" }

    /// Runs `body`, which writes `path`, turning any error into an `OutputFileError` for `path`.
    public static func writing<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as OutputFileError {
            throw error
        } catch {
            throw OutputFileError(path: path, reason: reason(error))
        }
    }

    /// The folder `path`, created with its parents if needed; an existing file of that name, an
    /// empty name or a folder that cannot be created are `OutputFileError`s.
    static func makeFolder(_ path: String) throws {
        guard !path.isEmpty else { throw OutputFileError(path: "", reason: "--out is empty: name the folder to write the report into") }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw OutputFileError(path: path, reason: "it exists and is not a folder; --out names a folder") }
            return
        }
        var ancestor = UserPath.parent(path)
        while !ancestor.isEmpty && ancestor != "/" && !FileManager.default.fileExists(atPath: ancestor, isDirectory: &isFolder) {
            ancestor = UserPath.parent(ancestor)
        }
        if !ancestor.isEmpty && FileManager.default.fileExists(atPath: ancestor, isDirectory: &isFolder) && !isFolder.boolValue {
            throw OutputFileError(path: path, reason: "\(ancestor) is a file, not a folder")
        }
        try writing(path) { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    }

    /// The operating system's reason behind a Foundation error, lower case.
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))).lowercased() }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteOutOfSpace: return "no space left on device"
            case .fileWriteVolumeReadOnly: return "read-only file system"
            case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
            case .fileWriteFileExists: return "a file of that name exists"
            case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
            default: break
            }
        }
        return ns.localizedDescription.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
