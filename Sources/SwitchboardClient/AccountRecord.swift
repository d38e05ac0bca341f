import Foundation

/// An account in `GET /v1/accounts`.
public struct AccountRecord: Decodable, Equatable, Sendable {
    public let id: String
    public let name: String
}

/// One page of `GET /v1/accounts`, sorted by id.
public struct AccountPage: Decodable, Equatable, Sendable {
    public let accounts: [AccountRecord]
    /// Nil at the end (and from a router that predates paging, which sent every account at once).
    public let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case accounts
        case nextCursor = "next_cursor"
    }
}

/// The answer to `POST /v1/accounts`: the account's token, shown this once.
public struct CreatedAccount: Decodable, Equatable, Sendable {
    public let id: String
    public let name: String
    public let token: String
}

/// A provider connection as the API shows it: the API key and webhook secret masked.
public struct ProviderConnectionRecord: Decodable, Equatable, Sendable {
    public let account: String
    public let provider: String
    /// Masked (`••••` and the last characters): the key itself never comes back.
    public let apiKey: String
    public let webhookSecret: String?
    public let baseURL: String?
    public let defaultCallerID: String?

    enum CodingKeys: String, CodingKey {
        case account, provider
        case apiKey = "api_key"
        case webhookSecret = "webhook_secret"
        case baseURL = "base_url"
        case defaultCallerID = "default_caller_id"
    }
}

/// The body of `PUT /v1/accounts/{a}/providers/{provider}`.
public struct ProviderSettings: Sendable {
    public var apiKey: String
    public var webhookSecret: String?
    public var baseURL: String?
    public var defaultCallerID: String?

    public init(apiKey: String, webhookSecret: String? = nil, baseURL: String? = nil, defaultCallerID: String? = nil) {
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
        self.baseURL = baseURL
        self.defaultCallerID = defaultCallerID
    }

    var json: Data {
        JSONBodies.encode([
            "api_key": apiKey, "webhook_secret": webhookSecret ?? NSNull(), "base_url": baseURL ?? NSNull(),
            "default_caller_id": defaultCallerID ?? NSNull(),
        ])
    }
}

/// A recent routing decision (SPEC §3 `event`).
public struct RoutingEventRecord: Decodable, Equatable, Sendable {
    public let at: String
    /// `inbound` or `outbound`.
    public let direction: String
    public let provider: String
    public let number: String?
    public let agentID: String?
    /// `routed` or `refused`.
    public let outcome: String
    public let reason: String?
    public let micros: Int

    enum CodingKeys: String, CodingKey {
        case at, direction, provider, number, outcome, reason, micros
        case agentID = "agent_id"
    }
}

/// One page of `GET /v1/accounts/{a}/events`, newest first.
public struct EventPage: Decodable, Equatable, Sendable {
    public let events: [RoutingEventRecord]
    public let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case events
        case nextCursor = "next_cursor"
    }
}

/// Request bodies: JSON objects written by `JSONSerialization` (keys sorted so a body is stable).
enum JSONBodies {
    static func encode(_ object: [String: Any]) -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            // Only strings and NSNull reach here, which always serialise: a failure is a bug here.
            preconditionFailure("a request body did not serialise: \(error)")
        }
    }
}
