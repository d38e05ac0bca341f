import Foundation
import SwitchboardStore
import Testing

@Suite struct JournalReaderTests {
    /// Payloads of assorted sizes, including an empty one.
    private let payloads: [[UInt8]] = (0..<6).map { index in
        (0..<(index * 7)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
    }

    @Test func scan_emptyFile_isTornHeaderWithNoRecords() throws {
        try withJournal([]) { path in
            let scan = try JournalReader.scan(path: path)
            #expect(scan.records.isEmpty)
            #expect(scan.validLength == 0)
            #expect(scan.damage?.offset == 0)
            #expect(scan.damage?.droppedBytes == 0)
        }
    }

    @Test func scan_partialHeader_isTornHeaderWithNoRecords() throws {
        let header = JournalFormat.encodeHeader()
        for length in 1..<JournalFormat.headerSize {
            try withJournal(Array(header[..<length])) { path in
                let scan = try JournalReader.scan(path: path)
                #expect(scan.records.isEmpty)
                #expect(scan.validLength == 0)
                #expect(scan.damage == TailDamage(offset: 0, droppedBytes: length, reason: scan.damage!.reason))
            }
        }
    }

    @Test func scan_zeroedHeader_isTornHeader() throws {
        try withJournal([UInt8](repeating: 0, count: JournalFormat.headerSize)) { path in
            let scan = try JournalReader.scan(path: path)
            #expect(scan.records.isEmpty)
            #expect(scan.damage?.droppedBytes == JournalFormat.headerSize)
        }
    }

    @Test func scan_headerOnly_hasNoRecordsAndNoDamage() throws {
        try withJournal(JournalFormat.encodeHeader()) { path in
            let scan = try JournalReader.scan(path: path)
            #expect(scan.records.isEmpty)
            #expect(scan.validLength == JournalFormat.headerSize)
            #expect(scan.damage == nil)
        }
    }

    @Test func scan_frames_returnsPayloadsInOrder() throws {
        let bytes = journal(payloads)
        try withJournal(bytes) { path in
            let scan = try JournalReader.scan(path: path)
            #expect(scan.records == payloads)
            #expect(scan.validLength == bytes.count)
            #expect(scan.fileLength == bytes.count)
            #expect(scan.damage == nil)
        }
    }

    @Test func scan_tornLastFrame_dropsOnlyTheLastFrameAtEveryCut() throws {
        let complete = journal(payloads)
        let lastFrameStart = journal(Array(payloads.dropLast())).count
        for length in lastFrameStart...complete.count {
            try withJournal(Array(complete[..<length])) { path in
                let scan = try JournalReader.scan(path: path)
                if length == complete.count {
                    #expect(scan.records == payloads)
                    #expect(scan.damage == nil)
                } else if length == lastFrameStart {
                    #expect(scan.records == Array(payloads.dropLast()))
                    #expect(scan.damage == nil, "a cut exactly at a frame boundary is a clean end")
                } else {
                    #expect(scan.records == Array(payloads.dropLast()), "cut at \(length)")
                    #expect(scan.validLength == lastFrameStart)
                    #expect(scan.damage?.offset == lastFrameStart)
                    #expect(scan.damage?.droppedBytes == length - lastFrameStart)
                }
            }
        }
    }

    @Test func scan_tornFrame_reasonsNameTheProblem() throws {
        let complete = journal([[1, 2, 3, 4]])
        let header = JournalFormat.headerSize
        let cases: [(Int, String)] = [
            (header + 3, "incomplete frame header"),
            (header + 10, "length beyond end of file"),
        ]
        for (length, reason) in cases {
            let scan = try JournalReader.scan(bytes: Array(complete[..<length]))
            #expect(scan.damage?.reason.contains(reason) == true, "\(scan.damage?.reason ?? "nil")")
        }
        var flipped = complete
        flipped[complete.count - 1] ^= 0x01
        #expect(try JournalReader.scan(bytes: flipped).damage?.reason == "checksum mismatch")
    }

    @Test func scan_flippedByteInLastFrame_isTailDamage() throws {
        let complete = journal(payloads)
        let lastFrameStart = journal(Array(payloads.dropLast())).count
        for index in lastFrameStart..<complete.count {
            var bytes = complete
            bytes[index] ^= 0x40
            let scan = try JournalReader.scan(bytes: bytes)
            #expect(scan.records == Array(payloads.dropLast()), "flipped byte \(index)")
            #expect(scan.damage?.offset == lastFrameStart)
            #expect(scan.damage?.droppedBytes == complete.count - lastFrameStart)
        }
    }

    @Test func scan_flippedByteInMiddleFrame_throwsMidFileCorruption() throws {
        let complete = journal(payloads)
        let frameStart = journal(Array(payloads[..<3])).count
        let frameEnd = journal(Array(payloads[..<4])).count
        for index in frameStart..<frameEnd {
            var bytes = complete
            bytes[index] ^= 0x40
            #expect(throws: JournalCorruption.self, "flipped byte \(index)") {
                try JournalReader.scan(bytes: bytes)
            }
            do {
                _ = try JournalReader.scan(bytes: bytes)
            } catch let error as JournalCorruption {
                #expect(error.offset == frameStart)
                #expect(error.kind == .damagedMiddle(nextValidFrame: frameEnd))
            }
        }
    }

