/// A URL as it may be shown in a message, a log line or a stored record: scheme, host, port and
/// path only. User-info, query and fragment are left out, because that is where credentials travel
/// (`https://user:password@host`, `?token=...`, `#access_token=...`), and the rest is made
/// terminal-safe and shortened (`SafeText`).
public enum URLDisplay {
    /// `https://host:8443/base/v1/p/smart-live-jobs` of `https://u:p@host:8443/base/v1/p/smart-live-jobs?x=1#y`;
    /// text without `://` keeps what comes before its first `?` or `#` and after its last `@`.
    public static func safe(_ url: String) -> String {
        var rest = Substring(url)
        var prefix = ""
        if let sep = rest.range(of: "://") {
            prefix = String(rest[..<sep.upperBound])
            rest = rest[sep.upperBound...]
        }
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return SafeText.escaped(prefix + rest)
    }

    /// `safe(url)`, then ` (query not shown)` when the URL had a query or fragment, so a reader knows
    /// something was left out of what they typed.
    public static func shown(_ url: String) -> String {
        let hidden = url.contains("?") || url.contains("#") || url.contains("@")
        return "'" + safe(url) + "'" + (hidden ? " (user-info, query and fragment not shown)" : "")
    }

    /// The value of `name` in the URL's query, when it is a plain integer (for `offset=200`).
    public static func integerParameter(_ name: String, of url: String) -> Int? {
        guard let q = url.firstIndex(of: "?") else { return nil }
        for pair in url[url.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name, parts[1].count <= 10 { return Int(parts[1]) }
        }
        return nil
    }
}
