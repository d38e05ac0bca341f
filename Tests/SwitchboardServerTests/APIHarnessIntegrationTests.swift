import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardCrypto
import SwitchboardStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import SwitchboardServer

/// The real router for the integration tests: `RouterService` on 127.0.0.1 port 0 over a
/// temporary data directory, seeded from JSON Lines, with clients for the admin and for each
/// account, and the live state as an export to compare before and after a refused request.
final class IntegrationRouter {
    static let acmeToken = "sb_acme_token_0123456789abcdef"
    static let betaToken = "sb_beta_token_0123456789abcdef"

    /// Two accounts. acme: a retell connection, agents front-desk (retell, +14155550100), sales
    /// (retell, no number), vapi-bot (vapi), sleepy (retell, inactive, +14155550104); numbers
    /// +14155550100..104 (101 retell free, 102 vapi free, 103 retell inactive). beta: beta-agent
    /// (retell, +14155550200) and a free +14155550201.
    static var standardSeed: String {
        """
        {"type":"account","id":"acme","name":"Acme","token_sha256":"\(Crypto.sha256Hex(acmeToken.utf8))"}
        {"type":"account","id":"beta","name":"Beta","token_sha256":"\(Crypto.sha256Hex(betaToken.utf8))"}
        {"type":"provider","account":"acme","provider":"retell","api_key":"key_acme_secret_retell","webhook_secret":"whsec_acme","base_url":"http://127.0.0.1:9","default_caller_id":null}
        {"type":"provider","account":"beta","provider":"retell","api_key":"key_beta_secret_retell","webhook_secret":null,"base_url":"http://127.0.0.1:9","default_caller_id":"+14155550201"}
        {"type":"agent","account":"acme","id":"front-desk","name":"Front desk","provider":"retell","provider_agent_id":"agent_fd","status":"active"}
        {"type":"agent","account":"acme","id":"sales","name":"Sales","provider":"retell","provider_agent_id":"agent_sales","status":"active"}
        {"type":"agent","account":"acme","id":"vapi-bot","name":"Vapi bot","provider":"vapi","provider_agent_id":"asst_1","status":"active"}
        {"type":"agent","account":"acme","id":"sleepy","name":"Sleepy","provider":"retell","provider_agent_id":"agent_zz","status":"inactive"}
        {"type":"agent","account":"beta","id":"beta-agent","name":"Beta agent","provider":"retell","provider_agent_id":"agent_b","status":"active"}
        {"type":"number","account":"acme","number":"+14155550100","provider":"retell","provider_number_id":"pn_100","status":"active","agent_id":"front-desk","last_synced_at":"2026-11-25T10:00:00Z"}
        {"type":"number","account":"acme","number":"+14155550101","provider":"retell","provider_number_id":"pn_101","status":"active","agent_id":null}
        {"type":"number","account":"acme","number":"+14155550102","provider":"vapi","provider_number_id":"pn_102","status":"active","agent_id":null}
        {"type":"number","account":"acme","number":"+14155550103","provider":"retell","provider_number_id":"pn_103","status":"inactive","agent_id":null}
        {"type":"number","account":"acme","number":"+14155550104","provider":"retell","provider_number_id":"pn_104","status":"active","agent_id":"sleepy"}
        {"type":"number","account":"beta","number":"+14155550200","provider":"retell","provider_number_id":"pn_200","status":"active","agent_id":"beta-agent"}
        {"type":"number","account":"beta","number":"+14155550201","provider":"retell","provider_number_id":"pn_201","status":"active","agent_id":null}
        """
    }

    let data: String
    let service: RouterService
    let port: UInt16
    let adminToken: String
    var server: String { "http://127.0.0.1:\(port)" }

