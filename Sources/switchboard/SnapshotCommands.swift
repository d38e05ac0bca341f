import Foundation
import SwitchboardStore

/// `switchboard snapshot verify | export | import`: prints what `SnapshotTool` returns and turns it
/// into an exit status. The work is in SwitchboardStore.
enum SnapshotCommands {
    static func verify(data: String) -> Int32 {
        var standardError = StandardError()
        do {
            let verification = try SnapshotTool.verify(data: data)
            for line in verification.lines { print(line) }
            guard verification.isSound else {
                print("index invariants broken:\n" + verification.violations.joined(separator: "\n"), to: &standardError)
                return 1
            }
            return 0
        } catch {
            print("switchboard: \(data) is not sound: \(error)", to: &standardError)
            return 1
        }
    }

    static func export(data: String) throws -> Int32 {
        try SnapshotTool.export(data: data) { chunk in FileHandle.standardOutput.write(Data(chunk.utf8)) }
        return 0
    }

    static func importLines(data: String, file: String) throws -> Int32 {
        var standardError = StandardError()
        do throws(SnapshotTool.ImportError) {
            let summary = try SnapshotTool.importLines(try SnapshotTool.readInput(file), into: data)
            print(summary)
            return 0
        } catch {
            switch error.kind {
            case .unreadable: throw UsageError(message: error.message)
            case .notUTF8, .badLine: print("switchboard: \(file): \(error)", to: &standardError)
            case .notEmpty, .store: print("switchboard: \(error)", to: &standardError)
            }
            return 1
        }
    }
}
