import SwitchboardCore
import SwitchboardHTTP
import Testing
@testable import SwitchboardProviders

/// Shared inputs: the documented example payloads of providers.md, connections, and helpers.
enum Fixtures {
    static let now: Int64 = 1_732_500_000_000
    static let retellKey = "key_retell_test"
    static let vapiSecret = "vapi_secret"
    static let blandSecret = "bland_secret"
    static let apiKey = "key_SECRET_9f8e7d6c5b4a"

    static let retellBody = Array(
        #"{"event":"call_inbound","call_inbound":{"agent_id":"agent_8f3a","from_number":"+12137771234","to_number":"+12137771235"}}"#.utf8)
    static let vapiBody = Array(
        (#"{"message":{"type":"assistant-request","call":{"id":"call-1","type":"inboundPhoneCall","phoneNumberId":"pn-1"},"#
            + #""phoneNumber":{"id":"pn-1","number":"+14155550123"},"customer":{"number":"+12137771234"},"timestamp":1732500000000}}"#).utf8)
    static let blandBody = Array(#"{"event":"call.inbound","call_id":"call-9","to":"+14155550123","from":"+12137771234","inbound":true}"#.utf8)

    /// Digests computed independently with Python's hmac module for the bodies above, e.g.
    /// `hmac.new(b"key_retell_test", body + b"1732500000000", hashlib.sha256).hexdigest()`.
    static let retellDigest = "6213e49a521be0000cd666b577e0032d9c4cfb3b36d416e06355c67d6cc177d7"
    static let vapiTimestampedDigest = "e4ff9276fdaaf948529317433f17ae93af3ac20c253ff1232b32c393debc4b54"
    static let vapiPlainDigest = "43ebde5a38f1e1fc6f9519f116301766a6a74fb58804fd5866006a9ec0e16da1"
    static let blandDigest = "cb208d209784678197123331faf2370811b4e0e5ff9c16289f95ec3d3f13a338"

    static func connection(_ provider: Provider, apiKey: String = Fixtures.apiKey, secret: String? = nil, baseURL: String? = nil) -> ProviderConnection {
        ProviderConnection(
            account: try! AccountID("default"), provider: provider, apiKey: apiKey, webhookSecret: secret, baseURL: baseURL)
    }

    static let retell = connection(.retell, apiKey: retellKey)
    static let vapi = connection(.vapi, secret: vapiSecret)
    static let bland = connection(.bland, secret: blandSecret)

    /// A JSON webhook's headers: Content-Type plus `extra`.
    static func headers(_ extra: [(name: String, value: String)]) -> HTTPHeaders {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        for field in extra { headers.append(name: field.name, value: field.value) }
        return headers
    }

    static func text(_ reply: WebhookReply) -> String { String(decoding: reply.body, as: UTF8.self) }

    static func e164(_ text: String) -> E164 { try! E164(text) }

    static func agentID(_ text: String) -> AgentID { try! AgentID(text) }

    /// The webhook error thrown by `body`, or nil.
    static func webhookError(_ body: () throws -> Void) -> WebhookError? {
        do {
            try body()
            return nil
        } catch let error as WebhookError {
            return error
        } catch {
            Issue.record("not a WebhookError: \(error)")
            return nil
        }
    }

    /// The provider failure thrown by `body`, or nil.
    static func failure<T>(_ body: () throws -> T) -> ProviderFailure? {
        do {
            _ = try body()
            return nil
        } catch let error as ProviderFailure {
            return error
        } catch {
            Issue.record("not a ProviderFailure: \(error)")
            return nil
        }
    }
}
