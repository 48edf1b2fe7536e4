import Foundation
import MetaStudio

/// Why a sample could not be written: which file, and what the system said.
public struct SampleWriteError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes a generated set to disk a page or a buffer at a time, so a million jobs never sit in memory.
public struct SampleWriter: Sendable {
    /// The API's largest page, which is what a full sync asks for.
    public static let pageSize = 100

    public let generator: JobGenerator

    public init(generator: JobGenerator) {
        self.generator = generator
    }

    /// The file name of page `index` (0-based): `page-00000.json`.
    public static func pageFileName(_ index: Int) -> String {
        let digits = String(index)
        return "page-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".json"
    }

    /// How many page files a set of `jobs` jobs takes (an empty set still gets one page, as the API answers).
    public static func pageCount(jobs: Int) -> Int {
        max(1, (jobs + pageSize - 1) / pageSize)
    }

    /// Writes every page into `directory` (created if missing) and removes `page-NNNNN.json` files
    /// left there by a larger earlier run, so the folder always holds exactly this set. Returns the pages in order.
    @discardableResult
    public func writePages(to directory: URL) throws -> [URL] {
        let total = generator.options.jobs
        let pages = SampleWriter.pageCount(jobs: total)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw SampleWriteError(path: directory.path, reason: "it exists and is not a folder")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SampleWriteError(path: directory.path, reason: SampleWriter.reason(error))
        }
        var written: [URL] = []
        var bytes: [UInt8] = []
        for page in 0..<pages {
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: "{\"count\":\(total),\"smart_live_jobs\":[".utf8)
            for index in (page * SampleWriter.pageSize)..<min(total, (page + 1) * SampleWriter.pageSize) {
                if index > page * SampleWriter.pageSize { bytes.append(UInt8(ascii: ",")) }
                generator.job(at: index).write(to: &bytes)
            }
            bytes.append(contentsOf: "]}\n".utf8)
            let url = directory.appendingPathComponent(SampleWriter.pageFileName(page))
            do {
                try Data(bytes).write(to: url, options: .atomic)
            } catch {
                throw SampleWriteError(path: url.path, reason: SampleWriter.reason(error))
            }
            written.append(url)
        }
        try removeStalePages(in: directory, keeping: pages)
        return written
    }

    /// Writes one job per line to `file`, replacing it.
    public func writeJSONLines(to file: URL) throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory)
            let reason = exists && isDirectory.boolValue ? "it is a directory" : "cannot create the file (does its folder exist?)"
            throw SampleWriteError(path: file.path, reason: reason)
        }
        do {
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try writeJSONLines(to: handle, path: file.path)
        } catch let error as SampleWriteError {
            throw error
        } catch {
            throw SampleWriteError(path: file.path, reason: SampleWriter.reason(error))
        }
    }

    /// Writes one job per line to an open handle (standard output, a pipe), in 1 MiB writes.
    public func writeJSONLines(to handle: FileHandle, path: String = "-") throws {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20 + 16_384)
        func flush() throws {
            do {
                try handle.write(contentsOf: Data(buffer))
            } catch {
                throw SampleWriteError(path: path, reason: SampleWriter.reason(error))
            }
            buffer.removeAll(keepingCapacity: true)
        }
        for index in 0..<generator.options.jobs {
            generator.job(at: index).write(to: &buffer)
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 20 { try flush() }
        }
        if !buffer.isEmpty { try flush() }
    }

    private func removeStalePages(in directory: URL, keeping pages: Int) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix("page-") && name.hasSuffix(".json") {
            let digits = name.dropFirst(5).dropLast(5)
            guard digits.count >= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let index = Int(digits), index >= pages else { continue }
            let url = directory.appendingPathComponent(name)
            do {
                try FileManager.default.removeItem(at: url)
            } catch {
                throw SampleWriteError(path: url.path, reason: "cannot remove a stale page: " + SampleWriter.reason(error))
            }
        }
    }

    /// The system's own words for a file error (`No such file or directory`), not Foundation's wrapper text.
    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        let prefix = "The operation could not be completed. "
        let text = nsError.localizedDescription
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}
