/// How a fetch ended, as `sync_runs.outcome` records it (docs/SCHEMA.md): the raw values are that
/// column's text and must not change. A row still being written says `running`, which is no
/// outcome and has no case here.
public enum FetchOutcome: String, Sendable, CaseIterable {
    /// Every job the API listed is stored.
    case succeeded
    /// The scan ended, but could not confirm it holds every job the API listed (`ScanResult.issues`).
    case incomplete
    /// Ctrl-C or SIGTERM stopped it; the pages received were kept.
    case interrupted
    /// An error retries could not fix (or the store refused a page) ended it.
    case failed
}

/// What `JobPager.scan(into:)` returned: a result, an interruption or an error, each with the
/// scan's true counts (a failed run is recorded with the requests, retries and request ids it
/// really made).
public enum ScanEnd: Sendable {
    case finished(ScanResult)
    case interrupted(ScanResult)
    /// The error that ended the scan: an `APIError`, `TransportError`, `PageDecodeError`,
    /// `WaitBoundReached`, or what the `PageSink` threw.
    case failed(Error, ScanResult)

    /// The scan's counts, whatever the end.
    public var result: ScanResult {
        switch self {
        case .finished(let r), .interrupted(let r), .failed(_, let r): return r
        }
    }

    /// The end as recorded: a finished scan with issues is `incomplete`.
    public var outcome: FetchOutcome {
        switch self {
        case .finished(let r): return r.complete ? .succeeded : .incomplete
        case .interrupted: return .interrupted
        case .failed: return .failed
        }
    }

    /// The error of a failed scan.
    public var error: Error? {
        if case .failed(let error, _) = self { return error }
        return nil
    }

    /// This end, or when it is not a failure already, a failure by `error` with the same counts (the
    /// store failing to commit pages after the scan ended).
    public func failing(with error: Error) -> ScanEnd {
        if case .failed = self { return self }
        return .failed(error, result)
    }

    /// The end of `body` (a scan): `ScanCancelled` is an interruption, `ScanFailed` a failure with
    /// its counts, any other error a failure with none.
    static func of(_ body: () throws -> ScanResult) -> ScanEnd {
        do {
            return .finished(try body())
        } catch let cancelled as ScanCancelled {
            return .interrupted(cancelled.result)
        } catch let failed as ScanFailed {
            return .failed(failed.error, failed.result)
        } catch {
            return .failed(error, ScanResult())
        }
    }
}
