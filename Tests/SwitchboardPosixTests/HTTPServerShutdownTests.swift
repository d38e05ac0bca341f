import Glibc
import SwitchboardHTTP
import Testing

@testable import SwitchboardPosix

/// Graceful shutdown: stop accepting, finish what is in flight, close the rest, return.
extension HTTPServerTests {
    /// Runs `server.shutdown(gracePeriod:)` on its own thread; the flag turns true when it returns.
    func shutdownInBackground(_ server: HTTPServer, gracePeriod: Duration) throws -> Guarded<Bool> {
        let done = Guarded(false)
        try PosixThread.spawn(name: "test-shutdown") {
            server.shutdown(gracePeriod: gracePeriod)
            done.withLock { $0 = true }
        }
        return done
    }

    func startedServer(
        handler: any HTTPHandler, _ configure: (inout HTTPServer.Configuration) -> Void = { _ in }
    ) throws -> (HTTPServer, UInt16) {
        var configuration = HTTPServer.Configuration(port: 0, threads: 2, offloadThreads: 2)
        configure(&configuration)
        let server = HTTPServer(configuration: configuration, handler: handler)
        try server.start()
        return (server, try #require(server.boundPort))
    }

    @Test func shutdown_deferredInFlight_waitsForItsResponse() throws {
        let routes = TestRoutes()
        let (server, port) = try startedServer(handler: routes)
        let client = try TestClient(port: port)
        try client.send(get("/slow/500"))
        #expect(eventually { routes.calls.count == 1 })
        let done = try shutdownInBackground(server, gracePeriod: .seconds(5))
        // The listener closes first: new connections are refused from then on.
        #expect(eventually { (try? TestClient(port: port)) == nil })
        #expect(done.withLock { $0 } == false)
        let response = try client.readResponse()
        #expect(response.text == "slow 500")
        #expect(response.header("Connection") == "close")
        #expect(try client.waitForClose())
        client.close()
        #expect(eventually { done.withLock { $0 } })
        #expect(server.connectionCount == 0)
    }

    @Test func shutdown_idleKeepAliveConnections_closedPromptly() throws {
        let (server, port) = try startedServer(handler: TestRoutes())
        let clients = try (0..<4).map { _ in try TestClient(port: port) }
        for client in clients {
            try client.send(get("/hello"))
            #expect(try client.readResponse().text == "hello")
        }
        let started = ContinuousClock.now
        server.shutdown(gracePeriod: .seconds(5))
        #expect(started.duration(to: .now) < .seconds(1))
        for client in clients { #expect(try client.waitForClose(timeout: .seconds(1))) }
        #expect(server.connectionCount == 0)
    }

    @Test func shutdown_gracePeriodOver_cutsOffSlowWork() throws {
        let (server, port) = try startedServer(handler: TestRoutes())
        let client = try TestClient(port: port)
        try client.send(get("/slow/3000"))
        usleep(50_000)
        let started = ContinuousClock.now
        server.shutdown(gracePeriod: .milliseconds(200))
        let elapsed = started.duration(to: .now)
        #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(2))
        #expect(try client.waitForClose(timeout: .seconds(1)))
        #expect(client.buffer.isEmpty)
    }

    @Test func shutdown_neverStarted_returnsAtOnce() {
        let server = HTTPServer(configuration: .init(port: 0), handler: TestRoutes())
        server.shutdown()
        server.waitUntilStopped()
        #expect(throws: HTTPServerConfigurationError.self) { try server.start() }
    }

    @Test func shutdown_calledTwice_bothReturn() throws {
        let (server, _) = try startedServer(handler: TestRoutes())
        let other = try shutdownInBackground(server, gracePeriod: .seconds(1))
        server.shutdown(gracePeriod: .seconds(1))
        #expect(eventually { other.withLock { $0 } })
        #expect(server.boundPort == nil)
    }

    @Test func shutdown_onSIGTERM_viaSignalWatcher() throws {
        let (server, port) = try startedServer(handler: TestRoutes())
        let watcher = try SignalWatcher(signals: [SIGTERM]) { _ in server.shutdown(gracePeriod: .seconds(1)) }
        defer { watcher.stop() }
        let client = try TestClient(port: port)
        try client.send(get("/hello"))
        #expect(try client.readResponse().text == "hello")
        kill(getpid(), SIGTERM)
        let stopped = Guarded(false)
        try PosixThread.spawn(name: "test-wait") {
            server.waitUntilStopped()
            stopped.withLock { $0 = true }
        }
        #expect(eventually { stopped.withLock { $0 } })
        #expect(try client.waitForClose(timeout: .seconds(1)))
    }
}
