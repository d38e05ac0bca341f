import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardStore

/// `switchboard snapshot verify | export | import`, through the library the executable calls.
@Suite struct SnapshotToolTests {
    static let good = """
        {"type":"account","id":"acme","name":"Acme","token_sha256":null}
        {"type":"provider","account":"acme","provider":"retell","api_key":"key_1","webhook_secret":null,"base_url":null,"default_caller_id":null}
        {"type":"agent","account":"acme","id":"front-desk","name":"Front desk","provider":"retell","provider_agent_id":"agent_8f","status":"active"}
        {"type":"agent","account":"acme","id":"sales","name":"Sales","provider":"retell","provider_agent_id":"agent_9a","status":"inactive"}
        {"type":"number","account":"acme","number":"+14155550123","provider":"retell","provider_number_id":"pn1","status":"active","agent_id":"front-desk","last_synced_at":null}
        {"type":"number","account":"acme","number":"+14155550124","provider":"retell","provider_number_id":"pn2","status":"active","agent_id":null,"last_synced_at":"2026-11-25T10:00:00Z"}

        """

    // MARK: Import

    @Test func import_goodFile_seedsAnEmptyDirectory() throws {
        let temp = TemporaryDirectory("import")
        defer { temp.remove() }
        let data = temp.path + "/data"
        let summary = try SnapshotTool.importLines(Array(SnapshotToolTests.good.utf8), into: data)
        #expect(summary == SnapshotTool.ImportSummary(data: data, accounts: 1, connections: 1, agents: 2, numbers: 2))
        let (directory, _) = try Store.read(at: data)
        let acme = try Identifier("acme")
        #expect(directory.number(account: acme, number: E164(key: 14155550123)!)?.agentID?.value == "front-desk")
        #expect(directory.number(account: acme, number: E164(key: 14155550124)!)?.agentID == nil)
        #expect(directory.agent(account: acme, id: try Identifier("sales"))?.spec.status == .inactive)
        #expect(directory.connection(account: acme, provider: .retell)?.apiKey == "key_1")
        #expect(try SnapshotTool.verify(data: data).isSound)
    }

    /// A file saved with Windows line ends (CRLF) imports the same records, line for line.
    @Test func import_windowsLineEnds_readsEveryLine() throws {
        let temp = TemporaryDirectory("import-crlf")
        defer { temp.remove() }
        let data = temp.path + "/data"
        let crlf = SnapshotToolTests.good.replacingOccurrences(of: "\n", with: "\r\n")
        let summary = try SnapshotTool.importLines(Array(crlf.utf8), into: data)
        #expect(summary == SnapshotTool.ImportSummary(data: data, accounts: 1, connections: 1, agents: 2, numbers: 2))
    }

    /// A bad line put into the good file: it replaces line `line`, or is inserted as line `line`.
    struct BadLine: Sendable, CustomTestStringConvertible {
        var kind: String
        var line: Int
        var replaces: Bool
        var text: String
        /// Expected in the error's message.
        var reason: String
        var testDescription: String { kind }
    }

