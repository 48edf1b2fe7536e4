import Foundation
import GRDB
import MetaStudioSimulator
#if canImport(Glibc)
import Glibc
#endif

/// Runs the real built binaries (`livejobs`, `metastudio-sim`) as a user would, from a scratch folder.
///
/// Every child runs in a process group of its own and every wait for it has a time limit: a child
/// still running at its limit is killed with its whole group (a shell's children too) and the run
/// throws `CLI.TimedOut`, which names the command line, the time waited and what the child had
/// printed, so that a hang fails its test in seconds instead of holding the suite until CI's limit.
struct CLI {
    struct Result {
        /// The exit status; for a child killed by a signal, the signal's number (as Foundation's
        /// `Process.terminationStatus` gives it), with `signal` set.
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutBytes: Data
        /// The signal that ended the child, or nil when it exited.
        var signal: Int32?
    }

    /// A child still running when its time limit came: it was killed with its process group.
    struct TimedOut: Error, CustomStringConvertible {
        var command: String
        /// The limit and the time actually waited until the kill, in seconds.
        var limit: Double
        var elapsed: Double
        var stdout: Data
        var stderr: Data

        var description: String {
            "still running after \(String(format: "%.1f", elapsed)) s (limit \(Self.seconds(limit)) s), killed with its process group: "
                + command + "\n--- stdout so far ---\n" + Self.excerpt(stdout) + "\n--- stderr so far ---\n" + Self.excerpt(stderr)
        }

        static func seconds(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }

        /// Output shown in a failure: the first 1,000 and the last 3,000 bytes (where a hang shows
        /// what the child was doing), with what was left out counted.
        static func excerpt(_ data: Data) -> String {
            if data.isEmpty { return "(nothing)" }
            guard data.count > 4_000 else { return String(decoding: data, as: UTF8.self) }
            return String(decoding: data.prefix(1_000), as: UTF8.self) + "\n[… \(data.count - 4_000) bytes left out …]\n"
                + String(decoding: data.suffix(3_000), as: UTF8.self)
        }
    }

    /// The limit of a run that names none, in seconds: a debug build importing the whole sample
    /// takes seconds, and tens of seconds on a 2-core machine running other suites beside it.
    static let defaultTimeout: Double = 120

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

    /// The environment a child gets: this process's, without `LIVEJOBS_DB`, with the package's
    /// queries, then `environment` on top.
    private func childEnvironment(_ environment: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["LIVEJOBS_DB"] = nil
        env["LIVEJOBS_QUERIES"] = CLI.root.appendingPathComponent("queries").path
        for (k, v) in environment { env[k] = v }
        return env
    }

    /// Runs `livejobs` (or another product) with `arguments` in the scratch folder, feeding it
    /// `stdin` (nothing: an empty, closed standard input), and waits at most `timeout` seconds.
    /// Throws `TimedOut` when the child (or a process it started that still holds its output) is
    /// running at the limit, after killing its process group.
    @discardableResult
    func run(_ arguments: [String], binary: String = "livejobs", environment: [String: String] = [:],
             stdin: Data? = nil, timeout: Double = CLI.defaultTimeout) throws -> Result {
        let child = try Child(executable: CLI.binary(binary), arguments: arguments, directory: workDir.path,
                              environment: childEnvironment(environment), stdin: stdin ?? Data())
        return try child.wait(timeout: timeout)
    }

    /// `run` for async tests: the wait for the child happens on a thread of its own (`onOwnThread`),
    /// never on one of Swift concurrency's few cooperative threads. A test whose child talks to an
    /// in-process simulator must use this one: the simulator answers on those threads, and two tests
    /// blocking them both while their children wait for the simulator would never end.
    func run(_ arguments: [String], binary: String = "livejobs", environment: [String: String] = [:],
             stdin: Data? = nil, timeout: Double = CLI.defaultTimeout) async throws -> Result {
        try await onOwnThread {
            try self.run(arguments, binary: binary, environment: environment, stdin: stdin, timeout: timeout) as Result
        }
    }

