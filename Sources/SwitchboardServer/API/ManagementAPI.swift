public import SwitchboardCore
public import SwitchboardHTTP
import SwitchboardStore

/// An answer to a request, before the connection layer frames it.
public struct APIResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    init(status: Int, headers: HTTPHeaders = [:], json body: [UInt8]) {
        self.status = HTTPStatus(code: status)
        self.headers = headers
        self.headers.append(name: "Content-Type", value: "application/json")
        self.body = body
    }

    init(status: Int, contentType: String, body: [UInt8]) {
        self.status = HTTPStatus(code: status)
        self.headers = ["Content-Type": contentType]
        self.body = body
    }

    init(_ error: APIError) {
        var headers: HTTPHeaders = [:]
        if !error.allow.isEmpty { headers.append(name: "Allow", value: error.allow.joined(separator: ", ")) }
        self.init(status: error.status, headers: headers, json: error.body)
    }
}

/// The management API of SPEC §3 over a `Directory`: routing, auth, JSON in and out. No sockets:
/// the connection layer hands it a request and writes back what it returns.
public final class ManagementAPI: Sendable {
    public let directory: Directory
    let authenticator: Authenticator
    public let metrics: Metrics
    let events: EventLog
    /// Number sync; nil in a router without provider integration (then the sync routes say 503).
    let sync: SyncCoordinator?
    /// Push of assignments to the providers; nil without provider integration.
    let push: PushQueue?
    /// Outbound calls through the providers; nil without provider integration.
    let calls: CallPlacer?
    let readiness: @Sendable () -> Bool
    let clock: @Sendable () -> Timestamp
    /// One line per change made (accounts, providers, agents, assignments); reads are not logged.
    let log: Log

    public init(
        directory: Directory, adminToken: String, metrics: Metrics = Metrics(), events: EventLog = EventLog(lanes: 1),
        sync: SyncCoordinator? = nil, push: PushQueue? = nil, calls: CallPlacer? = nil, readiness: @escaping @Sendable () -> Bool = { true },
        clock: @escaping @Sendable () -> Timestamp, log: Log = .standardError
    ) {
        self.directory = directory
        self.log = log
        self.authenticator = Authenticator(adminToken: adminToken)
        self.metrics = metrics
        self.events = events
        self.sync = sync
        self.push = push
        self.calls = calls
        self.readiness = readiness
        self.clock = clock
    }

    /// Whether the request changes state (takes the directory's lock, writes a log line, and is
    /// answered only once durable): the connection layer runs those off the event loop.
    public static func isWrite(method: String) -> Bool { method != "GET" && method != "HEAD" }

    /// Answers one request through `respond`, called once: from this thread, or, when the request
    /// changed something, from the thread that learnt the change is durable (the journal's flusher:
    /// `respond` must not block), or from a task (an outbound call waits for the provider). This
    /// thread never waits for the disk: writes are applied and journaled here, and acknowledged
    /// once the fsync that covers them is done (`Directory.deferringDurability`). `started` is a
    /// monotonic time in nanoseconds for the latency metric, recorded when the answer is ready;
    /// `lane` must be one any thread may count in (the offload lane).
    public func answer(
        method: String, target: String, authorization: String?, body: [UInt8], started: UInt64? = nil, lane: Int = 0,
        respond: @escaping @Sendable (APIResponse) -> Void
    ) {
        let segments = (try? HTTPRequestTarget(target).pathSegments().filter { !$0.isEmpty }) ?? []
        guard method == "POST", let route = Route(segments: segments), case .calls(let account) = route else {
            let ((response, metricIndex), pending) = Directory.deferringDurability {
                self.route(method: method, target: target, authorization: authorization, body: body)
            }
            let metrics = self.metrics
            pending.whenDurable { error in
                let response = error.map { APIResponse(ManagementAPI.unacknowledged($0)) } ?? response
                metrics.recordRequest(route: metricIndex, status: response.status.code, started: started, lane: lane)
                respond(response)
            }
            return
        }
        do throws(APIError) {
            let work = try prepareCall(account: account, authorization: authorization, body: body, lane: lane)
            let metrics = self.metrics
            Task {
                let response = await work()
                metrics.recordRequest(route: route.metricIndex, status: response.status.code, started: started, lane: lane)
                respond(response)
            }
        } catch {
            let response = APIResponse(error)
            metrics.recordRequest(route: route.metricIndex, status: response.status.code, started: started, lane: lane)
            respond(response)
        }
    }