    /// `seed` nil starts on an empty data directory (the embedded default). The admin token is
    /// the generated file's, whatever the test process's environment holds.
    init(
        seed: String? = IntegrationRouter.standardSeed, data existing: String? = nil,
        configure: (inout RouterService.Options) -> Void = { _ in }
    ) throws {
        data = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-it-\(UUID().uuidString)").path
        if let seed { try Store.seed(at: data, with: try JSONLines.load(seed)) }
        var options = RouterService.Options()
        options.port = 0
        options.data = data
        options.threads = 1
        options.environment = [:]
        configure(&options)
        service = RouterService(options: options)
        try service.start()
        port = try #require(service.boundPort)
        adminToken = String(decoding: try #require(FileManager.default.contents(atPath: data + "/admin-token")), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the service; `keepData` leaves the directory for a restart.
    func stop(keepData: Bool = false) {
        service.stop()
        if !keepData { try? FileManager.default.removeItem(atPath: data) }
    }

    func client(token: String?) throws -> SwitchboardClient { try SwitchboardClient(server: server, token: token, timeout: 10) }
    var admin: SwitchboardClient { get throws { try client(token: adminToken) } }
    var acme: SwitchboardClient { get throws { try client(token: Self.acmeToken) } }
    var beta: SwitchboardClient { get throws { try client(token: Self.betaToken) } }

    /// The live state as JSON Lines (every account, connection, agent and number, with assignments).
    func export() throws -> String {
        let directory = try #require(service.store.withLock { $0 }).directory
        var text = ""
        JSONLines.export(directory.image()) { text += $0 + "\n" }
        return text
    }

    /// Runs `call`, which must be refused with `status` and `code`, and checks the state is as before.
    func expectRefusal(
        _ status: Int, _ code: String, containing fragment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
        _ call: () throws -> Void
    ) throws {
        let before = try export()
        do {
            try call()
            Issue.record("expected \(status) \(code), but the call succeeded", sourceLocation: sourceLocation)
        } catch let error as ClientError {
            #expect(error.status == status, "\(error)", sourceLocation: sourceLocation)
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let fragment { #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation) }
        }
        #expect(try export() == before, "a refused request changes nothing", sourceLocation: sourceLocation)
    }

    /// One request through curl: status, header fields (names lower-cased) and body.
    func curl(_ arguments: [String]) throws -> (status: Int, headers: [String: String], body: String) {
        let result = try ProcessRun.run("/usr/bin/env", ["curl", "-sS", "-i", "--max-time", "10"] + arguments)
        var text = result.stdout
        // Interim 1xx answers (100 Continue) come before the real one.
        while text.hasPrefix("HTTP/1.1 1"), let end = text.range(of: "\r\n\r\n") { text = String(text[end.upperBound...]) }
        guard let end = text.range(of: "\r\n\r\n") else { throw ServiceError("curl printed no answer: \(result.stdout) \(result.stderr)") }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? -1
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers, String(text[end.upperBound...]))
    }
}

/// A child process run to completion with a deadline; its output goes to files (no pipe can fill
/// and stall it).
enum ProcessRun {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, deadline seconds: Double = 20) throws -> Result {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-run-\(UUID().uuidString)")
        let out = base.appendingPathExtension("out")
        let err = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let end = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < end { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ServiceError("\(arguments.first ?? executable) did not finish within \(seconds) s")
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }
}

/// The embedded default (SPEC §1): an empty data directory gets account `default`.
@Suite(.serialized) struct APIHarnessIntegrationTests {
    @Test func serve_emptyDataDirectory_createsDefaultAccountDurably() throws {
        let router = try IntegrationRouter(seed: nil)
        let admin = try router.admin
        #expect(try admin.accounts().map { "\($0.id)/\($0.name)" } == ["default/Default"])
        // The admin token acts on it: there is no account token.
        #expect(try admin.numbers(account: "default").isEmpty)
        let put = try admin.putAgent(account: "default", id: "first", AgentSettings(name: "First", provider: "retell", providerAgentID: "agent_1"))
        #expect(put.created)
        #expect(try router.export().contains(#"{"type":"account","id":"default","name":"Default","token_sha256":null}"#))
        router.stop(keepData: true)
        defer { try? FileManager.default.removeItem(atPath: router.data) }

        // On disk, and not created twice on the next start.
        let (directory, _) = try Store.read(at: router.data)
        #expect(directory.accounts().map(\.id.value) == ["default"])
        let again = try IntegrationRouter(seed: nil, data: router.data)
        #expect(try again.admin.accounts().map { "\($0.id)/\($0.name)" } == ["default/Default"])
        #expect(try again.admin.agents(account: "default").map(\.id) == ["first"])
        again.stop(keepData: true)
    }

    @Test func serve_dataDirectoryWithAccounts_addsNoDefault() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        #expect(try router.admin.accounts().map(\.id) == ["acme", "beta"])
    }

    @Test func serve_healthAndReadiness_answerWithoutToken() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let anonymous = try router.client(token: nil)
        #expect(try anonymous.isAlive())
        #expect(try anonymous.isReady())
        let metrics = try anonymous.send("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains("switchboard_connections"))
    }
}
