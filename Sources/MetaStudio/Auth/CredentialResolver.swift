import Foundation

/// How requests are authenticated: an IAM token, or an AK/SK pair that signs every request.
public enum Credentials: Sendable {
    case token(String)
    case aksk(AKSKCredentials)

    /// Secret values, so messages that might echo them (a gateway's canonical request) can be masked.
    /// The AK is among them: it names the account's key pair and never appears in a message either.
    public var secrets: [String] {
        switch self {
        case .token(let t): return [t]
        case .aksk(let c): return [c.secretKey, c.accessKey] + (c.securityToken.map { [$0] } ?? [])
        }
    }

    public var mode: String {
        switch self {
        case .token: return "token"
        case .aksk: return "ak/sk"
        }
    }
}

/// A credentials problem, worded without any secret value.
public struct CredentialError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// True when a value was found but cannot be used (empty, or holding a line break): bad input,
    /// like a bad flag, rather than a file that could not be read or credentials not set at all.
    public let isBadValue: Bool
    /// An error worded by `description`; `isBadValue` as above.
    public init(description: String, isBadValue: Bool = false) {
        self.description = description
        self.isBadValue = isBadValue
    }
}

/// Reads credentials where the vendor's SDK and CLI users already keep them. Secrets never come
/// from command-line arguments (they would show in `ps` and shell history).
public struct CredentialResolver {
    public var environment: [String: String]
    public var homeDirectory: String
    /// Seconds a FIFO named as the token or credentials file is waited for when no program has it
    /// open for writing (`SecretFile.read`); `fetch` passes its `--timeout`.
    public var writerWait: Double = 60

