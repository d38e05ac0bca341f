import SwitchboardCore

/// What the harness sends. Each kind has its own histogram and error counts.
///
/// Adding a kind (outbound calls, `POST /v1/accounts/{a}/calls`, come next) takes: a case here, a
/// request in `RequestFactory`, a check in `AnswerChecker`, and a weight in `TrafficMix` (or, for
/// writes, a choice in `Operator`). The engine itself is kind-agnostic.
public enum RequestKind: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// `POST /webhooks/retell/{a}`, signed with the account's Retell API key.
    case webhookRetell
    /// `POST /webhooks/vapi/{a}`, timestamped HMAC with the webhook secret.
    case webhookVapi
    /// `POST /webhooks/bland/{a}`, HMAC with the webhook secret.
    case webhookBland
    /// `GET /v1/accounts/{a}/agents/{id}/caller-id` with the admin token.
    case callerID
    /// `PUT /v1/accounts/{a}/numbers/{n}/agent`: an operator (re)assigning a number.
    case assign
    /// `DELETE /v1/accounts/{a}/numbers/{n}/agent`: an operator unassigning one.
    case unassign

    public var name: String {
        switch self {
        case .webhookRetell: "webhook_retell"
        case .webhookVapi: "webhook_vapi"
        case .webhookBland: "webhook_bland"
        case .callerID: "caller_id"
        case .assign: "assign"
        case .unassign: "unassign"
        }
    }

    public var description: String { name }

    /// The kinds the traffic mix draws from (writes come at their own rate).
    public static let traffic: [RequestKind] = [.webhookRetell, .webhookVapi, .webhookBland, .callerID]

    static func webhook(_ provider: Provider) -> RequestKind {
        switch provider {
        case .retell: .webhookRetell
        case .vapi: .webhookVapi
        case .bland: .webhookBland
        }
    }

    var webhookProvider: Provider? {
        switch self {
        case .webhookRetell: .retell
        case .webhookVapi: .vapi
        case .webhookBland: .bland
        case .callerID, .assign, .unassign: nil
        }
    }
}

/// The shares of the traffic kinds, e.g. `retell=60,vapi=20,bland=20,caller-id=10`.
public struct TrafficMix: Hashable, Sendable {
    public var weights: [RequestKind: Double]

    public init(weights: [RequestKind: Double] = [.webhookRetell: 1, .webhookVapi: 1, .webhookBland: 1]) {
        self.weights = weights
    }

    public static let names: [String: RequestKind] = [
        "retell": .webhookRetell, "vapi": .webhookVapi, "bland": .webhookBland, "caller-id": .callerID,
    ]

    /// Parses `name=weight,…` with the names above; unnamed kinds get 0.
    public init(parsing text: String) throws(LoadTestError) {
        var weights: [RequestKind: Double] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let kind = TrafficMix.names[String(pair[0])], let weight = Double(pair[1]) else {
                throw LoadTestError("mix: '\(part)' is not name=weight with a name among retell, vapi, bland, caller-id")
            }
            guard weights[kind] == nil else { throw LoadTestError("mix: '\(pair[0])' is given twice") }
            weights[kind] = weight
        }
        try Weights.check(weights, field: "mix")
        self.weights = weights
    }

    /// Cumulative weights in `RequestKind.traffic` order, normalised to end at 1.
    var cumulative: [Double] {
        let total = RequestKind.traffic.reduce(0) { $0 + (weights[$1] ?? 0) }
        var running = 0.0
        return RequestKind.traffic.map { kind in
            running += (weights[kind] ?? 0) / total
            return running
        }
    }
}
