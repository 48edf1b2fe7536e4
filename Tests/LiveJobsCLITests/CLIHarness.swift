import Foundation
import GRDB
import MetaStudioSimulator

/// Runs the real built binaries (`livejobs`, `metastudio-sim`) as a user would, from a scratch folder.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutBytes: Data
    }

    /// The package root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The folder holding the built products: beside the test bundle, or .build/debug.
    static let productsDirectory: URL = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        for _ in 0..<3 {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("livejobs").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug")
    }()

    /// A built product by name, or any program by absolute path (`/bin/bash`, `/usr/bin/unshare`).
    static func binary(_ name: String) -> String { name.hasPrefix("/") ? name : productsDirectory.appendingPathComponent(name).path }

    /// The scratch folder, removed with everything in it when the last copy of this value goes.
    private final class Scratch {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("livejobs-cli-\(UUID().uuidString)")
        init() { try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    private let scratch = Scratch()
    var workDir: URL { scratch.url }

    init() {}

    func path(_ name: String) -> String { workDir.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) -> String {
        let p = path(name)
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    /// Runs `livejobs` (or another product) with `arguments` in the scratch folder, feeding it
    /// `stdin` (nothing: an empty, closed standard input). A run still going after `timeout`
    /// seconds is killed and reported as status -1 with a note on stderr, so that a hang fails
    /// its test instead of stopping the suite.
    @discardableResult
    func run(_ arguments: [String], binary: String = "livejobs", environment: [String: String] = [:],
             stdin: Data? = nil, timeout: Double = 120) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary(binary))
        process.arguments = arguments
        process.currentDirectoryURL = workDir
        var env = ProcessInfo.processInfo.environment
        env["LIVEJOBS_DB"] = nil
        env["LIVEJOBS_QUERIES"] = CLI.root.appendingPathComponent("queries").path
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        // A child that exits before reading all of stdin must fail its test, not kill the test
        // process with SIGPIPE while it is fed.
        if stdin != nil { signal(SIGPIPE, SIG_IGN) }
        try process.run()
        // Feed stdin from another thread, so a child that never reads cannot block this one.
        let feeder = DispatchGroup()
        feeder.enter()
        DispatchQueue.global().async {
            if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
            try? input.fileHandleForWriting.close()
            feeder.leave()
        }
        final class Flag: @unchecked Sendable { var value = false }
        let timedOut = Flag()
        let killer = DispatchWorkItem {
            guard process.isRunning else { return }
            timedOut.value = true
            kill(process.processIdentifier, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        // Read stdout on another thread while this one drains stderr, so neither pipe fills up.
        final class Box: @unchecked Sendable { var data = Data() }
        let stdout = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { stdout.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        var errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        killer.cancel()
        feeder.wait()
        let outData = stdout.data
        var status = process.terminationStatus
        if timedOut.value {
            status = -1
            errData.append(Data("\n[killed: still running after \(Int(timeout)) s]\n".utf8))
        }
        return Result(status: status, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: outData)
    }

    /// `run` for async tests: the wait for the child happens on a thread of its own (`onOwnThread`),
    /// never on one of Swift concurrency's few cooperative threads. A test whose child talks to an
    /// in-process simulator must use this one: the simulator answers on those threads, and two tests
    /// blocking them both while their children wait for the simulator would never end.
    func run(_ arguments: [String], binary: String = "livejobs", environment: [String: String] = [:],
             stdin: Data? = nil, timeout: Double = 120) async throws -> Result {
        try await onOwnThread {
            try self.run(arguments, binary: binary, environment: environment, stdin: stdin, timeout: timeout) as Result
        }
    }

    /// Starts `livejobs` in the background (output discarded), for tests that signal it.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary("livejobs"))
        process.arguments = arguments
        process.currentDirectoryURL = workDir
        var env = ProcessInfo.processInfo.environment
        env["LIVEJOBS_DB"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The bundled sample pages.
    static var samplePages: [String] {
        let dir = root.appendingPathComponent("sample-data")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted().map { dir.appendingPathComponent($0).path }
    }
}

/// Runs blocking work (waiting for a child process, a blocking HTTP call) on a thread of its own:
/// a test that blocked one of the few threads Swift concurrency runs on (two on a 2-core machine)
/// would starve the in-process simulators of every suite running alongside.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

extension CLI: @unchecked Sendable {}
extension CLI.Result: @unchecked Sendable {}

/// Runs `body` with `sim` started on a free loopback port (its base URL as the argument), and stops
/// the simulator afterwards whatever happens.
func withSimulator<T>(_ sim: MetaStudioSimulator, _ body: (String) async throws -> T) async throws -> T {
    _ = try await sim.start()
    do {
        let result = try await body(sim.baseURL)
        try await sim.stop()
        return result
    } catch {
        try? await sim.stop()
        throw error
    }
}

/// The first column of the first row of `sql` on the database at `db`, as an integer (-1 for none).
func count(_ db: String, _ sql: String) throws -> Int {
    try DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: sql) ?? -1 }
}

/// The first column of every row of `sql` on the database at `db`, as text.
func strings(_ db: String, _ sql: String) throws -> [String] {
    try DatabaseQueue(path: db).read { try String.fetchAll($0, sql: sql) }
}
