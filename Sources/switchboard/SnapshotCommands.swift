import Foundation
import SwitchboardCore
import SwitchboardStore

/// `switchboard snapshot verify | export | import`: offline work on a data directory.
enum SnapshotCommands {
    static func verify(data: String) throws -> Int32 {
        var standardError = StandardError()
        do {
            let (directory, report) = try Store.read(at: data)
            let violations = directory.invariantViolations()
            let image = directory.image()
            print("\(data): \(report)")
            print("accounts: \(image.accounts.count), provider connections: \(image.connections.count), agents: \(image.agents.count), numbers: \(image.numbers.count)")
            if report.tail != nil { print("note: the torn tail holds no acknowledged change; the router cuts it at its next start") }
            guard violations.isEmpty else {
                print("index invariants broken:\n" + violations.joined(separator: "\n"), to: &standardError)
                return 1
            }
            print("ok")
            return 0
        } catch {
            print("switchboard: \(data) is not sound: \(error)", to: &standardError)
            return 1
        }
    }

    static func export(data: String) throws -> Int32 {
        let (directory, _) = try Store.read(at: data)
        var buffer = ""
        buffer.reserveCapacity(1 << 16)
        func flush() {
            FileHandle.standardOutput.write(Data(buffer.utf8))
            buffer.removeAll(keepingCapacity: true)
        }
        JSONLines.export(directory.image()) { line in
            buffer += line
            buffer += "\n"
            if buffer.utf8.count > 1 << 16 { flush() }
        }
        flush()
        return 0
    }

    static func importLines(data: String, file: String) throws -> Int32 {
        var standardError = StandardError()
        let bytes: Data
        if file == "-" {
            bytes = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw UsageError(message: "cannot read '\(file)': check the path")
            }
            bytes = contents
        }
        guard let text = String(data: bytes, encoding: .utf8) else {
            print("switchboard: \(file) is not UTF-8 text; nothing imported", to: &standardError)
            return 1
        }
        do {
            let directory = try JSONLines.load(text)
            try Store.seed(at: data, with: directory)
            let image = directory.image()
            print("imported \(image.accounts.count) accounts, \(image.connections.count) provider connections, \(image.agents.count) agents, \(image.numbers.count) numbers into \(data)")
            return 0
        } catch let error as JSONLines.LineError {
            print("switchboard: \(file): \(error); nothing imported", to: &standardError)
            return 1
        }
    }
}
