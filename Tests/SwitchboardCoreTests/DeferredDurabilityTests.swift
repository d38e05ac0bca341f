import Foundation
import Synchronization
import Testing

@testable import SwitchboardCore

/// `Directory.deferringDurability`: changes apply and show at once, but their observers and the
/// caller's acknowledgement wait for the journal to say they are durable, and never come if the
/// journal says they cannot be.
@Suite struct DeferredDurabilityTests {
    /// A journal whose durability the test drives: `whenDurable` callbacks wait for `complete`,
    /// `waitDurable` returns at once and is counted.
    final class HeldJournal: ChangeJournal, Sendable {
        struct Lost: Error {}
        private let state = Mutex<(next: UInt64, waits: Int, held: [(UInt64, @Sendable ((any Error)?) -> Void)])>((1, 0, []))

        func append(_ change: Change) throws -> UInt64 {
            state.withLock { state in
                defer { state.next += 1 }
                return state.next
            }
        }

        func waitDurable(_ ticket: UInt64) throws { state.withLock { $0.waits += 1 } }

        func whenDurable(_ ticket: UInt64, _ body: @escaping @Sendable ((any Error)?) -> Void) {
            state.withLock { $0.held.append((ticket, body)) }
        }

        var waits: Int { state.withLock { $0.waits } }
        var heldTickets: [UInt64] { state.withLock { $0.held.map(\.0) } }

        /// Tells every held callback `error` (nil: durable).
        func complete(_ error: (any Error)?) {
            let held = state.withLock { state in
                defer { state.held = [] }
                return state.held
            }
            for (_, body) in held { body(error) }
        }
    }

    final class Recorder: Sendable {
        let events = Mutex<[String]>([])
        func add(_ event: String) { events.withLock { $0.append(event) } }
        var all: [String] { events.withLock { $0 } }
    }

    static func describe(_ effect: ChangeEffect) -> String {
        switch effect {
        case .assignment(let result): "assigned \(result.number.number) to \(result.number.agentID?.value ?? "-")"
        case .unassignment(let result): "unassigned \(result.number.number)"
        default: "other"
        }
    }

    private func loaded(_ journal: HeldJournal) throws -> (Directory, Recorder) {
        let directory = try Directory.load(Fixture.directory().image(), journal: journal)
        let recorder = Recorder()
        directory.observe { _, effect in recorder.add(DeferredDurabilityTests.describe(effect)) }
        return (directory, recorder)
    }

    @Test func changesShowAtOnce_observersAndAcknowledgementWaitForTheDisk() throws {
        let journal = HeldJournal()
        let (directory, recorder) = try loaded(journal)
        let (_, pending) = try Directory.deferringDurability {
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
            try directory.unassign(account: Fixture.id("acme"), number: Fixture.number("+15550001"))
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550002"), agent: Fixture.id("a2"))
        }
        // Applied and visible to readers, nobody told, nothing waited for.
        #expect(directory.inboundOutcome("+15550002") == "routed:a2")
        #expect(recorder.all.isEmpty)
        #expect(journal.waits == 0)
        #expect(!pending.isEmpty)

        let acknowledged = Recorder()
        pending.whenDurable { error in acknowledged.add(error == nil ? "durable" : "lost") }
        #expect(journal.heldTickets == [3], "one wait, for the last change: it covers the others")
        #expect(acknowledged.all.isEmpty)

        journal.complete(nil)
        #expect(recorder.all == ["assigned +15550001 to a1", "unassigned +15550001", "assigned +15550002 to a2"])
        #expect(acknowledged.all == ["durable"])
    }

    @Test func changesThatCanNeverBeDurable_tellNoObserver_andTheCallerTheError() throws {
        let journal = HeldJournal()
        let (directory, recorder) = try loaded(journal)
        let (_, pending) = try Directory.deferringDurability {
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        }
        let acknowledged = Recorder()
        pending.whenDurable { error in acknowledged.add(error is HeldJournal.Lost ? "lost" : "other") }
        journal.complete(HeldJournal.Lost())
        #expect(recorder.all.isEmpty)
        #expect(acknowledged.all == ["lost"])
    }

    @Test func nothingChanged_answersAtOnce() throws {
        let journal = HeldJournal()
        let (directory, _) = try loaded(journal)
        let (refusal, pending) = Directory.deferringDurability {
            Result { try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550004"), agent: Fixture.id("a1")) }
        }
        #expect(throws: DirectoryError.self) { try refusal.get() }
        #expect(pending.isEmpty)
        let acknowledged = Recorder()
        pending.whenDurable { error in acknowledged.add(error == nil ? "now" : "error") }
        #expect(acknowledged.all == ["now"])
        #expect(journal.heldTickets.isEmpty)
    }

    @Test func outsideTheBody_andOnOtherThreads_changesStillWaitForTheDisk() throws {
        let journal = HeldJournal()
        let (directory, recorder) = try loaded(journal)
        let (_, pending) = try Directory.deferringDurability {
            try directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
            // Another thread started inside the body is not deferred: its change waits (and is
            // told) as usual.
            let done = DispatchSemaphore(value: 0)
            Thread {
                _ = try? directory.assign(account: Fixture.id("acme"), number: Fixture.number("+15550002"), agent: Fixture.id("a2"))
                done.signal()
            }.start()
            done.wait()
        }
        #expect(journal.waits == 1)
        #expect(recorder.all == ["assigned +15550002 to a2"])
        // After the body, this thread's changes wait again.
        try directory.unassign(account: Fixture.id("acme"), number: Fixture.number("+15550002"))
        #expect(journal.waits == 2)
        pending.whenDurable { _ in }
        journal.complete(nil)
        #expect(recorder.all == ["assigned +15550002 to a2", "unassigned +15550002", "assigned +15550001 to a1"])
    }
}
