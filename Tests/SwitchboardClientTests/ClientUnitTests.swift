import Foundation
import Testing

@testable import SwitchboardClient

/// What the client and the admin commands do without a server: encoding, set-up checks, tables,
/// sentences, and where the token comes from.
@Suite struct ClientUnitTests {
    @Test func pathEncoding_reservedAndNonASCII_areEncoded() {
        #expect(PathEncoding.encode("+1 (415) 555-0123") == "%2B1%20%28415%29%20555-0123")
        #expect(PathEncoding.encode("a/b?c#d&e=f") == "a%2Fb%3Fc%23d%26e%3Df")
        #expect(PathEncoding.encode("front-desk_2.v~1") == "front-desk_2.v~1")
        #expect(PathEncoding.encode("é") == "%C3%A9")
        #expect(PathEncoding.query([("cursor", "+1415"), ("provider", "retell")]) == "cursor=%2B1415&provider=retell")
    }

    @Test func init_serverThatIsNotHostAndPort_isRefused() {
        for bad in ["127.0.0.1:8080", "ftp://127.0.0.1", "http://", "http://127.0.0.1:8080/v1", "http://127.0.0.1:8080?x=1", "http://u@127.0.0.1", ""] {
            #expect(throws: ClientError.self, "\(bad)") { try SwitchboardClient(server: bad, token: "t") }
        }
        #expect(throws: ClientError.self) { try SwitchboardClient(server: "http://127.0.0.1:8080", token: "has space") }
        #expect(throws: ClientError.self) { try SwitchboardClient(server: "http://127.0.0.1:8080", token: "t", timeout: 0) }
    }

    @Test func init_trailingSlash_isDropped() throws {
        let client = try SwitchboardClient(server: "http://127.0.0.1:8080/", token: nil)
        #expect(client.server == "http://127.0.0.1:8080")
        #expect(client.timeout == 10)
    }

    @Test func textTable_columns_alignWithoutTrailingSpaces() {
        var table = TextTable(header: ["NUMBER", "AGENT NAME", "X"])
        table.append(["+14155550123", "Réception", "-"])
        table.append(["+1", "Line\nbreak"])
        #expect(table.render() == """
            NUMBER        AGENT NAME  X
            +14155550123  Réception   -
            +1            Line break

            """)
    }

    @Test func resolvedToken_order_isFlagThenEnvironmentThenFile() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("client-token-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: data) }
        try Data("from-file-token\n".utf8).write(to: URL(fileURLWithPath: data + "/admin-token"))
        var options = AdminOptions()
        options.data = data
        #expect(options.resolvedToken(environment: [:])?.token == "from-file-token")
        #expect(options.resolvedToken(environment: ["SWITCHBOARD_ADMIN_TOKEN": "admin-env"])?.token == "admin-env")
        #expect(options.resolvedToken(environment: ["SWITCHBOARD_ADMIN_TOKEN": "admin-env", "SWITCHBOARD_TOKEN": "account-env"])?.token == "account-env")
        #expect(options.resolvedToken(environment: ["SWITCHBOARD_TOKEN": ""])?.token == "from-file-token", "an empty variable is unset")
        options.token = "flag"
        #expect(options.resolvedToken(environment: ["SWITCHBOARD_TOKEN": "account-env"])?.token == "flag")
        options.token = nil
        options.data = data + "/missing"
        #expect(options.resolvedToken(environment: [:]) == nil)
    }

    @Test func resolvedServer_order_isFlagThenEnvironmentThenDefault() {
        var options = AdminOptions()
        #expect(options.resolvedServer(environment: [:]).url == "http://127.0.0.1:8080")
        #expect(options.resolvedServer(environment: ["SWITCHBOARD_SERVER": "http://10.0.0.1:9"]).url == "http://10.0.0.1:9")
        options.server = "http://127.0.0.1:1"
        #expect(options.resolvedServer(environment: ["SWITCHBOARD_SERVER": "http://10.0.0.1:9"]).url == "http://127.0.0.1:1")
    }

    @Test func run_noTokenAnywhere_exitsUsageAndSaysWhatToDo() {
        var options = AdminOptions()
        options.data = "/nonexistent-\(UUID().uuidString)"
        var printed = ""
        var failed = ""
        let status = AdminCommand(.agents, options: options).run(environment: [:], output: { printed += $0 }, errors: { failed += $0 })
        #expect(status == 64)
        #expect(printed.isEmpty)
        #expect(failed.contains("--token") && failed.contains("SWITCHBOARD_TOKEN") && failed.contains(options.data))
    }

    @Test func run_badServerFromEnvironment_exitsUsageNamingIt() {
        var options = AdminOptions()
        options.token = "t0k3n"
        var failed = ""
        let status = AdminCommand(.agents, options: options).run(environment: ["SWITCHBOARD_SERVER": "localhost:8080"], output: { _ in }, errors: { failed += $0 })
        #expect(status == 64)
        #expect(failed.contains("SWITCHBOARD_SERVER") && failed.contains("localhost:8080"))
    }

    static func number(_ number: String, agent: String?, name: String?, status: String = "active") -> NumberRecord {
        NumberRecord(number: number, provider: "retell", providerNumberID: "n", status: status, agentID: agent, agentName: name, lastSyncedAt: nil)
    }

    @Test func assignedSentence_moveAndRelease_namesBoth() {
        let result = AssignResult(number: Self.number("+14155550123", agent: "sales", name: "Sales"), previousAgentID: "front-desk", releasedNumber: "+14155550199")
        #expect(AdminOutput.assigned(result) == "Assigned +14155550123 to agent 'sales' (Sales). Agent 'front-desk' lost it and now has no number. Its former number +14155550199 returned to the pool of available numbers.\n")
        let fromPool = AssignResult(number: Self.number("+14155550123", agent: "sales", name: "Sales"), previousAgentID: nil, releasedNumber: nil)
        #expect(AdminOutput.assigned(fromPool) == "Assigned +14155550123 to agent 'sales' (Sales). No other agent or number was affected.\n")
    }

    @Test func unassignedSentence_sayWhoLostIt() {
        let result = UnassignResult(number: Self.number("+14155550123", agent: nil, name: nil), previousAgentID: "sales")
        #expect(AdminOutput.unassigned(result) == "Unassigned +14155550123 from agent 'sales'; +14155550123 returned to the pool of available numbers.\n")
        let free = UnassignResult(number: Self.number("+14155550123", agent: nil, name: nil), previousAgentID: nil)
        #expect(AdminOutput.unassigned(free) == "+14155550123 had no agent; nothing changed.\n")
    }

    @Test func numbersOutput_emptyAndFull_readable() {
        #expect(AdminOutput.numbers([], available: true, account: "acme") == "No available numbers in account 'acme' (active and unassigned).\n")
        #expect(AdminOutput.numbers([], available: false, account: "acme") == "No numbers in account 'acme'.\n")
        #expect(AdminOutput.numbers([], available: false, filtered: true, account: "acme") == "No numbers in account 'acme' match the filters.\n")
        let text = AdminOutput.numbers([Self.number("+14155550123", agent: "sales", name: "Sales"), Self.number("+14155550124", agent: nil, name: nil, status: "inactive")], available: false, account: "acme")
        #expect(text == """
            NUMBER        PROVIDER  STATUS    AGENT ID  AGENT NAME
            +14155550123  retell    active    sales     Sales
            +14155550124  retell    inactive  -         -
            2 numbers

            """)
    }
}
