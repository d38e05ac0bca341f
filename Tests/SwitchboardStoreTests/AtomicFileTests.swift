import Foundation
import SwitchboardStore
import Testing

@Suite struct AtomicFileTests {
    private let old: [UInt8] = Array(repeating: UInt8(ascii: "o"), count: 1000)
    private let new: [UInt8] = Array(repeating: UInt8(ascii: "n"), count: 3000)

    @Test func write_replacesTheContentAndLeavesNoTemporary() throws {
        try withDirectory { directory in
            let path = directory + "/snapshot"
            try AtomicFile.write(old, to: path)
            try AtomicFile.write(new, to: path)
            #expect(try DurableFile.readAll(path: path) == new)
            #expect(try names(in: directory) == ["snapshot"])
        }
    }

    @Test func write_createsAMissingFile() throws {
        try withDirectory { directory in
            let path = directory + "/snapshot"
            try AtomicFile.write(new, to: path)
            #expect(try DurableFile.readAll(path: path) == new)
        }
    }

    @Test(arguments: AtomicWriteStep.allCases)
    func write_crashAtStep_leavesOldOrNewThenCleansUp(step: AtomicWriteStep) throws {
        try withDirectory { directory in
            let path = directory + "/snapshot"
            try AtomicFile.write(old, to: path)
            #expect(throws: SimulatedCrash(step: step)) {
                try AtomicFile.write(new, to: path, faults: .crash(at: step))
            }
            let expected = stepsBeforeRename.contains(step) ? old : new
            #expect(try DurableFile.readAll(path: path) == expected)

            let leftovers = try AtomicFile.cleanUpTemporaries(in: directory)
            #expect(leftovers.count == (stepsBeforeRename.contains(step) && step != .createTemp ? 1 : 0))
            #expect(try names(in: directory) == ["snapshot"])
            #expect(try DurableFile.readAll(path: path) == expected)
        }
    }

    @Test(arguments: AtomicWriteStep.allCases)
    func write_failureAtStep_leavesOldOrNewAndNoTemporary(step: AtomicWriteStep) throws {
        try withDirectory { directory in
            let path = directory + "/snapshot"
            try AtomicFile.write(old, to: path)
            #expect(throws: SystemError.self) {
                try AtomicFile.write(new, to: path, faults: .fail(at: step))
            }
            let expected = stepsBeforeRename.contains(step) ? old : new
            #expect(try DurableFile.readAll(path: path) == expected)
            #expect(try names(in: directory) == ["snapshot"], "a failure cleans up after itself")
        }
    }

    @Test func write_crashBeforeRenameOfAFirstWrite_leavesNoFile() throws {
        try withDirectory { directory in
            let path = directory + "/snapshot"
            #expect(throws: SimulatedCrash.self) { try AtomicFile.write(new, to: path, faults: .crash(at: .rename)) }
            #expect(try Syscall.fileStatus(path: path) == nil)
            try AtomicFile.cleanUpTemporaries(in: directory)
            #expect(try names(in: directory).isEmpty)
        }
    }

    @Test func write_crashDuringWriteTemp_leavesATornTemporary() throws {
        try withDirectory { directory in
            let path = directory + "/snapshot"
            #expect(throws: SimulatedCrash.self) { try AtomicFile.write(new, to: path, faults: .crash(at: .writeTemp)) }
            let temporaries = try names(in: directory)
            #expect(temporaries.count == 1)
            #expect(temporaries.first?.hasPrefix("snapshot.tmp-") == true)
            #expect(try DurableFile.readAll(path: directory + "/" + temporaries[0]).count == new.count / 2)
        }
    }

    @Test func cleanUpTemporaries_keepsOtherFiles() throws {
        try withDirectory { directory in
            try AtomicFile.write([1], to: directory + "/journal")
            try AtomicFile.write([2], to: directory + "/snapshot.tmp-0123456789abcdef")
            let removed = try AtomicFile.cleanUpTemporaries(in: directory)
            #expect(removed == ["snapshot.tmp-0123456789abcdef"])
            #expect(try names(in: directory) == ["journal"])
        }
    }

    // MARK: Helpers

    private let stepsBeforeRename: Set<AtomicWriteStep> = [.createTemp, .writeTemp, .syncTemp, .rename]

    private func names(in directory: String) throws -> [String] {
        try Syscall.listDirectory(directory).sorted()
    }

    private func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("AtomicFileTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.path)
    }
}
