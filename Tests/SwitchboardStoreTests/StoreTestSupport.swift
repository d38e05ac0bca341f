import Foundation
import SwitchboardCore

@testable import SwitchboardStore

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ name: String = "store") {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-\(name)-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func files() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func journals() -> [String] { files().filter { $0.hasPrefix("journal-") } }

    /// Fills a store here with `Sample.populate`, closes it, then damages its newest journal with
    /// `damage`. Returns the journal's path and its bytes as left on disk.
    func populatedStoreWithDamagedJournal(_ damage: (inout [UInt8]) -> Void) throws -> (journal: String, bytes: [UInt8]) {
        let (store, _) = try Store.open(at: path)
        try Sample.populate(store.directory)
        try store.close()
        let journal = path + "/" + journals().last!
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: journal)))
        damage(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        return (journal, bytes)
    }
}

enum Sample {
    static let acme = try! Identifier("acme")

    static func agent(_ id: String, provider: Provider = .retell, status: Status = .active) -> AgentSpec {
        AgentSpec(account: acme, id: try! Identifier(id), name: "Agent \(id)", provider: provider, providerAgentID: "pa_\(id)", status: status)
    }

    static func number(_ key: UInt64) -> E164 { E164(key: key)! }

    /// Applies a little of everything: accounts, connections, agents, numbers, assignments, a sync.
    static func populate(_ directory: Directory, salt: UInt64 = 0) throws {
        if directory.account(acme) == nil {
            _ = try directory.createAccount(id: acme, name: "Acme", tokenSHA256: String(repeating: "ab", count: 32))
            try directory.putProvider(
                ProviderConnection(account: acme, provider: .vapi, apiKey: "key_secret", webhookSecret: "whsec", baseURL: "http://127.0.0.1:9", defaultCallerID: number(15550009))
            )
        }
        for index in 0..<5 as Range<UInt64> {
            let key = 1_555_000_0000 + salt * 100 + index
            try directory.putAgent(agent("a\(salt)-\(index)"))
            try directory.putNumber(NumberSpec(account: acme, number: number(key), provider: .retell, providerNumberID: "pn\(key)", status: .active, agentID: nil))
            try directory.assign(account: acme, number: number(key), agent: try Identifier("a\(salt)-\(index)"))
        }
        try directory.putAgent(agent("a\(salt)-0", status: .inactive))
        try directory.unassign(account: acme, number: number(1_555_000_0000 + salt * 100 + 1))
        _ = try directory.sync(
            account: acme, provider: .vapi,
            listing: [ListedNumber(number: number(1_666_000_0000 + salt), providerNumberID: "uuid-\(salt)")],
            at: Timestamp(milliseconds: 1_764_000_000_000 + Int64(salt))
        )
        try directory.putAgent(agent("v\(salt)", provider: .vapi), phone: .assign(number(1_666_000_0000 + salt)))
    }
}
