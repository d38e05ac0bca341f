import Foundation

/// One provider's sync state (SPEC §3 `sync`).
public struct SyncStatusRecord: Decodable, Equatable, Sendable {
    public let provider: String
    public let running: Bool
    public let lastStartedAt: String?
    public let lastFinishedAt: String?
    /// `ok`, `error`, or nil before the first sync.
    public let result: String?
    public let error: String?
    public let added: Int
    public let updated: Int
    public let deactivated: Int
    public let skipped: Int?
    public let conflicts: Int?

    enum CodingKeys: String, CodingKey {
        case provider, running, result, error, added, updated, deactivated, skipped, conflicts
        case lastStartedAt = "last_started_at"
        case lastFinishedAt = "last_finished_at"
    }
}

/// `{"providers":[…]}`.
public struct SyncStatuses: Decodable, Equatable, Sendable {
    public let providers: [SyncStatusRecord]
}

/// A call the provider created (SPEC §3 `call`).
public struct CallRecord: Decodable, Equatable, Sendable {
    public let callID: String
    public let provider: String
    public let agentID: String
    public let from: String
    public let to: String

    enum CodingKeys: String, CodingKey {
        case provider, from, to
        case callID = "call_id"
        case agentID = "agent_id"
    }
}

extension SwitchboardClient {
    /// Starts a sync of the account's connections (or only `provider`'s); the states right after.
    public func startSync(account: String, provider: String? = nil) throws(ClientError) -> [SyncStatusRecord] {
        try send("POST", accountPath(account) + "/sync", query: provider.map { [(name: "provider", value: $0)] } ?? []).checked()
            .decode(SyncStatuses.self).providers
    }

    /// The last sync result per connected provider.
    public func syncStatuses(account: String) throws(ClientError) -> [SyncStatusRecord] {
        try send("GET", accountPath(account) + "/sync").checked().decode(SyncStatuses.self).providers
    }

    /// Starts a sync and polls until none of the providers it started is running, at most
    /// `timeout` seconds; the final states.
    public func sync(account: String, provider: String? = nil, timeout: Double = 60) throws(ClientError) -> [SyncStatusRecord] {
        let started = try startSync(account: account, provider: provider)
        // The answer lists every connected provider; only the one asked for, if any, is waited on.
        let names = Set(started.map(\.provider).filter { provider == nil || $0 == provider })
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let statuses = try syncStatuses(account: account).filter { names.contains($0.provider) }
            if !statuses.contains(where: \.running) { return statuses }
            guard Date() < deadline else { throw .stillRunning("the sync of \(names.sorted().joined(separator: ", "))", seconds: timeout) }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Places an outbound call for `agent` to `to`, with caller ID `from` if given (rule 7).
    public func placeCall(account: String, agent: String, to: String, from: String? = nil, metadata: [String: String]? = nil) throws(ClientError) -> CallRecord {
        var body: [String: Any] = ["agent_id": agent, "to": to]
        if let from { body["from"] = from }
        if let metadata { body["metadata"] = metadata }
        return try send("POST", accountPath(account) + "/calls", body: JSONBodies.encode(body)).checked().decode(CallRecord.self)
    }
}
