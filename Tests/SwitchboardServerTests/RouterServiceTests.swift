import Foundation
import SwitchboardCore
import SwitchboardStore
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import SwitchboardServer

/// The real server on a loopback port, talked to with real clients (URLSession and curl).
@Suite(.serialized) struct RouterServiceTests {
    /// A data directory seeded with an account, agents and numbers, and a started service on port 0.
    final class Running {
        let data: String
        let service: RouterService
        let port: UInt16
        let adminToken: String

        init() throws {
            data = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-serve-\(UUID().uuidString)").path
            let seed = Directory()
            let acme = try Identifier("acme")
            _ = try seed.createAccount(id: acme, name: "Acme")
            try seed.putAgent(AgentSpec(account: acme, id: try Identifier("front-desk"), name: "Front desk", provider: .retell, providerAgentID: "agent_8f", status: .active))
            for key in [14155550123, 14155550124] as [UInt64] {
                try seed.putNumber(NumberSpec(account: acme, number: E164(key: key)!, provider: .retell, providerNumberID: "+\(key)", status: .active, agentID: nil))
            }
            try Store.seed(at: data, with: seed)
            var options = RouterService.Options()
            options.port = 0
            options.data = data
            options.threads = 2
            service = RouterService(options: options)
            try service.start()
            port = service.boundPort!
            adminToken = String(decoding: FileManager.default.contents(atPath: data + "/admin-token")!, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func stop() {
            service.stop()
            try? FileManager.default.removeItem(atPath: data)
        }

        /// One request through URLSession; waits at most 10 s.
        func request(_ method: String, _ path: String, body: String? = nil, token: String? = nil) throws -> (status: Int, body: [String: Any]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 10)
            request.httpMethod = method
            if let body { request.httpBody = Data(body.utf8) }
            request.setValue("Bearer \(token ?? adminToken)", forHTTPHeaderField: "Authorization")
            let result = Locked<(Int, Data)?>(nil)
            let done = DispatchSemaphore(value: 0)
            URLSession.shared.dataTask(with: request) { data, response, _ in
                result.withLock { $0 = ((response as? HTTPURLResponse)?.statusCode ?? -1, data ?? Data()) }
                done.signal()
            }.resume()
            guard done.wait(timeout: .now() + 10) == .success, let (status, data) = result.withLock({ $0 }) else {
                throw ServiceError("request timed out")
            }
            return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        }
    }

    @Test func urlSession_assignAndRoute() throws {
        let running = try Running()
        defer { running.stop() }
        #expect(try running.request("GET", "/healthz").status == 200)
        #expect(try running.request("GET", "/readyz").status == 200)
        let assigned = try running.request("PUT", "/v1/accounts/acme/numbers/%2B14155550123/agent", body: #"{"agent_id":"front-desk"}"#)
        #expect(assigned.status == 200)
        let caller = try running.request("GET", "/v1/accounts/acme/agents/front-desk/caller-id")
        #expect(caller.body["caller_id"] as? String == "+14155550123")
        #expect(try running.request("GET", "/v1/accounts/acme/numbers", token: "nope").status == 401)
        let created = try running.request("POST", "/v1/accounts", body: #"{"id":"beta","name":"Beta"}"#)
        let betaToken = try #require(created.body["token"] as? String)
        #expect(try running.request("GET", "/v1/accounts/acme/numbers", token: betaToken).status == 403)
        #expect(try running.request("GET", "/v1/accounts/beta/numbers", token: betaToken).status == 200)
        #expect(try running.request("PATCH", "/v1/accounts/acme/numbers").status == 405)
    }

    @Test func curl_firstRequestsFromTheReadme() throws {
        let running = try Running()
        defer { running.stop() }
        func curl(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["curl", "-sS", "--max-time", "10"] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: output, as: UTF8.self)
        }
        let base = "http://127.0.0.1:\(running.port)"
        #expect(try curl([base + "/healthz"]) == #"{"status":"ok"}"#)
        let auth = "Authorization: Bearer \(running.adminToken)"
        let numbers = try curl(["-H", auth, base + "/v1/accounts/acme/numbers/available"])
        #expect(numbers.contains("+14155550123") && numbers.contains("+14155550124"))
        // Pipelined keep-alive requests through one connection, and a chunked body.
        let put = try curl(["-H", auth, "-H", "Transfer-Encoding: chunked", "-X", "PUT", "--data-binary", #"{"agent_id":"front-desk"}"#, base + "/v1/accounts/acme/numbers/+14155550124/agent"])
        #expect(put.contains(#""agent_id":"front-desk""#))
        let metrics = try curl([base + "/metrics"])
        #expect(metrics.contains("switchboard_connections"))
        #expect(metrics.contains("switchboard_journal_bytes"))
    }

    @Test func restart_keepsAcknowledgedChanges() throws {
        let running = try Running()
        #expect(try running.request("PUT", "/v1/accounts/acme/numbers/+14155550124/agent", body: #"{"agent_id":"front-desk"}"#).status == 200)
        running.service.stop()
        let (directory, _) = try Store.read(at: running.data)
        #expect(directory.number(account: try Identifier("acme"), number: E164(key: 14155550124)!)?.agentID?.value == "front-desk")
        try? FileManager.default.removeItem(atPath: running.data)
    }
}
