import Foundation
import SwitchboardCore
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import SwitchboardSimulator

/// A response as URLSession delivered it, with the body parsed when it is JSON.
struct Reply {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    var json: SimulatorJSON? { try? SimulatorJSON.parse(body) }
    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// Real HTTP over loopback through URLSession (what the adapters use), one ephemeral session per
/// request (no caches, no cookies, no shared connection state between tests).
enum Client {
    static func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil, timeout: TimeInterval = 5
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = timeout
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            if headers.keys.allSatisfy({ $0.lowercased() != "content-type" }) {
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name] = value }
        }
        return Reply(status: http.statusCode, headers: fields, body: Array(data))
    }
}

/// A running simulator with one account per provider, stopped when the test ends.
final class Fixture: Sendable {
    let simulator: ProviderSimulator
    static let retellKey = "key_retell_test"
    static let vapiKey = "vapi_test_key"
    static let blandKey = "bland_test_key"
    static let vapiSecret = "vapi_secret"
    static let blandSecret = "bland_secret"

    init() throws {
        simulator = ProviderSimulator()
        try simulator.start()
        try simulator.createAccount(.retell, apiKey: Self.retellKey)
        try simulator.createAccount(.vapi, apiKey: Self.vapiKey, webhookSecret: Self.vapiSecret)
        try simulator.createAccount(.bland, apiKey: Self.blandKey, webhookSecret: Self.blandSecret)
    }

    deinit {
        simulator.stop(gracePeriod: .milliseconds(500))
    }

    func url(_ provider: Provider, _ path: String) -> String {
        simulator.baseURL(provider) + path
    }

    var controlURL: String { simulator.controlURL }

    static func key(_ provider: Provider) -> String {
        switch provider {
        case .retell: retellKey
        case .vapi: vapiKey
        case .bland: blandKey
        }
    }

    /// The provider's auth header for its test account.
    static func auth(_ provider: Provider, key: String? = nil) -> [String: String] {
        let key = key ?? Self.key(provider)
        return provider == .bland ? ["authorization": key] : ["Authorization": "Bearer \(key)"]
    }

    /// Adds `count` consecutive numbers from `first` to the provider's test account.
    @discardableResult
    func addNumbers(_ provider: Provider, first: UInt64 = 14_155_550_100, count: Int, agent: String? = nil) throws -> [SimulatedNumber] {
        let batch = (0..<UInt64(count)).map { SimulatedNumber(E164(key: first + $0)!, agentID: agent) }
        return try simulator.addNumbers(batch, provider: provider, apiKey: Self.key(provider))
    }

    /// A request with the provider's auth for the test account.
    func call(
        _ provider: Provider, _ method: String, _ path: String, body: String? = nil, timeout: TimeInterval = 5,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        try await Client.send(
            method, url(provider, path), headers: Fixture.auth(provider).merging(headers) { $1 }, body: body,
            timeout: timeout)
    }
}

func e164(_ text: String) -> E164 {
    try! E164(text)
}

/// The member names of a JSON object, for shape checks (JSON objects are unordered, RFC 8259 §4).
func keys(_ json: SimulatorJSON?) -> Set<String> {
    Set(json?.members?.map(\.key) ?? [])
}
