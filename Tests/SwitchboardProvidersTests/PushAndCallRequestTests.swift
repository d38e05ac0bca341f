import Foundation
import SwitchboardCore
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// The exact requests for pushing assignments and creating calls, and how their answers are read.
@Suite struct PushAndCallRequestTests {
    static let number = Fixtures.e164("+14155550123")

    static func push(previous: String?, new: String?, id: String = "pn-1") -> AssignmentPush {
        AssignmentPush(number: number, providerNumberID: id, previousProviderAgentID: previous, providerAgentID: new)
    }

    static func call(metadata: CallMetadata = .empty) -> OutboundCall {
        OutboundCall(providerAgentID: "agent_1", from: number, fromProviderNumberID: "pn-1", to: Fixtures.e164("+12137771234"), metadata: metadata)
    }

    // MARK: Push

    @Test func push_retell_patchesBothAgentIDs() throws {
        let connection = Fixtures.connection(.retell)
        let assign = try RetellAdapter().pushRequests(PushAndCallRequestTests.push(previous: "old", new: "agent_1"), connection: connection)
        #expect(assign.count == 1)
        #expect(assign[0].method == .patch)
        #expect(assign[0].url == "https://api.retellai.com/update-phone-number/%2B14155550123")
        #expect(assign[0].bodyText == #"{"inbound_agent_id":"agent_1","outbound_agent_id":"agent_1"}"#)
        #expect(assign[0].headers["Authorization"] == "Bearer \(Fixtures.apiKey)")
        #expect(assign[0].headers["Content-Type"] == "application/json")
        let unassign = try RetellAdapter().pushRequests(PushAndCallRequestTests.push(previous: "old", new: nil), connection: connection)
        #expect(unassign.map(\.bodyText) == [#"{"inbound_agent_id":null,"outbound_agent_id":null}"#])
    }

    @Test func push_vapi_patchesAssistantByNumberID() throws {
        let connection = Fixtures.connection(.vapi)
        let assign = try VapiAdapter().pushRequests(PushAndCallRequestTests.push(previous: nil, new: "asst-1", id: "6a1f/x"), connection: connection)
        #expect(assign.map(\.url) == ["https://api.vapi.ai/phone-number/6a1f%2Fx"])
        #expect(assign.map(\.method) == [.patch])
        #expect(assign.map(\.bodyText) == [#"{"assistantId":"asst-1"}"#])
        let unassign = try VapiAdapter().pushRequests(PushAndCallRequestTests.push(previous: "asst-1", new: nil), connection: connection)
        #expect(unassign.map(\.bodyText) == [#"{"assistantId":null}"#])
    }

