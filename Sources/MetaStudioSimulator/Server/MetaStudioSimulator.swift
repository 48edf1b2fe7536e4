import Foundation
import Hummingbird
import Logging
import MetaStudio
import ServiceLifecycle

/// A local MetaStudio endpoint speaking the contract (paging, filters, error bodies, token and AK/SK
/// auth, throttling) with injectable faults, so the fetcher is tested, benchmarked and demonstrated
/// against real HTTP instead of mocks. Start it in-process on port 0, or run it with `metastudio-sim serve`.
///
/// Concurrency: the server's request tasks share the tenant, handler, auth, faults and recorder,
/// each behind a lock of its own; one lock (`running`, a `Locked`) guards the background server
/// task, which `start` it belongs to, and the address bound.
public final class MetaStudioSimulator: Sendable {
    private struct Running: Sendable {
        /// The background server of `start` and the group that shuts it down gracefully.
        var runTask: (task: Task<Void, Never>, group: ServiceGroup)?
        /// Which `start` the current `runTask` belongs to.
        var generation = 0
        var address = (host: "127.0.0.1", port: 0)
    }

    public let config: SimulatorConfig
    private let tenant: SimulatedTenant
    private let handler: ListJobsHandler
    private let auth: SimulatorAuth
    private let faults: FaultInjector
    private let recorder = StatsRecorder()
    private let running = Locked(Running())

    public convenience init(jobs: [JSONObject], config: SimulatorConfig) {
        self.init(sequence: jobs, config: config)
    }

    private init<Jobs: Sequence<JSONObject>>(sequence jobs: Jobs, config: SimulatorConfig) {
        self.config = config
        tenant = SimulatedTenant(jobs: jobs, config: config)
        handler = ListJobsHandler(tenant: tenant, config: config)
        auth = SimulatorAuth(config: config)
        faults = FaultInjector(config: config)
    }

    /// Serves `count` jobs made by `JobGenerator` (default rooms, a four-month window from `start`)
    /// with `seed`, storing each as it is made (a million jobs never exist twice in memory).
    public convenience init(generated count: Int, seed: UInt64, start: Date = JobGenerator.Options.defaultStart,
                            config: SimulatorConfig) {
        self.init(sequence: JobGenerator(options: .init(jobs: count, seed: seed, start: start)).jobs(), config: config)
    }

    /// `http://HOST:PORT` of the running server (port 0 before `start`).
    public var baseURL: String {
        running.withLock { "http://\($0.address.host):\($0.address.port)" }
    }

    /// A snapshot of the counters.
    public var stats: SimulatorStats { recorder.snapshot() }

    /// The tenant's jobs as they are now (after insertions and finished jobs), in creation order.
    public var jobs: [JSONObject] { tenant.jobs }

