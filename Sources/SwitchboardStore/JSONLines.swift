public import SwitchboardCore
import Foundation

/// Export and import in JSON Lines (SPEC §5): one record a line, a `type` first, the field names of
/// the HTTP interface, types in the order account, provider, agent, number. Account lines also
/// carry `token_sha256` (the hash of the account's token, so tokens keep working after a move) and
/// number lines `last_synced_at`; both may be null or absent on import.
public enum JSONLines {
    // MARK: Export

    public static func export(_ image: DirectoryImage, to write: (String) -> Void) {
        for account in image.accounts {
            write(object([("type", .string("account")), ("id", .string(account.id.value)), ("name", .string(account.name)), ("token_sha256", .optional(account.tokenSHA256))]))
        }
        for connection in image.connections {
            write(
                object([
                    ("type", .string("provider")), ("account", .string(connection.account.value)), ("provider", .string(connection.provider.name)),
                    ("api_key", .string(connection.apiKey)), ("webhook_secret", .optional(connection.webhookSecret)),
                    ("base_url", .optional(connection.baseURL)), ("default_caller_id", .optional(connection.defaultCallerID?.description)),
                ])
            )
        }
        for agent in image.agents {
            write(
                object([
                    ("type", .string("agent")), ("account", .string(agent.account.value)), ("id", .string(agent.id.value)), ("name", .string(agent.name)),
                    ("provider", .string(agent.provider.name)), ("provider_agent_id", .string(agent.providerAgentID)), ("status", .string(agent.status.name)),
                ])
            )
        }
        for number in image.numbers {
            let spec = number.spec
            write(
                object([
                    ("type", .string("number")), ("account", .string(spec.account.value)), ("number", .string(spec.number.description)),
                    ("provider", .string(spec.provider.name)), ("provider_number_id", .string(spec.providerNumberID)), ("status", .string(spec.status.name)),
                    ("agent_id", .optional(spec.agentID?.value)), ("last_synced_at", .optional(number.lastSyncedAt?.rfc3339)),
                ])
            )
        }
    }

    enum Value {
        case string(String)
        case optional(String?)
    }

    static func object(_ fields: [(String, Value)]) -> String {
        var line = "{"
        for (position, (key, value)) in fields.enumerated() {
            if position > 0 { line += "," }
            line += quoted(key) + ":"
            switch value {
            case .string(let text): line += quoted(text)
            case .optional(let text): line += text.map(quoted) ?? "null"
            }
        }
        return line + "}"
    }

    /// A JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20 || control.value == 0x7F:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    // MARK: Import

