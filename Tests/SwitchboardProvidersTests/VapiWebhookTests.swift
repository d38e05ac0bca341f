import Foundation
import SwitchboardCore
import SwitchboardCrypto
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// Vapi's assistant-request: the three authentication schemes, the body, the answer.
@Suite struct VapiWebhookTests {
    let adapter = VapiAdapter()

    func receive(_ headers: HTTPHeaders, _ body: [UInt8] = Fixtures.vapiBody, now: Int64 = Fixtures.now, connection: ProviderConnection = Fixtures.vapi)
        throws -> WebhookEvent
    {
        try adapter.receive(headers: headers, body: body, connection: connection, nowMillis: now)
    }

    func signed(_ scheme: WebhookSigner.VapiScheme, secret: String = Fixtures.vapiSecret, at millis: Int64 = Fixtures.now) -> HTTPHeaders {
        Fixtures.headers(WebhookSigner.vapi(body: Fixtures.vapiBody, secret: secret, scheme: scheme, unixMillis: millis))
    }

    static let expected = WebhookEvent.inboundCall(
        InboundCall(called: .number(Fixtures.e164("+14155550123")), caller: Fixtures.e164("+12137771234"), providerCallID: "call-1"))

    @Test func receive_everySchemeFromSigner_accepted() throws {
        for scheme: WebhookSigner.VapiScheme in [.hmac(timestamped: true), .hmac(timestamped: false), .sharedSecret, .bearer] {
            #expect(try receive(signed(scheme)) == VapiWebhookTests.expected)
        }
    }

    @Test func authenticate_independentlyComputedDigests_accepted() throws {
        _ = try receive(Fixtures.headers([("x-vapi-signature", Fixtures.vapiTimestampedDigest), ("x-vapi-timestamp", "1732500000000")]))
        _ = try receive(Fixtures.headers([("X-Vapi-Signature", Fixtures.vapiPlainDigest.uppercased())]))
        _ = try receive(Fixtures.headers([("authorization", "bearer \(Fixtures.vapiSecret)")]))
    }

    @Test func authenticate_wrongSecretInEachScheme_unauthorized() {
        for scheme: WebhookSigner.VapiScheme in [.hmac(timestamped: true), .hmac(timestamped: false), .sharedSecret, .bearer] {
            let error = Fixtures.webhookError { _ = try receive(signed(scheme, secret: "vapi_secreT")) }
            #expect(error?.code == "invalid_signature", "\(scheme)")
            #expect(error?.httpStatus == 401)
        }
        // A prefix or an extension of the secret is not the secret.
        #expect(Fixtures.webhookError { _ = try receive(Fixtures.headers([("x-vapi-secret", "vapi_secre")])) }?.code == "invalid_signature")
        #expect(Fixtures.webhookError { _ = try receive(Fixtures.headers([("x-vapi-secret", "vapi_secret2")])) }?.code == "invalid_signature")
    }

    @Test func authenticate_timestampSignedThenChanged_unauthorized() {
        let headers = Fixtures.headers([("x-vapi-signature", Fixtures.vapiTimestampedDigest), ("x-vapi-timestamp", "1732500000001")])
        #expect(Fixtures.webhookError { _ = try receive(headers) } == .credentialMismatch(header: "x-vapi-signature"))
    }

