import Foundation
import SwitchboardCore
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// Retell's inbound-call webhook: signature, body, answer (providers.md, "Retell AI").
@Suite struct RetellWebhookTests {
    let adapter = RetellAdapter()

    func receive(_ headers: HTTPHeaders, _ body: [UInt8] = Fixtures.retellBody, now: Int64 = Fixtures.now, connection: ProviderConnection = Fixtures.retell)
        throws(WebhookError) -> WebhookEvent
    {
        try adapter.receive(headers: headers, body: body, connection: connection, nowMillis: now)
    }

    func signed(_ body: [UInt8] = Fixtures.retellBody, at millis: Int64 = Fixtures.now) -> HTTPHeaders {
        Fixtures.headers(WebhookSigner.retell(body: body, apiKey: Fixtures.retellKey, unixMillis: millis))
    }

    @Test func receive_documentedPayloadSignedBySigner_isInboundCall() throws {
        let event = try receive(signed())
        #expect(event == .inboundCall(InboundCall(called: .number(Fixtures.e164("+12137771235")), caller: Fixtures.e164("+12137771234"))))
    }

    @Test func authenticate_independentlyComputedDigest_accepted() throws {
        let header = "v=1732500000000,d=\(Fixtures.retellDigest)"
        _ = try receive(Fixtures.headers([("x-retell-signature", header)]))
        // Upper-case hex and another spelling of the header name are the same signature.
        _ = try receive(Fixtures.headers([("X-Retell-Signature", "v=1732500000000,d=\(Fixtures.retellDigest.uppercased())")]))
    }

    @Test func authenticate_wrongDigest_unauthorized() {
        var digest = Array(Fixtures.retellDigest)
        digest[10] = digest[10] == "a" ? "b" : "a"
        let error = Fixtures.webhookError { _ = try receive(Fixtures.headers([("x-retell-signature", "v=1732500000000,d=\(String(digest))")])) }
        #expect(error == .credentialMismatch(header: "x-retell-signature"))
        #expect(error?.httpStatus == 401)
        #expect(error?.code == "invalid_signature")
    }

    @Test func authenticate_otherKeyOrTamperedBody_unauthorized() {
        let otherKey = Fixtures.headers(WebhookSigner.retell(body: Fixtures.retellBody, apiKey: "key_other", unixMillis: Fixtures.now))
        #expect(Fixtures.webhookError { _ = try receive(otherKey) } == .credentialMismatch(header: "x-retell-signature"))
        var tampered = Fixtures.retellBody
        tampered[tampered.count - 4] = UInt8(ascii: "9")
        #expect(Fixtures.webhookError { _ = try receive(signed(), tampered) } == .credentialMismatch(header: "x-retell-signature"))
    }

    @Test func authenticate_replayedOrFutureTimestamp_unauthorized() throws {
        let tolerance = WebhookTimestamp.toleranceMillis
        // At the edge of the tolerance it still passes, either way.
        _ = try receive(signed(), now: Fixtures.now + tolerance)
        _ = try receive(signed(), now: Fixtures.now - tolerance)
        let replayed = Fixtures.webhookError { _ = try receive(signed(), now: Fixtures.now + tolerance + 1) }
        #expect(replayed == .timestampOutOfTolerance(header: "x-retell-signature", skewSeconds: 300))
        #expect(replayed?.httpStatus == 401)
        let old = Fixtures.webhookError { _ = try receive(signed(at: Fixtures.now - 3_600_000)) }
        #expect(old?.code == "stale_timestamp")
        let future = Fixtures.webhookError { _ = try receive(signed(at: Fixtures.now + 400_000)) }
        #expect(future?.code == "stale_timestamp")
    }

    @Test func authenticate_missingHeader_unauthorized() {
        let error = Fixtures.webhookError { _ = try receive(Fixtures.headers([])) }
        #expect(error == .missingCredentials(provider: .retell, expected: "x-retell-signature header"))
        #expect(error?.httpStatus == 401)
    }

    @Test func authenticate_malformedHeader_unauthorized() {
        let digest = Fixtures.retellDigest
        for header in ["", "v=1732500000000", "d=\(digest),v=1732500000000", "v=abc,d=\(digest)", "v=,d=\(digest)", "v=1732500000000,d=abc",
            "v=1732500000000,\(digest)", "v=1732500000000,d=\(digest)0", "v=17325000000001234567,d=\(digest)", "v=1732500000000, d=\(digest)"]
        {
            let error = Fixtures.webhookError { _ = try receive(Fixtures.headers([("x-retell-signature", header)])) }
            #expect(error?.code == "malformed_signature", "\(header): \(String(describing: error))")
            #expect(error?.httpStatus == 401)
        }
    }

    @Test func authenticate_repeatedHeader_unauthorized() {
        var headers = signed()
        headers.append(name: "X-RETELL-SIGNATURE", value: "v=1,d=00")
        #expect(Fixtures.webhookError { _ = try receive(headers) }?.code == "malformed_signature")
    }

    @Test func authenticate_connectionWithoutAPIKey_saysWhatToSet() {
        let error = Fixtures.webhookError { _ = try receive(signed(), connection: Fixtures.connection(.retell, apiKey: "")) }
        #expect(error == .credentialNotConfigured(provider: .retell, field: "api_key"))
        #expect(error?.message.contains("set api_key") == true)
    }

