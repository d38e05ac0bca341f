import Foundation
import Glibc
import SwitchboardCore
import SwitchboardCrypto
import SwitchboardHTTP
import SwitchboardPosix
import SwitchboardProviders
import Testing

@testable import SwitchboardSimulator

/// A small HTTP server standing in for the router: records what it receives, answers 200.
private final class Router: Sendable {
    let server: HTTPServer
    let received = Locked<[HTTPRequest]>([])

    init(answer: @escaping @Sendable (HTTPRequest) -> HandlerResult = { _ in
        .respond(HTTPResponse(status: .ok, headers: ["Content-Type": "application/json", "X-Router": "yes"], body: Array(#"{"ok":true}"#.utf8)))
    }) throws {
        let received = self.received
        server = HTTPServer(
            configuration: .init(host: "127.0.0.1", port: 0, threads: 1),
            handler: ClosureHandler { request, _ in
                received.withLock { $0.append(request) }
                return answer(request)
            })
        try server.start()
    }

    var port: UInt16 { server.boundPort! }

    func stop() { server.shutdown(gracePeriod: .milliseconds(200)) }
}

@Suite struct WebhookSenderTests {
    @Test func retell_inboundCall_signedWithAPIKeyOverBodyAndTimestamp() throws {
        let router = try Router()
        defer { router.stop() }
        let account = SimulatorAccount(provider: .retell, apiKey: "key_abc")
        let sender = WebhookSender(port: router.port, timeout: .seconds(3))
        let response = try sender.sendInboundCall(
            .retell, account: "acme", signature: WebhookSender.signature(for: account), to: e164("+12137771235"),
            from: "+12137771234", unixMillis: 1_732_500_000_000)
        #expect(response.status == 200)
        #expect(response.headers["X-Router"] == "yes")
        #expect(response.text == #"{"ok":true}"#)
        let request = try #require(router.received.withLock { $0.first })
        #expect(request.method == "POST")
        #expect(request.target == "/webhooks/retell/acme")
        #expect(request.headers["Content-Type"] == "application/json")
        let body = try #require(SimulatorJSON.parse(request.body) as SimulatorJSON?)
        #expect(body["event"] == .string("call_inbound"))
        #expect(body["call_inbound"]?["to_number"] == .string("+12137771235"))
        // Recompute: v=<ms>,d=hex(HMAC-SHA256(api key, body ‖ ms)).
        let header = try #require(request.headers["x-retell-signature"])
        let expected = Crypto.hmacSHA256Hex(key: Array("key_abc".utf8), message: request.body + Array("1732500000000".utf8))
        #expect(header == "v=1732500000000,d=\(expected)")
    }

    @Test func vapi_inboundCall_hmacOverTimestampDotBody() throws {
        let router = try Router()
        defer { router.stop() }
        let account = SimulatorAccount(provider: .vapi, apiKey: "vk", webhookSecret: "whsec_v")
        let sender = WebhookSender(port: router.port, timeout: .seconds(3))
        let response = try sender.sendInboundCall(
            .vapi, account: "team a/b", signature: WebhookSender.signature(for: account), to: e164("+14155550123"),
            phoneNumberID: "pn_1", unixMillis: 1_732_500_000_123)
        #expect(response.status == 200)
        let request = try #require(router.received.withLock { $0.first })
        #expect(request.target == "/webhooks/vapi/team%20a%2Fb")
        let body = try SimulatorJSON.parse(request.body)
        #expect(body["message"]?["type"] == .string("assistant-request"))
        #expect(body["message"]?["phoneNumber"]?["number"] == .string("+14155550123"))
        #expect(request.headers["x-vapi-timestamp"] == "1732500000123")
        let expected = Crypto.hmacSHA256Hex(key: Array("whsec_v".utf8), message: Array("1732500000123.".utf8) + request.body)
        #expect(request.headers["x-vapi-signature"] == expected)
    }

    @Test func vapi_sharedSecretScheme_sendsSecretHeader() throws {
        let router = try Router()
        defer { router.stop() }
        let sender = WebhookSender(port: router.port, timeout: .seconds(3))
        _ = try sender.sendInboundCall(.vapi, account: "a", signature: .vapi(secret: "s3", scheme: .sharedSecret), to: e164("+14155550123"))
        #expect(router.received.withLock { $0.first?.headers["x-vapi-secret"] } == "s3")
    }

    @Test func bland_inboundCall_hmacOverBody() throws {
        let router = try Router()
        defer { router.stop() }
        let sender = WebhookSender(port: router.port, timeout: .seconds(3))
        _ = try sender.sendInboundCall(.bland, account: "acme", signature: .provider(key: "bsec"), to: e164("+14155550123"), callID: "c1")
        let request = try #require(router.received.withLock { $0.first })
        let body = try SimulatorJSON.parse(request.body)
        #expect(body["event"] == .string("call.inbound"))
        #expect(body["call_id"] == .string("c1"))
        #expect(request.headers["X-Webhook-Signature"] == Crypto.hmacSHA256Hex(key: Array("bsec".utf8), message: request.body))
    }

    @Test func callEnded_andUnsigned_sendNoSignature() throws {
        let router = try Router()
        defer { router.stop() }
        let sender = WebhookSender(port: router.port, timeout: .seconds(3))
        _ = try sender.sendCallEnded(.retell, account: "a", signature: .none, callID: "c9")
        let request = try #require(router.received.withLock { $0.first })
        #expect(request.headers["x-retell-signature"] == nil)
        #expect(try SimulatorJSON.parse(request.body)["event"] == .string("call_ended"))
    }

    @Test func asyncSend_reachesRouter() async throws {
        let router = try Router()
        defer { router.stop() }
        let sender = WebhookSender(port: router.port, timeout: .seconds(3))
        let response = try await sender.sendInboundCall(.bland, account: "a", signature: .provider(key: "k"), to: e164("+14155550123"))
        #expect(response.status == 200)
        #expect(router.received.withLock { $0.count } == 1)
    }

    @Test func routerStalls_sendTimesOut() throws {
        let router = try Router(answer: { _ in .deferred { writer in
            DispatchQueueHelper.after(.seconds(3)) { writer.respond(HTTPResponse(status: .ok)) }
        } })
        defer { router.stop() }
        let sender = WebhookSender(port: router.port, timeout: .milliseconds(500))
        let started = ContinuousClock.now
        #expect {
            _ = try sender.sendInboundCall(.retell, account: "a", signature: .provider(key: "k"), to: e164("+14155550123"))
        } throws: { error in
            if case .timedOut = error as? HTTPExchangeError { return true }
            return false
        }
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func nobodyListening_connectFails() throws {
        let router = try Router()
        let port = router.port
        router.stop()
        let sender = WebhookSender(port: port, timeout: .seconds(2))
        #expect {
            _ = try sender.sendInboundCall(.retell, account: "a", signature: .none, to: e164("+14155550123"))
        } throws: { error in
            if case .connectFailed = error as? HTTPExchangeError { return true }
            return false
        }
    }

    @Test func badHostOrHeader_refusedBeforeSending() {
        #expect(throws: HTTPExchangeError.self) {
            _ = try WebhookSender(host: "example.com", port: 80).send(.bland, account: "a", body: [], signature: .none)
        }
        #expect(throws: HTTPExchangeError.self) {
            _ = try WebhookSender(port: 9).send(.bland, account: "a", body: [], signature: .none, extraHeaders: [("X-Bad", "a\r\nb")])
        }
    }

