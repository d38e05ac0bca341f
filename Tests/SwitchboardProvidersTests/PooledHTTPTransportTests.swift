import Foundation
import SwitchboardCore
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// What only the pooled client does: which URLs it takes, keeping connections, noticing ones the
/// server closed, and retrying only what is safe to send twice.
@Suite(.serialized) struct PooledHTTPTransportTests {
    static func answer(_ body: String) -> [UInt8] {
        Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    @Test func target_takesPlainHTTPAtNumericHosts_only() {
        let target = PlainHTTPTarget("http://127.0.0.1:8090/retell/list-phone-numbers?limit=1000")
        #expect(target == PlainHTTPTarget(host: "127.0.0.1", port: 8090, path: "/retell/list-phone-numbers?limit=1000"))
        #expect(PlainHTTPTarget("HTTP://LOCALHOST/x")?.host == "localhost")
        #expect(PlainHTTPTarget("http://localhost")?.path == "/")
        #expect(PlainHTTPTarget("http://127.0.0.1?a=1")?.path == "/?a=1")
        #expect(PlainHTTPTarget("http://127.0.0.1/a#frag")?.path == "/a")
        #expect(PlainHTTPTarget("http://[::1]:9000/v6") == PlainHTTPTarget(host: "::1", port: 9000, path: "/v6"))
        #expect(PlainHTTPTarget("http://10.0.0.7/")?.port == 80)
        for url in [
            "https://127.0.0.1/x", "http://api.retellai.com/x", "http://user:pw@127.0.0.1/x", "http://127.0.0.1:0/x",
            "http://127.0.0.1:99999/x", "http://127.0.0.1:/x", "http://256.0.0.1/x", "http://[::1/x", "http://", "ftp://127.0.0.1/",
        ] {
            #expect(PlainHTTPTarget(url) == nil, "\(url)")
        }
    }

    /// The answer's head, read over its bytes: status with or without a reason, fields trimmed of
    /// spaces and tabs around the value, and heads that are not HTTP/1.x refused by name.
    @Test(arguments: [
        ("HTTP/1.1 201 Created\r\nX-Trace:  a b \t\r\nContent-Length: 2\r\n\r\nok", "201 x-trace=a b ok"),
        ("HTTP/1.0 200\r\nContent-Length: 1\r\nX-Empty:\r\n\r\nx", "200 x-empty= x"),
        ("HTTP/1.1 429 Too Many Requests\r\nRetry-After:\t7\r\nContent-Length: 0\r\n\r\n", "429 retry-after=7 "),
        ("HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", "not HTTP/1.1: not an HTTP/1.1 status line: HTTP/1.1 20 OK"),
        ("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", "not HTTP/1.1: not an HTTP/1.1 status line"),
        ("HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n", "not HTTP/1.1: not an HTTP/1.1 status line"),
        ("HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0\r\n\r\n", "not HTTP/1.1: a header line without a colon: NoColonHere"),
    ])
    func answerHead_parsedOrRefused(raw: String, expected: String) async throws {
        let server = try LoopbackServer([.respond(Array(raw.utf8))])
        defer { server.stop() }
        let transport = PooledHTTPTransport(fallback: InMemoryTransport())
        defer { transport.shutdown() }
        let request = ProviderRequest(method: .post, url: server.url + "/x", headers: [:], body: [])
        let seen: String
        do {
            let response = try await transport.send(request, timeout: .seconds(3))
            let fields = response.headers.filter { $0.name.lowercased() != "content-length" }.map { "\($0.name.lowercased())=\($0.value)" }
            seen = (["\(response.status)"] + fields + [String(decoding: response.body, as: UTF8.self)]).joined(separator: " ")
        } catch {
            seen = "\(error)"
        }
        if expected.hasPrefix("not HTTP/1.1") {
            #expect(seen.contains(expected), "\(seen)")
        } else {
            #expect(seen == expected)
        }
    }

    @Test func httpsAndNames_goToTheFallback() async throws {
        let fallback = InMemoryTransport([.respond(.json(200, "{}"))])
        let transport = PooledHTTPTransport(fallback: fallback)
        let response = try await transport.send(ProviderRequest(method: .get, url: "https://api.vapi.ai/phone-number", headers: [:]), timeout: .seconds(1))
        #expect(response.status == 200)
        #expect(fallback.requests.map(\.url) == ["https://api.vapi.ai/phone-number"])
    }

    @Test func successiveRequests_shareOneConnection_andAClosedOneIsNotReused() async throws {
        let server = try LoopbackServer([
            .keepAlive([PooledHTTPTransportTests.answer("one"), PooledHTTPTransportTests.answer("two"), PooledHTTPTransportTests.answer("three")], dropNext: false),
            .respond(PooledHTTPTransportTests.answer("four")),
        ])
        defer { server.stop() }
        let transport = PooledHTTPTransport(fallback: InMemoryTransport())
        defer { transport.shutdown() }
        var bodies: [String] = []
        for index in 0..<3 {
            var headers = HTTPHeaders()
            headers.append(name: "Content-Type", value: "application/json")
            headers.append(name: "Host", value: "ignored.example")
            let request = ProviderRequest(method: .patch, url: server.url + "/n/\(index)", headers: headers, body: Array("{}".utf8))
            bodies.append(String(decoding: try await transport.send(request, timeout: .seconds(3)).body, as: UTF8.self))
        }
        #expect(bodies == ["one", "two", "three"])
        #expect(server.connections == 1)
        #expect(server.requests.count == 3)
        #expect(server.requests.allSatisfy { $0.components(separatedBy: "\r\nHost: ").count == 2 && !$0.contains("ignored.example") })
        #expect(server.requests.last?.hasPrefix("PATCH /n/2 HTTP/1.1\r\n") == true)
        // The server closed after the third answer: the next request notices and connects anew.
        try await Task.sleep(for: .milliseconds(100))
        let fourth = try await transport.send(ProviderRequest(method: .post, url: server.url + "/n/3", headers: [:], body: []), timeout: .seconds(3))
        #expect(String(decoding: fourth.body, as: UTF8.self) == "four")
        #expect(server.connections == 2)
    }

    @Test func keptConnectionDroppedUnanswered_getIsSentAgain_postIsNot() async throws {
        let server = try LoopbackServer([
            .keepAlive([PooledHTTPTransportTests.answer("first")], dropNext: true),
            .respond(PooledHTTPTransportTests.answer("again")),
            .keepAlive([PooledHTTPTransportTests.answer("first")], dropNext: true),
        ])
        defer { server.stop() }
        let transport = PooledHTTPTransport(fallback: InMemoryTransport())
        defer { transport.shutdown() }
        _ = try await transport.send(ProviderRequest(method: .get, url: server.url + "/a", headers: [:]), timeout: .seconds(3))
        let again = try await transport.send(ProviderRequest(method: .get, url: server.url + "/b", headers: [:]), timeout: .seconds(3))
        #expect(String(decoding: again.body, as: UTF8.self) == "again")
        #expect(server.requests.count == 3, "the GET went out twice: dropped, then answered")

        _ = try await transport.send(ProviderRequest(method: .get, url: server.url + "/c", headers: [:]), timeout: .seconds(3))
        do {
            _ = try await transport.send(ProviderRequest(method: .post, url: server.url + "/calls", headers: [:], body: Array("{}".utf8)), timeout: .seconds(3))
            Issue.record("a dropped POST was answered")
        } catch {
            guard case .unreachable = error else { Issue.record("\(error)"); return }
        }
        #expect(server.requests.count == 5, "the POST was sent once, not retried")
    }

    /// The requests of every adapter's push go out byte for byte as the String-built client wrote
    /// them (reference below): request line, Host, the request's fields in order minus the framing
    /// ones the client writes itself, Content-Length, body. All on one kept connection.
    @Test func pushRequests_onTheWire_matchTheReferenceBytes() throws {
        let pushes: [(Provider, AssignmentPush)] = [
            (.retell, AssignmentPush(number: E164(key: 14155550123)!, providerNumberID: "+14155550123", previousProviderAgentID: nil, providerAgentID: "agent_8f")),
            (.vapi, AssignmentPush(number: E164(key: 14155550124)!, providerNumberID: "3f2b-uuid", previousProviderAgentID: "a1", providerAgentID: nil)),
            (.bland, AssignmentPush(number: E164(key: 14155550125)!, providerNumberID: "+14155550125", previousProviderAgentID: "old~agent", providerAgentID: "new")),
        ]
        var requests: [ProviderRequest] = []
        for (provider, push) in pushes {
            let connection = Fixtures.connection(provider, baseURL: "http://127.0.0.1:1/\(provider.name)/")
            requests += try ProviderAdapters.adapter(for: provider).pushRequests(push, connection: connection)
        }
        // Framing fields a request may carry are the client's to write; others keep their order.
        requests[0].headers.append(name: "Connection", value: "close")
        requests[0].headers.append(name: "X-Trace", value: "t 1")
        requests[0].headers.append(name: "content-LENGTH", value: "99")
        requests[1].headers.append(name: "HOST", value: "ignored.example")
        requests[1].headers.append(name: "Transfer-Encoding", value: "chunked")
        #expect(requests.count == 4, "Bland moves a number with a detach and an attach")
        let server = try LoopbackServer([.keepAlive(Array(repeating: PooledHTTPTransportTests.answer("{}"), count: requests.count), dropNext: false)])
        defer { server.stop() }
        let transport = PooledHTTPTransport(fallback: InMemoryTransport())
        defer { transport.shutdown() }
        var expected: [String] = []
        for var request in requests {
            request.url = request.url.replacingOccurrences(of: "http://127.0.0.1:1", with: server.url)
            let response = try transport.sendBlocking(request, timeout: .seconds(3))
            #expect(response.status == 200 && response.body == Array("{}".utf8))
            expected.append(PooledHTTPTransportTests.referenceWire(request, path: String(request.url.dropFirst(server.url.count)), port: server.port))
        }
        #expect(server.connections == 1)
        #expect(server.requests == expected)
        #expect(expected[0].hasPrefix("PATCH /retell/update-phone-number/%2B14155550123 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nAuthorization: Bearer "))
        #expect(expected[0].hasSuffix("X-Trace: t 1\r\nContent-Length: 62\r\n\r\n{\"inbound_agent_id\":\"agent_8f\",\"outbound_agent_id\":\"agent_8f\"}"))
    }

    /// How the client wrote a request before it wrote bytes directly (commit 7f3a1b3).
    static func referenceWire(_ request: ProviderRequest, path: String, port: UInt16) -> String {
        var text = "\(request.method.rawValue) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for field in request.headers.fields {
            let name = field.name.lowercased()
            guard name != "host", name != "content-length", name != "connection", name != "transfer-encoding" else { continue }
            text += "\(field.name): \(field.value)\r\n"
        }
        let body = request.body ?? []
        if !body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method.rawValue) { text += "Content-Length: \(body.count)\r\n" }
        return text + "\r\n" + String(decoding: body, as: UTF8.self)
    }
}
