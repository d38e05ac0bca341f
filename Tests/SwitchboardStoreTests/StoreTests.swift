import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardStore

@Suite struct StoreTests {
    @Test func reopen_restoresEveryAcknowledgedChange() throws {
        let temp = TemporaryDirectory()
        defer { temp.remove() }
        let (store, report) = try Store.open(at: temp.path)
        #expect(report.snapshot == nil && report.replayed == 0)
        try Sample.populate(store.directory)
        let expected = store.directory.image()
        try store.close()

        let (reopened, second) = try Store.open(at: temp.path)
        defer { try? reopened.close() }
        #expect(reopened.directory.image() == expected)
        #expect(second.replayed > 10)
        #expect(second.tail == nil)
        #expect(reopened.directory.invariantViolations() == [])
    }

    /// One writer per directory: a second open is refused with `.locked` (after its short retry,
    /// not forever), changes nothing, and succeeds once the first store is closed.
    @Test func secondOpen_isRefusedWhileTheFirstHoldsTheLock_thenSucceeds() throws {
        let temp = TemporaryDirectory()
        defer { temp.remove() }
        let (store, _) = try Store.open(at: temp.path)
        try Sample.populate(store.directory)
        let expected = store.directory.image()
        let started = ContinuousClock.now
        #expect {
            _ = try Store.open(at: temp.path)
        } throws: { error in
            (error as? StoreError)?.kind == .locked && "\(error)".contains("another switchboard process is using this data directory")
        }
        #expect(ContinuousClock.now - started < .seconds(5), "the refusal waits briefly, not forever")
        #expect(store.directory.image() == expected)
        try store.close()

