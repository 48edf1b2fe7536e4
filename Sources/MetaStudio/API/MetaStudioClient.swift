import Foundation
import Logging

/// One page of the list API, parsed.
public struct JobPage: Sendable {
    public var offset: Int
    public var count: Int
    public var items: [PageJob]
    public var requestId: String?
    /// Which page of the scan this is, for messages: "offset 200", or "offset 0 of create_time X
    /// to Y" for a window read again (set by the pager; nil for a page fetched on its own).
    public var label: String?

    /// The jobs as trees.
    public var jobs: [JSONValue] { items.map(\.value) }
}

/// One job of a page, on the page's tape: the page as sent, or, when the tape declined it, the
/// tape of what `JSONParser` read (merged, or repaired). Both read the same and fail the same.
public enum PageJob: Sendable {
    case tape(JSONTapeValue)
    /// A job of a text whose invalid Unicode was read as U+FFFD, or whose containers nested too deep
    /// were replaced (`JSONParser.parseRepairingText`): read as usual and flagged where.
    case repaired(JSONTapeValue)

    /// The job on its tape.
    public var tapeValue: JSONTapeValue {
        switch self {
        case .tape(let value), .repaired(let value): return value
        }
    }

    /// The job as a tree (for tests and messages; storing reads the tape).
    public var value: JSONValue { tapeValue.value }

    /// A string member of the job, such as `job_id`; nil when absent or not a string.
    public func string(_ key: String) -> String? { tapeValue[key]?.stringValue }

    /// A member holding an RFC 3339 instant, as epoch seconds (read from the page bytes); nil when
    /// absent or not an instant.
    func timestamp(_ key: String) -> Double? { tapeValue[key]?.asTimestamp ?? nil }

    /// The id the job is stored under (`SmartLiveJob.jobId`): its `job_id`, the digits of a numeric
    /// one, or for a job without one an id made from its content. Nil for an item that is not an object.
    public var storedJobId: String? {
        if let id = string("job_id"), !id.isEmpty { return id }
        return (try? smartLiveJob())?.jobId
    }

    public func smartLiveJob() throws(JobFieldError) -> SmartLiveJob {
        switch self {
        case .tape(let value): return try SmartLiveJob(tape: value)
        case .repaired(let value):
            var job = try SmartLiveJob(tape: value)
            job.flags = SmartLiveJob.textFlags(in: value.value) + job.flags
            return job
        }
    }
}

/// A 200 whose body is not a page (cut short, not JSON, wrong shape): retried, since it is
/// almost always a connection cut mid-body; a whole page whose `count` is not a usable number is not.
public struct PageDecodeError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var requestId: String?
    public var message: String
    /// False when the body arrived whole and sending the request again cannot change it.
    public var isRetryable = true
    public var description: String { "page at offset \(offset): \(message) (X-Request-Id \(requestId ?? "none"))" }
}

/// Where the API is: a region's public endpoint or an override (private endpoint, proxy, simulator).
public struct APIEndpoint: Sendable {
    public let base: URLParts
    public let region: String?

    /// `https://metastudio.{region}.myhuaweicloud.com`, or `override` (http only on loopback).
    public init(region: String?, override: String?) throws {
        guard let url = override ?? region.map({ "https://metastudio.\($0).myhuaweicloud.com" }) else {
            throw CredentialError(description: "no endpoint: pass --region (cn-north-4, cn-east-3, ap-southeast-3) or --endpoint URL")
        }
        // A region goes into the host name: one that is not a region could name another host.
        if let region, let problem = FetchTarget.regionProblem(region) { throw CredentialError(description: problem) }
        base = try Endpoint.validate(url)
        self.region = region
    }
}

/// Fetches pages of `GET /v1/{project_id}/smart-live-jobs` over one reused connection.
/// Not thread-safe: the pager gives each worker its own client.
///
/// Logs to the logger its caller hands it (e.g. `livejobs.http`): each request and answer at
/// `.trace` (`url` as `URLDisplay.safe` shows it, `page.offset`, `page.limit`, `sort_dir`,
/// `create_since`, `create_until`, `http.status`, `request.id`, `http.bytes`, `http.seconds`), each
/// failed answer at `.debug` (`error.code`, `retry.after`; a failure below HTTP's `curl.code`).
/// Never a header: the token, the security token and the signature travel there.
public final class MetaStudioClient {
    let endpoint: APIEndpoint
    let projectId: String
    let credentials: Credentials
    let connection: HTTPConnection
    let now: @Sendable () -> Date
    let logger: Logger

