import Foundation
import Synchronization
import SwitchboardStore
import Testing

@Suite struct JournalWriterTests {
    @Test func appendAndWaitDurable_readsBackInOrder() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            let writer = try JournalWriter(path: path, create: true)
            var tickets: [UInt64] = []
            for index in 0..<10 { tickets.append(try writer.append(payload(index))) }
            #expect(tickets == Array(1...10))
            try writer.waitDurable(10)
            #expect(writer.durableCount == 10)
            let scan = try JournalReader.scan(path: path)
            #expect(scan.records == (0..<10).map(payload))
            #expect(scan.damage == nil)
            #expect(writer.fileSize == scan.fileLength)
            #expect(writer.bytesWritten == scan.fileLength - JournalFormat.headerSize)
            try writer.close()
        }
    }

    @Test func create_writesAValidEmptyJournal() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            let writer = try JournalWriter(path: path, create: true)
            let scan = try JournalReader.scan(path: path)
            #expect(scan.records.isEmpty)
            #expect(scan.validLength == JournalFormat.headerSize)
            #expect(scan.damage == nil)
            try writer.close()
        }
    }

    @Test func create_existingFile_throwsWithoutTouchingIt() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            try AtomicFile.write([1, 2, 3], to: path)
            #expect(throws: SystemError.self) { try JournalWriter(path: path, create: true) }
            #expect(try DurableFile.readAll(path: path) == [1, 2, 3])
        }
    }

    @Test func concurrentAppends_allLandInTicketOrderAndShareFsyncs() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            // A sync takes at least 1 ms, like a real disk, so the test does not depend
            // on how fast fsync is on the machine running it (tmpfs: microseconds).
            let writer = try JournalWriter(
                path: path, create: true,
                faults: JournalFaults(beforeSync: { Thread.sleep(forTimeInterval: 0.001) }))
            // Appends happen under a caller lock, as in the store; the payload each
            // ticket carried is recorded to check the journal order is ticket order.
            let callerLock = Mutex<[UInt64: [UInt8]]>([:])
            let threads = 16
            let appendsPerThread = 200
            let group = DispatchGroup()
            let failures = Atomic<Int>(0)
            for thread in 0..<threads {
                group.enter()
                Thread {
                    defer { group.leave() }
                    do {
                        for index in 0..<appendsPerThread {
                            let bytes = [UInt8(thread)] + withUnsafeBytes(of: UInt32(index).littleEndian, Array.init)
                            let ticket = try callerLock.withLock { map in
                                let ticket = try writer.append(bytes)
                                map[ticket] = bytes
                                return ticket
                            }
                            try writer.waitDurable(ticket)
                        }
                    } catch {
                        failures.add(1, ordering: .relaxed)
                    }
                }.start()
            }
            group.wait()
            try writer.close()
            #expect(failures.load(ordering: .relaxed) == 0)

            let records = try JournalReader.scan(path: path).records
            let total = threads * appendsPerThread
            #expect(records.count == total)
            let byTicket = callerLock.withLock { $0 }
            for (index, record) in records.enumerated() {
                #expect(record == byTicket[UInt64(index + 1)], "ticket \(index + 1)")
            }
            // Each thread's own appends appear in the order it made them.
            var next = [UInt32](repeating: 0, count: threads)
            for record in records {
                let thread = Int(record[0])
                let index = record[1...].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                #expect(UInt32(littleEndian: index) == next[thread])
                next[thread] += 1
            }
            #expect(writer.fsyncCount < total / 2, "group commit shared fsyncs: \(writer.fsyncCount) for \(total)")
        }
    }

    @Test func failedSync_failsWaitersAndLaterAppends() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            let switchBox = FaultSwitch()
            let writer = try JournalWriter(
                path: path, create: true,
                faults: JournalFaults(beforeSync: {
                    if switchBox.on.load(ordering: .relaxed) { throw SystemError(call: "fsync", errno: 5, path: path) }
                }))
            let first = try writer.append([1])
            try writer.waitDurable(first)

            switchBox.on.store(true, ordering: .relaxed)
            let second = try writer.append([2])
            #expect(throws: SystemError(call: "fsync", errno: 5, path: path)) { try writer.waitDurable(second) }

            // Permanent: turning the fault off does not bring the writer back.
            switchBox.on.store(false, ordering: .relaxed)
            #expect(throws: SystemError.self) { try writer.append([3]) }
            #expect(throws: SystemError.self) { try writer.flush() }
            #expect(throws: SystemError.self) { try writer.rotate(toNewFileAt: directory + "/journal.2") }
            try writer.waitDurable(first)  // what was durable before the failure stays so
            #expect(throws: SystemError.self) { try writer.close() }
        }
    }

    @Test func whenDurable_runsAfterTheSyncThatCoversIt_inTicketOrder() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            // The flusher's syncs wait for the test's go, so the callbacks are surely registered
            // before the sync that covers them, and none can run before it.
            let gate = Gate()
            let writer = try JournalWriter(path: path, create: true, faults: JournalFaults(beforeSync: { gate.waitOpen() }))
            let seen = Mutex<[(ticket: UInt64, durable: UInt64, error: Bool)]>([])
            let tickets = try (0..<20).map { try writer.append(payload($0)) }
            // Registered newest first: they still run oldest first.
            for ticket in tickets.reversed() {
                writer.whenDurable(ticket) { error in
                    let durable = writer.durableCount
                    seen.withLock { $0.append((ticket, durable, error != nil)) }
                }
            }
            Thread.sleep(forTimeInterval: 0.05)
            #expect(seen.withLock { $0.isEmpty }, "nothing is told before the sync")
            gate.open()
            try writer.flush()
            // The flusher tells the callbacks right after it wakes the waiters: give it a moment.
            for _ in 0..<2000 where seen.withLock({ $0.count }) < tickets.count { usleep(1000) }
            let calls = seen.withLock { $0 }
            #expect(calls.map(\.ticket) == tickets)
            #expect(calls.allSatisfy { $0.durable >= $0.ticket && !$0.error })

            // Registered after its sync: told at once, on the calling thread.
            let told = Mutex<Bool>(false)
            writer.whenDurable(tickets[0]) { error in told.withLock { $0 = error == nil } }
            #expect(told.withLock { $0 })
            try writer.close()
        }
    }

    @Test func whenDurable_afterAFailedSync_isToldTheFailure_andNeverSuccess() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            let switchBox = FaultSwitch()
            let gate = Gate()
            let writer = try JournalWriter(
                path: path, create: true,
                faults: JournalFaults(beforeSync: {
                    gate.waitOpen()
                    if switchBox.on.load(ordering: .relaxed) { throw SystemError(call: "fsync", errno: 5, path: path) }
                }))
            switchBox.on.store(true, ordering: .relaxed)
            let errors = Mutex<[String]>([])
            let ticket = try writer.append([1])
            writer.whenDurable(ticket) { error in errors.withLock { $0.append(error.map { "\($0)" } ?? "durable") } }
            gate.open()
            #expect(throws: SystemError.self) { try writer.waitDurable(ticket) }
            // A later registration of the same ticket: the failure, at once.
            writer.whenDurable(ticket) { error in errors.withLock { $0.append(error.map { "\($0)" } ?? "durable") } }
            // The flusher tells the first callback as it exits, after it woke the waiters.
            for _ in 0..<2000 where errors.withLock({ $0.count }) < 2 { usleep(1000) }
            let failure = "\(SystemError(call: "fsync", errno: 5, path: path))"
            #expect(errors.withLock { $0 } == [failure, failure])
            #expect(throws: SystemError.self) { try writer.close() }
        }
    }

    @Test func tornWrite_failsTheWriterAndLeavesATornTail() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            let switchBox = FaultSwitch()
            let writer = try JournalWriter(
                path: path, create: true,
                faults: JournalFaults(beforeWrite: { bytes in
                    switchBox.on.load(ordering: .relaxed) ? bytes / 2 : nil
                }))
            try writer.waitDurable(try writer.append([1, 1, 1]))
            switchBox.on.store(true, ordering: .relaxed)
            let torn = try writer.append([UInt8](repeating: 2, count: 40))
            #expect(throws: SystemError.self) { try writer.waitDurable(torn) }
            try? writer.close()

            let scan = try JournalReader.scan(path: path)
            #expect(scan.records == [[1, 1, 1]])
            #expect(scan.damage?.droppedBytes == 24)
        }
    }

    @Test func rotate_movesLaterAppendsToTheNewFile() throws {
        try withDirectory { directory in
            let oldPath = directory + "/journal.1"
            let newPath = directory + "/journal.2"
            let writer = try JournalWriter(path: oldPath, create: true)
            _ = try writer.append([1])
            _ = try writer.append([2])  // not waited for: rotate makes it durable
            try writer.rotate(toNewFileAt: newPath)
            #expect(writer.durableCount == 2)
            #expect(writer.path == newPath)
            #expect(writer.fileSize == JournalFormat.headerSize)
            let third = try writer.append([3])
            #expect(third == 3)
            try writer.waitDurable(third)
            try writer.close()

            #expect(try JournalReader.scan(path: oldPath).records == [[1], [2]])
            #expect(try JournalReader.scan(path: newPath).records == [[3]])
        }
    }

    @Test func rotate_toExistingPath_throwsAndKeepsAppendingToTheOldFile() throws {
        try withDirectory { directory in
            let oldPath = directory + "/journal.1"
            let taken = directory + "/journal.2"
            try AtomicFile.write([7], to: taken)
            let writer = try JournalWriter(path: oldPath, create: true)
            _ = try writer.append([1])
            #expect(throws: SystemError.self) { try writer.rotate(toNewFileAt: taken) }
            try writer.waitDurable(try writer.append([2]))
            try writer.close()
            #expect(writer.path == oldPath)
            #expect(try JournalReader.scan(path: oldPath).records == [[1], [2]])
            #expect(try DurableFile.readAll(path: taken) == [7])
        }
    }

    @Test func reopen_continuesAfterTheExistingFrames() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            let first = try JournalWriter(path: path, create: true)
            for index in 0..<3 { _ = try first.append(payload(index)) }
            try first.close()

            let second = try JournalWriter(path: path, create: false)
            #expect(second.fileSize == (try JournalReader.scan(path: path).fileLength))
            for index in 3..<5 { _ = try second.append(payload(index)) }
            try second.flush()
            try second.close()
            #expect(try JournalReader.scan(path: path).records == (0..<5).map(payload))
        }
    }

    @Test func reopen_afterCuttingATornTail_appendsAfterTheGoodFrames() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            let writer = try JournalWriter(path: path, create: true)
            try writer.waitDurable(try writer.append([1]))
            try writer.close()
            let file = try DurableFile(path: path, mode: .append)
            try file.write(all: [5, 0, 0, 0, 9])  // a torn frame
            try file.close()

            let damaged = try JournalReader.scan(path: path)
            #expect(damaged.damage != nil)
            try JournalReader.cut(path: path, at: damaged.validLength)
            let reopened = try JournalWriter(path: path, create: false)
            try reopened.waitDurable(try reopened.append([2]))
            try reopened.close()
            let scan = try JournalReader.scan(path: path)
            #expect(scan.records == [[1], [2]])
            #expect(scan.damage == nil)
        }
    }

    @Test func reopen_tornHeader_rewritesTheHeader() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            try AtomicFile.write(Array(JournalFormat.encodeHeader()[..<5]), to: path)
            let writer = try JournalWriter(path: path, create: false)
            try writer.waitDurable(try writer.append([4, 2]))
            try writer.close()
            let scan = try JournalReader.scan(path: path)
            #expect(scan.records == [[4, 2]])
            #expect(scan.damage == nil)
        }
    }

    @Test func reopen_notAJournal_throws() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            try AtomicFile.write(Array("definitely not a journal".utf8), to: path)
            #expect(throws: JournalCorruption.self) { try JournalWriter(path: path, create: false) }
        }
    }

    @Test func close_makesLaterAppendsThrow() throws {
        try withDirectory { directory in
            let writer = try JournalWriter(path: directory + "/journal", create: true)
            _ = try writer.append([1])
            try writer.close()
            try writer.close()  // twice is fine
            #expect(writer.durableCount == 1, "close flushes")
            #expect(throws: JournalWriterError.closed(path: directory + "/journal")) { try writer.append([2]) }
        }
    }

    @Test func append_payloadOverLimit_throws() throws {
        try withDirectory { directory in
            let writer = try JournalWriter(path: directory + "/journal", create: true)
            let tooBig = [UInt8](repeating: 0, count: JournalFormat.maxPayloadLength + 1)
            #expect(throws: JournalWriterError.payloadTooLarge(tooBig.count)) { try writer.append(tooBig) }
            try writer.close()
        }
    }

    @Test func flush_withNothingAppended_returns() throws {
        try withDirectory { directory in
            let writer = try JournalWriter(path: directory + "/journal", create: true)
            try writer.flush()
            #expect(writer.fsyncCount == 0)
            try writer.close()
        }
    }

    @Test func commitWindow_aLoneChangeWaitsForCompany_andTheyShareOneSync() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            let writer = try JournalWriter(path: path, create: true, commitWindow: .milliseconds(400))
            _ = try writer.append(payload(0))
            Thread.sleep(forTimeInterval: 0.04)  // the flusher is holding change 1 back (the first probe)
            #expect(writer.durableCount == 0, "the lone change waits for company")
            _ = try writer.append(payload(1))
            try writer.waitDurable(2)
            #expect(writer.fsyncCount == 1, "without the window, change 1 has its own sync 40 ms before change 2")
            #expect(writer.gatherCounts.waits == 1 && writer.gatherCounts.gathered == 1)
            #expect(try JournalReader.scan(path: path).records == [payload(0), payload(1)])
            try writer.close()
        }
    }

    @Test func commitWindow_aCallerWritingOneAtATime_isHeldBackOnlyByProbes() throws {
        try withDirectory { directory in
            let writer = try JournalWriter(path: directory + "/journal", create: true, commitWindow: .milliseconds(100))
            let start = ContinuousClock.now
            for index in 0..<48 {
                let ticket = try writer.append(payload(index))
                try writer.waitDurable(ticket)
            }
            let elapsed = ContinuousClock.now - start
            // Probes at the 1st, 17th and 33rd change: three windows, not 48.
            #expect(writer.gatherCounts.waits == 3)
            #expect(writer.gatherCounts.gathered == 0)
            #expect(writer.fsyncCount == 48)
            #expect(elapsed < .seconds(2), "48 windows would be 4.8 s")
            try writer.close()
        }
    }

    @Test func commitWindow_closeDuringAWait_syncsAtOnce() throws {
        try withDirectory { directory in
            let path = directory + "/journal"
            let writer = try JournalWriter(path: path, create: true, commitWindow: .seconds(30))
            _ = try writer.append(payload(7))
            Thread.sleep(forTimeInterval: 0.03)
            #expect(writer.gatherCounts.waits == 1)
            let start = ContinuousClock.now
            try writer.close()
            #expect(ContinuousClock.now - start < .seconds(5), "close must not wait out a 30 s window")
            #expect(writer.durableCount == 1)
            #expect(try JournalReader.scan(path: path).records == [payload(7)])
        }
    }

    @Test func commitWindow_rotateDuringAWait_keepsTheChangeInTheOldFile() throws {
        try withDirectory { directory in
            let writer = try JournalWriter(path: directory + "/journal-1", create: true, commitWindow: .seconds(30))
            _ = try writer.append(payload(1))
            Thread.sleep(forTimeInterval: 0.03)
            let start = ContinuousClock.now
            try writer.rotate(toNewFileAt: directory + "/journal-2")
            #expect(ContinuousClock.now - start < .seconds(5), "rotate must not wait out a 30 s window")
            _ = try writer.append(payload(2))
            try writer.close()
            #expect(try JournalReader.scan(path: directory + "/journal-1").records == [payload(1)])
            #expect(try JournalReader.scan(path: directory + "/journal-2").records == [payload(2)])
        }
    }

    // MARK: Helpers

    private func payload(_ index: Int) -> [UInt8] {
        Array("change-\(index)".utf8)
    }

    private func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("JournalWriterTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.path)
    }
}

/// Holds the flusher's syncs until the test opens it.
private final class Gate: Sendable {
    private let isOpen = Atomic<Bool>(false)
    func open() { isOpen.store(true, ordering: .releasing) }
    func waitOpen() { while !isOpen.load(ordering: .acquiring) { usleep(1000) } }
}

/// A fault toggled by the test while the flusher thread reads it.
private final class FaultSwitch: Sendable {
    let on = Atomic<Bool>(false)
}
