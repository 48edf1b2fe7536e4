import Foundation
import Testing
@testable import MetaStudio

@Suite(.timeLimit(.minutes(2))) struct RequestSignerTests {
    static let vectorDate = Date(timeIntervalSince1970: RFC3339.parse("2026-11-24T10:15:00Z")!)

    @Test func matchesTheVendorsSignerOnTheContractTestVector() {
        let signed = RequestSigner.sign(
            method: "GET", path: "/v1/0123456789abcdef0123456789abcdef/smart-live-jobs",
            query: [("offset", "0"), ("limit", "100"), ("state", "FAILED,SUCCEED"), ("room_name", "Demo Room 1")],
            headers: [("Host", "metastudio.cn-north-4.myhuaweicloud.com"),
                      ("X-Project-Id", "0123456789abcdef0123456789abcdef"),
                      ("Content-Type", "application/json")],
            credentials: AKSKCredentials(accessKey: "AKTESTEXAMPLE", secretKey: "SKTESTEXAMPLE"),
            date: RequestSignerTests.vectorDate)
        #expect(signed.canonicalRequest == """
            GET
            /v1/0123456789abcdef0123456789abcdef/smart-live-jobs/
            limit=100&offset=0&room_name=Demo%20Room%201&state=FAILED%2CSUCCEED
            content-type:application/json
            host:metastudio.cn-north-4.myhuaweicloud.com
            x-project-id:0123456789abcdef0123456789abcdef
            x-sdk-date:20261124T101500Z

            content-type;host;x-project-id;x-sdk-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signed.stringToSign == "SDK-HMAC-SHA256\n20261124T101500Z\ndd7d576fd0c7d946714f1d85ab0ee5cd5cef4488aa03f4589953f060ed94ca32")
        let authorization = signed.headers.first { $0.name == "Authorization" }?.value
        #expect(authorization == "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=7b0f3eaf43800ddb0e3d8d3941066ea20847390b5a00753f67ce4c06422f1417")
        #expect(signed.query == "limit=100&offset=0&room_name=Demo%20Room%201&state=FAILED%2CSUCCEED")
    }

    @Test func encodesUnicodeSpacesCommasAndPlusLikeTheVendor() {
        #expect(RequestSigner.percentEncode("美妆 直播,+1~a_b.c-d") == "%E7%BE%8E%E5%A6%86%20%E7%9B%B4%E6%92%AD%2C%2B1~a_b.c-d")
        #expect(RequestSigner.canonicalQuery([("b", "2"), ("a", "z"), ("a", "y")]) == "a=y&a=z&b=2")
        #expect(RequestSigner.canonicalURI("/v1/p q/jobs") == "/v1/p%20q/jobs/")
    }

    @Test func securityTokenIsSentAndSignedButHeadersWithUnderscoresAreNot() {
        let signed = RequestSigner.sign(method: "GET", path: "/x", query: [],
                                        headers: [("Host", "h"), ("X_Odd", "1")],
                                        credentials: AKSKCredentials(accessKey: "A", secretKey: "S", securityToken: "STS"),
                                        date: RequestSignerTests.vectorDate)
        #expect(signed.headers.contains { $0.name == "X-Security-Token" && $0.value == "STS" })
        #expect(signed.canonicalRequest.contains("host;x-sdk-date;x-security-token"))
        #expect(!signed.canonicalRequest.contains("x_odd"))
        #expect(RequestSigner.sdkDate(RequestSignerTests.vectorDate) == "20261124T101500Z")
    }

    @Test func credentialsAreReadAsTheVendorsToolsReadThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".huaweicloud"), withIntermediateDirectories: true)
        try "[basic]\nak = FILEAK\nsk = FILESK\nproject_id = FILEPROJ\n".write(to: dir.appendingPathComponent(".huaweicloud/credentials"), atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fromFile = CredentialResolver(environment: [:], homeDirectory: dir.path)
        guard case .aksk(let keys) = try fromFile.resolve(tokenFile: nil) else { Issue.record("expected AK/SK"); return }
        #expect(keys.accessKey == "FILEAK" && keys.secretKey == "FILESK")
        #expect(try fromFile.projectId(flag: nil) == "FILEPROJ")
        let env = CredentialResolver(environment: ["HUAWEICLOUD_SDK_AK": "EAK", "HUAWEICLOUD_SDK_SK": "ESK",
                                                   "HUAWEICLOUD_SDK_SECURITY_TOKEN": "ETOK", "HUAWEICLOUD_SDK_PROJECT_ID": "EPROJ"],
                                     homeDirectory: dir.path)
        guard case .aksk(let envKeys) = try env.resolve(tokenFile: nil) else { Issue.record("expected AK/SK"); return }
        #expect(envKeys.securityToken == "ETOK" && envKeys.accessKey == "EAK")
        #expect(try env.projectId(flag: "FLAG") == "FLAG")
        let token = CredentialResolver(environment: ["METASTUDIO_AUTH_TOKEN": "T0K", "HUAWEICLOUD_SDK_AK": "EAK", "HUAWEICLOUD_SDK_SK": "ESK"], homeDirectory: dir.path)
        guard case .token(let t) = try token.resolve(tokenFile: nil) else { Issue.record("expected a token"); return }
        #expect(t == "T0K")
        let half = CredentialResolver(environment: ["HUAWEICLOUD_SDK_AK": "EAK"], homeDirectory: "/nonexistent")
        #expect(throws: CredentialError.self) { try half.resolve(tokenFile: nil) }
        #expect(!"\(keys)".contains("FILESK"))
    }

    @Test func throttleMessagesStateTheLimitAndRetryAfterIsRead() {
        #expect(RateLimiter.statedLimit(in: "The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 second") == 20)
        #expect(RateLimiter.statedLimit(in: "policy ip over ratelimit,limit:600,time:1 minute") == 10)
        #expect(RateLimiter.statedLimit(in: "Internal Error") == nil)
        #expect(RetryPolicy.retryAfterSeconds("3") == 3)
        #expect(RetryPolicy.retryAfterSeconds(nil) == nil)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.retryAfterSeconds("Tue, 14 Nov 2023 22:13:30 GMT", now: now) == 10)
        var rng = SystemRandomNumberGenerator()
        let policy = RetryPolicy()
        for attempt in 1...8 {
            let d = policy.delay(afterAttempt: attempt, retryAfter: nil, random: &rng)
            #expect(d >= 0 && d <= min(policy.maxDelay, policy.baseDelay * pow(2, Double(attempt - 1))))
        }
        #expect(policy.delay(afterAttempt: 1, retryAfter: 5, random: &rng) >= 5)
    }

    @Test func apiErrorsReadEveryVendorShapeAndMaskSecrets() {
        let a = APIError.from(status: 401, body: Array(#"{"error_code":"APIGW.0301","error_msg":"bad sig for x-security-token:STSSECRET"}"#.utf8), requestId: "r1", url: "u", secrets: ["STSSECRET"])
        #expect(a.errorCode == "APIGW.0301" && a.errorMessage == "bad sig for x-security-token:[REDACTED]")
        #expect(a.description == "HTTP 401 APIGW.0301: bad sig for x-security-token:[REDACTED] (X-Request-Id r1) GET u")
        let b = APIError.from(status: 500, body: Array(#"{"error":{"code":"E1","message":"m\nn"}}"#.utf8), requestId: nil, url: "u", secrets: [])
        #expect(b.errorCode == "E1" && b.errorMessage == "m ⏎ n" && b.isRetryable)
        let c = APIError.from(status: 403, body: Array(#"{"code":"C","message":"no"}"#.utf8), requestId: nil, url: "u", secrets: [])
        #expect(c.errorCode == "C" && !c.isRetryable)
    }
}
