import Foundation
import SwitchboardCore
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// Both network transports (URLSession, and the pooled client in front of it) against a real
/// loopback socket: answers, faults, limits, deadlines, cancellation.
@Suite(.serialized) struct URLSessionTransportTests {
    static func response(_ status: String, headers: [String] = [], body: String = "") -> LoopbackServer.Behaviour {
        let head = (["HTTP/1.1 \(status)", "Content-Length: \(body.utf8.count)", "Connection: close"] + headers).joined(separator: "\r\n")
        return .respond(Array((head + "\r\n\r\n" + body).utf8))
    }

    @Test(arguments: TransportKind.allCases) func send_answer_readsStatusHeadersAndBody_andSendsTheRequestAsBuilt(kind: TransportKind) async throws {
        let server = try LoopbackServer([URLSessionTransportTests.response("201 Created", headers: ["Content-Type: application/json", "X-Trace: t1"], body: #"{"id":"c1"}"#)])
        defer { server.stop() }
        let transport = kind.make()
        defer { transport.shutdown() }
        var headers = HTTPHeaders()
        headers.append(name: "Authorization", value: "Bearer k1")
        headers.append(name: "Content-Type", value: "application/json")
        let request = ProviderRequest(method: .post, url: server.url + "/call", headers: headers, body: Array(#"{"a":1}"#.utf8))
        let response = try await transport.send(request, timeout: .seconds(5))
        #expect(response.status == 201)
        #expect(response.headers["x-trace"] == "t1")
        #expect(response.body == Array(#"{"id":"c1"}"#.utf8))
        let seen = try #require(server.requests.first)
        #expect(seen.hasPrefix("POST /call HTTP/1.1\r\n"))
        #expect(seen.lowercased().contains("authorization: bearer k1"))
        #expect(seen.hasSuffix(#"{"a":1}"#))
        #expect(!seen.lowercased().contains("cookie"))
    }

    /// `body` on a thread of its own, as the push threads call `sendBlocking` (never on a Swift
    /// concurrency thread, which the URLSession bridge itself needs).
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    @Test(arguments: TransportKind.allCases) func sendBlocking_answers_andEndsByItsDeadline(kind: TransportKind) async throws {
        let server = try LoopbackServer([URLSessionTransportTests.response("202 Accepted", body: "queued"), .stall(seconds: 3)])
        defer { server.stop() }
        let transport = kind.make()
        defer { transport.shutdown() }
        let answered = await URLSessionTransportTests.onOwnThread {
            Result { () throws(TransportError) in try transport.sendBlocking(ProviderRequest(method: .post, url: server.url + "/a", headers: [:], body: [1]), timeout: .seconds(5)) }
        }
        let response = try answered.get()
        #expect(response.status == 202)
        #expect(response.body == Array("queued".utf8))
        #expect(server.requests.first?.hasPrefix("POST /a HTTP/1.1\r\n") == true)

        let started = ContinuousClock.now
        let stalled = await URLSessionTransportTests.onOwnThread {
            Result { () throws(TransportError) in try transport.sendBlocking(ProviderRequest(method: .get, url: server.url + "/slow", headers: [:]), timeout: .milliseconds(500)) }
        }
        #expect(throws: TransportError.timedOut) { try stalled.get() }
        #expect(ContinuousClock.now - started < .seconds(2.5))
    }

    @Test(arguments: TransportKind.allCases) func send_rateLimited_keepsRetryAfter(kind: TransportKind) async throws {
        let server = try LoopbackServer([URLSessionTransportTests.response("429 Too Many Requests", headers: ["Retry-After: 7"], body: "slow down")])
        defer { server.stop() }
        let transport = kind.make()
        defer { transport.shutdown() }
        let response = try await transport.send(ProviderRequest(method: .get, url: server.url + "/x", headers: [:]), timeout: .seconds(5))
        #expect(response.status == 429)
        let failure = ProviderAnswer.failure(response, Fixtures.connection(.vapi), .createCall)
        #expect(failure.retryAfterSeconds == 7)
        #expect(failure.kind == .rateLimited(retryAfterSeconds: 7, providerMessage: "slow down"))
    }

    @Test(arguments: TransportKind.allCases) func send_stallPastTimeout_timesOut(kind: TransportKind) async throws {
        let server = try LoopbackServer([.stall(seconds: 3)])
        defer { server.stop() }
        let transport = kind.make()
        defer { transport.shutdown() }
        let started = ContinuousClock.now
        await #expect(throws: TransportError.timedOut) {
            try await transport.send(ProviderRequest(method: .get, url: server.url + "/slow", headers: [:]), timeout: .milliseconds(500))
        }
        #expect(ContinuousClock.now - started < .seconds(2.5))
    }

    @Test(arguments: TransportKind.allCases) func send_dripFeedPastTheDeadline_timesOut(kind: TransportKind) async throws {
        // One byte every 100 ms never trips an idle timeout; the deadline still ends it.
        let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n".utf8)
        let server = try LoopbackServer([.drip(head: head, interval: 0.1, count: 100)])
        defer { server.stop() }
        let transport = kind.make()
        defer { transport.shutdown() }
        let started = ContinuousClock.now
        await #expect(throws: TransportError.timedOut) {
            try await transport.send(ProviderRequest(method: .get, url: server.url + "/drip", headers: [:]), timeout: .milliseconds(800))
        }
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test(arguments: TransportKind.allCases) func send_connectionRefused_unreachable(kind: TransportKind) async {
        let transport = kind.make()
        defer { transport.shutdown() }
        let request = ProviderRequest(method: .get, url: "http://127.0.0.1:\(LoopbackServer.closedPort())/x", headers: [:])
        do {
            _ = try await transport.send(request, timeout: .seconds(3))
            Issue.record("a closed port answered")
        } catch {
            guard case .unreachable = error else { Issue.record("\(error)"); return }
        }
    }

    @Test(arguments: TransportKind.allCases) func send_bodyCutShort_truncated(kind: TransportKind) async throws {
        let cut = Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"items\":[".utf8)
        let server = try LoopbackServer([.respond(cut)])
        defer { server.stop() }
        let transport = kind.make()
        defer { transport.shutdown() }
        do {
            let response = try await transport.send(ProviderRequest(method: .get, url: server.url + "/list", headers: [:]), timeout: .seconds(3))
            Issue.record("a cut body was accepted: \(response.status), \(response.body.count) bytes")
        } catch {
            guard case .truncatedBody = error else { Issue.record("\(error)"); return }
        }
    }

    @Test(arguments: TransportKind.allCases) func send_bodyOverLimit_truncated(kind: TransportKind) async throws {
        let body = String(repeating: "x", count: 8192)
        let server = try LoopbackServer([URLSessionTransportTests.response("200 OK", body: body)])
        defer { server.stop() }
        let transport = kind.make(maxBodyBytes: 1024)
        defer { transport.shutdown() }
        await #expect(throws: TransportError.truncatedBody("the answer is larger than 1024 bytes")) {
            try await transport.send(ProviderRequest(method: .get, url: server.url + "/big", headers: [:]), timeout: .seconds(3))
        }
    }

    @Test(arguments: TransportKind.allCases) func send_redirect_notFollowed(kind: TransportKind) async throws {
        let server = try LoopbackServer([
            URLSessionTransportTests.response("302 Found", headers: ["Location: /elsewhere"]), URLSessionTransportTests.response("200 OK", body: "followed"),
        ])
        defer { server.stop() }
        let transport = kind.make()
        defer { transport.shutdown() }
        let response = try await transport.send(ProviderRequest(method: .get, url: server.url + "/start", headers: ["Authorization": "Bearer k"]), timeout: .seconds(3))
        #expect(response.status == 302)
        #expect(server.requests.count == 1)
    }

    @Test(arguments: TransportKind.allCases) func send_notHTTPURL_invalidRequest(kind: TransportKind) async {
        let transport = kind.make()
        defer { transport.shutdown() }
        await #expect(throws: TransportError.self) {
            try await transport.send(ProviderRequest(method: .get, url: "file:///etc/passwd", headers: [:]), timeout: .seconds(1))
        }
    }

    @Test(arguments: TransportKind.allCases) func client_overURLSession_createsACall(kind: TransportKind) async throws {
        let server = try LoopbackServer([URLSessionTransportTests.response("201 Created", headers: ["Content-Type: application/json"], body: #"{"call_id":"call_9","call_status":"registered"}"#)])
        defer { server.stop() }
        let transport = kind.make()
        defer { transport.shutdown() }
        let call = OutboundCall(providerAgentID: "agent_1", from: Fixtures.e164("+14155550123"), fromProviderNumberID: "+14155550123", to: Fixtures.e164("+12137771234"))
        let created = try await ProviderClient(transport: transport, timeout: .seconds(5))
            .createCall(call, connection: Fixtures.connection(.retell, baseURL: server.url))
        #expect(created.providerCallID == "call_9")
        #expect(server.requests.first?.hasPrefix("POST /v2/create-phone-call HTTP/1.1") == true)
    }
}

extension URLSessionTransportTests {
    @Test(arguments: TransportKind.allCases) func send_callerCancelled_endsPromptly(kind: TransportKind) async throws {
        let server = try LoopbackServer([.stall(seconds: 3)])
        defer { server.stop() }
        let transport = kind.make()
        defer { transport.shutdown() }
        let request = ProviderRequest(method: .get, url: server.url + "/slow", headers: [:])
        let started = ContinuousClock.now
        let task = Task { try await transport.send(request, timeout: .seconds(5)) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: TransportError.cancelled) { try await task.value }
        #expect(ContinuousClock.now - started < .seconds(2))
    }
}

extension URLSessionTransportTests {
    /// A push still queued when the router stops reaches a transport that was shut down: URLSession
    /// traps ("Session invalidated") if a task is created then, so the transport must refuse first.
    @Test func send_afterShutdown_isCancelled_notATrap() async {
        let transport = URLSessionTransport()
        transport.shutdown()
        await #expect(throws: TransportError.cancelled) {
            try await transport.send(ProviderRequest(method: .get, url: "http://127.0.0.1:\(LoopbackServer.closedPort())/x", headers: [:]), timeout: .seconds(1))
        }
        transport.shutdown()  // twice is harmless
    }
}

/// Which transport a test runs against.
enum TransportKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case urlSession, pooled

    var description: String { rawValue }

    func make(maxBodyBytes: Int = URLSessionTransport.defaultMaxBodyBytes) -> TestTransport {
        let session = URLSessionTransport(maxBodyBytes: maxBodyBytes)
        switch self {
        case .urlSession:
            return TestTransport(base: session, stop: { session.shutdown() })
        case .pooled:
            let pooled = PooledHTTPTransport(fallback: session, maxBodyBytes: maxBodyBytes)
            return TestTransport(base: pooled, stop: {
                pooled.shutdown()
                session.shutdown()
            })
        }
    }
}

struct TestTransport: ProviderTransport {
    let base: any ProviderTransport
    let stop: @Sendable () -> Void

    func send(_ request: ProviderRequest, timeout: Duration) async throws(TransportError) -> ProviderResponse {
        try await base.send(request, timeout: timeout)
    }

    func sendBlocking(_ request: ProviderRequest, timeout: Duration) throws(TransportError) -> ProviderResponse {
        try base.sendBlocking(request, timeout: timeout)
    }

    func shutdown() { stop() }
}
