import Foundation
import SwitchboardCore
import SwitchboardProviders
import Testing

/// The bodies are valid JSON with the fields providers.md documents.
@Suite struct WebhookBodiesTests {
    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func inboundCall_eachProvider_carriesTheCalledNumber() throws {
        let to = try E164("+14155550123")
        let retell = try WebhookBodiesTests.object(WebhookBodies.inboundCall(.retell, to: to, from: "+12137771234", callID: "c1"))
        #expect(retell["event"] as? String == "call_inbound")
        #expect((retell["call_inbound"] as? [String: Any])?["to_number"] as? String == "+14155550123")

        let vapi = try WebhookBodiesTests.object(WebhookBodies.inboundCall(.vapi, to: to, from: "+12137771234", callID: "c2", phoneNumberID: "pn-1", unixMillis: 5))
        let message = try #require(vapi["message"] as? [String: Any])
        #expect(message["type"] as? String == "assistant-request")
        #expect((message["phoneNumber"] as? [String: Any])?["number"] as? String == "+14155550123")
        #expect((message["call"] as? [String: Any])?["phoneNumberId"] as? String == "pn-1")
        #expect(message["timestamp"] as? Int == 5)

        let bland = try WebhookBodiesTests.object(WebhookBodies.inboundCall(.bland, to: to, from: "+12137771234", callID: "c3"))
        #expect(bland["event"] as? String == "call.inbound")
        #expect(bland["to"] as? String == "+14155550123")
        #expect(bland["call_id"] as? String == "c3")
    }

    @Test func inboundCall_textNeedingEscapes_staysValidJSON() throws {
        let body = WebhookBodies.inboundCall(.bland, to: try E164("+14155550123"), from: "a\"b\\c\n\u{1}", callID: "x")
        #expect(try WebhookBodiesTests.object(body)["from"] as? String == "a\"b\\c\n\u{1}")
    }

    @Test func callEnded_eachProvider_isNotAnInboundCall() throws {
        #expect(try WebhookBodiesTests.object(WebhookBodies.callEnded(.retell, callID: "c"))["event"] as? String == "call_ended")
        #expect((try WebhookBodiesTests.object(WebhookBodies.callEnded(.vapi, callID: "c"))["message"] as? [String: Any])?["type"] as? String == "end-of-call-report")
        #expect(try WebhookBodiesTests.object(WebhookBodies.callEnded(.bland, callID: "c"))["status"] as? String == "completed")
    }
}
