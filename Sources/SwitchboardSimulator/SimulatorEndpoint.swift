public import SwitchboardCore

/// One provider API operation the simulator serves (providers.md), under the provider's path
/// prefix: a connection's `base_url` is `http://HOST:PORT/retell` (or `/vapi`, `/bland`).
public enum SimulatorEndpoint: String, Sendable, Hashable, CaseIterable {
    /// `GET /v2/list-phone-numbers?limit=N[&pagination_key=K]` → `{"items":[…],"pagination_key"?}`.
    case retellListPhoneNumbers = "retell.list-phone-numbers"
    /// `GET /list-phone-numbers` → a bare array (older accounts).
    case retellListPhoneNumbersLegacy = "retell.list-phone-numbers-legacy"
    /// `PATCH /update-phone-number/{E.164, URL-encoded}`.
    case retellUpdatePhoneNumber = "retell.update-phone-number"
    /// `POST /v2/create-phone-call` → 201.
    case retellCreatePhoneCall = "retell.create-phone-call"
    /// `GET /phone-number?limit=N[&createdAtGt=ISO]` → a bare array, oldest first.
    case vapiListPhoneNumbers = "vapi.list-phone-numbers"
    /// `PATCH /phone-number/{id}`.
    case vapiUpdatePhoneNumber = "vapi.update-phone-number"
    /// `POST /call` → 201.
    case vapiCreateCall = "vapi.create-call"
    /// `GET /v1/inbound` → `{"inbound_numbers":[…]}`.
    case blandListInbound = "bland.list-inbound"
    /// `POST /v2/agents/{id}/inbound/attach`.
    case blandAttachInbound = "bland.attach-inbound"
    /// `POST /v2/agents/{id}/inbound/detach`.
    case blandDetachInbound = "bland.detach-inbound"
    /// `POST /v1/calls` → 200 `{"status":"success","call_id":…}`.
    case blandCreateCall = "bland.create-call"

    public var provider: Provider {
        switch self {
        case .retellListPhoneNumbers, .retellListPhoneNumbersLegacy, .retellUpdatePhoneNumber, .retellCreatePhoneCall:
            .retell
        case .vapiListPhoneNumbers, .vapiUpdatePhoneNumber, .vapiCreateCall: .vapi
        case .blandListInbound, .blandAttachInbound, .blandDetachInbound, .blandCreateCall: .bland
        }
    }

    public var method: String {
        switch self {
        case .retellListPhoneNumbers, .retellListPhoneNumbersLegacy, .vapiListPhoneNumbers, .blandListInbound: "GET"
        case .retellUpdatePhoneNumber, .vapiUpdatePhoneNumber: "PATCH"
        case .retellCreatePhoneCall, .vapiCreateCall, .blandAttachInbound, .blandDetachInbound, .blandCreateCall: "POST"
        }
    }

    /// The path under the provider's prefix, with `{…}` for the variable segment.
    public var pathTemplate: String {
        switch self {
        case .retellListPhoneNumbers: "/v2/list-phone-numbers"
        case .retellListPhoneNumbersLegacy: "/list-phone-numbers"
        case .retellUpdatePhoneNumber: "/update-phone-number/{phone_number}"
        case .retellCreatePhoneCall: "/v2/create-phone-call"
        case .vapiListPhoneNumbers: "/phone-number"
        case .vapiUpdatePhoneNumber: "/phone-number/{id}"
        case .vapiCreateCall: "/call"
        case .blandListInbound: "/v1/inbound"
        case .blandAttachInbound: "/v2/agents/{agent_id}/inbound/attach"
        case .blandDetachInbound: "/v2/agents/{agent_id}/inbound/detach"
        case .blandCreateCall: "/v1/calls"
        }
    }

    /// Whether the endpoint lists numbers (the listing faults apply only to these).
    public var isListing: Bool {
        switch self {
        case .retellListPhoneNumbers, .retellListPhoneNumbersLegacy, .vapiListPhoneNumbers, .blandListInbound: true
        default: false
        }
    }

    /// Whether the listing pages with a cursor (a repeated cursor can only happen there).
    public var isPaged: Bool {
        self == .retellListPhoneNumbers || self == .vapiListPhoneNumbers
    }

    /// The endpoint for `method` and the path segments after the provider prefix, or why there is
    /// none: `.unknownPath`, or `.wrongMethod` with the methods the path does take.
    static func match(provider: Provider, method: String, segments: [String]) -> Match {
        match(provider: provider, method: method, segments: segments[...])
    }

    /// As `match(provider:method:segments:)`, over a slice (the handler's segments after the
    /// prefix, without copying them). The provider's templates are split once (`Route`), not per
    /// request; candidates are tried in declaration order, as `allCases` lists them.
    static func match(provider: Provider, method: String, segments: ArraySlice<String>) -> Match {
        var allowed: [String] = []
        for route in Route.table(for: provider) where route.matches(segments) {
            if route.method == method {
                return .endpoint(route.endpoint, variable: route.variableIndex.map { segments[segments.startIndex + $0] })
            }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .unknownPath : .wrongMethod(allowed: allowed)
    }

    enum Match: Equatable {
        case endpoint(SimulatorEndpoint, variable: String?)
        case unknownPath
        case wrongMethod(allowed: [String])
    }

    /// One endpoint's path template, split: a literal for each fixed segment, nil for the variable.
    private struct Route: Sendable {
        let endpoint: SimulatorEndpoint
        let method: String
        let literals: [String?]
        /// The first `{…}` segment's position.
        let variableIndex: Int?

        init(_ endpoint: SimulatorEndpoint) {
            self.endpoint = endpoint
            method = endpoint.method
            let template = endpoint.pathTemplate.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
            literals = template.map { $0.hasPrefix("{") ? nil : String($0) }
            variableIndex = literals.firstIndex { $0 == nil }
        }

        /// A variable segment matches anything but the empty segment; a literal, itself.
        func matches(_ segments: ArraySlice<String>) -> Bool {
            guard literals.count == segments.count else { return false }
            for (literal, segment) in zip(literals, segments) {
                if let literal {
                    if literal != segment { return false }
                } else if segment.isEmpty {
                    return false
                }
            }
            return true
        }

        static let retell = routes(.retell)
        static let vapi = routes(.vapi)
        static let bland = routes(.bland)

        static func table(for provider: Provider) -> [Route] {
            switch provider {
            case .retell: retell
            case .vapi: vapi
            case .bland: bland
            }
        }

        private static func routes(_ provider: Provider) -> [Route] {
            SimulatorEndpoint.allCases.filter { $0.provider == provider }.map(Route.init)
        }
    }
}
