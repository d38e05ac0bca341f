/// A failure the simulator plays on an endpoint, for the faults every adapter must survive
/// (providers.md, last section).
public enum SimulatorFault: Sendable, Hashable {
    /// That status (400...599) with the provider's JSON error body, or (`jsonBody: false`) a
    /// plain-text one, as a proxy in front of the provider would send. Nothing is changed.
    case status(Int, jsonBody: Bool)
    /// 429 with the provider's error body and, when given, `Retry-After: <seconds>`.
    case rateLimited(retryAfterSeconds: Int?)
    /// The request is carried out at once, but the answer is sent only after `delay` (a client
    /// whose timeout is shorter gives up first). The wait is a timer, never a blocked thread.
    case stall(Duration)
    /// 200 with a body that is not JSON (an HTML error page). Nothing is changed.
    case garbage
    /// 200 with valid JSON of the wrong shape for the endpoint. Nothing is changed.
    case wrongShape
    /// The request is carried out, then the answer's head declares the whole body, only half of
    /// it is sent, and the connection is closed.
    case truncatedBody
    /// Listings with a cursor only: a page asked for with a cursor comes back as the previous
    /// page again (Retell: the same `pagination_key`; Vapi: the page that ends at the same
    /// `createdAt`). A first page, without a cursor, is served normally and does not use up the fault.
    case repeatedCursor
    /// Listings only: each page also carries three entries whose numbers are not E.164.
    case nonE164Numbers

    /// Checks the parameters and whether the fault makes sense on `endpoint`.
    func validate(for endpoint: SimulatorEndpoint) throws(SimulatorError) {
        switch self {
        case .status(let code, _):
            guard (400...599).contains(code) else {
                throw .invalid("a status fault needs a status from 400 to 599, e.g. 500 or 503; got \(code)")
            }
        case .rateLimited(let seconds):
            if let seconds, !(0...86_400).contains(seconds) {
                throw .invalid("retry_after must be from 0 to 86400 seconds; got \(seconds)")
            }
        case .stall(let delay):
            guard delay > .zero, delay <= .seconds(600) else {
                throw .invalid("a stall must last more than 0 and at most 600 seconds")
            }
        case .repeatedCursor:
            guard endpoint.isPaged else {
                throw .invalid(
                    "repeated_cursor applies to the paged listings only (retell.list-phone-numbers, vapi.list-phone-numbers), not \(endpoint.rawValue)")
            }
        case .nonE164Numbers:
            guard endpoint.isListing else {
                throw .invalid("non_e164_numbers applies to the number listings only, not \(endpoint.rawValue)")
            }
        case .garbage, .wrongShape, .truncatedBody:
            break
        }
    }

    /// The name used by the control API.
    public var kind: String {
        switch self {
        case .status: "status"
        case .rateLimited: "rate_limited"
        case .stall: "stall"
        case .garbage: "garbage"
        case .wrongShape: "wrong_shape"
        case .truncatedBody: "truncated_body"
        case .repeatedCursor: "repeated_cursor"
        case .nonE164Numbers: "non_e164_numbers"
        }
    }

    /// The fault as the control API shows it.
    var json: SimulatorJSON {
        switch self {
        case .status(let code, let jsonBody):
            .fields(["fault": .string(kind), "status": .integer(Int64(code)), "body": .string(jsonBody ? "json" : "text")])
        case .rateLimited(let seconds):
            .fields(["fault": .string(kind), "retry_after": seconds.map { .integer(Int64($0)) } ?? .null])
        case .stall(let delay):
            .fields(["fault": .string(kind), "millis": .integer(Self.millis(delay))])
        default:
            .fields(["fault": .string(kind)])
        }
    }

    /// A fault from the control API's JSON: `{"fault":"status","status":503,"body":"text"}`,
    /// `{"fault":"rate_limited","retry_after":2}`, `{"fault":"stall","millis":3000}`, or one of
    /// `garbage`, `wrong_shape`, `truncated_body`, `repeated_cursor`, `non_e164_numbers`.
    static func parse(_ json: SimulatorJSON) throws(SimulatorError) -> SimulatorFault {
        guard let kind = json["fault"]?.stringValue else {
            throw .invalid(#"name the fault in "fault": one of \#(kinds)"#)
        }
        switch kind {
        case "status":
            guard let code = json["status"]?.integerValue else {
                throw .invalid(#"a status fault needs "status", a number from 400 to 599"#)
            }
            let body = json["body"]?.stringValue ?? "json"
            guard body == "json" || body == "text" else {
                throw .invalid(#""body" must be "json" or "text""#)
            }
            return .status(Int(clamping: code), jsonBody: body == "json")
        case "rate_limited":
            switch json["retry_after"] {
            case nil, .null?: return .rateLimited(retryAfterSeconds: nil)
            case let value?:
                guard let seconds = value.integerValue else {
                    throw .invalid(#""retry_after" must be a whole number of seconds, or null for none"#)
                }
                return .rateLimited(retryAfterSeconds: Int(clamping: seconds))
            }
        case "stall":
            guard let millis = json["millis"]?.integerValue, millis > 0, millis <= 600_000 else {
                throw .invalid(#"a stall needs "millis", from 1 to 600000"#)
            }
            return .stall(.milliseconds(millis))
        case "garbage": return .garbage
        case "wrong_shape": return .wrongShape
        case "truncated_body": return .truncatedBody
        case "repeated_cursor": return .repeatedCursor
        case "non_e164_numbers": return .nonE164Numbers
        default:
            throw .invalid(#"unknown fault "\#(kind)": use one of \#(kinds)"#)
        }
    }

    static let kinds = "status, rate_limited, stall, garbage, wrong_shape, truncated_body, repeated_cursor, non_e164_numbers"

    static func millis(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// A fault armed on an endpoint: for the next `remaining` requests, or until cleared (nil), once
/// `after` more requests to the endpoint have been answered normally (say, page 2 of a listing
/// fails after a good page 1).
public struct FaultRule: Sendable, Hashable {
    public let endpoint: SimulatorEndpoint
    public let fault: SimulatorFault
    public internal(set) var remaining: Int?
    /// Requests to the endpoint still to let by before the fault applies. Every request to the
    /// endpoint counts, also one that an earlier rule answers (a repeated-cursor rule counts only
    /// requests that carry a cursor).
    public internal(set) var after: Int = 0
}
