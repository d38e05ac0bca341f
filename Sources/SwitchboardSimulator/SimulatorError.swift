/// Why a control call (Swift or `/_control/` JSON) was refused; nothing was changed.
public enum SimulatorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input is not acceptable; the message says what to send instead.
    case invalid(String)
    /// No such account or number.
    case notFound(String)
    /// It exists already.
    case conflict(String)
    /// The simulator is not running, or already started.
    case state(String)

    public var message: String {
        switch self {
        case .invalid(let message), .notFound(let message), .conflict(let message), .state(let message): message
        }
    }

    /// The status the control API answers with.
    var status: Int {
        switch self {
        case .invalid: 400
        case .notFound: 404
        case .conflict: 409
        case .state: 409
        }
    }

    var code: String {
        switch self {
        case .invalid: "invalid_request"
        case .notFound: "not_found"
        case .conflict: "conflict"
        case .state: "wrong_state"
        }
    }

    public var description: String { message }
}
