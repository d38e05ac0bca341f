import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `switchboard serve`'s limit flags reach the real server, and bad values are refused by name.
@Suite struct ServeCommandTests {
    /// One raw request over a new connection; the status of the answer (-1 if none).
    static func status(port: UInt16, _ request: String) -> Int {
        guard let connection = try? RawConnection(port: port) else { return -1 }
        connection.send(request)
        return RawConnection.status(connection.readResponse())
    }

    @Test func limitFlags_reachTheServer() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-serve-\(UUID().uuidString)").path
        let log = data + ".log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
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
