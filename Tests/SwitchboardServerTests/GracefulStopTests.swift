import Foundation
import SwitchboardCore
import SwitchboardStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM during a burst of assignments: every acknowledged one is there after restart.
@Suite struct GracefulStopTests {
    static var executable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = bundle.appendingPathComponent("switchboard").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : bundle.deletingLastPathComponent().appendingPathComponent("switchboard").path
    }

    /// Sends raw HTTP/1.1 requests over one keep-alive socket; returns the status of each answer
    /// read before the connection ended.
    static func assignments(port: UInt16, token: String, numbers: [UInt64]) -> [UInt64: Int] {
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
        guard connected == 0 else { return [:] }
        var results: [UInt64: Int] = [:]
        var buffer = [UInt8](repeating: 0, count: 65536)
        for number in numbers {
            // One agent per number (an agent holds one number: rule 1), so every acknowledged
            // assignment must still stand after the restart.
            let agent = "agent-\(number)"
            let body = #"{"agent_id":"\#(agent)"}"#
            let request = "PUT /v1/accounts/acme/numbers/+\(number)/agent HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            guard request.withCString({ send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }) > 0 else { break }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 12 else { break }
            let head = String(decoding: buffer[0..<count], as: UTF8.self)
            guard let status = Int(head.dropFirst(9).prefix(3)) else { break }
            results[number] = status
            if head.contains("Connection: close") { break }
        }
        return results
    }

    /// The port of the server's `{"event":"listening","address":"127.0.0.1:PORT"}` log line.
    static func listeningPort(in log: String) -> UInt16? {
        for line in log.split(separator: "\n") where line.contains(#""event":"listening""#) {
            guard let range = line.range(of: #""address":"127.0.0.1:"#) else { continue }
            return UInt16(line[range.upperBound...].prefix { $0.isNumber })
        }
        return nil
    }

    @Test func sigtermDuringABurst_keepsEveryAcknowledgedAssignment() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-sigterm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let seed = Directory()
        let acme = try Identifier("acme")
        _ = try seed.createAccount(id: acme, name: "Acme")
        let numbers = (0..<4000).map { 1_555_100_0000 + UInt64($0) }
        for key in numbers {
            try seed.putAgent(AgentSpec(account: acme, id: try Identifier("agent-\(key)"), name: "Agent \(key)", provider: .retell, providerAgentID: "p-\(key)", status: .active))
            try seed.putNumber(NumberSpec(account: acme, number: E164(key: key)!, provider: .retell, providerNumberID: "+\(key)", status: .active, agentID: nil))
        }
        try Store.seed(at: data, with: seed)

        // Port 0: the kernel picks a free port, read back from the "listening" log line (a fixed or
        // random port can collide with another test's connection and fail the start-up).
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-sigterm-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GracefulStopTests.executable)
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--data", data]
        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHBOARD_ADMIN_TOKEN"] = "test-admin-token-0123456789"
        process.environment = environment
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        let serverLog = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        // Wait (bounded) for the bound port, then for readiness.
        var port: UInt16?
        for _ in 0..<200 where port == nil && process.isRunning {
            usleep(50_000)
            port = GracefulStopTests.listeningPort(in: serverLog())
        }
        guard let port else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            Issue.record("the server never said where it listens; its log:\n\(serverLog())")
            return
        }
        var ready = false
        for _ in 0..<200 where !ready && process.isRunning {
            // 503 until the state is loaded; 200 once the first assignment is acknowledged.
            ready = GracefulStopTests.assignments(port: port, token: "test-admin-token-0123456789", numbers: [numbers[0]])[numbers[0]] == 200
            if !ready { usleep(50_000) }
        }
        #expect(ready, "the server took no assignment; its log:\n\(serverLog())")

        let acknowledged = Locked<[UInt64: Int]>([:])
        let group = DispatchGroup()
        for client in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                let mine = stride(from: 1 + client, to: numbers.count, by: 4).map { numbers[$0] }
                let results = GracefulStopTests.assignments(port: port, token: "test-admin-token-0123456789", numbers: mine)
                acknowledged.withLock { $0.merge(results) { first, _ in first } }
                group.leave()
            }
        }
        usleep(150_000)
        kill(process.processIdentifier, SIGTERM)
        group.wait()
        // Bounded: a server that ignores SIGTERM fails the test instead of hanging the suite.
        for _ in 0..<300 where process.isRunning { usleep(100_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("the server did not exit within 30 s of SIGTERM")
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "graceful stop exits 0; the server's log:\n\(serverLog())")

        let (directory, report) = try Store.read(at: data)
        let results = acknowledged.withLock { $0 }
        let ok = results.filter { $0.value == 200 }.map(\.key)
        #expect(!ok.isEmpty, "some assignments were acknowledged before the stop")
        var missing: [UInt64] = []
        for key in ok where directory.number(account: acme, number: E164(key: key)!)?.agentID?.value != "agent-\(key)" { missing.append(key) }
        #expect(missing.isEmpty, "\(missing.count) acknowledged but lost, e.g. \(missing.prefix(5)); \(report)")
        #expect(report.tail == nil, "a graceful stop leaves no torn tail")
    }
}
