import SwitchboardCore
import Foundation

/// Offline work on a data directory, behind `switchboard snapshot verify | export | import`: the
/// executable parses the arguments and prints what these return.
public enum SnapshotTool {
    // MARK: Verify

    /// What `verify` found in a data directory it could load.
    public struct Verification: Sendable {
        public var data: String
        public var report: RecoveryReport
        public var accounts = 0
        public var connections = 0
        public var agents = 0
        public var numbers = 0
        /// The index's broken invariants; empty when sound.
        public var violations: [String] = []

        public var isSound: Bool { violations.isEmpty }

        /// The report, one line each, for standard output.
        public var lines: [String] {
            var lines = [
                "\(data): \(report)",
                "accounts: \(accounts), provider connections: \(connections), agents: \(agents), numbers: \(numbers)",
            ]
            if let tail = report.tail {
                lines.append(
                    "note: the router cuts the torn tail at byte offset \(tail.damage.offset) of \(tail.file) at its next start; "
                        + "if there was no crash, copy the file aside before starting it.")
            }
            if isSound { lines.append("ok") }
            return lines
        }
    }

    /// Loads the newest snapshot and replays the journal without changing any file, then checks the
    /// index. Throws what makes the directory unloadable: `StoreError` (no directory, a damaged
    /// snapshot, a history that breaks the rules), `JournalCorruption` (damage in the middle of a
    /// journal: file and offset), `SystemError`.
    public static func verify(data: String) throws -> Verification {
        let (directory, report) = try Store.read(at: data)
        let image = directory.image()
        var verification = Verification(data: data, report: report)
        verification.accounts = image.accounts.count
        verification.connections = image.connections.count
        verification.agents = image.agents.count
        verification.numbers = image.numbers.count
        verification.violations = directory.invariantViolations()
        return verification
    }

    // MARK: Export

    /// Writes the state as JSON Lines (see `JSONLines`), handing `write` whole lines in chunks of
    /// about `chunkBytes`. Changes no file.
    public static func export(data: String, chunkBytes: Int = 1 << 16, to write: (String) -> Void) throws {
        let (directory, _) = try Store.read(at: data)
        var buffer = ""
        buffer.reserveCapacity(chunkBytes + 1024)
        JSONLines.export(directory.image()) { line in
            buffer += line
            buffer += "\n"
            if buffer.utf8.count >= chunkBytes {
                write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { write(buffer) }
    }

    // MARK: Import

    /// What an import put into the data directory.
    public struct ImportSummary: Equatable, Sendable, CustomStringConvertible {
        public var data: String
        public var accounts: Int
        public var connections: Int
        public var agents: Int
        public var numbers: Int

        public var description: String {
            "imported \(accounts) accounts, \(connections) provider connections, \(agents) agents, \(numbers) numbers into \(data)"
        }
    }

    /// Why an import imported nothing.
    public struct ImportError: Error, Equatable, Sendable, CustomStringConvertible {
        public enum Kind: Equatable, Sendable {
            /// The input could not be read (a bad path).
            case unreadable
            /// The input is not UTF-8 text.
            case notUTF8
            /// A line is not a record, or its record breaks a rule (SPEC §2), or comes out of order.
            case badLine(Int)
            /// The data directory already holds state.
            case notEmpty
            /// The data directory could not be written (locked, a failed write).
            case store
        }

        public var kind: Kind
        public var message: String

        public init(_ kind: Kind, _ message: String) {
            self.kind = kind
            self.message = message
        }

        /// The bad line's number (from 1), for `badLine`.
        public var line: Int? {
            if case .badLine(let line) = kind { return line }
            return nil
        }

        public var description: String {
            if let line { return "line \(line): \(message); nothing imported" }
            return "\(message); nothing imported"
        }
    }

    /// The bytes of `file`, or of standard input for "-".
    public static func readInput(_ file: String) throws(ImportError) -> [UInt8] {
        if file == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        guard let contents = FileManager.default.contents(atPath: file) else {
            throw ImportError(.unreadable, "cannot read '\(file)': check the path")
        }
        return [UInt8](contents)
    }

    /// Checks every line by the rules of SPEC §2 into a directory in memory, and only if all of them
    /// pass seeds the empty data directory `data` with it as its first snapshot. On any error nothing
    /// is written: a bad line leaves `data` as it was (not even created).
    public static func importLines(_ bytes: [UInt8], into data: String) throws(ImportError) -> ImportSummary {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ImportError(.notUTF8, "not UTF-8 text")
        }
        let directory: Directory
        do {
            directory = try JSONLines.load(text)
        } catch {
            throw ImportError(.badLine(error.line), error.message)
        }
        do {
            try Store.seed(at: data, with: directory)
        } catch let error as StoreError where error.kind == .notEmpty {
            throw ImportError(.notEmpty, error.description)
        } catch {
            throw ImportError(.store, "\(error)")
        }
        let image = directory.image()
        return ImportSummary(
            data: data, accounts: image.accounts.count, connections: image.connections.count, agents: image.agents.count,
            numbers: image.numbers.count)
    }
}
