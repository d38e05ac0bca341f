/// A refused operation: a stable snake_case `code` for programs, a `message` for people that says what
/// to do, and the HTTP status class it maps to. A refused operation has changed nothing.
///
/// There is no "account mismatch": every operation names its account, and a number or agent of
/// another account is not found in it (`unknown_number`, `unknown_agent`), so one tenant never
/// learns what another holds. A number that exists in another account cannot be created again
/// (`number_taken`: a number exists once in the whole system).
public struct DirectoryError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case invalidID = "invalid_id"
        case invalidField = "invalid_field"
        case invalidPhoneNumber = "invalid_phone_number"
        case unknownAccount = "unknown_account"
        case unknownAgent = "unknown_agent"
        case unknownNumber = "unknown_number"
        case unknownProvider = "unknown_provider"
        case accountExists = "account_exists"
        case providerMismatch = "provider_mismatch"
        case numberInactive = "number_inactive"
        case numberTaken = "number_taken"
        case agentHasNumber = "agent_has_number"
        case invalidListing = "invalid_listing"

        /// The HTTP status this refusal maps to (SPEC §3).
        public var httpStatus: Int {
            switch self {
            case .invalidID, .invalidField, .invalidPhoneNumber, .invalidListing: 400
            case .unknownAccount, .unknownAgent, .unknownNumber, .unknownProvider: 404
            case .accountExists, .numberTaken, .agentHasNumber: 409
            case .providerMismatch, .numberInactive: 422
            }
        }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension DirectoryError {
    public static func unknownAccount(_ account: AccountID) -> DirectoryError {
        DirectoryError(.unknownAccount, "account '\(account)' does not exist: create it first (POST /v1/accounts) or check the id")
    }

    public static func unknownAgent(_ agent: AgentID, in account: AccountID) -> DirectoryError {
        DirectoryError(.unknownAgent, "agent '\(agent)' does not exist in account '\(account)': create it first or check the id")
    }

    public static func unknownNumber(_ number: E164, in account: AccountID) -> DirectoryError {
        DirectoryError(.unknownNumber, "number \(number) is not a number of account '\(account)': sync the provider that owns it, or check the number")
    }

    public static func invalidNumber(_ error: E164.ParseError) -> DirectoryError {
        DirectoryError(.invalidPhoneNumber, error.description)
    }
}
