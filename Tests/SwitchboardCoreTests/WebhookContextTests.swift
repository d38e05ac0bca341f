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
