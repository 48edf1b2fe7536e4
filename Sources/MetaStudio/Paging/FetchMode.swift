/// What a fetch asks the list API for, as `sync_runs.mode` records it (docs/SCHEMA.md): the raw
/// values are that column's text and must not change.
public enum FetchMode: String, Sendable, CaseIterable {
    /// Every job the filters match (no `create_since`): a first fetch, or `--full`.
    case full
    /// Jobs created since the instant `--since` names.
    case window
    /// Jobs created since the last successful fetch of the same project, region and filters (less
    /// an overlap), and the jobs still unfinished then: see `JobStore.planFetch`.
    case incremental

    /// Pages to ask for before the first `count` arrives (`PagerOptions.firstRound`). With AK/SK one:
    /// a wrong key must fail once, not once per worker, or the gateway locks the pair after five
    /// failed authentications (the API contract). With a token, as many as `lastCount` (the
    /// `count` the last fetch of the same kind was answered) takes, at most `concurrency`; with no
    /// such fetch, all of `concurrency` for a full or windowed scan (a whole history is rarely one
    /// page) and one for an incremental one (what changed since the last fetch usually is). Pages
    /// overlap by two jobs, so `count` jobs take `JobPager.pages(forCount:pageSize:)` pages.
    public func firstRound(credentials: Credentials, concurrency: Int, pageSize: Int, lastCount: Int?) -> Int {
        guard case .token = credentials else { return 1 }
        guard let lastCount else { return self == .incremental ? 1 : concurrency }
        return min(concurrency, JobPager.pages(forCount: lastCount, pageSize: pageSize))
    }
}
