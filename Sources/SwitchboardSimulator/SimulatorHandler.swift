import Dispatch
import SwitchboardCore
import SwitchboardHTTP
import SwitchboardPosix

/// The simulator's HTTP handler: `/retell/…`, `/vapi/…`, `/bland/…` and `/_control/…`.
///
/// Order of work for a provider request: route (404/405), then the endpoint's armed fault (a
/// provider failing does not look at the request first), then authentication (401), then the
/// operation. Every provider request is recorded with the status it got. Listings, control calls
/// and stalls run off the event loop; everything else is a few dictionary operations under one
/// lock and answers on the loop.
final class SimulatorHandler: HTTPHandler {
    let state: SimulatorState
    let control: ControlAPI
    let stalls = StalledAnswers()

    init(state: SimulatorState, control: ControlAPI) {
        self.state = state
        self.control = control
    }

    func handle(_ request: HTTPRequest, context: RequestContext) -> HandlerResult {
        let target = HTTPRequestTarget(request.target)
        let segments: [String]
        do {
            segments = try Self.pathSegments(of: target)
        } catch {
            return .respond(.error(status: .badRequest, code: error.rawValue, message: error.message))
        }
        guard let prefix = segments.first else { return .respond(Self.unknownPrefix) }
        if prefix == "_control" {
            let control = self.control
            return .deferred { writer in
                writer.respond(control.handle(method: request.method, segments: Array(segments.dropFirst()), target: target, body: request.body))
            }
        }
        guard let provider = Provider(name: prefix) else { return .respond(Self.unknownPrefix) }
        let match = SimulatorEndpoint.match(provider: provider, method: request.method, segments: segments.dropFirst())
        guard case .endpoint(let endpoint, _) = match, endpoint.isListing else {
            return dispatch(serve(provider: provider, match: match, request: request, target: target))
        }
        return .deferred { [self] writer in
            switch serve(provider: provider, match: match, request: request, target: target) {
            case (let response, nil):
                writer.respond(response)
            case (let response, let delay?):
                stalls.answer(writer, with: response, after: delay)
            }
        }
    }