        let (reopened, _) = try Store.open(at: temp.path)
        defer { try? reopened.close() }
        #expect(reopened.directory.image() == expected)
    }

    @Test func changeCodec_roundTripsEveryKind() throws {
        let plan = SyncPlan(
            added: [ListedNumber(number: Sample.number(1), providerNumberID: "x")], updated: [ListedNumber(number: Sample.number(2), providerNumberID: "y")],
            deactivated: [Sample.number(3)], conflicts: [Sample.number(4)]
        )
        let changes: [Change] = [
            .createAccount(Account(id: Sample.acme, name: "Acmé ✓", tokenSHA256: nil)),
            .putProvider(ProviderConnection(account: Sample.acme, provider: .bland, apiKey: "k", webhookSecret: nil, baseURL: "https://x.test", defaultCallerID: nil)),
            .deleteProvider(account: Sample.acme, provider: .vapi),
            .putAgent(Sample.agent("a"), phone: .keep), .putAgent(Sample.agent("a"), phone: .assign(Sample.number(15550001))),
            .putAgent(Sample.agent("a"), phone: .unassign), .deleteAgent(account: Sample.acme, id: try Identifier("a")),
            .assign(account: Sample.acme, number: Sample.number(15550001), agent: try Identifier("a")),
            .unassign(account: Sample.acme, number: Sample.number(15550001)),
            .putNumber(NumberSpec(account: Sample.acme, number: Sample.number(9), provider: .vapi, providerNumberID: "id", status: .inactive, agentID: nil), lastSyncedAt: Timestamp(milliseconds: 5)),
            .sync(account: Sample.acme, provider: .retell, plan: plan, at: Timestamp(milliseconds: 7)),
        ]
        for (seq, change) in changes.enumerated() {
            let bytes = ChangeCodec.encode(change, seq: UInt64(seq))
            let decoded = try bytes.withUnsafeBytes { try ChangeCodec.decode($0) }
            #expect(decoded.seq == UInt64(seq))
            #expect(decoded.change == change)
            // Every truncation is refused, never misread.
            for cut in 0..<bytes.count {
                #expect(throws: DecodingError.self) { try Array(bytes[0..<cut]).withUnsafeBytes { try ChangeCodec.decode($0) } }
            }
        }
    }

    @Test func snapshotCodec_roundTripsAndRefusesDamage() throws {
        let directory = Directory()
        try Sample.populate(directory)
        let image = directory.image()
        let bytes = SnapshotCodec.encode(image, lastSeq: 42)
        let decoded = try bytes.withUnsafeBytes { try SnapshotCodec.decode($0) }
        #expect(decoded.image == image && decoded.lastSeq == 42)
        for position in stride(from: 0, to: bytes.count, by: 7) {
            var damaged = bytes
            damaged[position] ^= 0x40
            #expect(throws: DecodingError.self) { try damaged.withUnsafeBytes { try SnapshotCodec.decode($0) } }
        }
    }

    @Test func tornLastRecord_isCutAndReported() throws {
        let temp = TemporaryDirectory()
        defer { temp.remove() }
        let (store, _) = try Store.open(at: temp.path)
        try Sample.populate(store.directory)
        let expected = store.directory.image()
        try store.directory.assign(account: Sample.acme, number: Sample.number(1_555_000_0001), agent: try Identifier("a0-2"))
        try store.close()
        let journal = temp.path + "/" + temp.journals().last!
        let size = try FileManager.default.attributesOfItem(atPath: journal)[.size] as! Int
        // Tear the last record (the assignment) at several points.
        for cut in [1, 5, 9, 20] {
            let copy = TemporaryDirectory("torn")
            defer { copy.remove() }
            for file in temp.files() where file != "LOCK" {
                try FileManager.default.copyItem(atPath: temp.path + "/" + file, toPath: copy.path + "/" + file)
            }
            let tornJournal = copy.path + "/" + temp.journals().last!
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tornJournal))
            try handle.truncate(atOffset: UInt64(size - cut))
            try handle.close()
            let (reopened, report) = try Store.open(at: copy.path)
            #expect(reopened.directory.image() == expected, "cut \(cut)")
            let tail = try #require(report.tail)
            #expect(tail.damage.droppedBytes > 0)
            #expect(report.description.contains("torn tail"))
            // The cut is permanent: appending continues from the good end.
            try reopened.directory.unassign(account: Sample.acme, number: Sample.number(1_555_000_0000))
            let after = reopened.directory.image()
            try reopened.close()
            let (third, thirdReport) = try Store.open(at: copy.path)
            #expect(third.directory.image() == after)
            #expect(thirdReport.tail == nil)
            try third.close()
        }
    }

    @Test func flippedByteInTheMiddle_isAClearError() throws {
        let temp = TemporaryDirectory()
        defer { temp.remove() }
        let (journal, bytes) = try temp.populatedStoreWithDamagedJournal { $0[$0.count / 2] ^= 0x01 }
        #expect {
            try Store.open(at: temp.path)
        } throws: { error in
            "\(error)".contains("middle") || "\(error)".contains("damaged")
        }
        // Nothing was cut: the file is as it was.
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: journal))) == bytes)
    }

    @Test func compaction_keepsStateAndLeavesOneSnapshotAndOneJournal() throws {
        let temp = TemporaryDirectory()
        defer { temp.remove() }
        let (store, _) = try Store.open(at: temp.path)
        try Sample.populate(store.directory, salt: 0)
        #expect(try store.compact())
        #expect(try !store.compact(), "nothing new to compact")
        try Sample.populate(store.directory, salt: 1)
        #expect(try store.compact())
        try Sample.populate(store.directory, salt: 2)
        let expected = store.directory.image()
        try store.close()
        #expect(temp.files().filter { $0.hasSuffix(".snap") }.count == 1)
        #expect(temp.journals().count == 1)
        let (reopened, report) = try Store.open(at: temp.path)
        defer { try? reopened.close() }
        #expect(reopened.directory.image() == expected)
        #expect(report.snapshot != nil)
    }

    /// A crash at any point of compaction recovers to the same state.
    @Test(arguments: ["rotated", "snapshotWritten", "partlyCleaned"] + AtomicWriteStep.allCases.map(\.rawValue))
    func crashDuringCompaction_recoversTheSameState(step: String) throws {
        struct Crash: Error {}
        let temp = TemporaryDirectory("compaction")
        defer { temp.remove() }
        var options = StoreOptions()
        if let compactionStep = CompactionStep(rawValue: step) {
            options.compactionHook = { current in if current == compactionStep { throw Crash() } }
        } else {
            options.snapshotFaults = .crash(at: AtomicWriteStep(rawValue: step)!)
        }
        do {
            let (store, _) = try Store.open(at: temp.path)
            try Sample.populate(store.directory, salt: 0)
            try store.compact()
            try Sample.populate(store.directory, salt: 1)
            try store.close()
        }
        let (store, _) = try Store.open(at: temp.path, options: options)
        try Sample.populate(store.directory, salt: 2)
        let expected = store.directory.image()
        #expect(throws: (any Error).self) { try store.compact() }
        try store.close()  // the crash leaves files as they are; closing only releases the lock

        let (reopened, _) = try Store.open(at: temp.path)
        #expect(reopened.directory.image() == expected, "after a crash at \(step)")
        try Sample.populate(reopened.directory, salt: 3)
        let later = reopened.directory.image()
        try reopened.compact()
        try reopened.close()
        let (final, _) = try Store.open(at: temp.path)
        defer { try? final.close() }
        #expect(final.directory.image() == later)
    }

    @Test func failedFsync_refusesTheWriteAndEveryLaterOne() throws {
        try checkJournalFailure(.fsync)
    }

    @Test func failedWrite_refusesTheWriteAndEveryLaterOne() throws {
        try checkJournalFailure(.write)
    }

    enum JournalFault { case write, fsync }

    /// A store whose journal starts failing on demand: what the failed write's caller, a later
    /// writer, the failure observer and the next start-up see.
    private func checkJournalFailure(_ fault: JournalFault) throws {
        let temp = TemporaryDirectory()
        defer { temp.remove() }
        do {
            let (store, _) = try Store.open(at: temp.path)
            try Sample.populate(store.directory)
            try store.close()
        }
        let failing = Locked(false)
        var options = StoreOptions()
        switch fault {
        case .fsync:
            options.journalFaults = JournalFaults(beforeSync: {
                if failing.withLock({ $0 }) { throw SystemError(call: "fdatasync", errno: EIO, path: "journal-under-test") }
            })
        case .write:
            // Write nothing of the batch, then fail with EIO (the writer's torn-write fault).
            options.journalFaults = JournalFaults(beforeWrite: { _ in failing.withLock { $0 } ? 0 : nil })
        }
        let (store, _) = try Store.open(at: temp.path, options: options)
        let told = Locked<[JournalFailure]>([])
        store.onJournalFailure { failure in told.withLock { $0.append(failure) } }
        let directory = store.directory
        let (first, second, third) = (Sample.number(1_555_000_0000), Sample.number(1_555_000_0002), Sample.number(1_555_000_0003))

        // Before the fault: acknowledged, and nobody is told anything.
        try directory.unassign(account: Sample.acme, number: third)
        #expect(told.withLock { $0 }.isEmpty)
        #expect(store.journalFailure == nil)

        failing.withLock { $0 = true }
        let failure = try #require(throws: JournalFailure.self) { try directory.unassign(account: Sample.acme, number: first) }
        #expect(failure.errno == EIO)
        #expect(failure.call == (fault == .fsync ? "fdatasync" : "write"))
        #expect(failure.description.contains("not acknowledged") && failure.description.contains("restart"))
        // The observer was told exactly this, once, before the caller got it.
        #expect(told.withLock { $0 } == [failure])
        #expect(store.journalFailure == failure)
        // The refused change is applied in memory all the same (readers saw it before the fsync
        // failed): that is why the owner must stop the process.
        #expect(directory.number(account: Sample.acme, number: first)?.agentID == nil)

        // Every later write is refused with the same failure and changes nothing.
        let later = try #require(throws: JournalFailure.self) { try directory.unassign(account: Sample.acme, number: second) }
        #expect(later == failure)
        #expect(directory.number(account: Sample.acme, number: second)?.agentID?.value == "a0-2")
        #expect(throws: JournalFailure.self) { try directory.putAgent(Sample.agent("late")) }
        #expect(directory.agent(account: Sample.acme, id: try Identifier("late")) == nil)
        #expect(told.withLock { $0 } == [failure], "told once")

        // An observer installed after the failure is told at once.
        let lateObserver = Locked<[JournalFailure]>([])
        store.onJournalFailure { failure in lateObserver.withLock { $0.append(failure) } }
        #expect(lateObserver.withLock { $0 } == [failure])
        #expect(throws: JournalFailure.self) { try store.close() }

        // The disk holds every acknowledged change; the failed one only if its bytes got there
        // (never for a failed write); the refused later ones never.
        let (reopened, _) = try Store.open(at: temp.path)
        defer { try? reopened.close() }
        #expect(reopened.directory.number(account: Sample.acme, number: third)?.agentID == nil)
        let firstAgent = reopened.directory.number(account: Sample.acme, number: first)?.agentID?.value
        if fault == .write { #expect(firstAgent == "a0-0") } else { #expect(firstAgent == "a0-0" || firstAgent == nil) }
        #expect(reopened.directory.number(account: Sample.acme, number: second)?.agentID?.value == "a0-2")
        #expect(reopened.directory.agent(account: Sample.acme, id: try Identifier("late")) == nil)
    }

    /// Snapshots and journals hold provider API keys: owner-only, like admin-token, whether the
    /// router made them (open, compaction) or an import did (seed).
    @Test func snapshotsAndJournals_areCreatedOwnerOnly() throws {
        let temp = TemporaryDirectory("modes")
        defer { temp.remove() }
        let (store, _) = try Store.open(at: temp.path)
        try Sample.populate(store.directory, salt: 0)
        #expect(try store.compact())
        try Sample.populate(store.directory, salt: 1)
        try store.close()
        let seeded = TemporaryDirectory("modes-seed")
        defer { seeded.remove() }
        let directory = Directory()
        try Sample.populate(directory)
        try Store.seed(at: seeded.path + "/data", with: directory)

        var checked: [String] = []
        for (path, files) in [(temp.path, temp.files()), (seeded.path + "/data", (try? FileManager.default.contentsOfDirectory(atPath: seeded.path + "/data")) ?? [])] {
            for file in files where file.hasSuffix(".snap") || file.hasPrefix("journal-") {
                let mode = try #require(try FileManager.default.attributesOfItem(atPath: path + "/" + file)[.posixPermissions] as? Int)
                #expect(mode & 0o777 == 0o600, "\(file): \(String(mode & 0o777, radix: 8))")
                checked.append(file)
            }
        }
        #expect(checked.filter { $0.hasSuffix(".snap") }.count == 2, "\(checked)")
        #expect(checked.filter { $0.hasPrefix("journal-") }.count >= 2, "\(checked)")
    }

    @Test func manyWriters_shareFsyncs() throws {
        let temp = TemporaryDirectory()
        defer { temp.remove() }
        let (store, _) = try Store.open(at: temp.path)
        _ = try store.directory.createAccount(id: Sample.acme, name: "Acme")
        let group = DispatchGroup()
        for thread in 0..<16 {
            group.enter()
            Thread.detachNewThread {
                for index in 0..<50 {
                    try! store.directory.putAgent(Sample.agent("t\(thread)-\(index)"))
                }
                group.leave()
            }
        }
        group.wait()
        let syncs = store.journal.fsyncCount
        #expect(syncs < 16 * 50, "\(syncs) fsyncs for 800 writes")
        try store.close()
        let (reopened, _) = try Store.open(at: temp.path)
        defer { try? reopened.close() }
        #expect(reopened.directory.index.agentCount == 800)
    }
}
