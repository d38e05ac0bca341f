import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `switchboard serve`'s limit flags reach the real server, and bad values are refused by name.
@Suite struct ServeCommandTests {
    /// One raw request over a new connection; the status of the answer (0 if none).
    static func status(port: UInt16, _ request: String) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0, request.withCString({ send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }) > 0 else { return 0 }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 12 else { return 0 }
        return Int(String(decoding: buffer[9..<12], as: UTF8.self)) ?? 0
    }

    @Test func limitFlags_reachTheServer() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-serve-\(UUID().uuidString)").path
        let log = data + ".log"
        FileManager.default.createFile(atPath: log, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: data)
            try? FileManager.default.removeItem(atPath: log)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GracefulStopTests.executable)
        process.arguments = [
            "serve", "--listen", "127.0.0.1:0", "--data", data, "--threads", "1",
            "--max-body-bytes", "2048", "--max-headers", "8", "--max-request-line", "300",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHBOARD_ADMIN_TOKEN"] = "serve-flags-admin-token-0123456789"
        process.environment = environment
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
        }
        var port: UInt16?
        for _ in 0..<200 where port == nil && process.isRunning {
            usleep(50_000)
            port = GracefulStopTests.listeningPort(in: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
        let bound = try #require(port, "the server never said where it listens")
        var healthy = false
        for _ in 0..<100 where !healthy {
            healthy = Self.status(port: bound, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n") == 200
            if !healthy { usleep(50_000) }
        }
        #expect(healthy)
        // Within the limits: an ordinary request is answered.
        #expect(Self.status(port: bound, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == 200)
        // Over each: its own status.
        #expect(Self.status(port: bound, "PUT /v1/accounts/default/agents/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n") == 413)
        let nineHeaders = (1...9).map { "X-H\($0): v\r\n" }.joined()
        #expect(Self.status(port: bound, "GET /healthz HTTP/1.1\r\nHost: x\r\n\(nineHeaders)\r\n") == 431)
        #expect(Self.status(port: bound, "GET /\(String(repeating: "a", count: 400)) HTTP/1.1\r\nHost: x\r\n\r\n") == 414)
    }

    @Test func badLimitValues_exit64NamingTheFlag() throws {
        for (flag, value) in [("--max-body-bytes", "12"), ("--max-connections", "0"), ("--idle-timeout", "soon"), ("--max-headers", "-1")] {
            let result = try ProcessRun.run(GracefulStopTests.executable, ["serve", flag, value])
            #expect(result.status == 64, "\(flag) \(value)")
            #expect(result.stderr.contains(flag), "\(result.stderr)")
        }
    }
}
