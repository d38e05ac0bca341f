import Testing

@testable import SwitchboardCore

/// Every rule of SPEC §2 and every refusal, each refusal shown to change nothing.
@Suite struct DirectoryRulesTests {
    /// Runs `body`, expects it to be refused with `code`, and checks that nothing changed.
    func expectRefused(
        _ code: DirectoryError.Code, _ directory: Directory, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        let before = directory.image()
        do {
            try body()
            Issue.record("expected \(code.rawValue), but it succeeded", sourceLocation: sourceLocation)
        } catch let error as DirectoryError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        #expect(directory.image() == before, "a refusal changed the state", sourceLocation: sourceLocation)
        #expect(directory.invariantViolations() == [], sourceLocation: sourceLocation)
    }

    // Rule 1 and 2: one number per agent, one agent per number; assignment moves atomically.

    @Test func assign_unassignedNumber_routesToAgent() throws {
        let directory = try Fixture.directory()
        let result = try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        #expect(result.previousAgentID == nil)
        #expect(result.releasedNumber == nil)
        #expect(result.number.agentID == Fixture.id("a1"))
        #expect(result.number.agentName == "Agent a1")
        #expect(directory.inboundOutcome("+15550001") == "routed:a1")
        #expect(directory.agent(account: Fixture.id("acme"), id: Fixture.id("a1"))?.phoneNumber == Fixture.number("+15550001"))
        #expect(directory.invariantViolations() == [])
    }

