public import SwitchboardCore

/// Why a webhook request is refused before anything is routed, with the HTTP status the server
/// answers, a stable snake_case code and a message that says what to do. Messages never repeat a
/// credential, not even the (wrong) one the request carried.
public enum WebhookError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Content-Type is missing or not `application/json` (415). Carries what was sent, shortened.
    case unsupportedMediaType(received: String?)
    /// None of the headers this provider authenticates with is present (401).
    case missingCredentials(provider: Provider, expected: String)
    /// An authentication header is present but not in the documented form, or repeated (401).
    case malformedCredentials(header: String, problem: String)
    /// The signature, secret or token does not match the connection's credentials (401).
    case credentialMismatch(header: String)
    /// The signed timestamp is more than the tolerance away from now: a replay or a bad clock (401).
    case timestampOutOfTolerance(header: String, skewSeconds: Int64)
    /// The connection lacks the secret this provider's webhooks are checked with (401):
    /// `field` is `webhook_secret` or `api_key`.
    case credentialNotConfigured(provider: Provider, field: String)
    /// The body is not JSON (400).
    case invalidJSON(JSONError)
    /// The body is JSON but not the provider's shape: `field` is the path that is wrong (400).
    case invalidBody(field: String, problem: String)
    /// The field that carries a phone number does not hold an E.164 number (400).
    case invalidPhoneNumber(field: String, E164.ParseError)

    /// The status the server should answer with.
    public var httpStatus: Int {
        switch self {
        case .unsupportedMediaType: 415
        case .missingCredentials, .malformedCredentials, .credentialMismatch, .timestampOutOfTolerance, .credentialNotConfigured: 401
        case .invalidJSON, .invalidBody, .invalidPhoneNumber: 400
        }
    }

    /// The stable code for `{"error":{"code":…}}` and for metrics.
    public var code: String {
        switch self {
        case .unsupportedMediaType: "unsupported_media_type"
        case .missingCredentials: "missing_signature"
        case .malformedCredentials: "malformed_signature"
        case .credentialMismatch: "invalid_signature"
        case .timestampOutOfTolerance: "stale_timestamp"
        case .credentialNotConfigured: "webhook_credentials_not_configured"
        case .invalidJSON: "invalid_json"
        case .invalidBody: "invalid_webhook_body"
        case .invalidPhoneNumber: "invalid_phone_number"
        }
    }

    /// What went wrong and what to do.
    public var message: String {
        switch self {
        case .unsupportedMediaType(let received):
            let sent = received.map { "'\($0)'" } ?? "no Content-Type"
            return "webhooks must be sent as Content-Type: application/json (UTF-8); this request had \(sent)"
        case .missingCredentials(let provider, let expected):
            return "the \(provider) webhook carries no \(expected): configure the webhook's signing in the \(provider) dashboard to match the connection"
        case .malformedCredentials(let header, let problem):
            return "the \(header) header is malformed: \(problem)"
        case .credentialMismatch(let header):
            return "the \(header) header does not match this connection's credentials: check that the provider signs with the secret stored on the connection"
        case .timestampOutOfTolerance(let header, let skew):
            return "the \(header) timestamp is \(skew) s away from now, more than the \(WebhookTimestamp.toleranceMillis / 1000) s allowed: a replayed request, or a clock to fix"
        case .credentialNotConfigured(let provider, let field):
            return "the \(provider) connection has no \(field) to check webhooks with: set \(field) with PUT /v1/accounts/{account}/providers/\(provider)"
        case .invalidJSON(let error):
            return "the webhook body is \(error): send the provider's JSON payload unchanged"
        case .invalidBody(let field, let problem):
            return "the webhook body's \(field) \(problem)"
        case .invalidPhoneNumber(let field, let error):
            return "the webhook body's \(field) is not a phone number: \(error)"
        }
    }

    public var description: String { "\(code): \(message)" }
}
