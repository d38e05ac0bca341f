import Foundation

/// The admin commands that talk to a running router: `numbers`, `agents`, `assign`, `unassign`,
/// `sync`, `calls`.
///
/// The executable parses arguments into one of these; `run` does the work and returns the exit
/// status: 0 done, 1 the server refused or could not be reached (the message says which), 64 a
/// setting is wrong (no token, a bad server URL).
public struct AdminCommand: Equatable, Sendable {
    public enum Action: Equatable, Sendable {
        /// The Phone Numbers list, or with `available` the pool of active, unassigned numbers.
        case numbers(NumbersSelection)
        case agents
        /// `number` in any form SPEC §1 accepts; sent percent-encoded.
        case assign(number: String, agent: String)
        case unassign(number: String)
        /// Sync the account's providers (or one); `wait`: until it finishes.
        case sync(provider: String?, wait: Bool)
        /// Place an outbound call for `agent` to `to`, caller ID `from` if given.
        case call(agent: String, to: String, from: String?)
    }

    /// Which numbers `switchboard numbers` lists.
    public struct NumbersSelection: Equatable, Sendable {
        public var available = false
        public var provider: String?
        public var status: String?
        public var assigned: Bool?
        public init(available: Bool = false, provider: String? = nil, status: String? = nil, assigned: Bool? = nil) {
            self.available = available
            self.provider = provider
            self.status = status
            self.assigned = assigned
        }
    }

    public static let exitOK: Int32 = 0
    public static let exitFailure: Int32 = 1
    /// EX_USAGE from sysexits.h.
    public static let exitUsage: Int32 = 64

    public var action: Action
    public var options: AdminOptions

    public init(_ action: Action, options: AdminOptions) {
        self.action = action
        self.options = options
    }

    /// Runs the command (`environment` nil: the process's); `output` gets what belongs on stdout, `errors` what belongs on stderr.
    public func run(
        environment: [String: String]? = nil, output: (String) -> Void, errors: (String) -> Void
    ) -> Int32 {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let client: SwitchboardClient
        do {
            client = try options.client(environment: environment)
        } catch {
            errors("switchboard: \(error)\n")
            return Self.exitUsage
        }
        do {
            output(try perform(client))
            return Self.exitOK
        } catch {
            errors("switchboard: \(error)\n")
            return Self.exitFailure
        }
    }

    /// The text to print, or the client's error.
    func perform(_ client: SwitchboardClient) throws(ClientError) -> String {
        let account = options.account
        switch action {
        case .numbers(let selection):
            let path = SwitchboardClient.accountPath(account) + (selection.available ? "/numbers/available" : "/numbers")
            var query: [(name: String, value: String)] = []
            if let provider = selection.provider { query.append(("provider", provider)) }
            if let status = selection.status { query.append(("status", status)) }
            if let assigned = selection.assigned { query.append(("assigned", assigned ? "true" : "false")) }
            if options.json { return try Self.allPagesJSON(client, path: path, query: query, key: "numbers") }
            let numbers =
                selection.available
                ? try client.availableNumbers(account: account, provider: selection.provider)
                : try client.numbers(account: account, filter: NumberFilter(provider: selection.provider, status: selection.status, assigned: selection.assigned))
            let filtered = selection.provider != nil || selection.status != nil || selection.assigned != nil
            return AdminOutput.numbers(numbers, available: selection.available, filtered: filtered, account: account)
        case .agents:
            if options.json { return try Self.allPagesJSON(client, path: SwitchboardClient.accountPath(account) + "/agents", query: [], key: "agents") }
            return AdminOutput.agents(try client.agents(account: account), account: account)
        case .assign(let number, let agent):
            if options.json {
                let body = JSONBodies.encode(["agent_id": agent])
                return try client.send("PUT", client.numberPath(account, number) + "/agent", body: body).checked().text + "\n"
            }
            return AdminOutput.assigned(try client.assign(account: account, number: number, agent: agent))
        case .unassign(let number):
            if options.json { return try client.send("DELETE", client.numberPath(account, number) + "/agent").checked().text + "\n" }
            return AdminOutput.unassigned(try client.unassign(account: account, number: number))
        case .sync(let provider, let wait):
            let statuses = (wait
                ? try client.sync(account: account, provider: provider, timeout: max(options.timeout, 60))
                : try client.startSync(account: account, provider: provider)).filter { provider == nil || $0.provider == provider }
            if options.json { return try client.send("GET", SwitchboardClient.accountPath(account) + "/sync").checked().text + "\n" }
            return AdminOutput.sync(statuses)
        case .call(let agent, let to, let from):
            let call = try client.placeCall(account: account, agent: agent, to: to, from: from)
            if options.json {
                let object: [String: Any] = ["call_id": call.callID, "provider": call.provider, "agent_id": call.agentID, "from": call.from, "to": call.to]
                return String(decoding: JSONBodies.encode(object), as: UTF8.self) + "\n"
            }
            return "Placed call \(call.callID) through \(call.provider): agent '\(call.agentID)' calls \(call.to) from \(call.from).\n"
        }
    }

    /// The server's JSON for a list. One page is printed as it came; several are merged into one
    /// document of the same shape (`next_cursor` null), each item as the server wrote it.
    static func allPagesJSON(_ client: SwitchboardClient, path: String, query: [(name: String, value: String)], key: String) throws(ClientError) -> String {
        var pages: [String] = []
        var items: [Any] = []
        var cursor: String?
        var seen: Set<String> = []
        repeat {
            let response = try client.send("GET", path, query: query + [("limit", "1000")] + (cursor.map { [("cursor", $0)] } ?? [])).checked()
            guard let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any], let page = object[key] as? [Any] else {
                throw .invalidAnswer(status: response.status, reason: "no '\(key)' list in the answer")
            }
            pages.append(response.text)
            items += page
            let next = object["next_cursor"] as? String
            if let next, !seen.insert(next).inserted || page.isEmpty {
                throw .invalidAnswer(status: response.status, reason: "next_cursor '\(next)' does not advance")
            }
            cursor = next
        } while cursor != nil
        if pages.count == 1 { return pages[0] + "\n" }
        let merged: [String: Any] = [key: items, "next_cursor": NSNull()]
        guard let data = try? JSONSerialization.data(withJSONObject: merged, options: [.withoutEscapingSlashes]) else {
            throw .invalidAnswer(status: 200, reason: "the pages could not be merged into one document")
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