    /// `homeDirectory` defaults to `$HOME` of `environment` (see `UserPath.home`), as the vendor's
    /// SDK and CLI find `~/.huaweicloud/credentials`; not the password database's home folder.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                homeDirectory: String? = nil) {
        self.environment = environment
        self.homeDirectory = homeDirectory ?? UserPath.home(environment: environment)
    }

    /// Order: `--token-file`, `METASTUDIO_AUTH_TOKEN`, `HUAWEICLOUD_SDK_AK`/`_SK` (+ `_SECURITY_TOKEN`),
    /// then the `[basic]` section of `HUAWEICLOUD_SDK_CREDENTIALS_FILE` or `~/.huaweicloud/credentials`.
    /// A leading `~` in `tokenFile` and in `HUAWEICLOUD_SDK_CREDENTIALS_FILE` is the home folder.
    public func resolve(tokenFile: String?) throws -> Credentials {
        if let tokenFile = tokenFile.map({ UserPath.expand($0, environment: environment) }) {
            let text: String
            do {
                text = try SecretFile.read(tokenFile, writerWait: writerWait)
            } catch {
                throw CredentialError(description: "cannot read the token file \(tokenFile): \(error.reason)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw CredentialError(description: "the token file \(tokenFile) is empty", isBadValue: true)
            }
            try Self.check(token, "the token in the token file \(tokenFile)")
            return .token(token)
        }
        // A variable set but empty is a value given and unusable, not a value absent.
        for name in ["METASTUDIO_AUTH_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"]
        where environment[name] != nil && value(name) == nil {
            throw CredentialError(description: "$\(name) is set but empty: give it a value or unset it", isBadValue: true)
        }
        if let token = value("METASTUDIO_AUTH_TOKEN") {
            try Self.check(token, "the token in $METASTUDIO_AUTH_TOKEN")
            return .token(token)
        }
        let ak = value("HUAWEICLOUD_SDK_AK"), sk = value("HUAWEICLOUD_SDK_SK")
        if ak != nil || sk != nil {
            guard let ak, let sk else {
                throw CredentialError(description: "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK must be set together")
            }
            let securityToken = value("HUAWEICLOUD_SDK_SECURITY_TOKEN")
            try Self.check(ak, "$HUAWEICLOUD_SDK_AK")
            try Self.check(sk, "$HUAWEICLOUD_SDK_SK")
            if let securityToken { try Self.check(securityToken, "$HUAWEICLOUD_SDK_SECURITY_TOKEN") }
            return .aksk(AKSKCredentials(accessKey: ak, secretKey: sk, securityToken: securityToken))
        }
        if let profile = try profileSection() {
            guard let ak = profile["ak"], let sk = profile["sk"], !ak.isEmpty, !sk.isEmpty else {
                let empty = ["ak", "sk"].filter { profile[$0]?.isEmpty == true }
                throw CredentialError(description: "\(profilePath): the [basic] section needs both ak and sk"
                                      + (empty.isEmpty ? "" : " (\(empty.joined(separator: " and ")) given empty)"),
                                      isBadValue: !empty.isEmpty)
            }
            let securityToken = profile["security_token"].flatMap { $0.isEmpty ? nil : $0 }
            try Self.check(ak, "ak in \(profilePath)")
            try Self.check(sk, "sk in \(profilePath)")
            if let securityToken { try Self.check(securityToken, "security_token in \(profilePath)") }
            return .aksk(AKSKCredentials(accessKey: ak, secretKey: sk, securityToken: securityToken))
        }
        throw CredentialError(description: "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or METASTUDIO_AUTH_TOKEN, or --token-file), or write them to \(profilePath) under [basic]")
    }

    /// Why a secret value cannot be sent (nil when it can): a line break or another control character
    /// inside it (a token file of two lines, a value pasted with a tab) would be refused by the HTTP
    /// layer after the fetch began, so it is refused before anything is sent. Worded without the value.
    public static func secretValueProblem(_ value: String) -> String? {
        for scalar in value.unicodeScalars {
            if scalar == "\n" || scalar == "\r" {
                return "holds a line break inside it: a credential is one line (blank lines and spaces around it "
                    + "are dropped, but nothing may break it in two)"
            }
            if scalar.properties.generalCategory == .control {
                return "holds a control character (U+\(String(format: "%04X", scalar.value))) inside it: "
                    + "a credential holds printable characters only"
            }
            if scalar.value > 0x7E || scalar.value < 0x20 {
                // U+2028 breaks a line too; a no-break space or any other non-ASCII character cannot
                // travel in an HTTP header (RFC 9110 §5.5).
                return "holds a character outside printable ASCII (U+\(String(format: "%04X", scalar.value))) inside it: "
                    + "a credential travels in an HTTP header, which carries printable ASCII only"
            }
        }
        return nil
    }

    /// Throws a bad-value `CredentialError` naming `source` when `value` cannot be sent.
    static func check(_ value: String, _ source: String) throws {
        if let problem = secretValueProblem(value) {
            throw CredentialError(description: "\(source) \(problem)", isBadValue: true)
        }
    }

    /// The project id: the flag, else `HUAWEICLOUD_SDK_PROJECT_ID`, else the profile's `project_id`.
    public func projectId(flag: String?) throws -> String? {
        if let flag { return flag }
        if let env = environmentProjectId { return env }
        return try profileSection()?["project_id"]
    }

    /// `HUAWEICLOUD_SDK_PROJECT_ID` exactly as set (nil only when unset): an empty value or one with
    /// a line break is checked like `--project-id` (`FetchTarget.projectIdProblem`), not trimmed.
    public var environmentProjectId: String? { environment["HUAWEICLOUD_SDK_PROJECT_ID"] }

    /// The profile file read when no credentials are in the environment (`~` expanded).
    public var profilePath: String {
        value("HUAWEICLOUD_SDK_CREDENTIALS_FILE").map { UserPath.expand($0, environment: environment) }
            ?? (homeDirectory as NSString).appendingPathComponent(".huaweicloud/credentials")
    }

    private func value(_ name: String) -> String? {
        guard let v = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    /// The `[basic]` section of the INI profile, or nil when there is no profile file. Blanks around
    /// `=` are INI syntax and dropped; a key given no value (`project_id =`) is kept, empty, so
    /// that it is refused as the empty value it is rather than taken as absent.
    public func profileSection() throws -> [String: String]? {
        // The default profile may be absent; one named by the environment must be there.
        let named = value("HUAWEICLOUD_SDK_CREDENTIALS_FILE") != nil
        if !named && !FileManager.default.fileExists(atPath: profilePath) { return nil }
        let text: String
        do {
            text = try SecretFile.read(profilePath, writerWait: writerWait)
        } catch {
            let source = named ? "the credentials file \(profilePath) (from $HUAWEICLOUD_SDK_CREDENTIALS_FILE)" : profilePath
            throw CredentialError(description: "cannot read \(source): \(error.reason)")
        }
        var section = ""
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces).lowercased()
                continue
            }
            guard section == "basic", let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let val = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            values[key] = val
        }
        return values.isEmpty ? nil : values
    }
}
