import SwitchboardCore
import Testing

@testable import SwitchboardSimulator

@Suite struct VapiAPITests {
    @Test func listPhoneNumbers_answersBareArrayOfDocumentedShape() async throws {
        let fixture = try Fixture()
        let added = try fixture.simulator.addNumbers(
            [SimulatedNumber(e164("+14155550123"), agentID: "asst_1", name: "Support")], provider: .vapi, apiKey: Fixture.vapiKey)
        let reply = try await fixture.call(.vapi, "GET", "/phone-number?limit=1000")
        #expect(reply.status == 200)
        let items = try #require(reply.json?.elements)
        #expect(items.count == 1)
        let item = items[0]
        #expect(keys(item) == ["id", "number", "provider", "assistantId", "name", "status", "createdAt", "updatedAt"])
        #expect(item["id"] == .string(added[0].id))
        #expect(item["number"] == .string("+14155550123"))
        #expect(item["provider"] == .string("twilio"))
        #expect(item["assistantId"] == .string("asst_1"))
        #expect(item["status"] == .string("active"))
        // A UUID, and ISO 8601 times with milliseconds in UTC.
        #expect(added[0].id.count == 36 && added[0].id.split(separator: "-").count == 5)
        let created = try #require(item["createdAt"]?.stringValue)
        #expect(created.count == 24 && created.hasSuffix("Z") && created.contains("."))
        #expect(ISOTime.parse(created) == added[0].createdAtMillis)
    }

    @Test func listPhoneNumbers_pagedByCreatedAtGt_returnsEveryNumberOnceOldestFirst() async throws {
        let fixture = try Fixture()
        let added = try fixture.addNumbers(.vapi, first: 14_155_550_900, count: 23)
        try fixture.addNumbers(.vapi, first: 14_155_550_100, count: 2)  // newer, yet smaller numbers
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        while pages < 10 {
            let query = "limit=5" + (cursor.map { "&createdAtGt=\($0)" } ?? "")
            let reply = try await fixture.call(.vapi, "GET", "/phone-number?\(query)")
            #expect(reply.status == 200)
            let items = try #require(reply.json?.elements)
            pages += 1
            seen += items.compactMap { $0["number"]?.stringValue }
            guard items.count == 5 else { break }  // a page that is not full is the last
            cursor = items.last?["createdAt"]?.stringValue
        }
        #expect(pages == 6)  // five full pages, then an empty one ends the listing
        #expect(seen.count == 25)
        #expect(Set(seen).count == 25)
        #expect(Array(seen.prefix(23)) == added.map(\.number.description))
        #expect(Array(seen.suffix(2)) == ["+14155550100", "+14155550101"])
    }

    @Test func listPhoneNumbers_badQuery_answers400InVapiStyle() async throws {
        let fixture = try Fixture()
        for query in ["limit=0", "limit=abc", "createdAtGt=yesterday", "createdAtGt=2024-13-01T00:00:00Z", "sort=asc"] {
            let reply = try await fixture.call(.vapi, "GET", "/phone-number?\(query)")
            #expect(reply.status == 400, "\(query)")
            #expect(reply.json?["statusCode"] == .integer(400), "\(query)")
            #expect(reply.json?["error"] == .string("Bad Request"), "\(query)")
        }
    }

    @Test func auth_missingOrWrongKey_answers401InVapiStyle() async throws {
        let fixture = try Fixture()
        for headers in [[:], ["Authorization": "Bearer nope"], ["Authorization": Fixture.vapiKey]] {
            let reply = try await Client.send("GET", fixture.url(.vapi, "/phone-number"), headers: headers)
            #expect(reply.status == 401)
            #expect(keys(reply.json) == ["message", "error", "statusCode"])
        }
    }

