import SwitchboardCore
import SwitchboardHTTP
import SwitchboardPosix

/// The JSON control API under `/_control/`, for the standalone simulator: the same controls as
/// `ProviderSimulator`'s Swift API. Errors use SPEC §3's shape; nothing changes on an error.
///
/// ```
/// GET    /_control                                       base URLs, endpoints, fault kinds
/// GET    /_control/accounts                              accounts with their number counts
/// POST   /_control/accounts                              {"provider","api_key","webhook_secret"?}
/// DELETE /_control/accounts/{provider}/{api_key}
/// GET    /_control/accounts/{provider}/{api_key}/numbers the numbers as the provider lists them
/// POST   /_control/accounts/{provider}/{api_key}/numbers {"numbers":[{"number":"+1…",…}]} or
///                                                        {"generate":{"first":"+1…","count":N}}
/// DELETE /_control/accounts/{provider}/{api_key}/numbers/{number}
/// GET    /_control/faults                                armed faults
/// POST   /_control/faults                                {"endpoint","fault",…,"count"?,"after"?}
/// DELETE /_control/faults[/{endpoint}]
/// GET    /_control/calls[?provider=]                     calls created, in order, with bodies
/// GET    /_control/changes[?provider=]                   number updates, attaches, detaches
/// GET    /_control/requests[?provider=]                  every provider request and its status
/// POST   /_control/reset[?scope=all|records|faults]
/// ```
struct ControlAPI: Sendable {
    let state: SimulatorState
    /// The base URL of a provider, e.g. `http://127.0.0.1:8090/retell`.
    let baseURL: @Sendable (Provider) -> String

    func handle(method: String, segments: [String], target: HTTPRequestTarget, body: [UInt8]) -> HTTPResponse {
        do {
            return try route(method: method, segments: segments, target: target, body: body)
        } catch {
            return .error(status: HTTPStatus(code: error.status), code: error.code, message: error.message)
        }
    }