    static let badLines = [
        BadLine(kind: "bad JSON", line: 3, replaces: true, text: #"{"type":"agent","account":"acme","id":"x""#, reason: "not valid JSON"),
        BadLine(
            kind: "unknown field", line: 2, replaces: true,
            text: #"{"type":"provider","account":"acme","provider":"retell","api_key":"k","colour":"red"}"#, reason: "field 'colour'"),
        BadLine(
            kind: "bad number", line: 5, replaces: true,
            text: #"{"type":"number","account":"acme","number":"+0415555","provider":"retell","provider_number_id":"p","status":"active","agent_id":null}"#,
            reason: "invalid_phone_number"),
        // Line 5 already gave front-desk +14155550123.
        BadLine(
            kind: "agent given two numbers", line: 6, replaces: false,
            text: #"{"type":"number","account":"acme","number":"+14155550199","provider":"retell","provider_number_id":"p","status":"active","agent_id":"front-desk"}"#,
            reason: "agent_has_number"),
        BadLine(
            kind: "number of another provider than its agent", line: 6, replaces: false,
            text: #"{"type":"number","account":"acme","number":"+14155550199","provider":"vapi","provider_number_id":"p","status":"active","agent_id":"sales"}"#,
            reason: "provider_mismatch"),
        BadLine(kind: "records out of order", line: 7, replaces: false, text: #"{"type":"account","id":"late","name":"Late"}"#, reason: "order"),
    ]

    /// One bad line of each kind in an otherwise good file: its line number, why, and nothing written.
    @Test(arguments: SnapshotToolTests.badLines)
    func import_badLine_namesItAndImportsNothing(bad: BadLine) throws {
        var lines = SnapshotToolTests.good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if bad.replaces { lines[bad.line - 1] = bad.text } else { lines.insert(bad.text, at: bad.line - 1) }
        let input = Array(lines.joined(separator: "\n").utf8)
        let temp = TemporaryDirectory("import-bad")
        defer { temp.remove() }
        // A directory that does not exist yet is not created; an empty one stays empty.
        let missing = temp.path + "/new"
        for data in [missing, temp.path] {
            let error = try #require(throws: SnapshotTool.ImportError.self) { try SnapshotTool.importLines(input, into: data) }
            #expect(error.kind == .badLine(bad.line), "\(error)")
            #expect(error.line == bad.line)
            #expect(error.description.hasPrefix("line \(bad.line): "), "\(error)")
            #expect(error.description.contains(bad.reason), "\(error)")
            #expect(error.description.hasSuffix("nothing imported"))
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
        #expect(temp.files().isEmpty, "\(temp.files())")
    }

    @Test func import_notUTF8_importsNothing() throws {
        let temp = TemporaryDirectory("import-bytes")
        defer { temp.remove() }
        let error = try #require(throws: SnapshotTool.ImportError.self) {
            try SnapshotTool.importLines(Array(SnapshotToolTests.good.utf8) + [0xFF, 0xFE], into: temp.path + "/data")
        }
        #expect(error.kind == .notUTF8)
        #expect(!FileManager.default.fileExists(atPath: temp.path + "/data"))
    }

    @Test func import_intoADirectoryWithState_isRefusedAndChangesNothing() throws {
        let temp = TemporaryDirectory("import-full")
        defer { temp.remove() }
        let (store, _) = try Store.open(at: temp.path)
        try Sample.populate(store.directory)
        let before = store.directory.image()
        try store.close()
        let files = temp.files()
        let error = try #require(throws: SnapshotTool.ImportError.self) {
            try SnapshotTool.importLines(Array(SnapshotToolTests.good.utf8), into: temp.path)
        }
        #expect(error.kind == .notEmpty, "\(error)")
        #expect(error.description.contains("already holds state"))
        #expect(temp.files() == files)
        #expect(try Store.read(at: temp.path).directory.image() == before)
    }

    // MARK: Export

    @Test func exportImportExport_isByteIdentical() throws {
        let temp = TemporaryDirectory("roundtrip")
        defer { temp.remove() }
        let first = temp.path + "/first"
        let (store, _) = try Store.open(at: first)
        try Sample.populate(store.directory, salt: 0)
        try store.compact()  // a snapshot and a journal after it, both read by export
        try Sample.populate(store.directory, salt: 1)
        try store.directory.putAgent(
            AgentSpec(
                account: Sample.acme, id: try Identifier("quoted"), name: #"Zoë's "front" desk \ ✓"#, provider: .bland, providerAgentID: "pw_1",
                status: .active))
        try store.close()

        let exported = try SnapshotToolTests.export(first)
        #expect(exported.hasPrefix(#"{"type":"account","id":"acme""#))
        #expect(exported.contains(#""name":"Zoë's \"front\" desk \\ ✓""#))
        let second = temp.path + "/second"
        _ = try SnapshotTool.importLines(Array(exported.utf8), into: second)
        let again = try SnapshotToolTests.export(second)
        #expect(Array(again.utf8) == Array(exported.utf8))
        // The state matches too, except that export writes times to the second (the API's format),
        // so a sync time's milliseconds do not survive the move.
        let (imported, original) = (try Store.read(at: second).directory.image(), try Store.read(at: first).directory.image())
        #expect(imported.accounts == original.accounts && imported.connections == original.connections && imported.agents == original.agents)
        #expect(imported.numbers.map(\.spec) == original.numbers.map(\.spec))
        #expect(imported.numbers.map { $0.lastSyncedAt?.rfc3339 } == original.numbers.map { $0.lastSyncedAt?.rfc3339 })
    }

    @Test func export_inSmallChunks_handsOverWholeLines() throws {
        let temp = TemporaryDirectory("chunks")
        defer { temp.remove() }
        _ = try SnapshotTool.importLines(Array(SnapshotToolTests.good.utf8), into: temp.path + "/data")
        var chunks: [String] = []
        try SnapshotTool.export(data: temp.path + "/data", chunkBytes: 100) { chunks.append($0) }
        #expect(chunks.count > 2)
        #expect(chunks.allSatisfy { $0.hasSuffix("\n") })
        #expect(chunks.joined() == SnapshotToolTests.good)
    }

    static func export(_ data: String) throws -> String {
        var text = ""
        try SnapshotTool.export(data: data) { text += $0 }
        return text
    }

    // MARK: Verify

    @Test func verify_cleanDirectory_isSound() throws {
        let temp = TemporaryDirectory("verify")
        defer { temp.remove() }
        let (store, _) = try Store.open(at: temp.path)
        try Sample.populate(store.directory)
        let image = store.directory.image()
        try store.close()
        let verification = try SnapshotTool.verify(data: temp.path)
        #expect(verification.isSound)
        #expect(verification.report.tail == nil)
        #expect(verification.agents == image.agents.count && verification.numbers == image.numbers.count)
        #expect(verification.accounts == 1 && verification.connections == 1)
        #expect(verification.lines.last == "ok")
    }

    @Test func verify_tornTail_isReportedAndTheFileIsLeftAsItIs() throws {
        let temp = TemporaryDirectory("verify-torn")
        defer { temp.remove() }
        let (journal, bytes) = try temp.populatedStoreWithDamagedJournal { $0.removeLast(3) }

        let verification = try SnapshotTool.verify(data: temp.path)
        let tail = try #require(verification.report.tail)
        #expect(tail.file == temp.journals().last!)
        #expect(!verification.report.tailCut)
        let text = verification.lines.joined(separator: "\n")
        #expect(text.contains("torn tail at byte offset \(tail.damage.offset) of \(tail.file)"))
        #expect(text.contains("cut short by a crash") && text.contains("never acknowledged"))
        #expect(text.contains("if there was no crash, it may be damage"))
        #expect(!text.contains("cut a torn tail"), "verify changes nothing, so it must not say it cut")
        #expect(verification.isSound)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: journal))) == bytes, "verify changed the journal")

        // Opening for writing is what cuts it, and says so.
        let (reopened, report) = try Store.open(at: temp.path)
        try reopened.close()
        #expect(report.tailCut)
        #expect(report.description.contains("cut a torn tail") && report.description.contains("may be damage"))
    }

    @Test func verify_flippedByteInTheMiddle_namesFileAndOffsetAndWhatToDo() throws {
        let temp = TemporaryDirectory("verify-middle")
        defer { temp.remove() }
        let (journal, bytes) = try temp.populatedStoreWithDamagedJournal { $0[$0.count / 2] ^= 0x01 }

        let error = try #require(throws: JournalCorruption.self) { try SnapshotTool.verify(data: temp.path) }
        #expect(error.path == journal)
        guard case .damagedMiddle = error.kind else {
            Issue.record("expected damage in the middle, got \(error.kind)")
            return
        }
        let message = error.description
        #expect(message.contains(journal) && message.contains("offset \(error.offset)"))
        #expect(message.contains("backup"))
        #expect(message.contains("truncate -s \(error.offset) \(journal)"))
        #expect(!message.contains("snapshot verify"), "the advice must not send the user to the command that printed it")
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: journal))) == bytes)

        // The advice works: cut at the offset, the directory opens with what came before.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
        try handle.truncate(atOffset: UInt64(error.offset))
        try handle.close()
        let verification = try SnapshotTool.verify(data: temp.path)
        #expect(verification.isSound && verification.report.tail == nil && verification.report.replayed > 0)
        let (reopened, _) = try Store.open(at: temp.path)
        #expect(reopened.directory.invariantViolations() == [])
        try reopened.close()
    }
}