    @Test func updatePhoneNumber_byID_setsAssistantAndRecordsChange() async throws {
        let fixture = try Fixture()
        let number = try #require(try fixture.addNumbers(.vapi, count: 1).first)
        let reply = try await fixture.call(.vapi, "PATCH", "/phone-number/\(number.id)", body: #"{"assistantId":"asst_9"}"#)
        #expect(reply.status == 200)
        #expect(reply.json?["assistantId"] == .string("asst_9"))
        #expect(reply.json?["id"] == .string(number.id))
        let updatedAt = try #require(reply.json?["updatedAt"]?.stringValue)
        #expect(ISOTime.parse(updatedAt)! > number.createdAtMillis)
        let cleared = try await fixture.call(.vapi, "PATCH", "/phone-number/\(number.id)", body: #"{"assistantId":null}"#)
        #expect(cleared.json?["assistantId"] == .null)
        let changes = fixture.simulator.numberChanges(provider: .vapi)
        #expect(changes.map(\.agentID) == ["asst_9", nil])
        #expect(changes.allSatisfy { $0.operation == .vapiUpdate && $0.numbers == [number.number] })
    }

    @Test func updatePhoneNumber_unknownIDOrBadBody_refusedAndNothingChanges() async throws {
        let fixture = try Fixture()
        let number = try #require(try fixture.addNumbers(.vapi, count: 1, agent: "asst_keep").first)
        let cases: [(String, String, Int)] = [
            ("/phone-number/00000000-0000-4000-8000-000000000000", #"{"assistantId":"a"}"#, 404),
            ("/phone-number/+14155550100", #"{"assistantId":"a"}"#, 404),  // the E.164 string is not its id
            ("/phone-number/\(number.id)", #"{"assistant":"a"}"#, 400),
            ("/phone-number/\(number.id)", #"{"assistantId":true}"#, 400),
            ("/phone-number/\(number.id)", "{}", 400),
            ("/phone-number/\(number.id)", "{\"assistantId\":", 400),
        ]
        for (path, body, status) in cases {
            let reply = try await fixture.call(.vapi, "PATCH", path, body: body)
            #expect(reply.status == status, "\(path) \(body)")
            #expect(reply.json?["statusCode"] == .integer(Int64(status)))
        }
        #expect(try fixture.simulator.number(number.number, provider: .vapi, apiKey: Fixture.vapiKey)?.agentID == "asst_keep")
        #expect(fixture.simulator.numberChanges().isEmpty)
    }

    @Test func createCall_valid_answers201QueuedAndRecordsCall() async throws {
        let fixture = try Fixture()
        let number = try #require(try fixture.addNumbers(.vapi, count: 1).first)
        let body = #"{"assistantId":"asst_1","phoneNumberId":"\#(number.id)","customer":{"number":"+12137771234"},"metadata":{"k":"v"}}"#
        let reply = try await fixture.call(.vapi, "POST", "/call", body: body)
        #expect(reply.status == 201)
        let json = try #require(reply.json)
        #expect(json["status"] == .string("queued"))
        let id = try #require(json["id"]?.stringValue)
        #expect(json["phoneNumberId"] == .string(number.id))
        #expect(json["customer"]?["number"] == .string("+12137771234"))
        let call = try #require(fixture.simulator.calls(provider: .vapi).first)
        #expect(call.callID == id)
        #expect(call.from == number.number)
        #expect(call.phoneNumberID == number.id)
        #expect(call.to == e164("+12137771234"))
        #expect(call.agentID == "asst_1")
    }

    @Test func createCall_badInput_refusedAndNoCall() async throws {
        let fixture = try Fixture()
        let number = try #require(try fixture.addNumbers(.vapi, count: 1).first)
        let cases: [(String, Int)] = [
            (#"{"assistantId":"a","phoneNumberId":"+14155550100","customer":{"number":"+12137771234"}}"#, 404),
            (#"{"assistantId":"a","customer":{"number":"+12137771234"}}"#, 400),
            (#"{"assistantId":"a","phoneNumberId":"\#(number.id)"}"#, 400),
            (#"{"assistantId":"a","phoneNumberId":"\#(number.id)","customer":{"number":"12137771234"}}"#, 400),
            (#"{"assistantId":"a","phoneNumberId":"\#(number.id)","customer":{"number":"+12137771234","vip":true}}"#, 400),
            (#"{"phoneNumberId":"\#(number.id)","customer":{"number":"+12137771234"}}"#, 400),
            (#"{"assistantId":"a","phoneNumberId":"\#(number.id)","customer":"+12137771234"}"#, 400),
        ]
        for (body, status) in cases {
            let reply = try await fixture.call(.vapi, "POST", "/call", body: body)
            #expect(reply.status == status, "\(body)")
            #expect(reply.json?["message"]?.stringValue?.isEmpty == false)
        }
        #expect(fixture.simulator.calls().isEmpty)
    }
}