    private func route(method: String, segments: [String], target: HTTPRequestTarget, body: [UInt8]) throws(SimulatorError)
        -> HTTPResponse
    {
        let path = ControlPath(method: method, segments: segments)
        if path.matches("GET", "") || path.matches("GET", "/") {
            return ok(overview())
        }
        if path.matches("GET", "accounts") {
            return ok(.fields(["accounts": .array(state.accounts().map { accountJSON($0.account, numbers: $0.numbers) })]))
        }
        if path.matches("POST", "accounts") {
            let json = try Self.object(body, accepted: ["provider", "api_key", "webhook_secret"])
            let account = SimulatorAccount(
                provider: try Self.provider(json["provider"]), apiKey: try Self.string(json, "api_key"),
                webhookSecret: try Self.optionalString(json, "webhook_secret"))
            try state.createAccount(account)
            return ok(accountJSON(account, numbers: 0), status: 201)
        }
        if let captures = path.match("DELETE", "accounts/*/*") {
            let key = captures[1]
            try state.removeAccount(provider: try Self.provider(.string(captures[0])), apiKey: key)
            return HTTPResponse(status: .noContent)
        }
        if let captures = path.match("GET", "accounts/*/*/numbers") {
            let key = captures[1]
            let provider = try Self.provider(.string(captures[0]))
            let numbers = try state.withAccount(provider: provider, apiKey: key) { book, _ in
                book.sortedByNumber().compactMap { book.numbers[$0] }
            }
            return ok(.fields(["numbers": .array(numbers.map { $0.rendered(for: provider) })]))
        }
        if let captures = path.match("POST", "accounts/*/*/numbers") {
            let key = captures[1]
            let provider = try Self.provider(.string(captures[0]))
            let batch = try NumberSpecs.parse(try Self.object(body, accepted: ["numbers", "generate"]))
            let added = try state.addNumbers(batch, provider: provider, apiKey: key)
            let shown = added.prefix(1000).map { $0.rendered(for: provider) }
            return ok(.fields(["added": .integer(Int64(added.count)), "numbers": .array(Array(shown))]), status: 201)
        }
        if let captures = path.match("DELETE", "accounts/*/*/numbers/*") {
            let key = captures[1]
            let number = captures[2]
            let provider = try Self.provider(.string(captures[0]))
            guard let e164 = try? E164(number) else {
                throw .invalid("\(number) is not a phone number: write it in E.164, URL-encoded (%2B14155550123)")
            }
            try state.withAccount(provider: provider, apiKey: key) { (book, _) throws(SimulatorError) in try book.remove(e164) }
            return HTTPResponse(status: .noContent)
        }
        if path.matches("GET", "faults") {
            return ok(.fields(["faults": .array(state.faults().map(Self.faultJSON))]))
        }
        if path.matches("POST", "faults") {
            let json = try Self.object(body, accepted: ["endpoint", "fault", "status", "body", "retry_after", "millis", "count", "after"])
            let endpoint = try Self.endpoint(try Self.string(json, "endpoint"))
            let fault = try SimulatorFault.parse(json)
            var count: Int?
            if let value = json["count"], !value.isNull {
                guard let number = value.integerValue else { throw .invalid("count must be a whole number of requests") }
                count = Int(clamping: number)
            }
            var after = 0
            if let value = json["after"], !value.isNull {
                guard let number = value.integerValue else {
                    throw .invalid("after must be a whole number of requests to answer normally before the fault applies")
                }
                after = Int(clamping: number)
            }
            try state.arm(fault, on: endpoint, count: count, after: after)
            return ok(Self.faultJSON(FaultRule(endpoint: endpoint, fault: fault, remaining: count, after: after)), status: 201)
        }
        if path.matches("DELETE", "faults") {
            state.clearFaults(on: nil)
            return HTTPResponse(status: .noContent)
        }
        if let captures = path.match("DELETE", "faults/*") {
            let name = captures[0]
            state.clearFaults(on: try Self.endpoint(name))
            return HTTPResponse(status: .noContent)
        }
        if path.matches("GET", "calls") {
            let provider = try Self.providerFilter(target)
            let calls = state.calls().filter { provider == nil || $0.provider == provider }
            return ok(.fields(["calls": .array(calls.map(RecordsJSON.call)), "dropped": .integer(Int64(state.droppedRecords().calls))]))
        }
        if path.matches("GET", "changes") {
            let provider = try Self.providerFilter(target)
            let changes = state.changes().filter { provider == nil || $0.provider == provider }
            return ok(.fields(["changes": .array(changes.map(RecordsJSON.change)), "dropped": .integer(Int64(state.droppedRecords().changes))]))
        }
        if path.matches("GET", "requests") {
            let provider = try Self.providerFilter(target)
            let requests = state.requests().filter { provider == nil || $0.provider == provider }
            return ok(.fields(["requests": .array(requests.map(RecordsJSON.request)), "dropped": .integer(Int64(state.droppedRecords().requests))]))
        }
        if path.matches("POST", "reset") {
            let scope = (try? target.queryValue(named: "scope")) ?? nil
            switch scope ?? "all" {
            case "all": state.reset()
            case "records": state.resetRecords()
            case "faults": state.clearFaults(on: nil)
            default: throw .invalid("scope must be all, records or faults")
            }
            return HTTPResponse(status: .noContent)
        }
        throw .notFound("no control endpoint \(method) /_control/\(segments.joined(separator: "/")): GET /_control lists them")
    }

    private func overview() -> SimulatorJSON {
        .fields([
            "status": .string("ok"),
            "base_urls": .object(Provider.allCases.map { .init($0.name, .string(baseURL($0))) }),
            "endpoints": .array(SimulatorEndpoint.allCases.map { endpoint in
                .fields([
                    "name": .string(endpoint.rawValue), "method": .string(endpoint.method),
                    "path": .string("/\(endpoint.provider.name)\(endpoint.pathTemplate)"),
                ])
            }),
            "fault_kinds": .array(SimulatorFault.kinds.split(separator: ", ").map { .string(String($0)) }),
        ])
    }

