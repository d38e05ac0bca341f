import SwitchboardCore
import SwitchboardProviders

/// One request ready to send: the bytes on the wire and what it is about.
struct PreparedRequest: Sendable {
    /// The number (webhooks) or agent (caller-ID look-ups) the request targets.
    let target: Int32
    let bytes: [UInt8]
}

/// Every traffic request of a run, built and signed ahead, so sending one costs a pointer: no
/// formatting, no HMAC per request. Immutable; the resigner replaces the whole table every
/// `RequestFactory.resignInterval`, because Retell's (and Vapi's timestamped) signatures carry the
/// time and the router refuses those more than 5 minutes old.
final class RequestTable: Sendable {
    /// Webhooks by provider, one per number of the pool.
    let webhooks: [[PreparedRequest]]
    let callerIDs: [PreparedRequest]
    /// When the signatures were made (Unix milliseconds).
    let signedAtMillis: Int64

    init(webhooks: [[PreparedRequest]], callerIDs: [PreparedRequest], signedAtMillis: Int64) {
        self.webhooks = webhooks
        self.callerIDs = callerIDs
        self.signedAtMillis = signedAtMillis
    }
}

/// Builds requests from the data set: the traffic table ahead of the run, the operator's writes as
/// they happen (a few per second, so built on demand).
struct RequestFactory: Sendable {
    let dataSet: DataSet
    /// The `Host` header value.
    let host: String
    let adminToken: String?
    /// Numbers per provider (and agents) given a prepared request; the rest of a large data set is
    /// not called (a million signed requests would cost more memory than the router).
    let poolSize: Int

    static let resignIntervalMillis: Int64 = 60_000

    func makeTable(unixMillis: Int64, callerIDAgents: [Int32]) -> RequestTable {
        var webhooks: [[PreparedRequest]] = []
        for provider in Provider.allCases {
            let numbers = dataSet.numbersByProvider[Int(provider.rawValue)].prefix(poolSize)
            webhooks.append(numbers.map { PreparedRequest(target: $0, bytes: webhook(number: Int($0), unixMillis: unixMillis)) })
        }
        var callerIDs: [PreparedRequest] = []
        if adminToken != nil {
            callerIDs = callerIDAgents.map { PreparedRequest(target: $0, bytes: callerID(agent: Int($0))) }
        }
        return RequestTable(webhooks: webhooks, callerIDs: callerIDs, signedAtMillis: unixMillis)
    }

    /// An inbound-call webhook to `number` in its provider's format, signed as that provider signs.
    func webhook(number index: Int, unixMillis: Int64) -> [UInt8] {
        let provider = dataSet.provider(ofNumber: index)
        let account = Int(dataSet.numberAccount[index])
        let callID = "load-\(dataSet.spec.seed)-\(index)"
        let body = WebhookBodies.inboundCall(
            provider, to: dataSet.number(index), from: "+15550000001", callID: callID,
            phoneNumberID: dataSet.providerNumberID(index), unixMillis: unixMillis)
        let headers = WebhookSigner.sign(provider, body: body, key: dataSet.signingKey(account: account, provider: provider), unixMillis: unixMillis)
        var head = "POST /webhooks/\(provider.name)/\(dataSet.accountID(account)) HTTP/1.1\r\nHost: \(host)\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        for header in headers { head += "\(header.name): \(header.value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    func callerID(agent: Int) -> [UInt8] {
        Array("GET /v1/accounts/\(dataSet.accountID(ofAgent: agent))/agents/\(dataSet.agentID(agent))/caller-id HTTP/1.1\r\nHost: \(host)\r\n\(authorization)\r\n".utf8)
    }

    /// `PUT …/numbers/{n}/agent {"agent_id":…}`.
    func assign(number: Int, agent: Int) -> [UInt8] {
        let body = #"{"agent_id":"\#(dataSet.agentID(agent))"}"#
        return Array("PUT \(numberPath(number)) HTTP/1.1\r\nHost: \(host)\r\n\(authorization)Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    /// `DELETE …/numbers/{n}/agent`.
    func unassign(number: Int) -> [UInt8] {
        Array("DELETE \(numberPath(number)) HTTP/1.1\r\nHost: \(host)\r\n\(authorization)\r\n".utf8)
    }

    private func numberPath(_ number: Int) -> String {
        "/v1/accounts/\(dataSet.accountID(ofNumber: number))/numbers/\(dataSet.number(number))/agent"
    }

    private var authorization: String { adminToken.map { "Authorization: Bearer \($0)\r\n" } ?? "" }
}
