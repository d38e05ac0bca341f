import Glibc
import SwitchboardHTTP
import Testing

@testable import SwitchboardPosix

/// Slow, idle, absent and greedy clients: every one is bounded by a named limit.
extension HTTPServerTests {
    @Test func server_slowClient_doesNotDelayAnother() throws {
        // One loop, so both clients share it: the slow one must not hold it up.
        try withServer({ $0.threads = 1 }) { _, port in
            let slow = try TestClient(port: port)
            let fast = try TestClient(port: port)
            // Warm-up, so first-use costs (lazy binding, sanitizer shadow memory) are not measured.
            try fast.send(get("/hello"))
            _ = try fast.readResponse()
            let slowBytes = Array(get("/hello").utf8)
            var worst = Duration.zero
            // A byte every 100 ms for the first ten bytes (a second), then the rest at once.
            for byte in slowBytes.prefix(10) {
                try slow.send([byte])
                let started = ContinuousClock.now
                try fast.send(get("/hello"))
                #expect(try fast.readResponse().text == "hello")
                worst = max(worst, started.duration(to: .now))
                usleep(100_000)
            }
            try slow.send(Array(slowBytes.dropFirst(10)))
            #expect(worst < .milliseconds(100))
            #expect(try slow.readResponse().text == "hello")
        }
    }

    @Test func server_thousandIdleConnections_stillServesNewRequest() throws {
        let limit = raiseDescriptorLimit()
        try #require(limit >= 2 * 1000 + 100, "RLIMIT_NOFILE \(limit) is too low for 1,000 connections")
        try withServer { server, port in
            var idle: [TestClient] = []
            for _ in 0..<1000 { idle.append(try TestClient(port: port)) }
            #expect(eventually { server.connectionCount == 1000 })
            let client = try TestClient(port: port)
            let started = ContinuousClock.now
            try client.send(get("/hello"))
            #expect(try client.readResponse().text == "hello")
            #expect(started.duration(to: .now) < .milliseconds(500))
            idle.forEach { $0.close() }
            #expect(eventually { server.connectionCount == 1 })
        }
    }

    @Test func server_clientDisconnectsMidBody_leavesNoTrace() throws {
        let routes = TestRoutes()
        try withServer(handler: routes) { server, port in
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\nonly ten b")
            #expect(eventually { server.connectionCount == 1 })
            client.close()
            #expect(eventually { server.connectionCount == 0 })
            #expect(routes.calls.count == 0)
        }
    }

    @Test func server_overConnectionCap_answers503AndCloses() throws {
        try withServer({ $0.maxConnections = 2 }) { server, port in
            let first = try TestClient(port: port)
            let second = try TestClient(port: port)
            #expect(eventually { server.connectionCount == 2 })
            let third = try TestClient(port: port)
            let response = try third.readResponse()
            #expect(response.status == 503)
            #expect(response.header("Connection") == "close")
            #expect(response.text.contains("over_capacity"))
            #expect(try third.waitForClose())
            #expect(server.statistics.rejectedConnections == 1)
            // The two below the cap are unaffected, and a freed slot is usable again.
            try first.send(get("/hello"))
            #expect(try first.readResponse().text == "hello")
            second.close()
            #expect(eventually { server.connectionCount == 1 })
            let fourth = try TestClient(port: port)
            try fourth.send(get("/hello"))
            #expect(try fourth.readResponse().text == "hello")
        }
    }

    @Test func server_partialHeadPastHeaderTimeout_408AndClose() throws {
        try withServer({ $0.headerTimeout = .milliseconds(200) }) { server, port in
            let client = try TestClient(port: port)
            let started = ContinuousClock.now
            try client.send("GET /hello HTTP/1.1\r\nHost: te")
            let response = try client.readResponse(timeout: .seconds(3))
            #expect(response.status == 408)
            #expect(try client.waitForClose(timeout: .seconds(3)))
            let elapsed = started.duration(to: .now)
            #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(2))
            let statistics = server.statistics
            #expect(statistics.timedOutConnections == 1)
            #expect(statistics.headerTimeouts == 1 && statistics.requestTimeouts == 1)
            #expect(statistics.idleTimeouts == 0 && statistics.writeTimeouts == 0)
        }
    }

