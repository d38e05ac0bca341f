import Foundation
import Glibc
import Testing

@testable import SwitchboardClient

/// The client against loopback sockets that answer what each test needs: a closed port, a server
/// that never answers, canned pages and error bodies.
@Suite struct ClientTransportTests {
    /// A port nothing listens on: bound, then closed.
    static func closedPort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    @Test func send_connectionRefused_saysIsServeRunning() throws {
        let server = "http://127.0.0.1:\(Self.closedPort())"
        let client = try SwitchboardClient(server: server, token: "t0k3n", timeout: 5)
        #expect {
            try client.agents(account: "default")
        } throws: { error in
            guard let error = error as? ClientError, case .unreachable(let named, _) = error else { return false }
            return named == server && error.description.contains("is `switchboard serve` running at \(server)?")
        }
    }

    @Test func send_serverNeverAnswers_timesOutWithinTheBound() throws {
        let silent = try CannedServer(accepting: false)
        let client = try SwitchboardClient(server: "http://127.0.0.1:\(silent.port)", token: "t0k3n", timeout: 0.5)
        let started = Date()
        #expect(throws: ClientError.timedOut(server: "http://127.0.0.1:\(silent.port)", seconds: 0.5)) {
            try client.number(account: "default", number: "+14155550123")
        }
        #expect(Date().timeIntervalSince(started) < 3, "the timeout bounds the call")
    }

    @Test func numbers_severalPages_followsNextCursorEncoded() throws {
        let page1 = #"{"numbers":[{"number":"+14155550100","provider":"retell","provider_number_id":"n1","status":"active","agent_id":null,"agent_name":null,"last_synced_at":null}],"next_cursor":"+14155550100"}"#
        let page2 = #"{"numbers":[{"number":"+14155550101","provider":"vapi","provider_number_id":"n2","status":"inactive","agent_id":"a","agent_name":"A","last_synced_at":"2026-11-25T10:00:00Z"}],"next_cursor":null}"#
        let server = try CannedServer { line in
            CannedServer.response(200, line.contains("cursor=") ? page2 : page1)
        }
        defer { server.stop() }
        let client = try SwitchboardClient(server: "http://127.0.0.1:\(server.port)/", token: "t0k3n", timeout: 5)
        let numbers = try client.numbers(account: "acme", filter: NumberFilter(provider: "retell", assigned: false), pageSize: 1)
        #expect(numbers.map(\.number) == ["+14155550100", "+14155550101"])
        #expect(numbers[1].agentName == "A" && numbers[1].lastSyncedAt == "2026-11-25T10:00:00Z")
        let lines = server.requestLines
        #expect(lines.count == 2)
        #expect(lines.first == "GET /v1/accounts/acme/numbers?provider=retell&assigned=false&limit=1 HTTP/1.1")
        // A `+` in the query would read as a space: the cursor travels as %2B.
        #expect(lines.last == "GET /v1/accounts/acme/numbers?provider=retell&assigned=false&limit=1&cursor=%2B14155550100 HTTP/1.1")
    }

    @Test func accounts_severalPages_mergedInOrder() throws {
        let page1 = #"{"accounts":[{"id":"acme","name":"Acme"},{"id":"beta","name":"Beta"}],"next_cursor":"beta"}"#
        let page2 = #"{"accounts":[{"id":"gamma","name":"Gamma"}],"next_cursor":null}"#
        let server = try CannedServer { line in CannedServer.response(200, line.contains("cursor=beta") ? page2 : page1) }
        defer { server.stop() }
        let client = try SwitchboardClient(server: "http://127.0.0.1:\(server.port)", token: "t0k3n", timeout: 5)
        #expect(try client.accounts(pageSize: 2).map(\.id) == ["acme", "beta", "gamma"])
        #expect(server.requestLines == ["GET /v1/accounts?limit=2 HTTP/1.1", "GET /v1/accounts?limit=2&cursor=beta HTTP/1.1"])
    }

    @Test func agents_cursorThatDoesNotAdvance_isAnInvalidAnswer() throws {
        let page = #"{"agents":[{"id":"a","name":"A","provider":"retell","provider_agent_id":"p","status":"active","phone_number":null}],"next_cursor":"a"}"#
        let server = try CannedServer { _ in CannedServer.response(200, page) }
        defer { server.stop() }
        let client = try SwitchboardClient(server: "http://127.0.0.1:\(server.port)", token: "t0k3n", timeout: 5)
        #expect(throws: ClientError.invalidAnswer(status: 200, reason: "next_cursor 'a' does not advance")) {
            try client.agents(account: "acme")
        }
        #expect(server.requestLines.count == 2, "the second page repeats the cursor and stops the loop")
    }

    @Test func assign_numberInAnyForm_isPercentEncodedInThePath() throws {
        let body = #"{"number":{"number":"+14155550123","provider":"retell","provider_number_id":"n","status":"active","agent_id":"a","agent_name":"A","last_synced_at":null},"previous_agent_id":"b","released_number":"+14155550199"}"#
        let server = try CannedServer { _ in CannedServer.response(200, body) }
        defer { server.stop() }
        let client = try SwitchboardClient(server: "http://127.0.0.1:\(server.port)", token: "t0k3n", timeout: 5)
        let result = try client.assign(account: "acme", number: "+1 (415) 555-0123", agent: "a")
        #expect(result.previousAgentID == "b" && result.releasedNumber == "+14155550199")
        #expect(server.requestLines == ["PUT /v1/accounts/acme/numbers/%2B1%20%28415%29%20555-0123/agent HTTP/1.1"])
    }

    @Test func send_errorEnvelope_carriesStatusCodeAndMessage() throws {
        let server = try CannedServer { _ in CannedServer.response(422, #"{"error":{"code":"provider_mismatch","message":"use a retell number"}}"#) }
        defer { server.stop() }
        let client = try SwitchboardClient(server: "http://127.0.0.1:\(server.port)", token: "t0k3n", timeout: 5)
        #expect(throws: ClientError.api(status: 422, code: "provider_mismatch", message: "use a retell number")) {
            try client.unassign(account: "acme", number: "+14155550123")
        }
    }

    @Test func send_errorWithoutEnvelope_namesTheStatus() throws {
        let server = try CannedServer { _ in CannedServer.response(502, "<html>Bad gateway</html>", contentType: "text/html") }
        defer { server.stop() }
        let client = try SwitchboardClient(server: "http://127.0.0.1:\(server.port)", token: "t0k3n", timeout: 5)
        #expect(throws: ClientError.api(status: 502, code: "http_502", message: "<html>Bad gateway</html>")) {
            try client.agent(account: "acme", id: "a")
        }
    }

    @Test func decode_missingField_isAnInvalidAnswerNamingIt() throws {
        let server = try CannedServer { _ in CannedServer.response(200, #"{"agent_id":"a","source":"assigned"}"#) }
        defer { server.stop() }
        let client = try SwitchboardClient(server: "http://127.0.0.1:\(server.port)", token: "t0k3n", timeout: 5)
        #expect {
            try client.callerID(account: "acme", agent: "a")
        } throws: { error in
            guard case .invalidAnswer(200, let reason) = error as? ClientError else { return false }
            return reason.contains("caller_id")
        }
    }

    @Test func send_token_isSentAsBearer() throws {
        let server = try CannedServer { _ in CannedServer.response(200, #"{"accounts":[{"id":"default","name":"Default"}]}"#) }
        defer { server.stop() }
        let client = try SwitchboardClient(server: "http://127.0.0.1:\(server.port)", token: "t0k3n", timeout: 5)
        #expect(try client.accounts() == [AccountRecord(id: "default", name: "Default")])
        #expect(server.requestLines == ["GET /v1/accounts?limit=1000 HTTP/1.1"])
        #expect(server.requestHeads.first?.lowercased().contains("\r\nauthorization: bearer t0k3n") == true)
        let anonymous = try client.with(token: nil)
        #expect(try anonymous.isAlive())
        #expect(server.requestHeads.last?.lowercased().contains("authorization") == false)
    }

    @Test func adminJSON_severalPages_mergedIntoOneDocument() throws {
        let page1 = #"{"agents":[{"id":"a","name":"A","provider":"retell","provider_agent_id":"p","status":"active","phone_number":null}],"next_cursor":"a"}"#
        let page2 = #"{"agents":[{"id":"b","name":"B","provider":"vapi","provider_agent_id":"q","status":"inactive","phone_number":"+14155550101"}],"next_cursor":null}"#
        let server = try CannedServer { head in CannedServer.response(200, head.contains("cursor=a") ? page2 : page1) }
        defer { server.stop() }
        var options = AdminOptions()
        options.server = "http://127.0.0.1:\(server.port)"
        options.token = "t0k3n"
        options.json = true
        var printed = ""
        let status = AdminCommand(.agents, options: options).run(environment: [:], output: { printed += $0 }, errors: { Issue.record("\($0)") })
        #expect(status == 0)
        let merged = try JSONDecoder().decode(AgentPage.self, from: Data(printed.utf8))
        #expect(merged.agents.map(\.id) == ["a", "b"] && merged.nextCursor == nil)
        #expect(merged.agents[1].phoneNumber == "+14155550101")
        #expect(printed.contains(#""next_cursor":null"#), "null, not missing")
    }
}
