import Foundation

/// A non-2xx answer from the API, with everything needed to report or look it up: status, the
/// vendor's error code and message, and the request id the vendor's support asks for.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var errorCode: String?
    public var errorMessage: String?
    public var requestId: String?
    public var url: String
    /// Seconds the server asked us to wait (`Retry-After`), if it said.
    public var retryAfter: Double?
    /// Where a redirect (3xx) points (`Location`), as sent; shown with its credentials masked.
    public var location: String?

    /// 429, 5xx: worth another try. 400/401/403 never are (AK/SK pairs are locked after five failures).
    public var isRetryable: Bool { status == 429 || status >= 500 }
    public var isThrottle: Bool { status == 429 }

    /// One line: `HTTP 401 APIGW.0301: <message> (X-Request-Id abc) GET <url> (offset 200)`; the URL
    /// without its query, the server's texts terminal-safe.
    public var description: String {
        var text = "HTTP \(status)"
        if let errorCode { text += " \(SafeText.escaped(errorCode, limit: 60))" }
        if let errorMessage { text += ": \(errorMessage)" }
        // A redirect is not followed (it would drop the signed Host): where it points is the news.
        if (300...399).contains(status) {
            text += location.map { " redirecting to \(URLDisplay.safe($0))" } ?? " without a Location"
        }
        text += " (X-Request-Id \(requestId.map { SafeText.escaped($0, limit: 80) } ?? "none"))"
        text += " GET \(URLDisplay.safe(url))"
        if let offset = URLDisplay.integerParameter("offset", of: url) { text += " (offset \(offset))" }
        return text
    }

    /// Reads the error body in any of the vendor's shapes: `{error_code, error_msg}`, `{code, message}`
    /// or either nested under `"error"`; a body that is not JSON is quoted when it is text and
    /// described when it is binary. Credentials are masked (`SecretRedactor.maskingCredentials`),
    /// control characters escaped and the message cut to 400 characters.
    public static func from(status: Int, body: [UInt8], requestId: String?, url: String, secrets: [String]) -> APIError {
        var code: String?
        var message: String?
        if let value = try? JSONParser.parse(body), case .object(var object) = value {
            if case .object(let nested)? = object["error"] { object = nested }
            code = object["error_code"]?.stringValue ?? object["code"]?.stringValue
            message = object["error_msg"]?.stringValue ?? object["message"]?.stringValue
        } else if let binary = SafeText.describeBinary(body) {
            message = binary
        } else if !body.isEmpty {
            message = String(decoding: body.prefix(2000), as: UTF8.self)
        }
        return APIError(status: status, errorCode: code.map { clean($0, secrets: secrets, limit: 60) },
                        errorMessage: message.map { clean($0, secrets: secrets) }, requestId: requestId, url: url)
    }

    static func clean(_ text: String, secrets: [String], limit: Int = 400) -> String {
        let masked = SecretRedactor.maskingCredentials(secrets, in: text)
        let oneLine = masked.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ")
        return SafeText.escaped(oneLine, limit: limit)
    }
}