    /// A client of `endpoint` for `projectId`, sending each request with `credentials` over one
    /// libcurl connection set up by `options`, logging to `logger`. Throws `CredentialError` for a
    /// project id that could change the URL, `TransportError` when libcurl cannot be set up.
    public init(endpoint: APIEndpoint, projectId: String, credentials: Credentials, options: HTTPClientOptions,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) throws {
        // The project id goes into the path as it is: one that could change the URL is refused.
        if let problem = FetchTarget.projectIdProblem(projectId) { throw CredentialError(description: problem) }
        self.endpoint = endpoint
        self.projectId = projectId
        self.credentials = credentials
        self.now = now
        self.logger = logger
        connection = try HTTPConnection(options: options)
    }

    /// Polled during transfers; true aborts the request in flight (Ctrl-C).
    public var shouldAbort: (@Sendable () -> Bool)? {
        get { connection.shouldAbort }
        set { connection.shouldAbort = newValue }
    }

    var path: String {
        let base = endpoint.base.basePath.hasSuffix("/") ? String(endpoint.base.basePath.dropLast()) : endpoint.base.basePath
        return base + "/v1/\(projectId)/smart-live-jobs"
    }

    /// The request URL without credentials (they travel in headers), for messages.
    public func url(offset: Int, query: ListJobsQuery) -> String {
        "\(endpoint.base.scheme)://\(endpoint.base.hostHeader)\(path)?\(RequestSigner.canonicalQuery(query.items(offset: offset)))"
    }

    /// One page; throws `APIError`, `TransportError` or `PageDecodeError`.
    public func fetchPage(_ query: ListJobsQuery, offset: Int) throws -> JobPage {
        let items = query.items(offset: offset)
        var headers: [(name: String, value: String)] = [
            ("Host", endpoint.base.hostHeader), ("Content-Type", "application/json"),
        ]
        if let appUserId = query.appUserId { headers.append(("X-App-UserId", appUserId)) }
        let queryString: String
        // The credentials masked in an error body: the caller's keys and token, and in AK/SK mode
        // also this request's own Authorization value and signature (docs/SECRETS.md, section 2).
        var secrets = credentials.secrets
        switch credentials {
        case .token(let token):
            headers.append(("X-Auth-Token", token))
            queryString = RequestSigner.canonicalQuery(items)
        case .aksk(let keys):
            headers.append(("X-Project-Id", projectId))
            let signed = RequestSigner.sign(method: "GET", path: path, query: items, headers: headers,
                                            credentials: keys, date: now())
            headers = signed.headers
            queryString = signed.query
            secrets = signed.ownSecrets + secrets
        }
        let url = "\(endpoint.base.scheme)://\(endpoint.base.hostHeader)\(path)?\(queryString)"
        // What every log line of this request says, built only when a line is written: the URL as
        // every message shows one (docs/SECRETS.md, section 3: no user-info, query or fragment, where
        // a mistyped --endpoint may carry credentials), and the query's parameters by name.
        func described(_ more: Logger.Metadata = [:]) -> Logger.Metadata {
            var metadata: Logger.Metadata = [
                "url": "\(URLDisplay.safe(url))", "page.offset": "\(offset)", "page.limit": "\(query.pageSize)",
                "sort_dir": "\(query.descending ? "desc" : "asc")",
            ]
            if let since = query.createSince { metadata["create_since"] = "\(since)" }
            if let until = query.createUntil { metadata["create_until"] = "\(until)" }
            return metadata.merging(more) { $1 }
        }
        logger.trace("request sent", metadata: described())
        let started = ProcessInfo.processInfo.systemUptime
        let response: HTTPResponse
        do {
            response = try connection.get(url, headers: headers)
        } catch var error as TransportError {
            error.url = url
            logger.debug("request failed below HTTP", metadata: described([
                "curl.code": "\(error.curlCode)", "error.kind": "\(error.kind.rawValue)",
                "request.id": "\(error.requestId ?? "none")", "error": "\(error)",
            ]))
            throw error
        }
        let requestId = response.header("x-request-id")
        logger.trace("answer received", metadata: described([
            "http.status": "\(response.status)", "request.id": "\(requestId ?? "none")", "http.bytes": "\(response.body.count)",
            "http.seconds": "\(String(format: "%.3f", ProcessInfo.processInfo.systemUptime - started))",
        ]))
        guard response.status == 200 else {
            var error = APIError.from(status: response.status, body: response.body, requestId: requestId,
                                      url: url, secrets: secrets)
            error.retryAfter = RetryPolicy.retryAfterSeconds(response.header("retry-after"))
            error.location = response.header("location")
            logger.debug("error answer", metadata: described([
                "http.status": "\(response.status)", "request.id": "\(requestId ?? "none")",
                "error.code": "\(error.errorCode ?? "none")",
                "retry.after": "\(error.retryAfter.map { "\($0)" } ?? "none")",
            ]))
            throw error
        }
        return try MetaStudioClient.decodePage(response.body, offset: offset, requestId: requestId)
    }