    /// Starts `livejobs` (or another program) in the background, for tests that signal it; its
    /// output is kept for `Background.wait`. Whatever the test does, the child does not outlive the
    /// returned value: it is killed with its process group when the value goes.
    func start(_ arguments: [String], binary: String = "livejobs", environment: [String: String] = [:]) throws -> Background {
        Background(try Child(executable: CLI.binary(binary), arguments: arguments, directory: workDir.path,
                             environment: childEnvironment(environment), stdin: Data()))
    }

    /// A child started by `start`.
    final class Background: @unchecked Sendable {
        private let child: Child

        fileprivate init(_ child: Child) { self.child = child }
        deinit { child.killGroup() }

        var processIdentifier: pid_t { child.pid }
        /// True until the child has ended (and been reaped).
        var isRunning: Bool { !child.hasEnded }

        /// Sends `signal` to the child alone (not its group), as `kill(1)` would.
        func send(_ signal: Int32) { child.signal(signal) }

        /// Waits at most `timeout` seconds for the child to end; throws `TimedOut` (after killing its
        /// group) when it has not.
        @discardableResult
        func wait(timeout: Double = 60) throws -> Result { try child.wait(timeout: timeout) }

        /// `wait` off Swift concurrency's cooperative threads.
        @discardableResult
        func wait(timeout: Double = 60) async throws -> Result {
            try await onOwnThread { try self.wait(timeout: timeout) as Result }
        }
    }

    /// The bundled sample pages.
    static var samplePages: [String] {
        let dir = root.appendingPathComponent("sample-data")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted().map { dir.appendingPathComponent($0).path }
    }
}

/// One child process, spawned (posix_spawn) in a process group of its own with every signal at its
/// default, its standard input, output and error on pipes that a thread of its own drains, feeds and
/// then reaps, so that no wait depends on the child behaving.
private final class Child: @unchecked Sendable {
    let pid: pid_t
    let command: String
    private let started = ContinuousClock.now
    private let lock = NSLock()
    private var out = Data(), err = Data()
    private var ended: (status: Int32, signal: Int32?)?
    /// Set when the pipes are to be left alone: what still holds them is no child of ours.
    private var abandon = false
    private let finished = DispatchSemaphore(value: 0)

    /// Writes to a pipe whose reader is gone fail with EPIPE instead of killing the test process.
    private static let ignoreSIGPIPE: Void = { _ = Glibc.signal(SIGPIPE, SIG_IGN) }()

    init(executable: String, arguments: [String], directory: String, environment: [String: String], stdin: Data) throws {
        _ = Child.ignoreSIGPIPE
        command = ([executable] + arguments).map(Child.shellQuoted).joined(separator: " ")
        // [read, write] of each pipe, close-on-exec from the start: a child spawned at the same
        // moment by a parallel test must not inherit this child's pipes (and hold them open).
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        guard GNU.pipe2(&input, O_CLOEXEC) == 0, GNU.pipe2(&output, O_CLOEXEC) == 0, GNU.pipe2(&errors, O_CLOEXEC) == 0 else {
            let code = errno
            for fd in input + output + errors where fd >= 0 { close(fd) }
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EMFILE)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        _ = GNU.addchdir(&actions, directory)
        // Nothing else this process has open reaches the child: a file another test is writing
        // (then "Text file busy" when it is run), or another child's pipe (then no end of file).
        _ = GNU.addclosefrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (killed whole at a time limit); no signal blocked or ignored, as
        // from a shell (this process ignores SIGPIPE, which a child would otherwise inherit).
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig: Int32 in 1 ..< 32 where sig != SIGKILL && sig != SIGSTOP { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(input[0]); close(output[1]); close(errors[1])
        guard rc == 0 else {
            close(input[1]); close(output[0]); close(errors[0])
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .ENOENT)
        }
        pid = child
        let fds = (stdin: input[1], stdout: output[0], stderr: errors[0])
        Thread { [self] in pump(fds, stdin: stdin) }.start()
    }