    private func prepareCall(account text: String, authorization: String?, body: [UInt8], lane: Int) throws(APIError) -> @Sendable () async -> APIResponse {
        guard let principal = authenticator.principal(authorization: authorization, directory: directory) else { throw APIError.unauthorized }
        let account = try accountID(text, principal: principal)
        guard let calls else { throw APIError(503, "calls_unavailable", "this router runs without provider integration: start it with `switchboard serve`") }
        return try calls.prepare(account: account, body: body, lane: lane)
    }

    /// `lane` is the metrics lane of the calling thread (its event loop, see `Metrics`).
    public func handle(method: String, target: String, authorization: String?, body: [UInt8], started: UInt64? = nil, lane: Int = 0) -> APIResponse {
        let (response, metricIndex) = route(method: method, target: target, authorization: authorization, body: body)
        metrics.recordRequest(route: metricIndex, status: response.status.code, started: started, lane: lane)
        return response
    }

    private func route(method: String, target: String, authorization: String?, body: [UInt8]) -> (APIResponse, Int) {
        // `OPTIONS *` asks what the server as a whole allows (RFC 9110 §9.3.7); the parser lets the
        // asterisk-form through for OPTIONS only.
        if target == "*" { return (APIResponse(status: 204, headers: ["Allow": "GET, POST, PUT, DELETE"], json: []), Route.unknownMetricIndex) }
        let requestTarget = HTTPRequestTarget(target)
        let segments: [String]
        do {
            segments = try requestTarget.pathSegments().filter { !$0.isEmpty }
        } catch {
            return (APIResponse(APIError(400, "invalid_path", "the path has a malformed %-escape")), Route.invalidMetricIndex)
        }
        guard let route = Route(segments: segments) else {
            return (APIResponse(APIError(404, "not_found", "no such route: see the API in the README")), Route.unknownMetricIndex)
        }
        guard route.methods.contains(method) else {
            return (APIResponse(APIError(405, "method_not_allowed", "\(method) is not allowed here", allow: route.methods)), route.metricIndex)
        }
        do {
            let query = try Query(requestTarget)
            return (try respond(route, method: method, query: query, authorization: authorization, body: body), route.metricIndex)
        } catch {
            return (APIResponse(error), route.metricIndex)
        }
    }