    static func decodePage(_ body: [UInt8], offset: Int, requestId: String?) throws -> JobPage {
        func failure(_ message: String) -> PageDecodeError {
            PageDecodeError(offset: offset, requestId: requestId, message: message)
        }
        if let tape = JSONTape.parse(body) {
            let page = try pageShape(tape.root, failure: failure)
            return JobPage(offset: offset, count: page.count, items: page.jobs.map(PageJob.tape), requestId: requestId)
        }
        // Not JSON, or JSON the tape does not take: the parser names the error, or merges and
        // repairs; what it read is then read from its own tape.
        let value: JSONValue
        var repaired = false
        do {
            value = try JSONParser.parse(body)
        } catch let error as JSONSyntaxError where JSONParser.isRepairable(error) {
            // One job's broken text (a half emoji, bytes that are not UTF-8) must not cost the page.
            do {
                (value, repaired) = try body.withUnsafeBytes { try JSONParser.parseRepairingText($0) }
            } catch {
                throw failure("unparsable body (\(body.count) bytes): \(error)")
            }
        } catch {
            throw failure("unparsable body (\(body.count) bytes): \(error)")
        }
        let page = try pageShape(JSONTape(value).root, failure: failure)
        return JobPage(offset: offset, count: page.count, items: page.jobs.map(repaired ? PageJob.repaired : PageJob.tape),
                       requestId: requestId)
    }

    /// Why a JSON number cannot be a `count`.
    struct CountProblem: Error { var reason: String }

    /// The largest count accepted: beyond 2^53 a JSON number no longer names one integer.
    static let maxCount = 9_007_199_254_740_992

    /// A JSON number's text as a count: a non-negative integer, also when written with a fraction
    /// or an exponent that leaves an integer (`3.0e2`); out of range beyond `maxCount` (`1e400`).
    static func checkedCount(_ text: String) -> Result<Int, CountProblem> {
        if text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard let value = Int(text), value <= maxCount else { return .failure(CountProblem(reason: "out of range (0 … \(maxCount))")) }
            return .success(value)
        }
        guard let value = Double(text), value.isFinite else { return .failure(CountProblem(reason: "out of range (0 … \(maxCount))")) }
        guard value >= 0 else { return .failure(CountProblem(reason: "negative")) }
        guard value <= Double(maxCount) else { return .failure(CountProblem(reason: "out of range (0 … \(maxCount))")) }
        guard value == value.rounded(.towardZero) else { return .failure(CountProblem(reason: "not a whole number")) }
        return .success(Int(value))
    }

    /// The page's `count` and jobs, or why the body is not a page.
    private static func pageShape(_ page: JSONTapeValue, failure: (String) -> PageDecodeError) throws
        -> (count: Int, jobs: [JSONTapeValue]) {
        guard let object = page.asObject else { throw failure("expected a page object, got \(page.typeName)") }
        guard let countText = object.find("count", from: 0)?.value.numberText else {
            throw failure("field 'count' missing or not a number")
        }
        let count: Int
        switch checkedCount(countText) {
        case .success(let value): count = value
        case .failure(let problem):
            var error = failure("field 'count' is \(countText.prefix(40)): \(problem.reason)")
            error.isRetryable = false
            throw error
        }
        guard let list = object.find("smart_live_jobs", from: 0)?.value, !list.isNull else { return (count, []) }
        guard let jobs = list.asArray else {
            throw failure("field 'smart_live_jobs': expected an array, got \(list.typeName)")
        }
        return (count, jobs)
    }
}