    @Test func server_silentNewConnectionPastHeaderTimeout_closed() throws {
        try withServer({ $0.headerTimeout = .milliseconds(200) }) { server, port in
            let client = try TestClient(port: port)
            #expect(try client.waitForClose(timeout: .seconds(3)))
            #expect(client.buffer.isEmpty)
            #expect(eventually { server.connectionCount == 0 })
            // A header timeout, but nothing was received, so nothing was answered.
            #expect(server.statistics.headerTimeouts == 1 && server.statistics.requestTimeouts == 0)
        }
    }

    @Test func server_idleKeepAlivePastIdleTimeout_closed() throws {
        try withServer({ $0.idleTimeout = .milliseconds(200) }) { server, port in
            let client = try TestClient(port: port)
            try client.send(get("/hello"))
            #expect(try client.readResponse().text == "hello")
            let started = ContinuousClock.now
            #expect(try client.waitForClose(timeout: .seconds(3)))
            let elapsed = started.duration(to: .now)
            #expect(elapsed >= .milliseconds(150) && elapsed < .seconds(2))
            #expect(client.buffer.isEmpty)
            #expect(server.statistics.timedOutConnections == 1)
            #expect(server.statistics.idleTimeouts == 1 && server.statistics.headerTimeouts == 0)
        }
    }

    @Test func server_parserRefusals_countedByStatusAnswered() throws {
        let limits = HTTPLimits(maxHeaderBytes: 1024, maxBodyBytes: 100)
        try withServer({ $0.limits = limits }) { server, port in
            let refusals: [(request: String, status: Int)] = [
                ("GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400),
                ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 2000))\r\n\r\n", 431),
                ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", 413),
                ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                ("GET /\(String(repeating: "a", count: 10_000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                ("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
                ("GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ]
            for refusal in refusals {
                let client = try TestClient(port: port)
                try client.send(refusal.request)
                #expect(try client.readResponse().status == refusal.status, "\(refusal.request.prefix(40))")
            }
            let statistics = server.statistics
            #expect(statistics.malformedByStatus == [400: 2, 413: 1, 414: 1, 431: 1, 501: 1, 505: 1])
            #expect(statistics.malformedRequests == refusals.count && statistics.malformedOtherStatus == 0)
            #expect(statistics.requests == 0)
        }
    }

    @Test func server_overConnectionCap_tellsHandlerTheRunningTotal() throws {
        let handler = RejectionRecorder()
        try withServer(handler: handler, { $0.maxConnections = 1 }) { server, port in
            let first = try TestClient(port: port)
            #expect(eventually { server.connectionCount == 1 })
            for _ in 0..<3 {
                let extra = try TestClient(port: port)
                #expect(try extra.readResponse().status == 503)
            }
            #expect(eventually { handler.totals.withLock { $0 } == [1, 2, 3] })
            first.close()
        }
    }

    @Test func server_slowReaderPipeliningHugeResponses_bufferBounded() throws {
        let responseSize = 256 * 1024
        let count = 40  // 10 MiB of responses: more than the kernel's socket buffers hold
        let routes = TestRoutes()
        try withServer(handler: routes) { server, port in
            let client = try TestClient(port: port, receiveBuffer: 16 * 1024)
            try client.send(String(repeating: get("/big/\(responseSize)"), count: count))
            usleep(500_000)  // not reading: the server must stop producing, not buffer 10 MiB
            let limit = server.configuration.maxBufferedOutput + responseSize + 512
            #expect(server.statistics.peakBufferedOutputBytes <= limit)
            #expect(routes.calls.count < count)
            for _ in 0..<count {
                #expect(try client.readResponse(timeout: .seconds(10)).body.count == responseSize)
            }
            #expect(routes.calls.count == count)
            #expect(server.statistics.peakBufferedOutputBytes <= limit)
        }
    }
}

/// Records every `connectionRejected` call.
final class RejectionRecorder: HTTPHandler {
    /// `Guarded` (a pthread mutex) rather than `Mutex`: ThreadSanitizer sees its edges.
    let totals = Guarded<[Int]>([])

    func handle(_ request: HTTPRequest, context: RequestContext) -> HandlerResult {
        .respond(HTTPResponse(body: Array("ok".utf8)))
    }

    func connectionRejected(total: Int) {
        totals.withLock { $0.append(total) }
    }
}
