import Foundation
@testable import MetaStudio
import Testing

/// A credentials FIFO is waited for in poll(2), woken by its writer: the writer's text is read as
/// soon as it is written; a writer that closes it without writing is waited past, asleep, for one
/// that writes; a FIFO nobody writes is refused after its wait. Where a writer must end the wait,
/// the wait given (90 s) is past this suite's time limit, and a read still waiting 30 s after its
/// writer fails the test. Each writer opens the FIFO only once the read holds it open (seen in
/// /proc/self/fd), so what the read meets does not depend on which thread runs first.
@Suite(.timeLimit(.minutes(1))) struct SecretFileTests {
    /// A new FIFO in a folder of its own (removed by `remove`).
    func fifo() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("secretfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/token.fifo"
        #expect(mkfifo(path, 0o600) == 0)
        return path
    }

    /// Removes the folder of a FIFO made by `fifo`.
    func remove(_ fifo: String) {
        try? FileManager.default.removeItem(atPath: (fifo as NSString).deletingLastPathComponent)
    }

    /// Whether a descriptor of this process is open on `path`.
    static func isOpenHere(_ path: String) -> Bool {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path }
    }

    /// On a thread of its own: waits until the read has `path` open (looking every 10 ms, for at
    /// most 30 s), then for each of `texts` opens the FIFO for writing, writes the text (nil:
    /// nothing) and closes it.
    func writer(_ path: String, _ texts: [String?]) -> WorkerThread {
        WorkerThread(name: "test-fifo-writer") {
            let until = Date(timeIntervalSinceNow: 30)
            while !SecretFileTests.isOpenHere(path) && Date() < until { usleep(10_000) }
            for text in texts {
                // Without blocking: with no reader any more (a read that ended), the open fails at once.
                let fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK)
                guard fd >= 0 else { return }
                if let text { _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
                close(fd)
            }
        }
    }

    /// What a read of `path` gave, and the processor time its thread spent (seconds).
    struct Read: Sendable {
        var result: Result<String, SecretFile.Failure>
        var cpuSeconds: Double
    }

    /// Reads `path` on a thread of its own (the read blocks); nil when the read had not ended 30 s
    /// later: far sooner than any wait given here that a writer ends.
    func read(_ path: String, writerWait: Double) async -> Read? {
        let outcome = Locked<Read?>(nil)
        let reader = WorkerThread(name: "test-fifo-reader") {
            func cpu() -> Double {
                var t = timespec()
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
                return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
            }
            let before = cpu()
            let result = Result { () throws(SecretFile.Failure) -> String in try SecretFile.readUncached(path, writerWait: writerWait) }
            let read = Read(result: result, cpuSeconds: cpu() - before)
            outcome.update { $0 = read }
        }
        let ended = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: reader.join(until: Date(timeIntervalSinceNow: 30))) }.start()
        }
        return ended ? outcome.withLock { $0 } : nil
    }

    @Test func aWriterThatComesWhileTheReadWaitsIsReadAtOnce() async throws {
        let path = try fifo()
        defer { remove(path) }
        let writing = writer(path, ["TOKEN-fifo-41d2\n"])
        let read = try #require(await read(path, writerWait: 90), "the read still waited 30 s after the writer came (its wait: 90 s)")
        writing.join()
        #expect(try read.result.get() == "TOKEN-fifo-41d2\n")
    }

    @Test func aWriterThatClosesWithoutWritingIsWaitedPastForOneThatWrites() async throws {
        let path = try fifo()
        defer { remove(path) }
        let writing = writer(path, [nil, "TOKEN-second-77e0"])
        let read = try #require(await read(path, writerWait: 90), "the read still waited 30 s after the second writer (its wait: 90 s)")
        writing.join()
        #expect(try read.result.get() == "TOKEN-second-77e0", "the text of the writer that wrote, as before poll(2)")
    }

    @Test func aFIFONoProgramOpensIsRefusedAfterItsWait() async throws {
        let path = try fifo()
        defer { remove(path) }
        let read = try #require(await read(path, writerWait: 0.2))
        #expect(throws: SecretFile.Failure.self) { try read.result.get() }
        if case .failure(let failure) = read.result {
            #expect(failure.reason.hasPrefix("nothing was written to the FIFO in 0.2 s: no program has it open"), "\(failure)")
        }
    }

    /// A writer that opens and closes the FIFO without writing leaves poll(2) reporting a hang-up at
    /// once, every time: a read that kept polling would spin for its whole wait. The bound, half a
    /// second of processor time in a 3-second wait, is far above what sleeping in poll costs and
    /// far below what spinning does.
    @Test func aWriterThatWritesNothingLeavesTheReadAsleepUntilItsWaitEnds() async throws {
        let path = try fifo()
        defer { remove(path) }
        let writing = writer(path, [nil])
        let read = try #require(await read(path, writerWait: 3))
        writing.join()
        #expect(throws: SecretFile.Failure.self) { try read.result.get() }
        #expect(read.cpuSeconds < 0.5, "the read spent \(read.cpuSeconds) s of processor time waiting 3 s")
    }
}
