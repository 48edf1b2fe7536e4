import Foundation

/// Paths the user gives or the environment names, read as a POSIX shell and the vendor's SDK and
/// CLI read them: a leading `~` is the home folder, and the home folder is `$HOME`. The account's
/// entry in the password database is used only when `HOME` is unset or empty, as POSIX shells do
/// (POSIX.1-2017, XCU 2.6.1 "Tilde Expansion"); so a CI job or a container whose `HOME` points
/// elsewhere finds its files there. One helper for every such path: `--db`, `$LIVEJOBS_DB`,
/// `--out`, `--queries`, `$LIVEJOBS_QUERIES`, `--token-file`, `--ca-bundle`, import files and
/// the credentials file.
public enum UserPath {
    /// `path` with a leading `~` or `~/...` replaced by the home folder and `~name/...` by the home
    /// folder of account `name` (left as is when there is no such account, as shells do). A `~`
    /// anywhere else, and a path without one, are returned unchanged. The empty string stays empty.
    public static func expand(_ path: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        guard path.hasPrefix("~") else { return path }
        let slash = path.firstIndex(of: "/") ?? path.endIndex
        let user = path[path.index(after: path.startIndex)..<slash]
        let rest = path[slash...]
        let home: String?
        if user.isEmpty {
            home = self.home(environment: environment)
        } else {
            home = String(user).withCString { name in getpwnam(name).flatMap { $0.pointee.pw_dir.map { String(cString: $0) } } }
        }
        guard let home, !home.isEmpty else { return path }
        if rest.isEmpty { return home }
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + rest
    }

    /// The home folder: `$HOME`, else the account's home folder from the password database.
    public static func home(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir { return String(cString: dir) }
        return NSHomeDirectory()
    }

    /// The folder part of `path` ("" for a bare name, "/" for a file at the root), trailing slashes
    /// ignored: what `NSString.deletingLastPathComponent` returns, without it, since Foundation on
    /// Linux traps on some one-character names (`--db r`, `--out r`).
    public static func parent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return "/" }
        var folder = p[..<slash]
        while folder.count > 1 && folder.hasSuffix("/") { folder = folder.dropLast() }
        return String(folder)
    }

    /// The last component of `path` (trailing slashes ignored), as `NSString.lastPathComponent`.
    public static func lastComponent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/"), p.count > 1 else { return String(p) }
        return String(p[p.index(after: slash)...])
    }
}