    private func respond(_ route: Route, method: String, query: Query, authorization: String?, body: [UInt8]) throws(APIError) -> APIResponse {
        switch route {
        case .healthz: return APIResponse(status: 200, json: Array(#"{"status":"ok"}"#.utf8))
        case .readyz:
            return readiness()
                ? APIResponse(status: 200, json: Array(#"{"status":"ready"}"#.utf8))
                : APIResponse(APIError(503, "not_ready", "the state is still loading: retry shortly"))
        case .metrics:
            return APIResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(metrics.render(directory: directory).utf8))
        default: break
        }
        guard let principal = authenticator.principal(authorization: authorization, directory: directory) else { throw APIError.unauthorized }
        if case .accounts = route {
            guard principal == .admin else { throw APIError.adminOnly }
            return method == "POST" ? try createAccount(body) : try listAccounts(query)
        }
        let account = try accountID(route.account ?? "", principal: principal)
        switch route {
        case .provider(_, let name):
            let provider = try providerName(name)
            switch method {
            case "PUT": return try putProvider(account, provider, body)
            case "DELETE":
                try directoryCall { try directory.deleteProvider(account: account, provider: provider) }
                log.info("provider_disconnected", ["account": account.value, "provider": provider.name])
                return APIResponse(status: 204, json: [])
            default:
                guard let connection = directory.connection(account: account, provider: provider) else {
                    throw APIError(404, "unknown_provider", "\(provider) is not connected to account '\(account)': PUT it first")
                }
                return APIResponse(status: 200, json: Shapes.connection(connection))
            }
        case .numbers: return try listNumbers(account, query, filter: try numberFilter(query))
        case .availableNumbers:
            return try listNumbers(account, query, filter: .available(provider: try query.provider()))
        case .number(_, let text):
            let number = try pathNumber(text)
            guard let found = directory.number(account: account, number: number) else { throw APIError(DirectoryError.unknownNumber(number, in: account)) }
            return APIResponse(status: 200, json: Shapes.number(found))
        case .numberAgent(_, let text):
            let number = try pathNumber(text)
            if method == "PUT" {
                let json = try JSONBody(body)
                try json.only(["agent_id"])
                let agent = try json.identifier("agent_id")
                let result = try directoryCall { try directory.assign(account: account, number: number, agent: agent) }
                log.info("number_assigned", [
                    "account": account.value, "number": number.description, "agent": agent.value,
                    "previous_agent": result.previousAgentID?.value, "released_number": result.releasedNumber?.description,
                ])
                return APIResponse(status: 200, json: Shapes.assignment(result))
            }
            let result = try directoryCall { try directory.unassign(account: account, number: number) }
            log.info("number_unassigned", ["account": account.value, "number": number.description, "previous_agent": result.previousAgentID?.value])
            return APIResponse(status: 200, json: Shapes.unassignment(result))
        case .diagnosis(_, let text):
            return APIResponse(status: 200, json: diagnosis(account, try pathNumber(text)))
        case .agents:
            let page = try directoryCall { try directory.agents(account: account, after: query.value("cursor"), limit: try query.limit()) }
            return APIResponse(status: 200, json: Shapes.agents(page))
        case .agent(_, let text):
            let id = try identifier(text, field: "agent id")
            switch method {
            case "PUT": return try putAgent(account, id, body)
            case "DELETE":
                let released = try directoryCall { try directory.deleteAgent(account: account, id: id) }
                log.info("agent_deleted", ["account": account.value, "agent": id.value, "released_number": released?.description])
                return APIResponse(status: 204, json: [])
            default:
                guard let agent = directory.agent(account: account, id: id) else { throw APIError(DirectoryError.unknownAgent(id, in: account)) }
                return APIResponse(status: 200, json: Shapes.agent(agent))
            }
        case .callerID(_, let text):
            return try callerID(account, agent: text, explicit: query.value("from"))
        case .events:
            return try listEvents(account, query)
        case .sync:
            return try syncRoute(account, method: method, query: query)
        case .calls:
            throw APIError(503, "calls_unavailable", "outbound calls are answered asynchronously: send them through the router (ManagementAPI.answer)")
        case .healthz, .readyz, .metrics, .accounts:
            preconditionFailure("answered above")
        }
    }

    // MARK: Helpers shared by the handlers

    /// The account of the path, checked against the principal: another account is 403 for an
    /// account token (whether or not it exists), and an unknown account is 404 for the admin.
    func accountID(_ text: String, principal: Principal) throws(APIError) -> AccountID {
        let id = try identifier(text, field: "account id")
        try Authenticator.authorize(principal, account: id)
        guard directory.account(id) != nil else { throw APIError(DirectoryError(.unknownAccount, "account '\(id)' does not exist")) }
        return id
    }

    func identifier(_ text: String, field: String) throws(APIError) -> Identifier {
        do { return try Identifier(text, field: field) } catch { throw APIError(error) }
    }

    func providerName(_ text: String) throws(APIError) -> Provider {
        guard let provider = Provider(name: text) else {
            throw APIError(404, "unknown_provider", "'\(text)' is not a provider: use \(Provider.accepted)")
        }
        return provider
    }

    func pathNumber(_ text: String) throws(APIError) -> E164 {
        do { return try E164(text) } catch { throw APIError(400, "invalid_phone_number", error.description) }
    }

    /// Runs a directory operation, turning its refusal into the API's error.
    @discardableResult
    func directoryCall<Result>(_ body: () throws -> Result) throws(APIError) -> Result {
        do {
            return try body()
        } catch let error as DirectoryError {
            throw APIError(error)
        } catch let error as APIError {
            throw error
        } catch {
            throw ManagementAPI.unacknowledged(error)
        }
    }

    /// The answer to a change the journal could not make durable (it stays unacknowledged).
    static func unacknowledged(_ error: any Error) -> APIError {
        if error is JournalFailure {
            return APIError(
                503, "journal_failed",
                "the change could not be made durable and was not acknowledged; the router is stopping and recovers from disk when restarted: retry shortly")
        }
        return APIError(503, "store_unavailable", "the change could not be made durable (\(error)); it was not acknowledged: retry, and check the server's log")
    }
}
