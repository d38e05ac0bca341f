import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardServer
import SwitchboardSimulator

/// Everything the demo runs: the provider simulator and a router on free loopback ports, over a
/// temporary data directory, and a client holding the router's admin token.
final class DemoStage {
    let simulator: ProviderSimulator
    let router: RouterService
    let data: String
    let client: SwitchboardClient
    let webhooks: WebhookSender
    let seeded: [Provider: ProviderSimulator.SeededAccount]
    let account = "default"

    init(log: Log = .standardError) throws {
        simulator = ProviderSimulator()
        try simulator.start()
        var seeded: [Provider: ProviderSimulator.SeededAccount] = [:]
        for account in try simulator.seedDemo() { seeded[account.account.provider] = account }
        self.seeded = seeded
        data = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-demo-\(UUID().uuidString)").path
        var options = RouterService.Options()
        options.port = 0
        options.data = data
        options.threads = 2
        // The demo syncs on demand; the periodic sync would only add noise.
        options.syncInterval = .seconds(3600)
        options.providerTimeout = .seconds(5)
        options.log = log
        router = RouterService(options: options)
        try router.start()
        guard let port = router.boundPort else { throw DemoFailure("the router did not report its port") }
        let token: String
        if let fromEnvironment = ProcessInfo.processInfo.environment["SWITCHBOARD_ADMIN_TOKEN"] {
            token = fromEnvironment
        } else {
            guard let file = FileManager.default.contents(atPath: data + "/admin-token") else { throw DemoFailure("the router wrote no admin token") }
            token = String(decoding: file, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        client = try SwitchboardClient(server: "http://127.0.0.1:\(port)", token: token, timeout: 10)
        webhooks = WebhookSender(port: port)
    }

    func stop() {
        router.stop()
        simulator.stop()
        try? FileManager.default.removeItem(atPath: data)
    }

    /// The seed's account at `provider`.
    func seededAccount(_ provider: Provider) throws -> ProviderSimulator.SeededAccount {
        guard let account = seeded[provider] else { throw DemoFailure("the simulator has no \(provider) account") }
        return account
    }

    /// Plays `provider` announcing a call to `number`; returns the router's answer body.
    func inboundCall(_ provider: Provider, to number: String) throws -> (status: Int, body: String) {
        let seededAccount = try seededAccount(provider)
        let called = try E164(number)
        let id = seededAccount.numbers.first { $0.number == called }?.id ?? ""
        do {
            let answer = try webhooks.sendInboundCall(
                provider, account: account, signature: WebhookSender.signature(for: seededAccount.account), to: called, phoneNumberID: id)
            return (answer.status, answer.text)
        } catch {
            throw DemoFailure("the webhook to the router failed: \(error)")
        }
    }

    /// The agent a provider's number is bound to in its own settings (what push wrote there).
    func providerBinding(_ provider: Provider, _ number: String) throws -> String? {
        let seededAccount = try seededAccount(provider)
        return try simulator.number(try E164(number), provider: provider, apiKey: seededAccount.account.apiKey)?.agentID
    }

    /// Waits (at most 5 s) until `condition` holds.
    func eventually(_ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }
}

/// A step that did not behave as the seed says.
struct DemoFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
