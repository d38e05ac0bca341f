import Foundation
import SwitchboardCore
import SwitchboardHTTP
import SwitchboardPosix
import SwitchboardProviders

@testable import SwitchboardLoad

/// A router written for the tests: the data set's state in a real `Directory`, webhooks
/// authenticated and answered by the real provider adapters, caller-ID look-ups and writes in
/// the API's shapes. Knobs make it misbehave in one way each.
final class FakeRouter: Sendable {
    let directory: Directory
    let dataSet: DataSet
    /// Answer routed webhooks to these numbers with another agent.
    let wrongAgentFor: @Sendable (E164) -> Bool
    /// Between these times (since `start`), every request waits until the window ends.
    let stall: ClosedRange<Double>?
    /// Answer webhooks and caller-ID look-ups from the seeded state, never from the writes: a
    /// router whose acknowledged writes do not reach the hot path.
    let frozen: Directory?
    /// Seconds each write takes to answer (off the event loop), if set.
    let slowWrites: Double?
    private let clockStart = Guarded(ContinuousClock.now)

    init(
        dataSet: DataSet, wrongAgentFor: @escaping @Sendable (E164) -> Bool = { _ in false }, stall: ClosedRange<Double>? = nil,
        staleReads: Bool = false, slowWrites: Double? = nil
    ) throws {
        self.slowWrites = slowWrites
        self.dataSet = dataSet
        self.directory = try dataSet.makeDirectory()
        self.frozen = staleReads ? try dataSet.makeDirectory() : nil
        self.wrongAgentFor = wrongAgentFor
        self.stall = stall
    }

    /// The server on 127.0.0.1, port 0.
    func serve(threads: Int = 1) throws -> HTTPServer {
        let server = HTTPServer(
            configuration: HTTPServer.Configuration(host: "127.0.0.1", port: 0, threads: threads, offloadThreads: 4),
            handler: ClosureHandler { request, _ in self.handle(request) })
        try server.start()
        return server
    }

    func handle(_ request: HTTPRequest) -> HandlerResult {
        if let stall {
            let elapsed = secondsSinceStart
            if stall.contains(elapsed) {
                return .deferred { writer in
                    let remaining = stall.upperBound - self.secondsSinceStart
                    if remaining > 0 { usleep(UInt32(remaining * 1e6)) }
                    _ = writer.respond(self.respond(request))
                }
            }
        }
        if let slowWrites, request.method == "PUT" || request.method == "DELETE" {
            return .deferred { writer in
                usleep(UInt32(slowWrites * 1e6))
                _ = writer.respond(self.respond(request))
            }
        }
        return .respond(respond(request))
    }

    /// Restarts the clock the stall window is measured on (call just before the run).
    func restartClock() {
        clockStart.withLock { $0 = .now }
    }

    var secondsSinceStart: Double {
        let (seconds, attoseconds) = clockStart.withLock { $0 }.duration(to: .now).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    func respond(_ request: HTTPRequest) -> HTTPResponse {
        let parts = request.target.split(separator: "/").map(String.init)
        if parts.count == 3, parts[0] == "webhooks", request.method == "POST" {
            return webhook(provider: parts[1], account: parts[2], request: request)
        }
        guard request.headers["authorization"] == "Bearer test-admin" else {
            return .error(status: 401, code: "unauthorized", message: "send the admin token")
        }
        // /v1/accounts/{a}/agents/{id}/caller-id and /v1/accounts/{a}/numbers/{n}/agent
        guard parts.count == 6, parts[0] == "v1", parts[1] == "accounts" else {
            return .error(status: 404, code: "not_found", message: "no such route")
        }
        if parts[3] == "agents", parts[5] == "caller-id", request.method == "GET" {
            return callerID(account: parts[2], agent: parts[4])
        }
        if parts[3] == "numbers", parts[5] == "agent" {
            return write(account: parts[2], number: parts[4], request: request)
        }
        return .error(status: 404, code: "not_found", message: "no such route")
    }

    private func webhook(provider name: String, account: String, request: HTTPRequest) -> HTTPResponse {
        let directory = frozen ?? directory
        guard let provider = Provider(name: name), let accountID = try? Identifier(account),
            let connection = directory.connection(account: accountID, provider: provider),
            let slot = directory.index.accountSlot(account)
        else { return .error(status: 404, code: "unknown_account", message: "no such account") }
        let adapter = ProviderAdapters.adapter(for: provider)
        let event: WebhookEvent
        do {
            event = try adapter.receive(headers: request.headers, body: request.body, connection: connection, nowMillis: LoadPlan.unixMillis())
        } catch {
            return .error(status: HTTPStatus(code: error.httpStatus), code: error.code, message: error.message)
        }
        guard case .inboundCall(let call) = event, case .number(let number) = call.called else { return HTTPResponse(status: 204) }
        var route = InboundRoute(directory.index.inbound(number, account: slot, provider: provider))
        if case .routed(_, let agentID) = route, wrongAgentFor(number) {
            route = .routed(providerAgentID: "agent_somebody_else", agentID: agentID)
        }
        let reply = adapter.answer(route)
        return HTTPResponse(status: HTTPStatus(code: reply.status), headers: ["Content-Type": "application/json"], body: reply.body)
    }

    private func callerID(account: String, agent: String) -> HTTPResponse {
        let directory = frozen ?? directory
        guard let slot = directory.index.accountSlot(account) else { return .error(status: 404, code: "unknown_account", message: "no such account") }
        switch directory.index.callerID(account: slot, agentID: agent) {
        case .chosen(let number, let source, let record):
            return json(#"{"agent_id":"\#(record.id.value)","caller_id":"\#(number)","source":"\#(source)"}"#)
        case .refused(let reason):
            return .error(status: reason == .noCallerID ? 422 : 404, code: reason.code, message: "no caller ID")
        }
    }

    private func write(account: String, number text: String, request: HTTPRequest) -> HTTPResponse {
        guard let accountID = try? Identifier(account), let number = try? E164(text) else {
            return .error(status: 400, code: "bad_request", message: "bad account or number")
        }
        do {
            switch request.method {
            case "PUT":
                let body = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
                guard let agent = body?["agent_id"] as? String else { return .error(status: 400, code: "bad_request", message: "agent_id") }
                let result = try directory.assign(account: accountID, number: number, agent: try Identifier(agent))
                return json(#"{"number":\#(shape(result.number)),"previous_agent_id":\#(quoted(result.previousAgentID?.value)),"released_number":\#(quoted(result.releasedNumber?.description))}"#)
            case "DELETE":
                let result = try directory.unassign(account: accountID, number: number)
                return json(#"{"number":\#(shape(result.number)),"previous_agent_id":\#(quoted(result.previousAgentID?.value))}"#)
            default:
                return .error(status: 405, code: "method_not_allowed", message: "PUT or DELETE")
            }
        } catch let error as DirectoryError {
            return .error(status: HTTPStatus(code: error.code.httpStatus), code: error.code.rawValue, message: error.message)
        } catch {
            return .error(status: 400, code: "bad_request", message: "\(error)")
        }
    }

    private func shape(_ number: PhoneNumber) -> String {
        #"{"number":"\#(number.number)","provider":"\#(number.provider)","agent_id":\#(quoted(number.agentID?.value)),"status":"\#(number.status)"}"#
    }

    private func quoted(_ text: String?) -> String { text.map { "\"\($0)\"" } ?? "null" }

    private func json(_ text: String) -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Array(text.utf8))
    }
}