    @Test func authenticate_replayedTimestamp_unauthorized() throws {
        let error = Fixtures.webhookError { _ = try receive(signed(.hmac(timestamped: true)), now: Fixtures.now + 301_000) }
        #expect(error == .timestampOutOfTolerance(header: "x-vapi-timestamp", skewSeconds: 301))
        #expect(Fixtures.webhookError { _ = try receive(Fixtures.headers([("x-vapi-signature", "00"), ("x-vapi-timestamp", "soon")])) }?.code
            == "malformed_signature")
    }

    @Test func authenticate_timestampInSeconds_readAsSeconds() throws {
        let seconds = "1732500000"
        let message = Array("\(seconds).".utf8) + Fixtures.vapiBody
        let hex = SwitchboardCryptoHex.hmac(key: Fixtures.vapiSecret, message: message)
        _ = try receive(Fixtures.headers([("x-vapi-signature", hex), ("x-vapi-timestamp", seconds)]), now: Fixtures.now + 1000)
        #expect(Fixtures.webhookError {
            _ = try receive(Fixtures.headers([("x-vapi-signature", hex), ("x-vapi-timestamp", seconds)]), now: Fixtures.now + 400_000)
        }?.code == "stale_timestamp")
    }

    @Test func authenticate_noCredentialHeader_unauthorized() {
        let error = Fixtures.webhookError { _ = try receive(Fixtures.headers([])) }
        #expect(error?.code == "missing_signature")
        #expect(error?.httpStatus == 401)
        let basic = Fixtures.webhookError { _ = try receive(Fixtures.headers([("Authorization", "Basic dmFwaQ==")])) }
        #expect(basic?.code == "malformed_signature")
    }

    @Test func authenticate_connectionWithoutSecret_saysSetWebhookSecret() {
        for secret in [nil, ""] as [String?] {
            let error = Fixtures.webhookError { _ = try receive(signed(.sharedSecret), connection: Fixtures.connection(.vapi, secret: secret)) }
            #expect(error == .credentialNotConfigured(provider: .vapi, field: "webhook_secret"))
            #expect(error?.message.contains("set webhook_secret") == true)
        }
    }

    @Test func receive_wrongContentType_unsupportedMediaType() {
        var headers: HTTPHeaders = ["Content-Type": "text/json"]
        headers.append(name: "x-vapi-secret", value: Fixtures.vapiSecret)
        #expect(Fixtures.webhookError { _ = try receive(headers) }?.httpStatus == 415)
    }

    @Test func decode_withoutPhoneNumber_fallsBackToNumberID() throws {
        let body = Array(#"{"message":{"type":"assistant-request","call":{"id":"c2","phoneNumberId":"pn-7"},"phoneNumber":null}}"#.utf8)
        #expect(try adapter.decode(body: body) == .inboundCall(InboundCall(called: .providerNumberID("pn-7"), caller: nil, providerCallID: "c2")))
        let noNumber = Array(#"{"message":{"type":"assistant-request","call":{"phoneNumberId":"pn-7"},"phoneNumber":{"id":"pn-7"}}}"#.utf8)
        #expect(try adapter.decode(body: noNumber) == .inboundCall(InboundCall(called: .providerNumberID("pn-7"))))
    }

    @Test func decode_wrongShape_namesTheField() {
        let cases: [(String, String)] = [
            (#"{"type":"assistant-request"}"#, "message"),
            (#"{"message":[]}"#, "message"),
            (#"{"message":{}}"#, "message.type"),
            (#"{"message":{"type":"assistant-request"}}"#, "message.phoneNumber.number"),
            (#"{"message":{"type":"assistant-request","phoneNumber":{"number":"555-CALL"}}}"#, "message.phoneNumber.number"),
            (#"{"message":{"type":"assistant-request","phoneNumber":"+14155550123"}}"#, "message.phoneNumber"),
            (#"{"message":{"type":"assistant-request","call":{"phoneNumberId":""}}}"#, "message.call.phoneNumberId"),
            (#"{"message":{"type":"assistant-request","phoneNumber":{"number":"+14155550123"},"customer":{"number":1}}}"#, "message.customer.number"),
        ]
        for (body, field) in cases {
            let error = Fixtures.webhookError { _ = try adapter.decode(body: Array(body.utf8)) }
            #expect(error?.httpStatus == 400, "\(body)")
            #expect(error?.message.contains(field) == true, "\(body): \(String(describing: error))")
        }
    }

    @Test func decode_truncated_badRequest() {
        let error = Fixtures.webhookError { _ = try adapter.decode(body: Array(Fixtures.vapiBody.dropLast(2))) }
        #expect(error?.code == "invalid_json")
        #expect(error?.httpStatus == 400)
    }

    @Test func decode_otherMessageTypes_acknowledged() throws {
        for type in ["status-update", "end-of-call-report", "conversation-update", "hang", "something-new"] {
            #expect(try adapter.decode(body: Array(#"{"message":{"type":"\#(type)","call":{"id":"c"}}}"#.utf8)) == .other(type: type))
        }
        #expect(try adapter.decode(body: WebhookBodies.callEnded(.vapi, callID: "c")) == .other(type: "end-of-call-report"))
    }

    @Test func answer_routedAndEveryRefusal() throws {
        #expect(Fixtures.text(adapter.answer(.routed(providerAgentID: "asst-42", agentID: Fixtures.agentID("a")))) == #"{"assistantId":"asst-42"}"#)
        var sentences = Set<String>()
        for reason in InboundRefusal.allCases {
            let reply = adapter.answer(.refused(reason))
            #expect(reply.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: String])
            let sentence = try #require(object["error"])
            #expect(sentence == VapiAdapter.refusalSentence(reason))
            #expect(sentence.hasSuffix("."))
            sentences.insert(sentence)
        }
        #expect(sentences.count == InboundRefusal.allCases.count)
        #expect(Fixtures.text(adapter.answer(.refused(.unknownNumber))) == #"{"error":"This number is not in service."}"#)
    }
}

/// Hex HMAC for tests that need a digest the signer does not produce (e.g. a seconds timestamp).
enum SwitchboardCryptoHex {
    static func hmac(key: String, message: [UInt8]) -> String {
        Crypto.hmacSHA256Hex(key: Array(key.utf8), message: message)
    }
}