    @Test func assign_numberOfAnotherAgent_movesItAndOldAgentLosesIt() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        let result = try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a2"))
        #expect(result.previousAgentID == Fixture.id("a1"))
        #expect(directory.inboundOutcome("+15550001") == "routed:a2")
        #expect(directory.agent(account: acme, id: Fixture.id("a1"))?.phoneNumber == nil)
        #expect(directory.callerIDOutcome("a1") == "no_caller_id")
        #expect(directory.invariantViolations() == [])
    }

    @Test func assign_agentWithANumber_releasesItsOldNumberToThePool() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        let result = try directory.assign(account: acme, number: Fixture.number("+15550002"), agent: Fixture.id("a1"))
        #expect(result.releasedNumber == Fixture.number("+15550001"))
        #expect(directory.inboundOutcome("+15550001") == "unassigned")
        #expect(directory.inboundOutcome("+15550002") == "routed:a1")
        let available = try directory.numbers(account: acme, filter: .available(provider: .retell)).items.map(\.number.description)
        #expect(available == ["+15550001", "+15550003"])
    }

    @Test func assign_sameNumberTwice_isANoOp() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        let before = directory.image()
        let again = try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        #expect(again.previousAgentID == nil && again.releasedNumber == nil)
        #expect(directory.image() == before)
    }

    // Rule 3 and 4.

    @Test func unassign_returnsNumberToThePool() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        let result = try directory.unassign(account: acme, number: Fixture.number("+15550001"))
        #expect(result.previousAgentID == Fixture.id("a1"))
        #expect(result.number.agentID == nil)
        #expect(directory.inboundOutcome("+15550001") == "unassigned")
        #expect(try directory.numbers(account: acme, filter: .available()).items.map(\.number.description).contains("+15550001"))
        #expect(directory.invariantViolations() == [])
    }

    @Test func available_listsActiveUnassignedNumbersByProvider() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        try directory.assign(account: acme, number: Fixture.number("+15550002"), agent: Fixture.id("a2"))
        #expect(try directory.numbers(account: acme, filter: .available()).items.map(\.number.description) == ["+15550001", "+15550003", "+15550009"])
        #expect(try directory.numbers(account: acme, filter: .available(provider: .vapi)).items.map(\.number.description) == ["+15550009"])
        #expect(try directory.numbers(account: acme, filter: NumberFilter(status: .inactive)).items.map(\.number.description) == ["+15550004"])
        #expect(try directory.numbers(account: acme, filter: NumberFilter(assigned: true)).items.map(\.agentID) == [Fixture.id("a2")])
    }

    @Test func numbers_pageWithCursor() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        let first = try directory.numbers(account: acme, limit: 2)
        #expect(first.items.map(\.number.description) == ["+15550001", "+15550002"])
        #expect(first.nextCursor == "+15550002")
        let second = try directory.numbers(account: acme, after: Fixture.number(first.nextCursor!), limit: 10)
        #expect(second.items.map(\.number.description) == ["+15550003", "+15550004", "+15550009"])
        #expect(second.nextCursor == nil)
    }

    // Rule 5: same account and provider.

    @Test func assign_otherProvidersAgent_isRefused() throws {
        let directory = try Fixture.directory()
        expectRefused(.providerMismatch, directory) {
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("v1"))
        }
    }

    @Test func assign_otherAccountsNumber_isUnknown() throws {
        let directory = try Fixture.directory()
        expectRefused(.unknownNumber, directory) {
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15559999"), agent: Fixture.id("a1"))
        }
    }

    @Test func assign_otherAccountsAgent_isUnknown() throws {
        let directory = try Fixture.directory()
        expectRefused(.unknownAgent, directory) {
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("o1"))
        }
    }

    @Test func assign_inactiveNumber_isRefused() throws {
        let directory = try Fixture.directory()
        expectRefused(.numberInactive, directory) {
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550004"), agent: Fixture.id("a1"))
        }
    }

    @Test func assign_unknownAccountOrNumber_isRefused() throws {
        let directory = try Fixture.directory()
        expectRefused(.unknownAccount, directory) {
            try directory.assign(account: Fixture.id("nobody"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        }
        expectRefused(.unknownNumber, directory) {
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15557777"), agent: Fixture.id("a1"))
        }
        expectRefused(.unknownNumber, directory) { try directory.unassign(account: Fixture.id("acme"), number: Fixture.number("+15557777")) }
    }

    @Test func putAgent_assignsThroughPhoneNumber_andNullUnassigns() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        let created = try directory.putAgent(Fixture.agent("a3"), phone: .assign(Fixture.number("+15550003")))
        #expect(created.created)
        #expect(directory.inboundOutcome("+15550003") == "routed:a3")
        let moved = try directory.putAgent(Fixture.agent("a1"), phone: .assign(Fixture.number("+15550003")))
        #expect(moved.previousAgentID == Fixture.id("a3"))
        #expect(directory.agent(account: acme, id: Fixture.id("a3"))?.phoneNumber == nil)
        let renamed = try directory.putAgent(Fixture.agent("a1", name: "Front desk"))
        #expect(renamed.agent.phoneNumber == Fixture.number("+15550003"), "absent phone_number leaves it")
        #expect(directory.number(account: acme, number: Fixture.number("+15550003"))?.agentName == "Front desk")
        let cleared = try directory.putAgent(Fixture.agent("a1", name: "Front desk"), phone: .unassign)
        #expect(cleared.releasedNumber == Fixture.number("+15550003"))
        #expect(directory.inboundOutcome("+15550003") == "unassigned")
        #expect(directory.invariantViolations() == [])
    }

    @Test func putAgent_refusals_changeNothing() throws {
        let directory = try Fixture.directory()
        try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        expectRefused(.providerMismatch, directory) { try directory.putAgent(Fixture.agent("a1", provider: .vapi)) }
        expectRefused(.providerMismatch, directory) { try directory.putAgent(Fixture.agent("a2"), phone: .assign(Fixture.number("+15550009"))) }
        expectRefused(.numberInactive, directory) { try directory.putAgent(Fixture.agent("a2"), phone: .assign(Fixture.number("+15550004"))) }
        expectRefused(.unknownNumber, directory) { try directory.putAgent(Fixture.agent("a2"), phone: .assign(Fixture.number("+15559999"))) }
        expectRefused(.unknownAccount, directory) { try directory.putAgent(Fixture.agent("x", account: "nobody")) }
        expectRefused(.invalidField, directory) { try directory.putAgent(Fixture.agent("a2", name: "")) }
        expectRefused(.invalidField, directory) {
            var spec = Fixture.agent("a2")
            spec.providerAgentID = "has space"
            try directory.putAgent(spec)
        }
        // Changing provider together with a number of the new provider is allowed.
        try directory.putAgent(Fixture.agent("a1", provider: .vapi), phone: .assign(Fixture.number("+15550009")))
        #expect(directory.inboundOutcome("+15550009", provider: .vapi) == "routed:a1")
        #expect(directory.inboundOutcome("+15550001") == "unassigned")
    }

    @Test func deleteAgent_returnsItsNumberToThePool() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        #expect(try directory.deleteAgent(account: acme, id: Fixture.id("a1")) == Fixture.number("+15550001"))
        #expect(directory.inboundOutcome("+15550001") == "unassigned")
        #expect(directory.agent(account: acme, id: Fixture.id("a1")) == nil)
        expectRefused(.unknownAgent, directory) { try directory.deleteAgent(account: acme, id: Fixture.id("a1")) }
    }

    // Rule 6: inbound.

    @Test func inbound_eachRefusalReason() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        #expect(directory.inboundOutcome("+15550001") == "routed:a1")
        #expect(directory.inboundOutcome("+15557777") == "unknown_number")
        #expect(directory.inboundOutcome("+15559999") == "unknown_number", "another account's number")
        #expect(directory.inboundOutcome("+15550001", provider: .vapi) == "unknown_number", "arrived through another provider")
        #expect(directory.inboundOutcome("+15550004") == "number_inactive")
        #expect(directory.inboundOutcome("+15550002") == "unassigned")
        try directory.putAgent(Fixture.agent("a1", status: .inactive))
        #expect(directory.inboundOutcome("+15550001") == "agent_inactive")
        try directory.putAgent(Fixture.agent("a1", status: .active))
        #expect(directory.inboundOutcome("+15550001") == "routed:a1")
    }

    // Rule 7 and 8: outbound caller ID.

    @Test func callerID_eachSourceInOrder() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        #expect(directory.callerIDOutcome("a1") == "no_caller_id")
        try directory.putProvider(ProviderConnection(account: acme, provider: .retell, apiKey: "key_1234", defaultCallerID: Fixture.number("+15550003")))
        #expect(directory.callerIDOutcome("a1") == "default:+15550003")
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        #expect(directory.callerIDOutcome("a1") == "assigned:+15550001")
        #expect(directory.callerIDOutcome("a1", explicit: "+15550002") == "explicit:+15550002")
        #expect(directory.callerIDOutcome("a2", explicit: "+15550002") == "explicit:+15550002", "an agent without a number can call out")
        #expect(directory.callerIDOutcome("v1") == "no_caller_id", "the retell default is not the vapi default")
    }

    @Test func callerID_explicitRefusals() throws {
        let directory = try Fixture.directory()
        #expect(directory.callerIDOutcome("a1", explicit: "+15550009") == "provider_mismatch")
        #expect(directory.callerIDOutcome("a1", explicit: "+15550004") == "number_inactive")
        #expect(directory.callerIDOutcome("a1", explicit: "+15559999") == "unknown_number")
        #expect(directory.callerIDOutcome("a1", explicit: "+15557777") == "unknown_number")
        #expect(directory.callerIDOutcome("nobody") == "unknown_agent")
        #expect(directory.callerIDOutcome("nobody", explicit: "+15550001") == "unknown_agent")
    }

    @Test func deleteProvider_removesTheDefault() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        try directory.putProvider(ProviderConnection(account: acme, provider: .retell, apiKey: "key_1234", defaultCallerID: Fixture.number("+15550003")))
        try directory.deleteProvider(account: acme, provider: .retell)
        #expect(directory.callerIDOutcome("a1") == "no_caller_id")
        expectRefused(.unknownProvider, directory) { try directory.deleteProvider(account: acme, provider: .retell) }
    }

    // Accounts, connections, numbers.

    @Test func accountsAndConnections_refusals() throws {
        let directory = try Fixture.directory()
        let acme = Fixture.id("acme")
        expectRefused(.accountExists, directory) { _ = try directory.createAccount(id: acme, name: "Again") }
        expectRefused(.invalidField, directory) { _ = try directory.createAccount(id: Fixture.id("new"), name: "bad\u{7}name") }
        expectRefused(.invalidField, directory) { _ = try directory.createAccount(id: Fixture.id("new"), name: "New", tokenSHA256: "xyz") }
        expectRefused(.invalidField, directory) { try directory.putProvider(ProviderConnection(account: acme, provider: .vapi, apiKey: "")) }
        expectRefused(.invalidField, directory) {
            try directory.putProvider(ProviderConnection(account: acme, provider: .vapi, apiKey: "k", baseURL: "ftp://x"))
        }
        expectRefused(.unknownAccount, directory) {
            try directory.putProvider(ProviderConnection(account: Fixture.id("nobody"), provider: .vapi, apiKey: "k"))
        }
        #expect(throws: DirectoryError.self) { try Identifier("-starts-with-dash") }
        #expect(throws: DirectoryError.self) { try Identifier(String(repeating: "a", count: 65)) }
        #expect(throws: DirectoryError.self) { try Identifier("with/slash") }
    }

    @Test func putNumber_refusals() throws {
        let directory = try Fixture.directory()
        try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        expectRefused(.numberTaken, directory) { try directory.putNumber(Fixture.numberSpec("+15550002")) }
        expectRefused(.numberTaken, directory) { try directory.putNumber(Fixture.numberSpec("+15559999")) }
        expectRefused(.agentHasNumber, directory) { try directory.putNumber(Fixture.numberSpec("+15550005", agent: "a1")) }
        expectRefused(.providerMismatch, directory) { try directory.putNumber(Fixture.numberSpec("+15550005", provider: .vapi, agent: "a2")) }
        expectRefused(.numberInactive, directory) { try directory.putNumber(Fixture.numberSpec("+15550005", status: .inactive, agent: "a2")) }
        expectRefused(.unknownAgent, directory) { try directory.putNumber(Fixture.numberSpec("+15550005", agent: "zz")) }
        expectRefused(.unknownAccount, directory) { try directory.putNumber(Fixture.numberSpec("+15550005", account: "nobody")) }
    }

    // Durability hook: a journal that refuses makes the change not happen.

    @Test func journalFailure_changesNothing() throws {
        final class RefusingJournal: ChangeJournal {
            struct Refused: Error {}
            func append(_ change: Change) throws -> UInt64 { throw Refused() }
            func waitDurable(_ ticket: UInt64) throws {}
        }
        let seeded = try Fixture.directory()
        let directory = try Directory.load(seeded.image(), journal: RefusingJournal())
        let before = directory.image()
        #expect(throws: RefusingJournal.Refused.self) {
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        }
        #expect(throws: RefusingJournal.Refused.self) {
            _ = try directory.sync(account: Fixture.id("acme"), provider: .retell, listing: [], at: Timestamp(milliseconds: 1))
        }
        #expect(directory.image() == before)
        #expect(directory.inboundOutcome("+15550001") == "unassigned")
    }

    // Images.

    @Test func image_loadRoundTrips() throws {
        let directory = try Fixture.directory()
        try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        _ = try directory.sync(
            account: Fixture.id("acme"), provider: .vapi, listing: [ListedNumber(number: Fixture.number("+15550009"), providerNumberID: "uuid-9")],
            at: Timestamp(milliseconds: 1_700_000_000_000)
        )
        let image = directory.image()
        let loaded = try Directory.load(image)
        #expect(loaded.image() == image)
        #expect(loaded.inboundOutcome("+15550001") == "routed:a1")
        #expect(loaded.invariantViolations() == [])
    }

    @Test func load_namesTheBadRecord() throws {
        var image = try Fixture.directory().image()
        image.numbers.append(NumberImage(spec: Fixture.numberSpec("+15550001"), lastSyncedAt: nil))
        #expect(throws: ImageError.self) { try Directory.load(image) }
        do {
            _ = try Directory.load(image)
        } catch {
            #expect(error.recordIndex == image.accounts.count + image.connections.count + image.agents.count + image.numbers.count - 1)
            #expect(error.error.code == .numberTaken)
        }
    }
}
