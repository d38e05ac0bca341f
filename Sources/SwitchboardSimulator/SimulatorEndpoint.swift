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
        let candidates = allCases.filter { $0.provider == provider && $0.matches(segments: segments) }
        if let endpoint = candidates.first(where: { $0.method == method }) {
            return .endpoint(endpoint, variable: endpoint.variable(in: segments))
        }
        if candidates.isEmpty { return .unknownPath }
        return .wrongMethod(allowed: candidates.map(\.method))
    }

    enum Match: Equatable {
        case endpoint(SimulatorEndpoint, variable: String?)
        case unknownPath
        case wrongMethod(allowed: [String])
    }

    private var templateSegments: [Substring] {
        pathTemplate.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    }

    private func matches(segments: [String]) -> Bool {
        let template = templateSegments
        guard template.count == segments.count else { return false }
        for (pattern, segment) in zip(template, segments) {
            if pattern.hasPrefix("{") {
                if segment.isEmpty { return false }
            } else if pattern != segment {
                return false
            }
        }
        return true
    }

    private func variable(in segments: [String]) -> String? {
        guard let index = templateSegments.firstIndex(where: { $0.hasPrefix("{") }) else { return nil }
        return segments[index]
    }
}