    private func accountJSON(_ account: SimulatorAccount, numbers: Int) -> SimulatorJSON {
        .fields([
            "provider": .string(account.provider.name), "api_key": .string(account.apiKey),
            "webhook_secret": .stringOrNull(account.webhookSecret), "base_url": .string(baseURL(account.provider)),
            "numbers": .integer(Int64(numbers)),
        ])
    }

    static func faultJSON(_ rule: FaultRule) -> SimulatorJSON {
        var members = [SimulatorJSON.Member("endpoint", .string(rule.endpoint.rawValue))]
        members += rule.fault.json.members ?? []
        members.append(.init("remaining", rule.remaining.map { .integer(Int64($0)) } ?? .null))
        members.append(.init("after", .integer(Int64(rule.after))))
        return .object(members)
    }

    private func ok(_ json: SimulatorJSON, status: Int = 200) -> HTTPResponse {
        ProviderStyle.json(status: status, json)
    }

    // MARK: - Input

    static func object(_ body: [UInt8], accepted: [String]) throws(SimulatorError) -> SimulatorJSON {
        let json: SimulatorJSON
        do {
            json = try SimulatorJSON.parse(body)
        } catch {
            throw .invalid(error.description)
        }
        guard let members = json.members else { throw .invalid("the body must be a JSON object, not \(json.typeName)") }
        for member in members where !accepted.contains(member.key) {
            throw .invalid("unknown field \(member.key); accepted: \(accepted.joined(separator: ", "))")
        }
        return json
    }

    static func string(_ json: SimulatorJSON, _ name: String) throws(SimulatorError) -> String {
        guard let text = json[name]?.stringValue, !text.isEmpty else { throw .invalid("\(name) is required: a non-empty string") }
        return text
    }

    static func optionalString(_ json: SimulatorJSON, _ name: String) throws(SimulatorError) -> String? {
        guard let value = json[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw .invalid("\(name) must be a string or null, not \(value.typeName)") }
        return text
    }

    static func provider(_ value: SimulatorJSON?) throws(SimulatorError) -> Provider {
        guard let name = value?.stringValue, let provider = Provider(name: name) else {
            throw .invalid("provider must be \(Provider.accepted)")
        }
        return provider
    }

    static func endpoint(_ name: String) throws(SimulatorError) -> SimulatorEndpoint {
        guard let endpoint = SimulatorEndpoint(rawValue: name) else {
            throw .invalid("unknown endpoint \(name): use one of \(SimulatorEndpoint.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return endpoint
    }

    static func providerFilter(_ target: HTTPRequestTarget) throws(SimulatorError) -> Provider? {
        guard let name = (try? target.queryValue(named: "provider")) ?? nil else { return nil }
        return try provider(.string(name))
    }
}

/// A control request's method and path segments (after `/_control`), matched against patterns
/// like `accounts/*/*/numbers`, where `*` is any non-empty segment.
struct ControlPath {
    let method: String
    let segments: [String]

    /// The segments under the `*`s when `method` and `pattern` match; nil otherwise.
    func match(_ method: String, _ pattern: String) -> [String]? {
        guard method == self.method else { return nil }
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == segments.count else { return nil }
        var captures: [String] = []
        for (part, segment) in zip(parts, segments) {
            if part == "*" {
                guard !segment.isEmpty else { return nil }
                captures.append(segment)
            } else if part != segment {
                return nil
            }
        }
        return captures
    }

    func matches(_ method: String, _ pattern: String) -> Bool {
        if pattern.isEmpty { return method == self.method && segments.isEmpty }
        if pattern == "/" { return method == self.method && segments == [""] }
        return match(method, pattern) != nil
    }
}
