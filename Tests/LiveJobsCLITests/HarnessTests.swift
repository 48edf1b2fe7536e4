import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The CLI harness itself: a child that never ends fails its test at the harness's limit, with what
/// it printed, instead of holding the suite until CI's limit; and nothing it started lives on.
@Suite(.timeLimit(.minutes(2))) struct HarnessTests {
    /// A loopback port whose connections the kernel completes and nobody ever answers: a request
    /// sent to it waits for a reply for ever.
    final class SilentListener {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0
                }
            }
            guard ok else { close(fd); throw POSIXError(.EADDRINUSE) }
            self.fd = fd
            port = Int(UInt16(bigEndian: addr.sin_port))
        }

        deinit { close(fd) }
    }

    /// A fetch whose server takes the connection and never answers (with a request timeout of a
    /// day) is killed at the harness's limit; the failure names the command, the time waited and
    /// the log line the fetch had written.
    @Test func aFetchThatIsNeverAnsweredFailsAtTheLimitWithWhatItPrinted() async throws {
        let listener = try SilentListener()
        let cli = CLI()
        let endpoint = "http://127.0.0.1:\(listener.port)"
        let error = await #expect(throws: CLI.TimedOut.self) {
            try await cli.run(["fetch", "--db", "h.sqlite", "--endpoint", endpoint, "--project-id", "0123456789abcdef0123456789abcdef",
                               "--timeout", "86400", "--log-level", "debug"],
                              environment: ["METASTUDIO_AUTH_TOKEN": "harness-token"], timeout: 3)
        }
        let timedOut = try #require(error)
        #expect(timedOut.limit == 3 && timedOut.elapsed >= 3, "\(timedOut)")
        let text = timedOut.description
        #expect(text.contains("still running after ") && text.contains("(limit 3 s)"), "\(text)")
        #expect(text.contains("fetch --db h.sqlite --endpoint \(endpoint)"), "\(text)")
        #expect(String(decoding: timedOut.stderr, as: UTF8.self).contains("scan starting"), "\(text)")
        #expect(text.contains("--- stderr so far ---\n") && text.contains("scan starting"), "\(text)")
    }

    /// A shell whose child blocks (an import of a FIFO nobody writes) is killed with that child: the
    /// whole process group goes, so no process is left holding the output pipes (which would make the
    /// harness wait for ever) or running on after the test.
    @Test func aChildsOwnChildrenAreKilledWithIt() throws {
        let cli = CLI()
        #expect(mkfifo(cli.path("never.fifo"), 0o600) == 0)
        let script = #"echo "started"; "$LJ" import --db g.sqlite never.fifo & echo "import $!"; wait"#
        let error = #expect(throws: CLI.TimedOut.self) {
            try cli.run(["-c", script], binary: "/bin/sh", environment: ["LJ": CLI.binary("livejobs")], timeout: 3)
        }
        let timedOut = try #require(error)
        let printed = String(decoding: timedOut.stdout, as: UTF8.self)
        #expect(printed.hasPrefix("started\nimport "), "\(timedOut)")
        let pid = try #require(printed.split(separator: "\n").last.flatMap { Int32($0.dropFirst("import ".count)) }, "\(printed)")
        #expect(Self.ends(pid, running: "never.fifo"), "the import (pid \(pid)) still runs")
    }

    /// Whether process `pid`, while its command line holds `marker`, is dead within 30 s: gone, a
    /// zombie ("Z" after the name in /proc), or the number taken by another program. A process
    /// killed with SIGKILL closes its files before it is done exiting, so the harness can have its
    /// end of file a moment before /proc says it is dead.
    static func ends(_ pid: pid_t, running marker: String) -> Bool {
        (0 ..< 3_000).contains { _ in
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let state = stat.range(of: ") ").map { stat[$0.upperBound...].prefix(1) } ?? ""
            if stat.isEmpty || state == "Z" || !command.contains(marker) { return true }
            usleep(10_000)
            return false
        }
    }

    /// What a child prints is kept whole, standard input is fed whole, and the exit status and the
    /// signal that ended a child are told apart.
    @Test func outputInputAndEndingsComeBackExactly() throws {
        let cli = CLI()
        let input = Data((0 ..< 300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let copied = try cli.run(["-c", "cat; printf 'to stderr' >&2; exit 3"], binary: "/bin/sh", stdin: input)
        #expect(copied.stdoutBytes == input)
        #expect(copied.stderr == "to stderr" && copied.status == 3 && copied.signal == nil)
        let killed = try cli.run(["-c", "kill -TERM $$"], binary: "/bin/sh")
        #expect(killed.signal == SIGTERM && killed.status == SIGTERM)
        // A descriptor this process has open (not close-on-exec) does not reach the child.
        let held = open(cli.path("held.txt"), O_WRONLY | O_CREAT, 0o600)
        defer { close(held) }
        #expect(held > 2)
        let fds = try cli.run(["-c", "ls /proc/$$/fd"], binary: "/bin/sh")
        #expect(fds.stdout == "0\n1\n2\n", "\(fds.stdout)")
        // SIGPIPE is at its default in the child, as from a shell, although this process ignores it.
        let piped = try cli.run(["-c", "yes | head -c 1 >/dev/null; echo \"${PIPESTATUS[0]}\""], binary: "/bin/bash")
        #expect(piped.stdout == "141\n", "\(piped.stdout) \(piped.stderr)")
    }

    /// A background child is waited for with a limit too, and killed with its group when the test
    /// lets go of it.
    @Test func aBackgroundChildIsWaitedForWithALimitAndKilledWhenReleased() throws {
        let cli = CLI()
        var pid: pid_t = 0
        do {
            let sleeper = try cli.start(["-c", "echo up; exec sleep 600"], binary: "/bin/sh")
            pid = sleeper.processIdentifier
            let error = #expect(throws: CLI.TimedOut.self) { try sleeper.wait(timeout: 1) }
            #expect(error.map { String(decoding: $0.stdout, as: UTF8.self) } == "up\n")
            #expect(!sleeper.isRunning)
        }
        #expect(Self.ends(pid, running: "600"), "pid \(pid) still runs")
        do {
            let released = try cli.start(["-c", "exec sleep 601"], binary: "/bin/sh")
            pid = released.processIdentifier
        }
        #expect(Self.ends(pid, running: "601"), "a released background child still runs")
    }
}
