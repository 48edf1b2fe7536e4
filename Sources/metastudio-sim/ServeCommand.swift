import ArgumentParser
import Foundation
import MetaStudio
import MetaStudioSimulator

/// `metastudio-sim serve`: the simulated API over HTTP, for demos and out-of-process benchmarks.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a simulated MetaStudio livestreaming-jobs API over HTTP.",
        discussion: """
            Answers GET /v1/{project_id}/smart-live-jobs as the contract describes (paging, filters, \
            error bodies, X-Request-Id), optionally with token or AK/SK auth and injected faults. \
            GET /_sim/stats returns the counters as JSON. Prints one line once listening, then serves \
            until SIGINT or SIGTERM.

            The jobs come from --jobs-file (a JSON Lines file, or a folder of page-NNNNN.json files \
            as `generate --format pages` writes) or are generated (--generate, default 3000).
            The credentials are test credentials for the simulator, never real ones.

            Faults of a result set that moves under a scan (each seeded by --seed, so a run can be \
            replayed): --insert-during-scan, --delete-during-scan and --finish-during-scan change the \
            jobs while the first scan runs (spread over its requests with offset > 0; a scan starts \
            with an ascending listing at offset 0 without create_until); --finish-processing ends \
            every open job when the next scan starts; --page-cap serves fewer jobs per page than \
            asked; --tie-size and --shuffle-ties make jobs share a create_time and list them in a new \
            order on every request; --count-excess and --claimed-count make count lie; \
            --oversized-body answers every page past the first with a body too large to take.

            Example:
              metastudio-sim serve --port 8080 --generate 3000 --token demo-token \\
                --throttle 20 --error-rate 0.05

            Exit status: 0 after a signal, 1 when the jobs cannot be read or the port cannot be bound, \
            64 for invalid options.
            """
    )

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 8080

    @Option(help: "Address to bind; only loopback unless --allow-remote.")
    var host: String = "127.0.0.1"

    @Flag(help: "Allow binding a non-loopback address (the simulator has no real security).")
    var allowRemote = false

    @Option(help: ArgumentHelp("Jobs to serve: a JSON Lines file or a folder of page files.", valueName: "path"))
    var jobsFile: String?

    @Option(help: ArgumentHelp("Generate this many jobs (when no --jobs-file; default 3000).", valueName: "count"))
    var generate: Int?

    @Option(help: "Seed for generated jobs and for every injected fault.")
    var seed: UInt64 = 42

    @Option(help: "The project id the URL must name.")
    var projectId: String = SimulatorConfig().projectId

    @Option(help: "Require this X-Auth-Token.")
    var token: String?

    @Option(help: "Require AK/SK signatures made with this access key (needs --sk).")
    var ak: String?

    @Option(help: "The secret key for --ak.")
    var sk: String?

    @Option(help: "Milliseconds added to every request.")
    var latencyMs: Int = 0

    @Option(help: "Requests per second before 429 APIGW.0308 (token bucket).")
    var throttle: Double?

    @Flag(help: "Send Retry-After: 1 with 429 answers.")
    var retryAfter = false

    @Option(help: "Probability (0...1) of an injected 500/502/503.")
    var errorRate: Double = 0

    @Option(help: "Probability (0...1) that a 200 body is cut short.")
    var truncateRate: Double = 0

    @Option(help: "Jobs created while the first scan runs.")
    var insertDuringScan: Int = 0

    @Flag(help: "End every WAITING/PROCESSING job when a new scan starts.")
    var finishProcessing = false

    @Option(help: "Jobs deleted while the first scan runs, each among those its listing has passed (so later jobs shift back).")
    var deleteDuringScan: Int = 0

    @Option(help: "WAITING/PROCESSING jobs that end while the first scan runs (they leave a state=PROCESSING listing and enter a state=SUCCEED one mid-order).")
    var finishDuringScan: Int = 0

    @Option(help: ArgumentHelp("Serve at most this many jobs per page, whatever limit asks.", valueName: "n"))
    var pageCap: Int?

    @Option(help: ArgumentHelp("Give each run of this many jobs (in creation order) one create_time.", valueName: "n"))
    var tieSize: Int = 1

    @Flag(help: "List jobs that share a create_time in a different order on every request.")
    var shuffleTies = false

    @Option(help: ArgumentHelp("Claim this many more jobs in count than match.", valueName: "n"))
    var countExcess: Int = 0

    @Option(help: ArgumentHelp("Always claim this count (e.g. 1000000000000), whatever matches.", valueName: "n"))
    var claimedCount: Int?

    @Option(help: ArgumentHelp("Answer every page past the first with a 200 too large to take: declared (a 64 MiB Content-Length), endless (no length, 1 GiB) or gzip-bomb (64 MiB of zeros gzip-compressed).",
                               valueName: "kind"))
    var oversizedBody: OversizedBody?

    /// The ranges of the numeric options: wide enough for any test or demo, narrow enough that no
    /// value overflows what the simulator computes from it.
    static let maxGenerated = 5_000_000
    static let maxLatencyMs = 60_000
    static let maxThrottle = 100_000.0
    static let maxScanChanges = 1_000_000
    static let maxCountExcess = 9_007_199_254_740_992

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port).") }
        guard allowRemote || Self.isLoopback(host) else {
            throw ValidationError("--host \(host) is not a loopback address; pass --allow-remote to bind it anyway.")
        }
        guard (ak == nil) == (sk == nil) else { throw ValidationError("--ak and --sk go together.") }
        if jobsFile != nil, generate != nil { throw ValidationError("--jobs-file and --generate are exclusive.") }
        if let generate, !(0...Self.maxGenerated).contains(generate) {
            throw ValidationError("--generate must be 0...\(Self.maxGenerated), got \(generate).")
        }
        guard (0...Self.maxLatencyMs).contains(latencyMs) else {
            throw ValidationError("--latency-ms must be 0...\(Self.maxLatencyMs), got \(latencyMs).")
        }
        if let throttle, !(throttle > 0 && throttle <= Self.maxThrottle) {
            throw ValidationError("--throttle must be more than 0 and at most \(Int(Self.maxThrottle)), got \(throttle).")
        }
        guard (0...1).contains(errorRate), (0...1).contains(truncateRate) else {
            throw ValidationError("--error-rate and --truncate-rate must be within 0...1.")
        }
        for (flag, value) in [("--insert-during-scan", insertDuringScan), ("--delete-during-scan", deleteDuringScan),
                              ("--finish-during-scan", finishDuringScan), ("--tie-size", tieSize)] {
            let lowest = flag == "--tie-size" ? 1 : 0
            guard (lowest...Self.maxScanChanges).contains(value) else {
                throw ValidationError("\(flag) must be \(lowest)...\(Self.maxScanChanges), got \(value).")
            }
        }
        if let pageCap, !(1...100).contains(pageCap) { throw ValidationError("--page-cap must be 1...100, got \(pageCap).") }
        guard (0...Self.maxCountExcess).contains(countExcess) else {
            throw ValidationError("--count-excess must be 0...\(Self.maxCountExcess), got \(countExcess).")
        }
        if let claimedCount, claimedCount < 0 { throw ValidationError("--claimed-count must be 0 or more, got \(claimedCount).") }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    func run() async throws {
        var config = SimulatorConfig()
        config.projectId = projectId
        switch (token, ak, sk) {
        case (let token?, let ak?, let sk?): config.auth = .tokenOrAKSK(token: token, ak: ak, sk: sk)
        case (nil, let ak?, let sk?): config.auth = .aksk(ak: ak, sk: sk)
        case (let token?, _, _): config.auth = .token(token)
        default: config.auth = .any
        }
        config.latency = Double(latencyMs) / 1000
        config.throttlePerSecond = throttle
        config.sendRetryAfter = retryAfter
        config.serverErrorRate = errorRate
        config.truncateRate = truncateRate
        config.insertDuringScan = insertDuringScan
        config.finishProcessingBetweenScans = finishProcessing
        config.deleteDuringScan = deleteDuringScan
        config.finishDuringScan = finishDuringScan
        config.pageCap = pageCap
        config.tieSize = tieSize
        config.shuffleTies = shuffleTies
        config.countExcess = countExcess
        config.claimedCount = claimedCount
        config.oversizedBody = oversizedBody
        config.seed = seed

        let simulator: MetaStudioSimulator
        let count: Int
        if let jobsFile {
            do {
                let jobs = try Self.loadJobs(jobsFile)
                (simulator, count) = (MetaStudioSimulator(jobs: jobs, config: config), jobs.count)
            } catch {
                FileHandle.standardError.write(Data("metastudio-sim: error: \(error)\n".utf8))
                throw ExitCode.failure
            }
        } else {
            count = generate ?? 3000
            simulator = MetaStudioSimulator(generated: count, seed: seed, config: config)
        }
        let (host, project) = (host, projectId)
        do {
            try await simulator.run(host: host, port: port) { bound in
                let shown = host.contains(":") ? "[\(host)]" : host
                print("metastudio-sim listening on http://\(shown):\(bound) (\(count) jobs, project \(project))")
                // Every stream, standard output among them: the C global `stdout` is mutable state to Swift 6.
                fflush(nil)
            }
        } catch {
            FileHandle.standardError.write(Data("metastudio-sim: error: cannot serve on \(host):\(port): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Jobs from a JSON Lines file, or from every `page-*.json` of a folder in name order.
    static func loadJobs(_ path: String) throws -> [JSONObject] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LoadError(path: path, reason: "no such file or folder")
        }
        if !isDirectory.boolValue {
            let data = try read(path)
            var jobs: [JSONObject] = []
            for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                guard let job = (try? JSONParser.parse(Array(line)))?.objectValue else {
                    throw LoadError(path: path, reason: "line \(number + 1) is not a JSON object")
                }
                jobs.append(job)
            }
            return jobs
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: path)
            .filter { $0.hasPrefix("page-") && $0.hasSuffix(".json") }.sorted()
        guard !names.isEmpty else { throw LoadError(path: path, reason: "the folder has no page-*.json files") }
        return try names.flatMap { name -> [JSONObject] in
            let file = (path as NSString).appendingPathComponent(name)
            let bytes = try read(file)
            guard let page = (try? JSONParser.parse(bytes))?.objectValue,
                  let jobs = page["smart_live_jobs"]?.arrayValue else {
                throw LoadError(path: file, reason: "not an API page with smart_live_jobs")
            }
            return try jobs.map { job in
                guard let object = job.objectValue else { throw LoadError(path: file, reason: "a job is not an object") }
                return object
            }
        }
    }

    private static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(path: path, reason: "cannot read it") }
        return [UInt8](data)
    }

    /// A jobs file that cannot be used, and why.
    struct LoadError: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "cannot load jobs from \(path): \(reason)" }
    }
}

extension OversizedBody: ExpressibleByArgument {}
