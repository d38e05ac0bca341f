import Foundation
import SwitchboardClient
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built `switchboard` executable's admin commands against a running router: output, exit
/// statuses (0 done, 1 refused or unreachable, 64 bad argument) and that refusals change nothing.
@Suite(.serialized) struct APICommandLineIntegrationTests {
    /// A clean environment: nothing SWITCHBOARD_* leaks in from the one running the tests.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        environment.merge(extra) { _, new in new }
        return environment
    }

    static func run(_ arguments: [String], environment: [String: String] = environment()) throws -> ProcessRun.Result {
        try ProcessRun.run(GracefulStopTests.executable, arguments, environment: environment)
    }

    /// `switchboard ARGS --server S --token ADMIN` with `--account acme` unless given.
    static func admin(_ router: IntegrationRouter, _ arguments: [String], account: String = "acme") throws -> ProcessRun.Result {
        try run(arguments + ["--server", router.server, "--token", router.adminToken, "--account", account])
    }

    @Test func numbers_default_printsAnAlignedTable() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let result = try Self.admin(router, ["numbers"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            NUMBER        PROVIDER  STATUS    AGENT ID    AGENT NAME
            +14155550100  retell    active    front-desk  Front desk
            +14155550101  retell    active    -           -
            +14155550102  vapi      active    -           -
            +14155550103  retell    inactive  -           -
            +14155550104  retell    active    sleepy      Sleepy
            5 numbers

            """)
        #expect(result.stderr.isEmpty)
    }

    @Test func numbers_filters_selectTheRows() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        func numbers(_ arguments: [String]) throws -> [String] {
            let result = try Self.admin(router, ["numbers"] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result.stdout.split(separator: "\n").filter { $0.hasPrefix("+") }.map { String($0.prefix(12)) }
        }
        #expect(try numbers(["--available"]) == ["+14155550101", "+14155550102"])
        #expect(try numbers(["--available", "--provider", "vapi"]) == ["+14155550102"])
        #expect(try numbers(["--status", "inactive"]) == ["+14155550103"])
        #expect(try numbers(["--assigned", "true"]) == ["+14155550100", "+14155550104"])
        #expect(try numbers(["--assigned=false", "--provider=retell", "--status=active"]) == ["+14155550101"])
        let none = try Self.admin(router, ["numbers", "--available", "--provider", "bland"])
        #expect(none.status == 0 && none.stdout == "No available numbers in account 'acme' (active and unassigned).\n")
    }

    @Test func json_printsTheServersAnswer() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let admin = try router.admin
        let numbers = try Self.admin(router, ["numbers", "--json", "--available"])
        #expect(numbers.status == 0)
        #expect(numbers.stdout == (try admin.send("GET", "/v1/accounts/acme/numbers/available", query: [("limit", "1000")]).text) + "\n")
        let agents = try Self.admin(router, ["agents", "--json"])
        #expect(agents.stdout == (try admin.send("GET", "/v1/accounts/acme/agents", query: [("limit", "1000")]).text) + "\n")
        let assigned = try Self.admin(router, ["assign", "+14155550101", "sales", "--json"])
        #expect(assigned.status == 0)
        let decoded = try JSONDecoder().decode(AssignResult.self, from: Data(assigned.stdout.utf8))
        #expect(decoded.number.agentID == "sales" && decoded.previousAgentID == nil)
    }

    @Test func agents_default_printsAnAlignedTable() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let result = try Self.admin(router, ["agents"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            ID          NAME        PROVIDER  STATUS    PHONE NUMBER
            front-desk  Front desk  retell    active    +14155550100
            sales       Sales       retell    active    -
            sleepy      Sleepy      retell    inactive  +14155550104
            vapi-bot    Vapi bot    vapi      active    -
            4 agents

            """)
    }

    @Test func assignAndUnassign_sayWhatHappened() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        // front-desk's number, written the way people write it, moves to sales.
        let moved = try Self.admin(router, ["assign", "+1 (415) 555-0100", "sales"])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout == "Assigned +14155550100 to agent 'sales' (Sales). Agent 'front-desk' lost it and now has no number.\n")
        // sales takes another number: its former one returns to the pool.
        let swapped = try Self.admin(router, ["assign", "14155550101", "sales"])
        #expect(swapped.stdout == "Assigned +14155550101 to agent 'sales' (Sales). Its former number +14155550100 returned to the pool of available numbers.\n")
        let fresh = try Self.admin(router, ["assign", "+14155550100", "front-desk"])
        #expect(fresh.stdout == "Assigned +14155550100 to agent 'front-desk' (Front desk). No other agent or number was affected.\n")
        let unassigned = try Self.admin(router, ["unassign", "+14155550101"])
        #expect(unassigned.status == 0)
        #expect(unassigned.stdout == "Unassigned +14155550101 from agent 'sales'; +14155550101 returned to the pool of available numbers.\n")
        let again = try Self.admin(router, ["unassign", "+14155550101"])
        #expect(again.status == 0 && again.stdout == "+14155550101 had no agent; nothing changed.\n")
        let acme = try router.acme
        #expect(try acme.agent(account: "acme", id: "sales").phoneNumber == nil)
        #expect(try acme.agent(account: "acme", id: "front-desk").phoneNumber == "+14155550100")
    }

    @Test func token_fromEnvironmentOrDataDirectory() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        // An account token from SWITCHBOARD_TOKEN, the server from SWITCHBOARD_SERVER.
        let fromEnvironment = try Self.run(
            ["agents", "--account", "beta"], environment: Self.environment(["SWITCHBOARD_SERVER": router.server, "SWITCHBOARD_TOKEN": IntegrationRouter.betaToken]))
        #expect(fromEnvironment.status == 0 && fromEnvironment.stdout.contains("beta-agent"), "\(fromEnvironment.stderr)")
        // SWITCHBOARD_TOKEN wins over SWITCHBOARD_ADMIN_TOKEN: beta's token may not read acme.
        let precedence = try Self.run(
            ["agents", "--account", "acme"],
            environment: Self.environment(["SWITCHBOARD_SERVER": router.server, "SWITCHBOARD_TOKEN": IntegrationRouter.betaToken, "SWITCHBOARD_ADMIN_TOKEN": router.adminToken]))
        #expect(precedence.status == 1 && precedence.stderr.contains("forbidden"))
        let adminFromEnvironment = try Self.run(["agents", "--account", "acme"], environment: Self.environment(["SWITCHBOARD_SERVER": router.server, "SWITCHBOARD_ADMIN_TOKEN": router.adminToken]))
        #expect(adminFromEnvironment.status == 0 && adminFromEnvironment.stdout.contains("front-desk"))
        // The admin token file the router wrote into its data directory.
        let fromFile = try Self.run(["numbers", "--available", "--server", router.server, "--data", router.data, "--account", "acme"])
        #expect(fromFile.status == 0 && fromFile.stdout.contains("+14155550101"), "\(fromFile.stderr)")
        let noToken = try Self.run(["numbers", "--server", router.server, "--data", router.data + "/missing"])
        #expect(noToken.status == 64 && noToken.stderr.contains("no token"))
    }

    @Test func badArguments_exit64NamingThem_changeNothing() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let before = try router.export()
        let cases: [(arguments: [String], names: String)] = [
            (["numbers", "--colour"], "--colour"),
            (["numbers", "--status", "asleep"], "--status 'asleep'"),
            (["numbers", "--assigned", "maybe"], "--assigned 'maybe'"),
            (["numbers", "--provider", "twilio"], "--provider 'twilio'"),
            (["numbers", "--available", "--status", "active"], "--available"),
            (["numbers", "extra"], "'extra'"),
            (["agents", "--account", "no spaces"], "--account 'no spaces'"),
            (["assign", "+14155550101"], "NUMBER and an AGENT"),
            (["assign", "+0415", "sales"], "NUMBER '+0415'"),
            (["assign", "+14155550101", "bad agent!"], "AGENT 'bad agent!'"),
            (["unassign"], "a NUMBER"),
            (["unassign", "4155550101 ext 12"], "NUMBER '4155550101 ext 12'"),
            (["agents", "--server", "localhost:8080"], "--server 'localhost:8080'"),
            (["agents", "--timeout", "0"], "--timeout '0'"),
            (["agents", "--token"], "--token needs a value"),
            (["nonsense"], "unknown command 'nonsense'"),
        ]
        for item in cases {
            let result = try Self.run(item.arguments + (item.arguments.contains("--server") ? [] : ["--server", router.server]) + (item.arguments.contains("--token") ? [] : ["--token", router.adminToken]))
            #expect(result.status == 64, "\(item.arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(item.names), "\(item.arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try router.export() == before)
    }

    @Test func serverRefusal_exit1WithCodeAndMessage_changesNothing() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let before = try router.export()
        let mismatch = try Self.admin(router, ["assign", "+14155550102", "sales"])
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains("provider_mismatch (HTTP 422)") && mismatch.stderr.contains("vapi"), "\(mismatch.stderr)")
        let unknown = try Self.admin(router, ["assign", "+14155550101", "nobody"])
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown_agent (HTTP 404)"))
        let inactive = try Self.admin(router, ["assign", "+14155550103", "sales"])
        #expect(inactive.status == 1 && inactive.stderr.contains("number_inactive (HTTP 422)"))
        let account = try Self.admin(router, ["numbers"], account: "nope")
        #expect(account.status == 1 && account.stderr.contains("unknown_account (HTTP 404)"))
        let forbidden = try Self.run(["unassign", "+14155550200", "--server", router.server, "--token", IntegrationRouter.acmeToken, "--account", "beta"])
        #expect(forbidden.status == 1 && forbidden.stderr.contains("forbidden (HTTP 403)"))
        let badToken = try Self.run(["agents", "--server", router.server, "--token", "not-the-token"])
        #expect(badToken.status == 1 && badToken.stderr.contains("unauthorized (HTTP 401)"))
        #expect(try router.export() == before)
    }

    @Test func unreachableServer_exit1AsksWhetherServeRuns() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        close(fd)
        let server = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        let result = try Self.run(["numbers", "--server", server, "--token", "some-token-value"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("is `switchboard serve` running at \(server)?"), "\(result.stderr)")
    }

    @Test func help_onEveryCommand_exits0() throws {
        for command in ["numbers", "agents", "assign", "unassign"] {
            let result = try Self.run([command, "--help"])
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix("Usage: switchboard \(command)"), "\(result.stdout)")
            #expect(result.stdout.contains("--server URL") && result.stdout.contains("--json"))
        }
        let top = try Self.run(["--help"])
        #expect(top.status == 0 && top.stdout.contains("switchboard assign NUMBER AGENT"))
    }
}
