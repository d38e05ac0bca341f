public import SwitchboardCore

/// What Switchboard was doing with a provider's API when it failed.
public enum ProviderOperation: String, Sendable, Equatable {
    case listNumbers = "list numbers"
    case pushAssignment = "update a number"
    case createCall = "create a call"
}

/// Every way a provider's API can fail us, for every provider: the answer was not success, or it
/// never came. Each maps to the status our server answers (SPEC §3 keeps 502/504 for a failed
/// provider: 502 for provider errors, garbage and a provider's 429, whose `Retry-After` is passed
/// on; 504 for timeouts; 422 for a request we refuse to send) and a message. The provider's own
/// message is quoted, shortened and with the connection's secrets blanked out; nothing here ever
/// holds an API key.
public struct ProviderFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// A non-success status other than 429, with the provider's message when it gave one.
        case status(Int, providerMessage: String?)
        /// 429: the provider asks us to slow down, for `retryAfterSeconds` when it said.
        case rateLimited(retryAfterSeconds: Int?, providerMessage: String?)
        /// A success status whose body says the request failed (Bland's 200 `"status":"error"`).
        case refused(providerMessage: String?)
        /// The answer is not JSON, or JSON of the wrong shape.
        case malformedAnswer(detail: String)
        /// No complete answer within the timeout.
        case timeout(seconds: Double)
        /// The connection could not be made or broke before an answer (refused, DNS, TLS, reset).
        case unreachable(detail: String)
        /// The answer's body ended before its declared length.
        case truncatedAnswer(detail: String)
        /// A listing that cannot be complete: a repeated cursor or too many pages.
        case incompleteListing(detail: String)
        /// We refused to send: a stored value (base URL, key, id) cannot go into a request.
        case invalidRequest(detail: String)
    }

    public let provider: Provider
    public let operation: ProviderOperation
    public let kind: Kind

    public init(provider: Provider, operation: ProviderOperation, kind: Kind) {
        self.provider = provider
        self.operation = operation
        self.kind = kind
    }

    /// The status our server answers with. A provider's 429 is 502 too: it is the provider that
    /// refused, not our router that is overloaded; `code`, `providerStatus` and `Retry-After`
    /// say it was rate limiting.
    public var httpStatus: Int {
        switch kind {
        case .timeout: 504
        case .invalidRequest: 422
        case .status, .rateLimited, .refused, .malformedAnswer, .unreachable, .truncatedAnswer, .incompleteListing: 502
        }
    }

    /// The stable code for `{"error":{"code":…}}`.
    public var code: String {
        switch kind {
        case .status: "provider_error"
        case .rateLimited: "provider_rate_limited"
        case .refused: "provider_refused"
        case .malformedAnswer: "provider_bad_answer"
        case .timeout: "provider_timeout"
        case .unreachable: "provider_unreachable"
        case .truncatedAnswer: "provider_bad_answer"
        case .incompleteListing: "provider_listing_incomplete"
        case .invalidRequest: "provider_request_invalid"
        }
    }

    /// For a provider's 429: how long the client should wait, when the provider said (our answer
    /// carries it as `Retry-After`).
    public var retryAfterSeconds: Int? {
        if case .rateLimited(let seconds, _) = kind { return seconds }
        return nil
    }

    /// The provider's status, when it answered with one.
    public var providerStatus: Int? {
        switch kind {
        case .status(let status, _): status
        case .rateLimited: 429
        default: nil
        }
    }

    /// What went wrong and what to do.
    public var message: String {
        let failed = "\(provider) failed to \(operation.rawValue)"
        func quoted(_ text: String?) -> String { text.map { ": \"\($0)\"" } ?? "" }
        switch kind {
        case .status(let status, let text):
            return "\(failed): it answered \(status)\(quoted(text)); \(ProviderFailure.hint(status, provider))"
        case .rateLimited(let seconds, let text):
            let wait = seconds.map { "retry after \($0) s" } ?? "retry later"
            return "\(failed): it is rate limiting requests (429)\(quoted(text)); \(wait)"
        case .refused(let text):
            return "\(failed): it answered with an error\(quoted(text)); check the request's ids and numbers at \(provider)"
        case .malformedAnswer(let detail):
            return "\(failed): its answer was not what its API documents (\(detail)); \(unclearOutcome)"
        case .timeout(let seconds):
            return "\(failed): no answer within \(ProviderFailure.format(seconds)) s; \(unclearOutcome)"
        case .unreachable(let detail):
            return "\(failed): could not reach it (\(detail)); check the connection's base_url and the network"
        case .truncatedAnswer(let detail):
            return "\(failed): its answer was cut short (\(detail)); \(unclearOutcome)"
        case .incompleteListing(let detail):
            return "\(failed): the listing could not be completed (\(detail))"
        case .invalidRequest(let detail):
            return "\(failed): the request was not sent: \(detail)"
        }
    }

    public var description: String { "\(code) (\(httpStatus)): \(message)" }

    /// What to do after an answer we could not read, or none at all: the provider may have done
    /// what it was asked (a slow provider still places the call), so a blind retry of a call could
    /// dial the same person twice. A listing changes nothing at the provider; what it changes here
    /// (nothing, when it fails) the sync's own status says.
    private var unclearOutcome: String {
        switch operation {
        case .listNumbers:
            "try again later"
        case .pushAssignment:
            "it may have been applied all the same; it is sent again until \(provider) confirms it"
        case .createCall:
            "the call may have been placed all the same: check \(provider)'s call list before retrying, so that nobody is dialled twice"
        }
    }

    private static func hint(_ status: Int, _ provider: Provider) -> String {
        switch status {
        case 401, 403: "check the connection's api_key for \(provider)"
        case 404: "check that the agent, number or path exists at \(provider) (and the connection's base_url)"
        case 400..<500: "check the agent's provider id and the numbers involved"
        default: "\(provider) is failing; try again later"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
