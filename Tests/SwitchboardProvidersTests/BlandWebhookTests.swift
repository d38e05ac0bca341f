import Foundation
import SwitchboardCore
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// Bland's inbound webhook: signature, body, answer.
@Suite struct BlandWebhookTests {
    let adapter = BlandAdapter()

    func receive(_ headers: HTTPHeaders, _ body: [UInt8] = Fixtures.blandBody, connection: ProviderConnection = Fixtures.bland) throws -> WebhookEvent {
        try adapter.receive(headers: headers, body: body, connection: connection, nowMillis: Fixtures.now)
    }

    @Test func receive_documentedPayloadSignedBySigner_isInboundCall() throws {
        let headers = Fixtures.headers(WebhookSigner.bland(body: Fixtures.blandBody, secret: Fixtures.blandSecret))
        #expect(try receive(headers) == .inboundCall(
            InboundCall(called: .number(Fixtures.e164("+14155550123")), caller: Fixtures.e164("+12137771234"), providerCallID: "call-9")))
        // The signer's generic entry point signs the same way.
        _ = try receive(Fixtures.headers(WebhookSigner.sign(.bland, body: Fixtures.blandBody, key: Fixtures.blandSecret, unixMillis: 0)))
    }

    @Test func authenticate_independentlyComputedDigest_accepted() throws {
        _ = try receive(Fixtures.headers([("x-webhook-signature", Fixtures.blandDigest)]))
        _ = try receive(Fixtures.headers([("X-Webhook-Signature", Fixtures.blandDigest.uppercased())]))
    }

    @Test func authenticate_badSignature_unauthorized() {
        let other = Fixtures.headers(WebhookSigner.bland(body: Fixtures.blandBody, secret: "other"))
        #expect(Fixtures.webhookError { _ = try receive(other) } == .credentialMismatch(header: "X-Webhook-Signature"))
        let short = Fixtures.headers([("X-Webhook-Signature", String(Fixtures.blandDigest.dropLast()))])
        #expect(Fixtures.webhookError { _ = try receive(short) }?.code == "malformed_signature")
        let notHex = Fixtures.headers([("X-Webhook-Signature", String(Fixtures.blandDigest.dropLast()) + "g")])
        #expect(Fixtures.webhookError { _ = try receive(notHex) }?.code == "malformed_signature")
    }

    @Test func authenticate_missingHeaderOrSecret_unauthorized() {
        #expect(Fixtures.webhookError { _ = try receive(Fixtures.headers([])) }?.code == "missing_signature")
        let error = Fixtures.webhookError {
            _ = try receive(Fixtures.headers([("X-Webhook-Signature", Fixtures.blandDigest)]), connection: Fixtures.connection(.bland))
        }
        #expect(error == .credentialNotConfigured(provider: .bland, field: "webhook_secret"))
        #expect(error?.httpStatus == 401)
    }

    @Test func receive_wrongContentType_unsupportedMediaType() {
        var headers: HTTPHeaders = ["Content-Type": "multipart/form-data"]
        headers.append(name: "X-Webhook-Signature", value: Fixtures.blandDigest)
        #expect(Fixtures.webhookError { _ = try receive(headers) }?.httpStatus == 415)
    }

    @Test func decode_postCallAndOtherEvents_acknowledged() throws {
        #expect(try adapter.decode(body: WebhookBodies.callEnded(.bland, callID: "c")) == .other(type: "post_call"))
        #expect(try adapter.decode(body: Array(#"{"call_id":"c","status":"completed","transcripts":[]}"#.utf8)) == .other(type: "post_call"))
        #expect(try adapter.decode(body: Array(#"{"event":"call.ended","call_id":"c"}"#.utf8)) == .other(type: "call.ended"))
    }

    @Test func decode_wrongShapeOrTruncated_badRequest() {
        let cases: [(String, String)] = [
            (#"{"status":"completed"}"#, "event"),
            (#"{"call_id":7}"#, "call_id"),
            (#"{"event":"call.inbound","from":"+12137771234"}"#, "to"),
            (#"{"event":"call.inbound","to":"0044 20 7946 0000"}"#, "to"),
            (#"{"event":"call.inbound","to":["+14155550123"]}"#, "to"),
            (String(decoding: Fixtures.blandBody.dropLast(), as: UTF8.self), "not valid JSON"),
        ]
        for (body, field) in cases {
            let error = Fixtures.webhookError { _ = try adapter.decode(body: Array(body.utf8)) }
            #expect(error?.httpStatus == 400, "\(body)")
            #expect(error?.message.contains(field) == true, "\(body): \(String(describing: error))")
        }
    }

    @Test func answer_routedAndEveryRefusalReason() {
        #expect(Fixtures.text(adapter.answer(.routed(providerAgentID: "agent-77", agentID: Fixtures.agentID("a")))) == #"{"agent_id":"agent-77"}"#)
        for reason in InboundRefusal.allCases {
            let reply = adapter.answer(.refused(reason))
            #expect(reply.status == 200)
            #expect(Fixtures.text(reply) == #"{"action":"reject","reason":"\#(reason.code)"}"#)
        }
    }

    @Test func acknowledged_isNoContent() {
        #expect(WebhookReply.acknowledged.status == 204)
        #expect(WebhookReply.acknowledged.body.isEmpty)
        #expect(WebhookReply.acknowledged.contentType == nil)
    }
}
