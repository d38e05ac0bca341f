import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardStore

#if canImport(Glibc)
import Glibc
#endif

/// A child process performing acknowledged writes is killed with SIGKILL at random moments, many
/// rounds; after each restart every acknowledged write is there and the index is sound.
@Suite struct CrashTests {
    /// The `StoreCrashWriter` executable, built beside the test bundle.
    static var writerPath: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidate = bundle.appendingPathComponent("StoreCrashWriter").path
        if !FileManager.default.isExecutableFile(atPath: candidate) {
            // `swift test` may run the bundle from inside an .xctest directory.
            candidate = bundle.deletingLastPathComponent().appendingPathComponent("StoreCrashWriter").path
        }
        return candidate
    }

    @Test func sigkillDuringWrites_losesNoAcknowledgedWrite() throws {
        let temp = TemporaryDirectory("crash")
        defer { temp.remove() }
        #expect(FileManager.default.isExecutableFile(atPath: CrashTests.writerPath), "\(CrashTests.writerPath)")
        var acknowledged = Set<Int>()
        var next = 0
        var random = SystemRandomNumberGenerator()
        let rounds = 12
        for round in 0..<rounds {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CrashTests.writerPath)
            process.arguments = [temp.path, String(next), "4"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            // Let it write for a random while (bounded), then kill it without warning.
            usleep(UInt32.random(in: 30_000...250_000, using: &random))
            // On a slow machine the random whiles may all end before the journal reaches the
            // compaction threshold; the last rounds then wait (bounded) for a snapshot, so the
            // test always covers recovery after compaction, whatever the fsync speed.
            if round >= rounds - 3 {
                let deadline = Date().addingTimeInterval(10)
                while !temp.files().contains(where: { $0.hasSuffix(".snap") }) && Date() < deadline { usleep(10_000) }
                usleep(UInt32.random(in: 0...50_000, using: &random))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            var highest = next
            for line in output.split(separator: "\n") where line.hasPrefix("ack ") {
                if let n = Int(line.dropFirst(4)) {
                    acknowledged.insert(n)
                    highest = max(highest, n)
                }
            }
            next = highest + 100  // fresh numbers for the next round

            let (store, report) = try Store.open(at: temp.path)
            let directory = store.directory
            let acme = try Identifier("acme")
            var missing: [Int] = []
            for n in acknowledged {
                let number = E164(key: 1_555_000_0000 + UInt64(n))!
                if directory.number(account: acme, number: number)?.agentID?.value != "w\(n)" { missing.append(n) }
            }
            #expect(missing.isEmpty, "round \(round): acknowledged writes lost: \(missing.sorted().prefix(10)) (\(report))")
            #expect(directory.invariantViolations() == [], "round \(round)")
            // The recovered state equals a replay of everything from an empty directory through the
            // same files, and survives a reopen unchanged.
            let image = directory.image()
            try store.close()
            let (again, againReport) = try Store.read(at: temp.path)
            #expect(again.image() == image, "round \(round)")
            #expect(againReport.tail == nil, "the torn tail was cut on the first open")
        }
        #expect(acknowledged.count > rounds, "the child made progress")
        #expect(temp.files().contains { $0.hasSuffix(".snap") }, "the child compacted between kills")
    }
}
