import SwitchboardCore

/// The routes of SPEC §3, matched from a request's method and decoded path segments.
enum Route: Equatable {
    case healthz, readyz, metrics
    case accounts
    case provider(account: String, provider: String)
    case numbers(account: String)
    case availableNumbers(account: String)
    case number(account: String, number: String)
    case numberAgent(account: String, number: String)
    case diagnosis(account: String, number: String)
    case agents(account: String)
    case agent(account: String, id: String)
    case callerID(account: String, id: String)
    case events(account: String)
    case sync(account: String)
    /// Routes that need a provider (calls, sync, webhooks): built with the providers issue.
    case notBuilt(String)

    /// Matches the path; nil for an unknown path (404).
    init?(segments: [String]) {
        switch segments.count {
        case 1:
            switch segments[0] {
            case "healthz": self = .healthz
            case "readyz": self = .readyz
            case "metrics": self = .metrics
            default: return nil
            }
            return
        case 3 where segments[0] == "webhooks":
            self = .notBuilt("/webhooks/{provider}/{a}")
            return
        default: break
        }
        guard segments.count >= 2, segments[0] == "v1", segments[1] == "accounts" else { return nil }
        if segments.count == 2 {
            self = .accounts
            return
        }
        let account = segments[2]
        let rest = Array(segments.dropFirst(3))
        switch rest.count {
        case 1:
            switch rest[0] {
            case "numbers": self = .numbers(account: account)
            case "agents": self = .agents(account: account)
            case "events": self = .events(account: account)
            case "calls": self = .notBuilt("/v1/accounts/{a}/calls")
            case "sync": self = .sync(account: account)
            default: return nil
            }
        case 2:
            switch rest[0] {
            case "providers": self = .provider(account: account, provider: rest[1])
            case "numbers": self = rest[1] == "available" ? .availableNumbers(account: account) : .number(account: account, number: rest[1])
            case "agents": self = .agent(account: account, id: rest[1])
            default: return nil
            }
        case 3:
            switch (rest[0], rest[2]) {
            case ("numbers", "agent"): self = .numberAgent(account: account, number: rest[1])
            case ("numbers", "diagnosis"): self = .diagnosis(account: account, number: rest[1])
            case ("agents", "caller-id"): self = .callerID(account: account, id: rest[1])
            default: return nil
            }
        default: return nil
        }
    }

    /// The methods the route accepts (405 lists them in `Allow`).
    var methods: [String] {
        switch self {
        case .healthz, .readyz, .metrics, .numbers, .availableNumbers, .number, .diagnosis, .agents, .callerID, .events: ["GET"]
        case .accounts, .sync: ["GET", "POST"]
        case .provider, .agent: ["GET", "PUT", "DELETE"]
        case .numberAgent: ["PUT", "DELETE"]
        case .notBuilt: ["GET", "POST"]
        }
    }

    /// The route's pattern: the label for metrics and logs (never the ids, which are unbounded).
    var pattern: String {
        switch self {
        case .healthz: "/healthz"
        case .readyz: "/readyz"
        case .metrics: "/metrics"
        case .accounts: "/v1/accounts"
        case .provider: "/v1/accounts/{a}/providers/{provider}"
        case .numbers: "/v1/accounts/{a}/numbers"
        case .availableNumbers: "/v1/accounts/{a}/numbers/available"
        case .number: "/v1/accounts/{a}/numbers/{number}"
        case .numberAgent: "/v1/accounts/{a}/numbers/{number}/agent"
        case .diagnosis: "/v1/accounts/{a}/numbers/{number}/diagnosis"
        case .agents: "/v1/accounts/{a}/agents"
        case .agent: "/v1/accounts/{a}/agents/{id}"
        case .callerID: "/v1/accounts/{a}/agents/{id}/caller-id"
        case .events: "/v1/accounts/{a}/events"
        case .sync: "/v1/accounts/{a}/sync"
        case .notBuilt(let pattern): pattern
        }
    }

    /// Every route pattern, the labels of the request metrics; `metricIndex` points into it. The
    /// last two stand for paths that match no route and paths that cannot be decoded.
    static let patterns: [String] = [
        "/healthz", "/readyz", "/metrics", "/v1/accounts", "/v1/accounts/{a}/providers/{provider}", "/v1/accounts/{a}/numbers",
        "/v1/accounts/{a}/numbers/available", "/v1/accounts/{a}/numbers/{number}", "/v1/accounts/{a}/numbers/{number}/agent",
        "/v1/accounts/{a}/numbers/{number}/diagnosis", "/v1/accounts/{a}/agents", "/v1/accounts/{a}/agents/{id}",
        "/v1/accounts/{a}/agents/{id}/caller-id", "/v1/accounts/{a}/events", "/v1/accounts/{a}/calls", "/v1/accounts/{a}/sync",
        "/webhooks/{provider}/{a}", "unknown", "invalid",
    ]
    static let unknownMetricIndex = patterns.count - 2
    static let invalidMetricIndex = patterns.count - 1

    /// This route's position in `patterns` (a switch, not a string search: it runs per request).
    var metricIndex: Int {
        switch self {
        case .healthz: 0
        case .readyz: 1
        case .metrics: 2
        case .accounts: 3
        case .provider: 4
        case .numbers: 5
        case .availableNumbers: 6
        case .number: 7
        case .numberAgent: 8
        case .diagnosis: 9
        case .agents: 10
        case .agent: 11
        case .callerID: 12
        case .events: 13
        case .sync: 15
        case .notBuilt(let pattern): Route.patterns.firstIndex(of: pattern) ?? Route.unknownMetricIndex
        }
    }

    /// The account the route acts on, if any.
    var account: String? {
        switch self {
        case .healthz, .readyz, .metrics, .accounts, .notBuilt: nil
        case .provider(let account, _), .numbers(let account), .availableNumbers(let account), .number(let account, _),
            .numberAgent(let account, _), .diagnosis(let account, _), .agents(let account), .agent(let account, _),
            .callerID(let account, _), .events(let account), .sync(let account):
            account
        }
    }
}