    /// A line that cannot be imported: its number (from 1) and why.
    public struct LineError: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Reads every line, applies each record to a fresh directory by the rules of SPEC §2, and
    /// returns it; the first bad line refuses the whole input.
    public static func load(_ text: String) throws(LineError) -> Directory {
        let directory = Directory()
        var order = 0
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so a file with Windows line ends is split on it too.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                let (rank, change) = try record(from: Substring(trimmed))
                guard rank >= order else {
                    throw DirectoryError(.invalidField, "records must come in the order account, provider, agent, number")
                }
                order = rank
                try directory.replay(change)
            } catch let error as DirectoryError {
                throw LineError(line: lineNumber, message: "\(error.code.rawValue): \(error.message)")
            } catch {
                throw LineError(line: lineNumber, message: "\(error)")
            }
        }
        return directory
    }

    static let fields: [String: [String]] = [
        "account": ["type", "id", "name", "token_sha256"],
        "provider": ["type", "account", "provider", "api_key", "webhook_secret", "base_url", "default_caller_id"],
        "agent": ["type", "account", "id", "name", "provider", "provider_agent_id", "status"],
        "number": ["type", "account", "number", "provider", "provider_number_id", "status", "agent_id", "last_synced_at"],
    ]

    static func record(from line: Substring) throws -> (rank: Int, change: Change) {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [])
        } catch {
            throw DirectoryError(.invalidField, "not valid JSON: write one JSON object per line")
        }
        guard let object = parsed as? [String: Any] else { throw DirectoryError(.invalidField, "a line must be one JSON object") }
        let fields = Fields(object: object)
        let type = try fields.string("type")
        guard let known = JSONLines.fields[type] else {
            throw DirectoryError(.invalidField, "type '\(type)' is not one of account, provider, agent, number")
        }
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw DirectoryError(.invalidField, "field '\(unknown)' is not part of a \(type) record (fields: \(known.joined(separator: ", ")))")
        }
        switch type {
        case "account":
            return (0, .createAccount(Account(id: try fields.identifier("id"), name: try fields.string("name"), tokenSHA256: try fields.optionalString("token_sha256"))))
        case "provider":
            return (
                1,
                .putProvider(
                    ProviderConnection(
                        account: try fields.identifier("account"), provider: try fields.provider("provider"), apiKey: try fields.string("api_key"),
                        webhookSecret: try fields.optionalString("webhook_secret"), baseURL: try fields.optionalString("base_url"),
                        defaultCallerID: try fields.optionalString("default_caller_id").map { text throws in try fields.number(text, field: "default_caller_id") }
                    )
                )
            )
        case "agent":
            return (
                2,
                .putAgent(
                    AgentSpec(
                        account: try fields.identifier("account"), id: try fields.identifier("id"), name: try fields.string("name"),
                        provider: try fields.provider("provider"), providerAgentID: try fields.string("provider_agent_id"), status: try fields.status("status")
                    ),
                    phone: .keep
                )
            )
        default:
            let spec = NumberSpec(
                account: try fields.identifier("account"), number: try fields.number(try fields.string("number"), field: "number"),
                provider: try fields.provider("provider"), providerNumberID: try fields.string("provider_number_id"), status: try fields.status("status"),
                agentID: try fields.optionalString("agent_id").map { text throws in try Identifier(text, field: "agent_id") }
            )
            let synced = try fields.optionalString("last_synced_at").map { text throws in
                guard let time = Timestamp(rfc3339: text) else {
                    throw DirectoryError(.invalidField, "last_synced_at '\(text)' is not an RFC 3339 UTC time like 2026-11-25T10:00:00Z")
                }
                return time
            }
            return (3, .putNumber(spec, lastSyncedAt: synced))
        }
    }

    /// Typed access to one line's fields, with errors that name the field.
    struct Fields {
        let object: [String: Any]

        func string(_ key: String) throws -> String {
            guard let value = object[key] else { throw DirectoryError(.invalidField, "field '\(key)' is missing") }
            guard let text = value as? String else { throw DirectoryError(.invalidField, "field '\(key)' must be a string") }
            return text
        }

        func optionalString(_ key: String) throws -> String? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw DirectoryError(.invalidField, "field '\(key)' must be a string or null") }
            return text
        }

        func identifier(_ key: String) throws -> Identifier { try Identifier(try string(key), field: key) }

        func provider(_ key: String) throws -> Provider {
            let text = try string(key)
            guard let provider = Provider(name: text) else {
                throw DirectoryError(.unknownProvider, "\(key) '\(text)' is not a provider: use \(Provider.accepted)")
            }
            return provider
        }

        func status(_ key: String) throws -> Status {
            let text = try string(key)
            guard let status = Status(name: text) else { throw DirectoryError(.invalidField, "\(key) must be active or inactive") }
            return status
        }

        func number(_ text: String, field: String) throws -> E164 {
            do { return try E164(text) } catch { throw DirectoryError(.invalidPhoneNumber, "\(field): \(error.description)") }
        }
    }
}

extension Store {
    /// Seeds an empty data directory with `directory`'s state as its first snapshot.
    public static func seed(at path: String, with directory: Directory) throws {
        try Syscall.mkdir(path, permissions: 0o700, ignoreExisting: true)
        let listing = try DataDirectory(path: path).list()
        guard listing.snapshots.isEmpty, listing.journals.isEmpty else {
            throw StoreError(.notEmpty, path: path, "the data directory already holds state: import seeds an empty directory; choose a new --data")
        }
        let (store, _) = try Store.open(at: path)
        defer { try? store.close() }
        try AtomicFile.write(
            SnapshotCodec.encode(directory.image(), lastSeq: 0), to: DataDirectory(path: path).file(DataDirectory.snapshotName(0)),
            permissions: DataDirectory.filePermissions)
    }
}