    @Test func receive_wrongContentType_unsupportedMediaType() {
        for contentType in ["text/plain", "application/jsonp", "application/x-www-form-urlencoded", "application/json; charset=latin1", ""] {
            var headers: HTTPHeaders = ["Content-Type": contentType]
            for field in WebhookSigner.retell(body: Fixtures.retellBody, apiKey: Fixtures.retellKey, unixMillis: Fixtures.now) {
                headers.append(name: field.name, value: field.value)
            }
            let error = Fixtures.webhookError { _ = try receive(headers) }
            #expect(error?.httpStatus == 415, "\(contentType)")
            #expect(error?.code == "unsupported_media_type")
        }
        let none = HTTPHeaders(WebhookSigner.retell(body: Fixtures.retellBody, apiKey: Fixtures.retellKey, unixMillis: Fixtures.now).map {
            HTTPHeaders.Field(name: $0.name, value: $0.value)
        })
        #expect(Fixtures.webhookError { _ = try receive(none) } == .unsupportedMediaType(received: nil))
    }

    @Test func receive_contentTypeWithParameters_accepted() throws {
        for contentType in ["Application/JSON; charset=UTF-8", #"application/json;charset="utf-8""#, "application/json ; foo=bar", " application/json "] {
            var headers: HTTPHeaders = ["content-type": contentType]
            for field in WebhookSigner.retell(body: Fixtures.retellBody, apiKey: Fixtures.retellKey, unixMillis: Fixtures.now) {
                headers.append(name: field.name, value: field.value)
            }
            _ = try receive(headers)
        }
    }

    @Test func decode_truncatedBody_badRequest() {
        for length in [0, 1, 20, Fixtures.retellBody.count - 1] {
            let error = Fixtures.webhookError { _ = try adapter.decode(body: Array(Fixtures.retellBody[..<length])) }
            guard case .invalidJSON = error else {
                Issue.record("cut at \(length): \(String(describing: error))")
                continue
            }
            #expect(error?.httpStatus == 400)
        }
    }

    @Test func decode_otherEvents_acknowledged() throws {
        for type in ["call_started", "call_ended", "call_analyzed", "transcript_updated_later"] {
            let body = Array(#"{"event":"\#(type)","call":{"call_id":"c1","extra":[1,2]}}"#.utf8)
            #expect(try adapter.decode(body: body) == .other(type: type))
        }
        #expect(try adapter.decode(body: WebhookBodies.callEnded(.retell, callID: "c1")) == .other(type: "call_ended"))
    }

    @Test func decode_wrongShape_namesTheField() {
        let cases: [(String, String)] = [
            (#"[1]"#, "top level"),
            (#"{"call_inbound":{}}"#, "event"),
            (#"{"event":7}"#, "event"),
            (#"{"event":"call_inbound"}"#, "call_inbound"),
            (#"{"event":"call_inbound","call_inbound":"x"}"#, "call_inbound"),
            (#"{"event":"call_inbound","call_inbound":{"from_number":"+12137771234"}}"#, "call_inbound.to_number"),
            (#"{"event":"call_inbound","call_inbound":{"to_number":12137771235}}"#, "call_inbound.to_number"),
            (#"{"event":"call_inbound","call_inbound":{"to_number":"+1213777123x"}}"#, "call_inbound.to_number"),
            (#"{"event":"call_inbound","call_inbound":{"to_number":"+12137771235","from_number":5}}"#, "call_inbound.from_number"),
        ]
        for (body, field) in cases {
            let error = Fixtures.webhookError { _ = try adapter.decode(body: Array(body.utf8)) }
            #expect(error?.httpStatus == 400, "\(body)")
            #expect(error?.message.contains(field) == true, "\(body): \(String(describing: error))")
        }
    }

    @Test func decode_looseNumbersAndWithheldCaller() throws {
        let body = Array(#"{"event":"call_inbound","call_inbound":{"to_number":"+1 (213) 777-1235","from_number":"anonymous","new_field":{}}}"#.utf8)
        #expect(try adapter.decode(body: body) == .inboundCall(InboundCall(called: .number(Fixtures.e164("+12137771235")), caller: nil)))
    }

    @Test func answer_routed_overridesAgentWithOurID() throws {
        let reply = adapter.answer(.routed(providerAgentID: "agent_8f3a", agentID: Fixtures.agentID("front-desk")))
        #expect(reply.status == 200)
        #expect(reply.contentType == "application/json")
        #expect(Fixtures.text(reply) == #"{"call_inbound":{"override_agent_id":"agent_8f3a","metadata":{"switchboard_agent_id":"front-desk"}}}"#)
    }

    @Test func answer_everyRefusal_emptyCallInbound() {
        for reason in InboundRefusal.allCases {
            let reply = adapter.answer(.refused(reason))
            #expect(reply.status == 200)
            #expect(Fixtures.text(reply) == #"{"call_inbound":{}}"#)
        }
    }

    @Test func answer_idNeedingEscapes_staysValidJSON() throws {
        let reply = adapter.answer(.routed(providerAgentID: #"a"b\c"#, agentID: Fixtures.agentID("x")))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: [String: Any]])
        #expect(object["call_inbound"]?["override_agent_id"] as? String == #"a"b\c"#)
    }
}
