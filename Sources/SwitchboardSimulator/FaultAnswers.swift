import SwitchboardCore
import SwitchboardHTTP
import SwitchboardPosix

/// The answers faults put in place of the provider's (see `SimulatorFault`).
enum FaultAnswers {
    /// The replacement answer for faults that change nothing, or nil for faults that let the
    /// request be carried out (stall, truncated body, listing faults).
    static func replacement(for fault: SimulatorFault, endpoint: SimulatorEndpoint) -> HTTPResponse? {
        let provider = endpoint.provider
        switch fault {
        case .status(let code, let jsonBody):
            guard jsonBody else {
                return HTTPResponse(
                    status: HTTPStatus(code: code), headers: ["Content-Type": "text/plain; charset=utf-8"],
                    body: Array("\(code) \(HTTPStatus(code: code).reasonPhrase)\n".utf8))
            }
            return ProviderStyle.error(
                provider, status: code, message: "simulated failure: \(endpoint.rawValue) answered \(code) as asked")
        case .rateLimited(let seconds):
            var response = ProviderStyle.error(
                provider, status: 429, message: "Account rate limited, please throttle your requests.")
            if let seconds { response.headers.append(name: "Retry-After", value: String(seconds)) }
            return response
        case .garbage:
            // Claims to be JSON and is not: the nastiest kind of garbage.
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": "application/json"],
                body: Array("<html><body><h1>Service temporarily unavailable</h1></body></html>\n".utf8))
        case .wrongShape:
            return ProviderStyle.json(status: successStatus(endpoint), wrongShape(endpoint))
        case .stall, .truncatedBody, .repeatedCursor, .nonE164Numbers:
            return nil
        }
    }

    /// The status the endpoint answers on success.
    static func successStatus(_ endpoint: SimulatorEndpoint) -> Int {
        endpoint == .retellCreatePhoneCall || endpoint == .vapiCreateCall ? 201 : 200
    }

    /// Valid JSON that a client of `endpoint` cannot use: the field it needs is missing or of
    /// another type, or the document is an array where an object belongs (or the reverse).
    static func wrongShape(_ endpoint: SimulatorEndpoint) -> SimulatorJSON {
        switch endpoint {
        case .retellListPhoneNumbers:
            .fields(["items": .fields(["phone_number": .string("+14155550100")]), "pagination_key": .integer(42)])
        case .retellListPhoneNumbersLegacy:
            .fields(["phone_numbers": .string("none")])
        case .retellUpdatePhoneNumber, .blandAttachInbound, .blandDetachInbound:
            .array([.string("updated")])
        case .retellCreatePhoneCall:
            .fields(["call": .fields(["call_status": .string("registered")])])
        case .vapiListPhoneNumbers:
            .fields(["results": .array([.fields(["id": .integer(1), "number": .null])]), "nextCursor": .null])
        case .vapiUpdatePhoneNumber:
            .array([.fields(["id": .null])])
        case .vapiCreateCall:
            .fields(["call": .fields(["status": .string("queued")])])
        case .blandListInbound:
            .fields(["inbound_numbers": .string("+14155550100")])
        case .blandCreateCall:
            .fields(["status": .string("success"), "call": .fields(["id": .integer(7)])])
        }
    }
}