    /// Feeds standard input and reads standard output and error until both end (or are abandoned),
    /// then reaps the child.
    private func pump(_ fds: (stdin: Int32, stdout: Int32, stderr: Int32), stdin: Data) {
        for fd in [fds.stdin, fds.stdout, fds.stderr] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var writeFD = fds.stdin, pending = stdin[...]
        if pending.isEmpty { close(writeFD); writeFD = -1 }
        var readFDs = [fds.stdout, fds.stderr]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !readFDs.isEmpty && !lock.withLock({ abandon }) {
            var polled = readFDs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if writeFD >= 0 { polled.append(pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)) }
            // A bounded wait, so that an abandoned pump notices.
            if poll(&polled, nfds_t(polled.count), 200) < 0 && errno != EINTR { break }
            for p in polled where p.revents != 0 {
                if p.fd == writeFD {
                    let n = pending.withUnsafeBytes { write(writeFD, $0.baseAddress, min($0.count, 65_536)) }
                    if n > 0 { pending = pending.dropFirst(n) }
                    if pending.isEmpty || (n < 0 && errno != EAGAIN && errno != EINTR) {
                        close(writeFD)
                        writeFD = -1
                    }
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    lock.withLock {
                        if p.fd == fds.stdout { out.append(contentsOf: buffer[..<n]) } else { err.append(contentsOf: buffer[..<n]) }
                    }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(p.fd)
                    readFDs.removeAll { $0 == p.fd }
                }
            }
        }
        if writeFD >= 0 { close(writeFD) }
        for fd in readFDs { close(fd) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
        let signal = status & 0x7F
        lock.withLock { ended = signal == 0 ? ((status >> 8) & 0xFF, nil) : (signal, signal) }
        finished.signal()
    }

    var hasEnded: Bool { lock.withLock { ended != nil } }

    func signal(_ sig: Int32) {
        if !hasEnded { kill(pid, sig) }
    }

    /// SIGKILL to the child's process group, and to the child should it have left the group.
    func killGroup() {
        guard !hasEnded else { return }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
    }

    func wait(timeout: Double) throws -> CLI.Result {
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            let elapsed = ContinuousClock.now - started
            killGroup()
            // The group is gone at once; a process that left it may still hold the pipes: give the
            // pump a few seconds to read what is left, then leave the pipes to it.
            if finished.wait(timeout: .now() + 5) == .timedOut {
                lock.withLock { abandon = true }
                finished.wait()
            }
            finished.signal()
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            throw lock.withLock { CLI.TimedOut(command: command, limit: timeout, elapsed: seconds, stdout: out, stderr: err) }
        }
        finished.signal()  // a later wait returns at once
        return lock.withLock {
            CLI.Result(status: ended!.status, stdout: String(decoding: out, as: UTF8.self),
                       stderr: String(decoding: err, as: UTF8.self), stdoutBytes: out, signal: ended!.signal)
        }
    }

    /// An argument as a shell would need it, for the command line in a failure.
    static func shellQuoted(_ argument: String) -> String {
        let plain = argument.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "-_./=:,@%+".unicodeScalars.contains($0)
        }
        if plain && !argument.isEmpty { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Three glibc calls that Swift's Glibc module leaves out (they are GNU extensions, declared only
/// under _GNU_SOURCE), found by name in the C library this process already runs on.
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static func symbol<T>(_ name: String, as type: T.Type) -> T {
        guard let address = dlsym(nil, name) else { fatalError("the C library has no \(name) (glibc 2.34 or later is needed)") }
        return unsafeBitCast(address, to: type)
    }

    /// pipe2(2): both ends close-on-exec from the start.
    static let pipe2 = symbol("pipe2", as: Pipe2.self)
    /// posix_spawn_file_actions_addchdir_np(3): the child's working folder.
    static let addchdir = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
    /// posix_spawn_file_actions_addclosefrom_np(3) (glibc 2.34): close every descriptor from this one up.
    static let addclosefrom = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)
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

/// Polls `condition` every 20 ms until it holds, at most `timeout` seconds; false when it never
/// did. For waiting on another process's progress (rows in a database, a file appearing) without
/// guessing a sleep.
func waitUntil(timeout: Double, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    return try condition()
}

/// The first column of the first row of `sql` on the database at `db`, as an integer (-1 for none).
func count(_ db: String, _ sql: String) throws -> Int {
    try DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: sql) ?? -1 }
}

/// The first column of every row of `sql` on the database at `db`, as text.
func strings(_ db: String, _ sql: String) throws -> [String] {
    try DatabaseQueue(path: db).read { try String.fetchAll($0, sql: sql) }
}