    @Test func scan_midFileCorruption_messageNamesPathOffsetAndRemedy() throws {
        var bytes = journal(payloads)
        let frameStart = journal(Array(payloads[..<2])).count
        bytes[frameStart + 9] ^= 0xFF
        try withJournal(bytes) { path in
            do {
                _ = try JournalReader.scan(path: path)
                Issue.record("expected JournalCorruption")
            } catch let error as JournalCorruption {
                let message = error.description
                #expect(message.contains(path))
                #expect(message.contains("offset \(frameStart)"))
                #expect(message.contains("damaged in the middle"))
                #expect(message.contains("backup"))
                // What to do, not a pointer to a command that prints this same message.
                #expect(!message.contains("snapshot verify"))
                #expect(message.contains("truncate -s \(frameStart) \(path)"))
            }
        }
    }

    @Test func scan_zeroGarbageAfterFrames_isTailDamage() throws {
        let good = journal(payloads)
        let bytes = good + [UInt8](repeating: 0, count: 4096)
        let scan = try JournalReader.scan(bytes: bytes)
        #expect(scan.records == payloads)
        #expect(scan.damage == TailDamage(offset: good.count, droppedBytes: 4096, reason: "checksum mismatch"))
    }

    @Test func scan_randomGarbageAfterFrames_isTailDamage() throws {
        let good = journal(payloads)
        var generator = SplitMix64(seed: 42)
        let garbage = (0..<10_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let scan = try JournalReader.scan(bytes: good + garbage)
        #expect(scan.records == payloads)
        #expect(scan.validLength == good.count)
        #expect(scan.damage?.droppedBytes == garbage.count)
    }

    @Test func scan_lengthOverLimit_isTailDamageWhenNothingFollows() throws {
        var bytes = journal(payloads)
        let good = bytes.count
        bytes += [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0, 1, 2, 3]
        let scan = try JournalReader.scan(bytes: bytes)
        #expect(scan.validLength == good)
        #expect(scan.damage?.reason.contains("limit") == true)
    }

    @Test func scan_badMagic_throwsNotAJournal() throws {
        var bytes = journal(payloads)
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: JournalCorruption.self) { try JournalReader.scan(bytes: bytes) }
        #expect(kind(of: bytes) == .notAJournal)
    }

    @Test func scan_badHeaderChecksum_throwsNotAJournal() throws {
        var bytes = journal(payloads)
        bytes[13] ^= 0x01
        #expect(kind(of: bytes) == .notAJournal)
    }

    @Test func scan_unsupportedVersion_throws() throws {
        let frames = journal(payloads).dropFirst(JournalFormat.headerSize)
        let bytes = JournalFormat.encodeHeader(version: 2) + Array(frames)
        #expect(kind(of: bytes) == .unsupportedVersion(2))
    }

    @Test func scan_shortFileThatIsNotAHeader_throws() throws {
        #expect(kind(of: Array("hello".utf8)) == .notAJournal)
    }

    @Test func scan_missingFile_throwsSystemError() throws {
        #expect(throws: SystemError.self) {
            try JournalReader.scan(path: "/nonexistent-\(UInt64.random(in: 0 ... .max))/journal")
        }
    }

    @Test func scanWithBody_deliversTheSamePayloads() throws {
        var bytes = journal(payloads)
        bytes += [1, 2, 3]
        try withJournal(bytes) { path in
            var seen: [[UInt8]] = []
            let summary = try JournalReader.scan(path: path) { seen.append(Array($0)) }
            let scan = try JournalReader.scan(path: path)
            #expect(seen == scan.records)
            #expect(summary.recordCount == payloads.count)
            #expect(summary.validLength == scan.validLength)
            #expect(summary.damage == scan.damage)
        }
    }

    @Test func scanWithBody_deliversNothingWhenCorruptInTheMiddle() throws {
        var bytes = journal(payloads)
        bytes[journal(Array(payloads[..<2])).count + 8] ^= 0x01
        var delivered = 0
        #expect(throws: JournalCorruption.self) {
            try bytes.withUnsafeBytes { buffer in
                _ = try JournalReader.scan(bytes: buffer, path: "memory") { _ in delivered += 1 }
            }
        }
        #expect(delivered == 0)
    }

    @Test func cut_atValidLength_leavesACleanJournal() throws {
        let good = journal(payloads)
        try withJournal(good + [9, 9, 9, 9, 9]) { path in
            let damaged = try JournalReader.scan(path: path)
            try JournalReader.cut(path: path, at: damaged.validLength)
            let scan = try JournalReader.scan(path: path)
            #expect(scan.records == payloads)
            #expect(scan.damage == nil)
            #expect(scan.fileLength == good.count)
        }
    }

    // MARK: Helpers

    private func journal(_ payloads: [[UInt8]]) -> [UInt8] {
        var bytes = JournalFormat.encodeHeader()
        for payload in payloads { JournalFormat.encodeFrame(payload: payload, into: &bytes) }
        return bytes
    }

    private func kind(of bytes: [UInt8]) -> JournalCorruption.Kind? {
        do {
            _ = try JournalReader.scan(bytes: bytes)
            return nil
        } catch let error as JournalCorruption {
            return error.kind
        } catch {
            return nil
        }
    }

    private func withJournal(_ bytes: [UInt8], _ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("JournalReaderTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try body(path)
    }
}

extension JournalReader {
    fileprivate static func scan(bytes: [UInt8]) throws -> JournalScan {
        try bytes.withUnsafeBytes { try scan(bytes: $0, path: "memory") }
    }
}

/// A small deterministic generator for reproducible garbage.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