    @Test func routerAnswers204_emptyBody() throws {
        let router = try Router(answer: { _ in .respond(HTTPResponse(status: .noContent)) })
        defer { router.stop() }
        let response = try WebhookSender(port: router.port).sendCallEnded(.vapi, account: "a", signature: .none, callID: "c")
        #expect(response.status == 204)
        #expect(response.body.isEmpty)
    }

    @Test func rawAnswers_chunkedAndCloseDelimited_areFramedRight() throws {
        let chunked = try RawServer(answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n")
        let first = try WebhookSender(port: chunked.port).sendCallEnded(.retell, account: "a", signature: .none, callID: "c")
        #expect(first.text == "hello world")
        let closing = try RawServer(answer: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\n\r\nuntil close")
        let second = try WebhookSender(port: closing.port).sendCallEnded(.retell, account: "a", signature: .none, callID: "c")
        #expect(second.status == 202)
        #expect(second.text == "until close")
        let garbage = try RawServer(answer: "SMTP ready\r\n\r\n")
        #expect(throws: HTTPExchangeError.self) {
            _ = try WebhookSender(port: garbage.port).sendCallEnded(.retell, account: "a", signature: .none, callID: "c")
        }
    }
}

/// A one-connection listener that reads a request head and answers `answer` verbatim, then
/// closes: for response framings our own server never sends.
private final class RawServer: Sendable {
    let port: UInt16

    init(answer: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound, listen(fd, 1) == 0 else { throw HTTPExchangeError.connectFailed("raw server setup failed") }
        port = UInt16(bigEndian: address.sin_port)
        let bytes = Array(answer.utf8)
        let thread = Thread {
            defer { close(fd) }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 5000) == 1 else { return }
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while !received.suffix(4).elementsEqual([13, 10, 13, 10]) && received.count < 65536 {
                var reader = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                guard poll(&reader, 1, 5000) == 1 else { return }
                let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return }
                received += chunk[..<count]
                if let end = find(received) { received = Array(received[..<(end + 4)]) }
            }
            _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            shutdown(connection, Int32(SHUT_WR))
            // Read what is left (the request body) until the client closes, so closing does not
            // reset the connection under a response the client has not read yet.
            while true {
                var reader = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                guard poll(&reader, 1, 2000) == 1 else { return }
                let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return }
            }
        }
        thread.start()
    }
}

private func find(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    return (0...(bytes.count - 4)).first { bytes[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }
}

import Dispatch

enum DispatchQueueHelper {
    static func after(_ delay: Duration, _ work: @escaping @Sendable () -> Void) {
        let (seconds, attoseconds) = delay.components
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)), execute: work)
    }
}
