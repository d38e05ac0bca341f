import Testing

@testable import SwitchboardCore

/// The index's account table carries each account's connections for the webhook path, in step
/// with the directory (put, replace, delete, reload from an image).
@Suite struct WebhookContextTests {
    @Test func webhookContext_followsPutReplaceAndDelete() throws {
        let directory = try Fixture.directory()
        #expect(directory.index.webhookContext(account: "nobody", provider: .retell) == nil)
        #expect(directory.index.webhookContext(account: "acme", provider: .retell)?.connection == nil)
        #expect(directory.index.webhookContext(account: "acme", provider: .retell)?.slot == directory.acmeSlot)

        try directory.putProvider(ProviderConnection(account: Fixture.id("acme"), provider: .retell, apiKey: "key_one"))
        #expect(directory.index.webhookContext(account: "acme", provider: .retell)?.connection?.apiKey == "key_one")
        #expect(directory.index.webhookContext(account: "acme", provider: .vapi)?.connection == nil)
        #expect(directory.index.webhookContext(account: "other", provider: .retell)?.connection == nil)

        try directory.putProvider(ProviderConnection(account: Fixture.id("acme"), provider: .retell, apiKey: "key_two", webhookSecret: "whsec"))
        #expect(directory.index.webhookContext(account: "acme", provider: .retell)?.connection?.apiKey == "key_two")

        try directory.deleteProvider(account: Fixture.id("acme"), provider: .retell)
        #expect(directory.index.webhookContext(account: "acme", provider: .retell)?.connection == nil)
    }

    @Test func webhookContext_afterLoadFromImage_hasTheConnections() throws {
        let directory = try Fixture.directory()
        try directory.putProvider(ProviderConnection(account: Fixture.id("acme"), provider: .bland, apiKey: "key_b", webhookSecret: "s"))
        let loaded = try Directory.load(directory.image())
        #expect(loaded.index.webhookContext(account: "acme", provider: .bland)?.connection?.webhookSecret == "s")
    }
}

@Suite struct ProviderNumberIDLookupTests {
    @Test func numberByProviderID_findsOnlyThatAccountAndProvider() throws {
        let directory = try Fixture.directory()
        // Fixture numbers carry provider ids "pn_<digits>".
        #expect(directory.number(account: Fixture.id("acme"), provider: .vapi, providerNumberID: "pn_15550009") == Fixture.number("+15550009"))
        #expect(directory.number(account: Fixture.id("acme"), provider: .retell, providerNumberID: "pn_15550009") == nil)
        #expect(directory.number(account: Fixture.id("other"), provider: .vapi, providerNumberID: "pn_15550009") == nil)
        #expect(directory.number(account: Fixture.id("acme"), provider: .vapi, providerNumberID: "nope") == nil)
        #expect(directory.number(account: Fixture.id("ghost"), provider: .vapi, providerNumberID: "pn_15550009") == nil)
    }
}

@Suite struct DirectoryObserverTests {
    /// The observer is called once per durable change, however many changes there are (it once
    /// overflowed the stack after a few thousand: each call wrapped the stored function again).
    @Test func observe_manyChanges_eachSeenOnce() throws {
        let directory = try Fixture.directory()
        let seen = Locked(0)
        directory.observe { _, _ in seen.withLock { $0 += 1 } }
        for round in 0..<25_000 {
            if round % 2 == 0 {
                try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
            } else {
                try directory.unassign(account: Fixture.id("acme"), number: Fixture.number("+15550001"))
            }
        }
        #expect(seen.withLock { $0 } == 25_000)
    }
}