    /// Binds and starts serving in the background; returns the bound port (pass 0 for a free one).
    /// Throws when the address cannot be bound or the simulator is already running.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        let waiter = PortWaiter()
        let app = makeApplication(host: host, port: port) { [self] bound in
            setAddress(host, bound)
            waiter.resolve(.success(bound))
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: app.logger))
        try launch(group) { [self] generation in
            do {
                try await group.run()
                waiter.resolve(.failure(SimulatorStartError.stoppedBeforeListening))
            } catch {
                waiter.resolve(.failure(error))
            }
            clearRunTask(generation)
        }
        return try await withCheckedThrowingContinuation { waiter.set($0) }
    }

    /// Stops the server started by `start` gracefully: requests in flight are answered, idle
    /// keep-alive connections are closed. Does nothing when it is not running.
    public func stop() async throws {
        guard let (task, group) = takeRunTask() else { return }
        await group.triggerGracefulShutdown()
        await task.value
    }

    /// Serves in the foreground until SIGINT or SIGTERM, then shuts down gracefully (the CLI's mode).
    /// `onListening` gets the bound port once the socket is listening.
    public func run(host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let app = makeApplication(host: host, port: port) { [self] bound in
            setAddress(host, bound)
            onListening(bound)
        }
        try await app.runService()
    }

    private func launch(_ group: ServiceGroup, _ operation: @escaping @Sendable (Int) async -> Void) throws {
        try running.withLock { running in
            guard running.runTask == nil else { throw SimulatorStartError.alreadyRunning }
            running.generation += 1
            let current = running.generation
            running.runTask = (Task { await operation(current) }, group)
        }
    }

    private func takeRunTask() -> (Task<Void, Never>, ServiceGroup)? {
        running.withLock { running in
            let task = running.runTask
            running.runTask = nil
            return task
        }
    }

    /// Forgets a server task that ended by itself (a failed bind), so `start` may be called again.
    private func clearRunTask(_ ended: Int) {
        running.withLock { running in
            if running.generation == ended { running.runTask = nil }
        }
    }

    private func setAddress(_ host: String, _ port: Int) {
        running.withLock { $0.address = (host, port) }
    }

    private func makeApplication(host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void)
        -> Application<CallbackResponder<BasicRequestContext>> {
        var logger = Logger(label: "metastudio-sim")
        logger.logLevel = .warning
        return Application(
            responder: CallbackResponder { [self] request, _ in await respond(to: request) },
            configuration: .init(address: .hostname(host, port: port), serverName: "metastudio-sim"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    // MARK: The request pipeline

    /// Route, auth, throttle, project, parameters, 5xx, then the page (maybe truncated, or past the
    /// first page too large to take). Every answer carries a fresh `X-Request-Id`.
    private func respond(to request: Request) async -> Response {
        let requestId = UUID().uuidString.lowercased()
        if request.uri.path == "/_sim/stats" {
            var body: [UInt8] = []
            stats.json.write(to: &body)
            return SimulatorHTTP.json(status: 200, body: body, requestId: requestId)
        }
        recorder.arrived(at: Date().timeIntervalSince1970)
        await faults.delay()
        let result = answer(request, dryRun: config.refusal != nil)
        if let refusal = config.refusal, case .success = result {
            recorder.record(status: refusal.status)
            return SimulatorHTTP.raw(status: refusal.status, body: refusal.body, requestId: requestId,
                                     extra: refusal.headers.map { ($0.name, $0.value) })
        }
        switch result {
        case .failure(let error):
            recorder.record(status: error.status)
            return SimulatorHTTP.error(error, requestId: requestId)
        case .success(let body):
            if let oversized = config.oversizedBody, case .success(let query) = ListJobsHandler.parseQuery(request.uri.query),
               query.offset > 0 {
                recorder.record(status: 200)
                return oversized.response(requestId: requestId)
            }
            if let cut = faults.truncation(length: body.count) {
                recorder.record(status: 200, truncated: true)
                return SimulatorHTTP.truncated(body: body, sending: cut, requestId: requestId)
            }
            recorder.record(status: 200)
            return SimulatorHTTP.json(status: 200, body: body, requestId: requestId)
        }
    }

    /// The page for `request`, or the error it gets. A `dryRun` checks the route, auth, throttle,
    /// project and parameters only, changing nothing in the tenant and building no page.
    private func answer(_ request: Request, dryRun: Bool = false) -> Result<[UInt8], SimulatorError> {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 4, segments[0].isEmpty, segments[1] == "v1", segments[3] == "smart-live-jobs" else {
            return .failure(.notFound("The API does not exist or has not been published in the environment."))
        }
        guard request.method == .get else { return .failure(.notFound("The API does not exist.")) }
        let received = SimulatorAuth.Received(method: request.method.rawValue, rawPath: request.uri.path,
                                              rawQuery: request.uri.query) { SimulatorHTTP.header(request, $0) }
        if case .denied(let error, let lockedNow) = auth.check(received, now: Date().timeIntervalSince1970) {
            if lockedNow { recorder.recordLockout() }
            return .failure(error)
        }
        if let throttled = faults.throttle() { return .failure(throttled) }
        guard String(segments[2]).removingPercentEncoding == config.projectId else {
            return .failure(.notFound("The API does not exist or has not been published in the environment: "
                                      + "project \(segments[2]) is not served here"))
        }
        if let userId = SimulatorHTTP.header(request, "x-app-userid"), ListJobsHandler.containsChinese(userId) {
            return .failure(.invalidParameter("X-App-UserId"))
        }
        let query: ListQuery
        switch ListJobsHandler.parseQuery(request.uri.query) {
        case .failure(let error): return .failure(error)
        case .success(let parsed): query = parsed
        }
        if dryRun { return .success([]) }
        if let error = faults.serverError() { return .failure(error) }
        tenant.willAnswer(query)
        return .success(handler.page(query).body)
    }
}

/// Why `start` failed without a socket error.
public enum SimulatorStartError: Error, Sendable {
    case alreadyRunning
    case stoppedBeforeListening
}

/// Hands the bound port (or the failure to bind) from the server task to `start`, exactly once.
///
/// Concurrency: one lock (`state`, a `Locked`) guards the continuation and a result that came
/// before it; the continuation is resumed after the lock is released, exactly once.
private final class PortWaiter: Sendable {
    private struct State: Sendable {
        var continuation: CheckedContinuation<Int, Error>?
        var early: Result<Int, Error>?
    }

    private let state = Locked(State())

    func set(_ continuation: CheckedContinuation<Int, Error>) {
        let early: Result<Int, Error>? = state.withLock { state in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func resolve(_ result: Result<Int, Error>) {
        let waiting: CheckedContinuation<Int, Error>? = state.withLock { state in
            guard let continuation = state.continuation else {
                if state.early == nil { state.early = result }
                return nil
            }
            state.continuation = nil
            state.early = result // later calls are ignored
            return continuation
        }
        waiting?.resume(with: result)
    }
}

/// An error answer as the contract shapes it: a status and a `{"error_code","error_msg"}` body.
struct SimulatorError: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    var headers: [(name: String, value: String)] = []

    static func invalidParameter(_ name: String) -> SimulatorError {
        SimulatorError(status: 400, code: "MSS.00000003", message: "Invalid parameter: \(name)")
    }
    static func unauthorized(_ message: String) -> SimulatorError {
        SimulatorError(status: 401, code: "MSS.00000001", message: message)
    }
    static func signature(_ message: String) -> SimulatorError {
        SimulatorError(status: 401, code: "APIGW.0301", message: message)
    }
    static func notFound(_ message: String) -> SimulatorError {
        SimulatorError(status: 404, code: "APIGW.0101", message: message)
    }
}

/// The wire format of every answer: JSON bodies, `X-Request-Id`, and the deliberately broken 200.
enum SimulatorHTTP {
    /// Thrown by a truncated body after its partial write: Hummingbird then closes the connection.
    struct TruncatedOnPurpose: Error {}

    /// A header's value by lower-case name, several values joined with ", "; `host` is the authority.
    static func header(_ request: Request, _ name: String) -> String? {
        if name == "host" { return request.head.authority }
        let values = request.headers.filter { $0.name.canonicalName == name }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    static func status(_ code: Int) -> HTTPResponse.Status {
        switch code {
        case 200: return .ok
        case 400: return .badRequest
        case 401: return .unauthorized
        case 404: return .notFound
        case 429: return .tooManyRequests
        case 500: return .internalServerError
        case 502: return .badGateway
        case 503: return .serviceUnavailable
        default: return .init(code: code)
        }
    }

    /// `HTTPField.Name`, reached through the exported `HTTPFields` so no HTTPTypes import is needed.
    typealias FieldName = HTTPFields.Element.Name

    private static func headers(_ requestId: String, extra: [(name: String, value: String)] = []) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json;charset=UTF-8", FieldName("X-Request-Id")!: requestId]
        for (name, value) in extra {
            if let key = FieldName(name) { fields[key] = value }
        }
        return fields
    }

    static func json(status code: Int, body: [UInt8], requestId: String,
                     extra: [(name: String, value: String)] = []) -> Response {
        Response(status: status(code), headers: headers(requestId, extra: extra), body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Any status with any body, sent as it is (`SimulatorConfig.refusal`).
    static func raw(status code: Int, body: [UInt8], requestId: String, extra: [(name: String, value: String)] = []) -> Response {
        Response(status: status(code), headers: headers(requestId, extra: extra), body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func error(_ error: SimulatorError, requestId: String) -> Response {
        let body = JSONObject([("error_code", .string(error.code)), ("error_msg", .string(error.message))])
        var bytes: [UInt8] = []
        body.write(to: &bytes)
        return json(status: error.status, body: bytes, requestId: requestId, extra: error.headers)
    }

    /// A 200 declaring the full Content-Length that sends only `count` bytes, then closes the connection.
    static func truncated(body: [UInt8], sending count: Int, requestId: String) -> Response {
        let partial = ByteBuffer(bytes: body[0..<count])
        return Response(status: .ok, headers: headers(requestId),
                        body: .init(contentLength: body.count) { writer in
                            try await writer.write(partial)
                            throw TruncatedOnPurpose()
                        })
    }
}