    /// `target.pathSegments()`, computed with one scan of the path's bytes instead of a generic
    /// split into an array of slices first. Request targets are ASCII (the parser refuses
    /// anything else); a path that is not takes `pathSegments()` itself, so every target gets
    /// the same segments and the same decoding error.
    static func pathSegments(of target: HTTPRequestTarget) throws(PercentDecodingError) -> [String] {
        let path = target.path
        let utf8 = path.utf8
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return try target.pathSegments() }
        var start = utf8.startIndex
        if start < utf8.endIndex, utf8[start] == UInt8(ascii: "/") { start = utf8.index(after: start) }
        guard start < utf8.endIndex else { return [] }
        var segments: [String] = []
        segments.reserveCapacity(8)
        while true {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
            segments.append(try PercentDecoding.decode(path[start..<end], plusAsSpace: false))
            guard end < utf8.endIndex else { return segments }
            start = utf8.index(after: end)
        }
    }

    private func dispatch(_ outcome: (HTTPResponse, Duration?)) -> HandlerResult {
        guard let delay = outcome.1 else { return .respond(outcome.0) }
        let stalls = self.stalls
        return .deferred { writer in stalls.answer(writer, with: outcome.0, after: delay) }
    }

    /// The answer to a provider request and, for a stall, how long to hold it back.
    private func serve(
        provider: Provider, match: SimulatorEndpoint.Match, request: HTTPRequest, target: HTTPRequestTarget
    ) -> (HTTPResponse, Duration?) {
        let sequence = state.nextSequence()
        func finish(_ response: HTTPResponse, _ endpoint: SimulatorEndpoint?, _ fault: SimulatorFault?, _ apiKey: String?)
            -> HTTPResponse
        {
            state.record(
                RecordedRequest(
                    sequence: sequence, provider: provider, endpoint: endpoint, method: request.method,
                    target: request.target, headers: request.headers, body: request.body, status: response.status.code,
                    fault: fault, apiKey: apiKey))
            return response
        }
        let endpoint: SimulatorEndpoint
        let variable: String?
        switch match {
        case .unknownPath:
            let message = "no such endpoint: \(request.method) \(target.path) (see providers.md for the \(provider) API)"
            return (finish(ProviderStyle.error(provider, status: 404, message: message), nil, nil, nil), nil)
        case .wrongMethod(let allowed):
            var response = ProviderStyle.error(
                provider, status: 405, message: "\(target.path) does not take \(request.method); use \(allowed.joined(separator: " or "))")
            response.headers.append(name: "Allow", value: allowed.joined(separator: ", "))
            return (finish(response, nil, nil, nil), nil)
        case .endpoint(let matched, let segment):
            endpoint = matched
            variable = segment
        }
        let query: [HTTPRequestTarget.QueryItem]
        do {
            query = try target.queryItems()
        } catch {
            return (finish(ProviderStyle.error(provider, status: 400, message: error.message), endpoint, nil, nil), nil)
        }
        let account = authenticate(provider: provider, headers: request.headers)
        let apiKey = try? account.get().apiKey
        let fault = state.takeFault(for: endpoint, hasCursor: Self.hasCursor(endpoint, query))
        if let fault, let replacement = FaultAnswers.replacement(for: fault, endpoint: endpoint) {
            return (finish(replacement, endpoint, fault, apiKey), nil)
        }
        var response: HTTPResponse
        switch account {
        case .failure(let refusal):
            response = ProviderStyle.error(provider, status: 401, message: refusal.message)
        case .success(let account):
            let listingFault = fault == .repeatedCursor || fault == .nonE164Numbers ? fault : nil
            let apiRequest = APIRequest(
                endpoint: endpoint, variable: variable, query: query, http: request, account: account,
                listingFault: listingFault, sequence: sequence)
            response = Self.run(apiRequest, state: state)
        }
        if fault == .truncatedBody { response.truncatedBodyLength = response.body.count / 2 }
        response = finish(response, endpoint, fault, apiKey)
        if case .stall(let delay) = fault { return (response, delay) }
        return (response, nil)
    }

    private static func run(_ request: APIRequest, state: SimulatorState) -> HTTPResponse {
        do {
            let answer: APIAnswer
            switch request.provider {
            case .retell: answer = try RetellAPI.handle(request, state: state)
            case .vapi: answer = try VapiAPI.handle(request, state: state)
            case .bland: answer = try BlandAPI.handle(request, state: state)
            }
            return ProviderStyle.json(status: answer.status, answer.body)
        } catch {
            return ProviderStyle.error(request.provider, status: error.status, message: error.message)
        }
    }

    private static func hasCursor(_ endpoint: SimulatorEndpoint, _ query: [HTTPRequestTarget.QueryItem]) -> Bool {
        switch endpoint {
        case .retellListPhoneNumbers: query.contains { $0.name == "pagination_key" }
        case .vapiListPhoneNumbers: query.contains { $0.name == "createdAtGt" }
        default: false
        }
    }

    struct Refusal: Error, Equatable {
        let message: String
    }

    /// The account whose API key the request carries: `Authorization: Bearer <key>` at Retell and
    /// Vapi, `authorization: <key>` (no scheme) at Bland.
    func authenticate(provider: Provider, headers: HTTPHeaders) -> Result<SimulatorAccount, Refusal> {
        let key: String
        switch Self.apiKey(provider: provider, headers: headers) {
        case .success(let found): key = found
        case .failure(let refusal): return .failure(refusal)
        }
        guard let account = state.account(provider: provider, apiKey: key) else {
            return .failure(Refusal(message: "invalid API key: no \(provider) account has this key"))
        }
        return .success(account)
    }

    /// The API key the authorization header carries, or why it carries none.
    ///
    /// The header is read over its bytes: the usual value (one field, printable ASCII) makes one
    /// String, the key. Any other value goes through `apiKey(provider:values:)`, the rule itself,
    /// so both paths answer alike (a test compares them).
    static func apiKey(provider: Provider, headers: HTTPHeaders) -> Result<String, Refusal> {
        headers.withSingle(lowercaseName: "authorization") { found in
            guard case .one(let value) = found, !value.isEmpty, value.allSatisfy(isPrintableASCII) else {
                return apiKey(provider: provider, values: headers.values(named: "authorization"))
            }
            let bearer = startsWithBearer(value)
            switch provider {
            case .retell, .vapi:
                guard bearer else { return apiKey(provider: provider, values: [String(decoding: value, as: UTF8.self)]) }
                var start = 7
                var end = value.count
                while start < end, value[start] == UInt8(ascii: " ") || value[start] == UInt8(ascii: "\t") { start += 1 }
                while end > start, value[end - 1] == UInt8(ascii: " ") || value[end - 1] == UInt8(ascii: "\t") { end -= 1 }
                return .success(String(decoding: UnsafeBufferPointer(rebasing: value[start..<end]), as: UTF8.self))
            case .bland:
                guard !bearer else { return apiKey(provider: provider, values: [String(decoding: value, as: UTF8.self)]) }
                return .success(String(decoding: value, as: UTF8.self))
            }
        }
    }

    /// Whether more than 7 bytes follow and the first 7 are `bearer ` in any case.
    private static func startsWithBearer(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard value.count > 7 else { return false }
        for (byte, expected) in zip(value, "bearer ".utf8) {
            let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard lower == expected else { return false }
        }
        return true
    }

    /// SP, HTAB or a visible ASCII character: bytes whose Characters are the bytes themselves.
    private static func isPrintableASCII(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\t") || (byte >= 0x20 && byte < 0x7F)
    }

    /// The rule over the header's values as Strings (every value the fast path does not take).
    static func apiKey(provider: Provider, values: [String]) -> Result<String, Refusal> {
        let example = provider == .bland ? "authorization: <your API key>" : "Authorization: Bearer <your API key>"
        guard values.count == 1, let value = values.first, !value.isEmpty else {
            let problem = values.isEmpty ? "missing the authorization header" : "more than one authorization header"
            return .failure(Refusal(message: "\(problem): send \(example)"))
        }
        let bearer = value.utf8.count > 7 && value.prefix(7).lowercased() == "bearer "
        switch provider {
        case .retell, .vapi:
            guard bearer else {
                return .failure(Refusal(message: "the authorization header must be \(example)"))
            }
            return .success(String(value.dropFirst(7)).trimmingSpaces)
        case .bland:
            guard !bearer else {
                return .failure(Refusal(message: "Bland takes the API key itself, without Bearer: send \(example)"))
            }
            return .success(value)
        }
    }

    static let unknownPrefix = HTTPResponse.error(
        status: .notFound, code: "not_found",
        message: "the simulator serves /retell/…, /vapi/…, /bland/… (a provider's base_url) and /_control/…")
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return String(text)
    }
}

/// Answers held back by stall faults. Each waits on a Dispatch timer, not on a thread, so any
/// number of stalls costs no event-loop or offload thread; `releaseAll` answers them at once (on
/// stop, so shutdown does not wait out their delays).
final class StalledAnswers: Sendable {
    private let pending = Locked<(next: Int, writers: [Int: (ResponseWriter, HTTPResponse)])>((0, [:]))

    func answer(_ writer: ResponseWriter, with response: HTTPResponse, after delay: Duration) {
        let id = pending.withLock { pending in
            pending.next += 1
            pending.writers[pending.next] = (writer, response)
            return pending.next
        }
        let (seconds, attoseconds) = delay.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            if let (writer, response) = pending.withLock({ $0.writers.removeValue(forKey: id) }) {
                writer.respond(response)
            }
        }
    }

    var count: Int { pending.withLock { $0.writers.count } }

    func releaseAll() {
        let all = pending.withLock { pending in
            defer { pending.writers = [:] }
            return Array(pending.writers.values)
        }
        for (writer, response) in all { writer.respond(response) }
    }
}
