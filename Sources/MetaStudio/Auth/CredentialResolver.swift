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
    public init(description: String) { self.description = description }
}

/// Reads credentials where the vendor's SDK and CLI users already keep them. Secrets never come
/// from command-line arguments (they would show in `ps` and shell history).
public struct CredentialResolver {
    public var environment: [String: String]
    public var homeDirectory: String

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
                text = try SecretFile.read(tokenFile)
            } catch {
                throw CredentialError(description: "cannot read the token file \(tokenFile): \(error.reason)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw CredentialError(description: "the token file \(tokenFile) is empty") }
            return .token(token)
        }
        if let token = value("METASTUDIO_AUTH_TOKEN") { return .token(token) }
        let ak = value("HUAWEICLOUD_SDK_AK"), sk = value("HUAWEICLOUD_SDK_SK")
        if ak != nil || sk != nil {
            guard let ak, let sk else {
                throw CredentialError(description: "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK must be set together")
            }
            return .aksk(AKSKCredentials(accessKey: ak, secretKey: sk, securityToken: value("HUAWEICLOUD_SDK_SECURITY_TOKEN")))
        }
        if let profile = try profileSection() {
            guard let ak = profile["ak"], let sk = profile["sk"] else {
                throw CredentialError(description: "\(profilePath): the [basic] section needs both ak and sk")
            }
            return .aksk(AKSKCredentials(accessKey: ak, secretKey: sk, securityToken: profile["security_token"]))
        }
        throw CredentialError(description: "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or METASTUDIO_AUTH_TOKEN, or --token-file), or write them to \(profilePath) under [basic]")
    }

    /// The project id: the flag, else `HUAWEICLOUD_SDK_PROJECT_ID`, else the profile's `project_id`.
    public func projectId(flag: String?) throws -> String? {
        if let flag { return flag }
        if let env = environmentProjectId { return env }
        return try profileSection()?["project_id"]
    }

    /// `HUAWEICLOUD_SDK_PROJECT_ID`, trimmed; nil when unset or blank.
    public var environmentProjectId: String? { value("HUAWEICLOUD_SDK_PROJECT_ID") }

    /// The profile file read when no credentials are in the environment (`~` expanded).
    public var profilePath: String {
        value("HUAWEICLOUD_SDK_CREDENTIALS_FILE").map { UserPath.expand($0, environment: environment) }
            ?? (homeDirectory as NSString).appendingPathComponent(".huaweicloud/credentials")
    }

    private func value(_ name: String) -> String? {
        guard let v = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    /// The `[basic]` section of the INI profile, or nil when there is no profile file.
    public func profileSection() throws -> [String: String]? {
        // The default profile may be absent; one named by the environment must be there.
        let named = value("HUAWEICLOUD_SDK_CREDENTIALS_FILE") != nil
        if !named && !FileManager.default.fileExists(atPath: profilePath) { return nil }
        let text: String
        do {
            text = try SecretFile.read(profilePath)
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
            if !val.isEmpty { values[key] = val }
        }
        return values.isEmpty ? nil : values
    }
}
