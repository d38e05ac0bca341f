import CSwitchboardLinux
import Glibc
import Synchronization
import Testing

@testable import SwitchboardPosix

/// The syscall wrapper, the signal watcher and the small pieces around them.
struct PosixTests {
    @Test func call_EINTR_retried() throws {
        var attempts = 0
        let result = try Posix.call("test") { () -> Int32 in
            attempts += 1
            if attempts < 3 {
                errno = EINTR
                return -1
            }
            return 7
        }
        #expect(result == 7)
        #expect(attempts == 3)
    }

    @Test func call_failure_throwsNameAndErrno() {
        #expect(throws: PosixError(call: "test", errno: EBADF)) {
            try Posix.call("test") { () -> Int32 in
                errno = EBADF
                return -1
            }
        }
        #expect(PosixError(call: "bind", errno: EADDRINUSE).description.hasPrefix("bind failed: "))
    }

    @Test func nonBlocking_EAGAIN_isAValue() throws {
        let result = try Posix.nonBlocking("test") { () -> Int in
            errno = EAGAIN
            return -1
        }
        guard case .wouldBlock = result else {
            Issue.record("expected wouldBlock")
            return
        }
    }

    @Test func receive_emptyNonBlockingSocket_wouldBlock() throws {
        let fd = try Posix.streamSocket(domain: AF_INET)
        defer { Posix.close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16)
        // Not connected: recv on a non-blocking unconnected TCP socket fails with ENOTCONN.
        #expect(throws: PosixError(call: "recv", errno: ENOTCONN)) {
            try bytes.withUnsafeMutableBytes { buffer in _ = try Posix.receive(fd, into: buffer) }
        }
    }

    @Test func eventFD_signalThenDrain_wakesEpollOnce() throws {
        let epoll = try Posix.epollCreate()
        let event = try Posix.eventFD()
        defer {
            Posix.close(event)
            Posix.close(epoll)
        }
        try Posix.epollControl(epoll, CSB_EPOLL_CTL_ADD, event, events: CSB_EPOLLIN, data: 42)
        let events = UnsafeMutableBufferPointer<csb_epoll_event>.allocate(capacity: 4)
        defer { events.deallocate() }
        #expect(try Posix.epollWait(epoll, into: events, timeoutMilliseconds: 0) == 0)
        try Posix.eventFDSignal(event)
        try Posix.eventFDSignal(event)
        #expect(try Posix.epollWait(epoll, into: events, timeoutMilliseconds: 100) == 1)
        #expect(events[0].data == 42)
        try Posix.eventFDDrain(event)
        #expect(try Posix.epollWait(epoll, into: events, timeoutMilliseconds: 0) == 0)
    }

    @Test func socketAddress_numericHosts_parsedAndDescribed() throws {
        #expect(try SocketAddress(host: "127.0.0.1", port: 8080).description == "127.0.0.1:8080")
        #expect(try SocketAddress(host: "localhost", port: 80).description == "127.0.0.1:80")
        #expect(try SocketAddress(host: "::1", port: 443).description == "[::1]:443")
        #expect(try SocketAddress(host: "[::]", port: 1).family == AF_INET6)
        #expect(throws: HTTPServerConfigurationError.self) { try SocketAddress(host: "example.com", port: 80) }
    }

    @Test func errorResponse_escapesJSON() {
        let response = HTTPResponse.error(status: .badRequest, code: "bad", message: "a \"quote\"\n\u{1}")
        #expect(
            String(decoding: response.body, as: UTF8.self)
                == #"{"error":{"code":"bad","message":"a \"quote\"\n\u0001"}}"#)
        #expect(response.headers["Content-Type"] == "application/json")
    }

    @Test func signalWatcher_SIGUSR1_callsHandlerOnItsThread() throws {
        let received = Atomic<Int32>(0)
        let watcher = try SignalWatcher(signals: [SIGUSR1]) { signal in
            received.store(signal, ordering: .relaxed)
        }
        kill(getpid(), SIGUSR1)
        #expect(eventually { received.load(ordering: .relaxed) == SIGUSR1 })
        watcher.stop()
    }

    @Test func configuration_defaults_matchTheSpec() {
        let configuration = HTTPServer.Configuration()
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080)
        #expect(configuration.headerTimeout == .seconds(10) && configuration.idleTimeout == .seconds(60))
        #expect(configuration.maxConnections == 10_000)
        #expect(configuration.threads == HTTPServer.Configuration.availableCPUs && configuration.threads >= 1)
        #expect(configuration.timerInterval == .milliseconds(250))
    }
}
