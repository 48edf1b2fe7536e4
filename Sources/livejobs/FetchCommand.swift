import ArgumentParser
import Foundation
import LiveJobsStore
import MetaStudio

struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch every livestreaming job of a project from the MetaStudio API.",
        discussion: """
            Pages through GET /v1/{project_id}/smart-live-jobs (100 per page, oldest
            first), several pages at once under an adaptive rate limit, retrying throttled
            and failed requests, and stores each page as it arrives. By default only jobs
            created since the last complete fetch (less an hour of overlap) are asked for,
            and jobs still WAITING or PROCESSING are read again; with a --state filter
            that leaves out WAITING or PROCESSING, 14 days more (jobs enter such a filter
            when they end); --full rescans everything.

            Credentials are read as the vendor's SDK reads them, never from arguments:
              HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN),
              HUAWEICLOUD_SDK_PROJECT_ID, or the [basic] section of the file
              $HUAWEICLOUD_SDK_CREDENTIALS_FILE (default ~/.huaweicloud/credentials);
              a token from METASTUDIO_AUTH_TOKEN or --token-file.

            Examples:
              livejobs fetch --region cn-north-4
              livejobs fetch --region cn-east-3 --state FAILED,BLOCKED --json
              livejobs fetch --region cn-east-3 --since 2026-11-01T00:00:00Z
              livejobs fetch --endpoint http://127.0.0.1:8080 --project-id 0123abcd

            Consecutive pages overlap by two jobs and are checked against each other by
            create_time; whatever moved during the scan (jobs deleted, finished, created,
            ties reordered, short pages) is read again by create_time window. With -v,
            each page asked for again, each change of the request rate and each page
            read again is one log line on stderr; --log-level debug and trace say more.

            Exit codes: 0 every job the API listed is stored, 1 failure, 3 incomplete (one
            line says why and for which create_time window; the next fetch reads it
            again), 64 bad flags, 130 interrupted (pages received so far are kept; the
            next fetch resumes).
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("Project id (default: $HUAWEICLOUD_SDK_PROJECT_ID or the credentials file).", valueName: "id"))
    var projectId: String?

    @Option(help: ArgumentHelp("Region: cn-north-4, cn-east-3 or ap-southeast-3.", valueName: "region"))
    var region: String?

    @Option(help: ArgumentHelp("Base URL instead of the regional one (http only on loopback).", valueName: "url"))
    var endpoint: String?

    @Option(help: ArgumentHelp("Only these states, comma-separated (e.g. FAILED,BLOCKED).", valueName: "states"))
    var state: String?

    @Option(help: ArgumentHelp("Only jobs created at or after this RFC 3339 instant.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only jobs created at or before this RFC 3339 instant.", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("Only rooms whose name contains this text.", valueName: "text"))
    var roomName: String?

    @Option(help: ArgumentHelp("Send X-App-UserId (no Chinese characters).", valueName: "id"))
    var appUserId: String?

    @Flag(help: "Rescan every job instead of only what changed since the last complete fetch.")
    var full = false

    @Option(help: "Requests in flight at once (1-32).")
    var concurrency = 4

    @Option(help: ArgumentHelp("Fixed requests per second (0.01-1000) instead of the adaptive limit; 0 for no limit.", valueName: "r"))
    var rate: Double?

    @Option(help: ArgumentHelp("Jobs per page (3-100; pages overlap by 2 jobs).", valueName: "n"))
    var pageSize = 100

    @Option(help: ArgumentHelp("Read the IAM token from this file.", valueName: "path"), transform: userPath)
    var tokenFile: String?

    @Option(help: ArgumentHelp("CA certificates to verify TLS with (PEM).", valueName: "path"), transform: userPath)
    var caBundle: String?

    @Option(help: ArgumentHelp("Seconds before a request is given up and retried (0.1-86400).", valueName: "s"))
    var timeout: Double = 60

    @Flag(help: "Print the summary as one JSON object on stdout, listing every flagged value.")
    var json = false

    @Flag(help: "Stop at the first job with a value that cannot be used, instead of storing it flagged.")
    var strict = false

    @Option(help: ArgumentHelp("Most pages received but not yet committed (what a kill can lose); fetch waits at this many.",
                               valueName: "n", visibility: .hidden))
    var maxUncommittedPages = GroupCommitter.defaultMaxUncommittedPages

    @Option(help: ArgumentHelp("Most seconds one page may spend waiting between its attempts (1-3600).",
                               valueName: "s", visibility: .hidden))
    var maxPageWait = RetryPolicy().maxWaitPerPage

    @Flag(help: ArgumentHelp("Page strictly one page at a time, storing each before asking for the next (the way a hand-written pager over the vendor's SDK works); for comparisons.", visibility: .hidden))
    var sequential = false

    func validate() throws {
        if full && since != nil {
            throw ValidationError("--full rescans every job; --since asks for a window: pass one of them")
        }
        guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 32, got \(concurrency)") }
        guard (Self.minimumPageSize...100).contains(pageSize) else {
            throw ValidationError("--page-size must be \(Self.minimumPageSize) to 100 (consecutive pages overlap by "
                                  + "\(JobPager.pageOverlap) jobs to be checked against each other), got \(pageSize)")
        }
        if let rate, !(rate == 0 || (RateLimiter.minimumFixedRate...RateLimiter.maximumFixedRate).contains(rate)) {
            throw ValidationError("--rate must be 0 (no limit) or \(Self.shown(RateLimiter.minimumFixedRate)) to "
                                  + "\(Self.shown(RateLimiter.maximumFixedRate)) requests per second, got \(Self.shown(rate))")
        }
        guard (Self.timeoutRange).contains(timeout) else {
            throw ValidationError("--timeout must be \(Self.shown(Self.timeoutRange.lowerBound)) to "
                                  + "\(Self.shown(Self.timeoutRange.upperBound)) seconds, got \(Self.shown(timeout))")
        }
        guard (1...3600).contains(maxPageWait) else {
            throw ValidationError("--max-page-wait must be 1 to 3600 seconds, got \(Self.shown(maxPageWait))")
        }
        guard (1...Self.maximumUncommittedPages).contains(maxUncommittedPages) else {
            throw ValidationError("--max-uncommitted-pages must be 1 to \(Self.maximumUncommittedPages), got \(maxUncommittedPages)")
        }
        for (flag, value) in [("--since", since), ("--until", until)] {
            if let value, RFC3339.parse(value) == nil {
                throw ValidationError("\(flag) takes an RFC 3339 instant like 2026-11-01T00:00:00Z, got '\(SafeText.escaped(value, limit: 60))'")
            }
        }
        if let since, let until, let from = RFC3339.parse(since), let to = RFC3339.parse(until), from > to {
            throw ValidationError("--since \(SafeText.escaped(since, limit: 60)) is later than --until \(SafeText.escaped(until, limit: 60)): "
                                  + "no job can be created between them")
        }
        // An option given an empty value would be dropped silently (an empty --state asks for every
        // state, an empty --room-name for every room): refused instead, as never ignored.
        for (flag, value) in [("--state", state), ("--room-name", roomName), ("--app-user-id", appUserId),
                              ("--token-file", tokenFile), ("--ca-bundle", caBundle)] {
            if let value, value.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("\(flag) is empty: give it a value, or leave it out")
            }
        }
        if let state, Self.states(state).isEmpty {
            throw ValidationError("--state '\(SafeText.escaped(state, limit: 60))' names no state: "
                                  + "pass a comma-separated list such as FAILED,BLOCKED, or leave it out for every state")
        }
        // An empty item (`FAILED,,`, `FAILED,`) is a typo or a variable that expanded to nothing:
        // refused like `--state ,`, not dropped.
        if let state, state.split(separator: ",", omittingEmptySubsequences: false)
            .contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--state '\(SafeText.escaped(state, limit: 60))' has an empty item: "
                                  + "pass a comma-separated list such as FAILED,BLOCKED, each item a state")
        }
        if let caBundle {
            if let endpoint, endpoint.lowercased().hasPrefix("http://") {
                throw ValidationError("--ca-bundle verifies TLS, but --endpoint \(URLDisplay.safe(endpoint)) is plain http: "
                                      + "leave --ca-bundle out, or use https")
            }
            if let problem = Self.unreadableFile(caBundle) { throw ValidationError("--ca-bundle \(caBundle): \(problem)") }
        }
        if let appUserId, appUserId.unicodeScalars.contains(where: { (0x2E80...0x9FFF).contains($0.value) }) {
            throw ValidationError("--app-user-id must not contain Chinese characters")
        }
        let environment = ProcessInfo.processInfo.environment
        if region == nil && endpoint == nil && environment["HUAWEICLOUD_SDK_REGION"] == nil {
            throw ValidationError("pass --region (cn-north-4, cn-east-3, ap-southeast-3) or --endpoint URL")
        }
        // The region goes into the host name and the project id into the path: checked here, from
        // wherever they come, so that neither can send the request (and its token) elsewhere.
        if let region, let problem = FetchTarget.regionProblem(region) {
            throw ValidationError("--region: \(problem)")
        } else if region == nil, let value = environment["HUAWEICLOUD_SDK_REGION"], let problem = FetchTarget.regionProblem(value) {
            throw ValidationError("$HUAWEICLOUD_SDK_REGION: \(problem)")
        }
        if let projectId, let problem = FetchTarget.projectIdProblem(projectId) {
            throw ValidationError("--project-id: \(problem)")
        } else if projectId == nil {
            var resolver = CredentialResolver()
            resolver.writerWait = timeout
            if let value = resolver.environmentProjectId, let problem = FetchTarget.projectIdProblem(value) {
                throw ValidationError("$HUAWEICLOUD_SDK_PROJECT_ID: \(problem)")
            } else if resolver.environmentProjectId == nil, let value = try? resolver.profileSection()?["project_id"],
                      let problem = FetchTarget.projectIdProblem(value) {
                throw ValidationError("project_id in \(resolver.profilePath): \(problem)")
            }
        }
    }

    /// The smallest page that can overlap the one before by `JobPager.pageOverlap` jobs and still
    /// bring a new one.
    static let minimumPageSize = JobPager.minimumPageSize
    /// Seconds a request may take: from a tenth of a second to a day.
    static let timeoutRange = 0.1...86_400.0
    /// Pages the writer may hold uncommitted: far more than the default, far below what memory holds.
    static let maximumUncommittedPages = 100_000

    /// The states a `--state` list names, upper-cased, blanks and empty items left out.
    static func states(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.filter { !$0.isEmpty }
    }

    /// Why the file at `path` cannot be read (nil when it can): as the system says it (no such
    /// file, permission denied), or a folder.
    static func unreadableFile(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return String(cString: strerror(errno)).lowercased() }
        if (info.st_mode & S_IFMT) == S_IFDIR { return "is a directory, not a file" }
        guard access(path, R_OK) == 0 else { return String(cString: strerror(errno)).lowercased() }
        return nil
    }

    /// A number of a flag as the user would write it (`60`, `0.5`, `1e+300`).
    static func shown(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        // A --db that cannot be used is refused before credentials are read or a request is sent.
        try reportingErrors("fetch") {
            let file = try DatabaseFile(path: common.databasePath)
            _ = try file.inspect()
            try file.checkWritable()
        }
        var resolver = CredentialResolver()
        resolver.writerWait = timeout
        let (credentials, project, api) = try reportingErrors("fetch") { () -> (Credentials, String, APIEndpoint) in
            let credentials = try resolver.resolve(tokenFile: tokenFile)
            guard let project = try resolver.projectId(flag: projectId) else {
                throw CredentialError(description: "no project id: pass --project-id or set HUAWEICLOUD_SDK_PROJECT_ID")
            }
            let region = self.region ?? ProcessInfo.processInfo.environment["HUAWEICLOUD_SDK_REGION"]
            return (credentials, project, try APIEndpoint(region: region, override: endpoint))
        }
        let store = try reportingErrors("fetch") { try JobStore(path: common.databasePath, logger: common.logger("livejobs.store")) }
        let workers = sequential ? 1 : concurrency
        let (plan, runId) = try reportingErrors("fetch") { () -> (FetchPlan, Int64) in
            let query = ListJobsQuery(states: state.map(Self.states) ?? [], createSince: since, createUntil: until,
                                      roomName: roomName, appUserId: appUserId, pageSize: pageSize)
            let plan = try store.planFetch(projectId: project, region: api.region, query: query, full: full,
                                           credentials: credentials, concurrency: workers)
            // A run left 'running' by a fetch that was killed is closed before this one starts.
            try store.closeAbandonedSyncRuns()
            let runId = try store.beginSyncRun(SyncRunRecord(projectId: project, region: api.region, endpoint: api.base.baseURL,
                                                             query: plan.filters, mode: plan.mode, createSince: plan.query.createSince))
            return (plan, runId)
        }
        var options = PagerOptions()
        options.concurrency = workers
        options.firstRound = plan.firstRound
        options.newestAllowed = plan.newestAllowed
        if let rate { options.rate = rate == 0 ? .unlimited : .fixed(rate) }
        options.retry.maxWaitPerPage = maxPageWait
        // One line each; on a terminal the progress line is cleared first, so the notice stands alone.
        let progress = ProgressLine()
        options.onLongWait = { wait in progress.notice(Self.notice(wait)) }
        var httpOptions = HTTPClientOptions()
        httpOptions.caBundle = caBundle
        httpOptions.totalTimeout = timeout
        let http = httpOptions
        let httpLogger = common.logger("livejobs.http")
        let pager = JobPager(query: plan.query, options: options, logger: common.logger("livejobs.fetch.pager"),
                             throttleLogger: common.logger("livejobs.fetch.throttle")) {
            try MetaStudioClient(endpoint: api, projectId: project, credentials: credentials, options: http, logger: httpLogger)
        }
        let sink = try reportingErrors("fetch") {
            try FetchSink(store: store, projectId: project, region: api.region, sequential: sequential,
                          strictness: strict ? .strict : .lenient, maxUncommittedPages: maxUncommittedPages,
                          runProgress: SyncRunProgressRecorder(runId: runId) {
                              let p = pager.progress(elapsed: 0)
                              return (p.requests, p.retries, p.throttled)
                          })
        }
        let signals = SignalTrap { pager.cancel() }
        let started = ProcessInfo.processInfo.systemUptime
        progress.start(every: 0.25) { pager.progress(elapsed: ProcessInfo.processInfo.systemUptime - started) }
        var end = pager.scan(into: sink)
        // Pages handed to the writer are committed before the run is recorded, even after Ctrl-C.
        if let storeError = sink.finish() { end = end.failing(with: storeError) }
        progress.stop()
        signals.release()
        let elapsed = ProcessInfo.processInfo.systemUptime - started
        let summary = FetchSummary(projectId: project, region: api.region, mode: plan.mode, since: plan.query.createSince,
                                   end: end, sink: sink, elapsed: elapsed, credentials: credentials)
        try? store.finishSyncRun(runId, summary.record)
        // The database file is complete on its own whatever the outcome: the WAL is copied into it.
        let closed = Result { try store.close() }
        try reportingErrors("fetch") { try Output.line(json ? summary.json : summary.line) }
        if let message = summary.errorLine { printError("fetch", message) }
        // A failed run has said why in its one line (a full disk fails the close too); otherwise a
        // failure to close is the run's failure.
        if case .failure(let error) = closed, summary.errorLine == nil { throw reported("fetch", error) }
        let code = ExitCodes.code(for: end)
        if code != 0 { throw ExitCode(code) }
    }

    /// One line for a long wait, so a fetch held by the server is seen to be waiting: "the server
    /// throttles (HTTP 429) and asks to wait 100000 s (its Retry-After; livejobs waits at most 60 s
    /// at a time) before the page at offset 200 is asked for again; a page waits at most 120 s in
    /// all". A page's later notices say how long it has waited already, so no two read the same.
    static func notice(_ wait: LongWait) -> String {
        let seconds = "\(Int(wait.seconds.rounded())) s"
        var asked = seconds + " (its Retry-After)"
        if let server = wait.asked, server.rounded() > wait.seconds.rounded() {
            asked = "\(RetryPolicy.seconds(server)) (its Retry-After; livejobs waits at most \(seconds) at a time)"
        }
        let cause: String
        switch (wait.status, wait.retryAfter) {
        case (429?, true): cause = "the server throttles (HTTP 429) and asks to wait \(asked)"
        case (429?, false): cause = "the server throttles (HTTP 429): waiting \(seconds)"
        case (let status?, true): cause = "the server answered HTTP \(status) and asks to wait \(asked)"
        case (let status?, false): cause = "the server answered HTTP \(status): backing off \(seconds)"
        case (nil, _): cause = "the request failed: backing off \(seconds)"
        }
        let soFar = wait.waited >= 0.5 ? "it has waited \(Int(wait.waited.rounded())) s already, and " : ""
        return "livejobs fetch: \(cause) before the page at \(wait.page) is asked for again; "
            + "\(soFar)a page waits at most \(Int(wait.bound.rounded())) s in all"
    }
}