    @Test func push_bland_detachesOldThenAttachesNew() throws {
        let connection = Fixtures.connection(.bland)
        let adapter = BlandAdapter()
        let move = try adapter.pushRequests(PushAndCallRequestTests.push(previous: "agent-a", new: "agent-b"), connection: connection)
        #expect(move.map(\.url) == ["https://api.bland.ai/v2/agents/agent-a/inbound/detach", "https://api.bland.ai/v2/agents/agent-b/inbound/attach"])
        #expect(move.map(\.method) == [.post, .post])
        #expect(move.map(\.bodyText) == [#"{"inbound_numbers":["+14155550123"]}"#, #"{"inbound_numbers":["+14155550123"]}"#])
        #expect(move[0].headers["authorization"] == Fixtures.apiKey)
        #expect(try adapter.pushRequests(PushAndCallRequestTests.push(previous: nil, new: "agent-b"), connection: connection).map(\.url)
            == ["https://api.bland.ai/v2/agents/agent-b/inbound/attach"])
        #expect(try adapter.pushRequests(PushAndCallRequestTests.push(previous: "agent-a", new: nil), connection: connection).map(\.url)
            == ["https://api.bland.ai/v2/agents/agent-a/inbound/detach"])
        #expect(try adapter.pushRequests(PushAndCallRequestTests.push(previous: "agent-a", new: "agent-a"), connection: connection).map(\.url)
            == ["https://api.bland.ai/v2/agents/agent-a/inbound/attach"])
        #expect(try adapter.pushRequests(PushAndCallRequestTests.push(previous: nil, new: nil), connection: connection).isEmpty)
    }

    @Test func push_invalidIDs_refusedBeforeSending() {
        let bad = PushAndCallRequestTests.push(previous: nil, new: "agent with space")
        for provider in Provider.allCases {
            let failure = Fixtures.failure { try ProviderAdapters.adapter(for: provider).pushRequests(bad, connection: Fixtures.connection(provider)) }
            #expect(failure?.httpStatus == 422, "\(provider)")
        }
        #expect(Fixtures.failure { try VapiAdapter().pushRequests(PushAndCallRequestTests.push(previous: nil, new: "a", id: ""), connection: Fixtures.connection(.vapi)) } != nil)
    }

    @Test func checkPush_answers() throws {
        let bland = Fixtures.connection(.bland)
        try BlandAdapter().checkPushResponse(.json(200, #"{"status":"success"}"#), connection: bland)
        try BlandAdapter().checkPushResponse(ProviderResponse(status: 204), connection: bland)
        let refused = Fixtures.failure { try BlandAdapter().checkPushResponse(.json(200, #"{"status":"error","message":"Number not owned"}"#), connection: bland) }
        #expect(refused?.kind == .refused(providerMessage: "Number not owned"))
        #expect(refused?.httpStatus == 502)
        let retell = Fixtures.failure { try RetellAdapter().checkPushResponse(.json(404, #"{"message":"not found"}"#), connection: Fixtures.connection(.retell)) }
        #expect(retell?.kind == .status(404, providerMessage: "not found"))
        try VapiAdapter().checkPushResponse(.json(200, #"{"id":"pn-1"}"#), connection: Fixtures.connection(.vapi))
    }

    // MARK: Calls

    @Test func call_retell_request() throws {
        let metadata = try CallMetadata(jsonObject: Array(#"{"crm":{"id":42,"tags":["a"]}}"#.utf8))
        let request = try RetellAdapter().createCallRequest(PushAndCallRequestTests.call(metadata: metadata), connection: Fixtures.connection(.retell))
        #expect(request.method == .post)
        #expect(request.url == "https://api.retellai.com/v2/create-phone-call")
        #expect(request.bodyText == #"{"from_number":"+14155550123","to_number":"+12137771234","override_agent_id":"agent_1","metadata":{"crm":{"id":42,"tags":["a"]}}}"#)
        #expect(request.headers["authorization"] == "Bearer \(Fixtures.apiKey)")
        let created = try RetellAdapter().parseCreatedCall(.json(201, #"{"call_id":"call_abc","call_status":"registered","agent_id":"agent_1"}"#), connection: Fixtures.connection(.retell))
        #expect(created == CreatedCall(providerCallID: "call_abc"))
    }

    @Test func call_vapi_requestNamesCallerIDByNumberID() throws {
        let metadata = try CallMetadata(["b": "2", "a": "1"])
        let request = try VapiAdapter().createCallRequest(PushAndCallRequestTests.call(metadata: metadata), connection: Fixtures.connection(.vapi))
        #expect(request.url == "https://api.vapi.ai/call")
        #expect(request.bodyText == #"{"assistantId":"agent_1","phoneNumberId":"pn-1","customer":{"number":"+12137771234"},"metadata":{"a":"1","b":"2"}}"#)
        #expect(try VapiAdapter().parseCreatedCall(.json(201, #"{"id":"call-uuid","status":"queued"}"#), connection: Fixtures.connection(.vapi))
            == CreatedCall(providerCallID: "call-uuid"))
    }

    @Test func call_bland_requestAndStatusCheck() throws {
        let bland = Fixtures.connection(.bland)
        let request = try BlandAdapter().createCallRequest(PushAndCallRequestTests.call(), connection: bland)
        #expect(request.url == "https://api.bland.ai/v1/calls")
        #expect(request.bodyText == #"{"phone_number":"+12137771234","from":"+14155550123","agent_id":"agent_1","metadata":{}}"#)
        #expect(request.headers["authorization"] == Fixtures.apiKey)
        #expect(try BlandAdapter().parseCreatedCall(.json(200, #"{"status":"success","call_id":"b-1"}"#), connection: bland) == CreatedCall(providerCallID: "b-1"))
        // A 200 that says error is a failure, with Bland's message.
        let error = Fixtures.failure { try BlandAdapter().parseCreatedCall(.json(200, #"{"status":"error","message":"Invalid from number"}"#), connection: bland) }
        #expect(error?.kind == .refused(providerMessage: "Invalid from number"))
        #expect(error?.httpStatus == 502)
        #expect(error?.code == "provider_refused")
        for body in [#"{"status":"queued","call_id":"b-1"}"#, #"{"status":"success"}"#, #"{"call_id":"b-1"}"#] {
            #expect(Fixtures.failure { try BlandAdapter().parseCreatedCall(.json(200, body), connection: bland) }?.code == "provider_bad_answer", "\(body)")
        }
    }

    @Test func callMetadata_validated() throws {
        #expect(throws: CallMetadata.Invalid.notAnObject) { try CallMetadata(jsonObject: Array("[1]".utf8)) }
        #expect(throws: CallMetadata.Invalid.self) { try CallMetadata(jsonObject: Array(#"{"a":"#.utf8)) }
        let large = Array((#"{"a":""# + String(repeating: "x", count: CallMetadata.maxBytes) + #""}"#).utf8)
        #expect(throws: CallMetadata.Invalid.tooLarge(limit: CallMetadata.maxBytes)) { try CallMetadata(jsonObject: large) }
        #expect(try CallMetadata(jsonObject: Array(" {\"a\":1} ".utf8)).json == Array(#"{"a":1}"#.utf8))
        let escaped = try CallMetadata(["quote\"": "line\nbreak"])
        #expect(try JSONSerialization.jsonObject(with: Data(escaped.json)) as? [String: String] == ["quote\"": "line\nbreak"])
    }

    @Test func call_createdIDMissingOrWrongShape_malformed() {
        let cases: [(Provider, String)] = [
            (.retell, #"{"call_status":"registered"}"#), (.retell, #"{"call_id":5}"#), (.retell, "[]"), (.retell, "created!"),
            (.vapi, #"{"id":""}"#), (.vapi, #"{"status":"queued"}"#), (.vapi, "{"),
        ]
        for (provider, body) in cases {
            let failure = Fixtures.failure { try ProviderAdapters.adapter(for: provider).parseCreatedCall(.json(201, body), connection: Fixtures.connection(provider)) }
            #expect(failure?.code == "provider_bad_answer", "\(provider) \(body)")
            #expect(failure?.httpStatus == 502)
        }
    }
}
