/// The voice providers Switchboard routes for. Stored as one byte in the index.
public enum Provider: UInt8, CaseIterable, Sendable, Hashable, Comparable, CustomStringConvertible {
    case retell = 0
    case vapi = 1
    case bland = 2

    public init?(name: some StringProtocol) {
        switch name {
        case "retell": self = .retell
        case "vapi": self = .vapi
        case "bland": self = .bland
        default: return nil
        }
    }

    /// The lower-case name used in URLs, JSON and the journal.
    public var name: String {
        switch self {
        case .retell: "retell"
        case .vapi: "vapi"
        case .bland: "bland"
        }
    }

    public var description: String { name }

    public static func < (lhs: Provider, rhs: Provider) -> Bool { lhs.name < rhs.name }

    /// A message listing the accepted names, for errors.
    public static let accepted = "retell, vapi or bland"
}

/// `active` or `inactive`, for numbers and agents.
public enum Status: UInt8, Sendable, Hashable, CustomStringConvertible {
    case active = 1
    case inactive = 0

    public init?(name: some StringProtocol) {
        switch name {
        case "active": self = .active
        case "inactive": self = .inactive
        default: return nil
        }
    }

    public var name: String { self == .active ? "active" : "inactive" }
    public var description: String { name }
}

/// An account (tenant) id or an agent id: 1 to 64 characters of `A-Z a-z 0-9 _ . -`, starting with a
/// letter or digit. Ids appear in URL paths, so the set is kept to what needs no escaping.
public struct Identifier: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: String

    public static let maxLength = 64

    public init(_ value: String, field: String = "id") throws(DirectoryError) {
        guard Identifier.isValid(value) else {
            throw DirectoryError(
                .invalidID,
                "\(field) '\(value.prefix(80))' is not a valid id: use 1 to \(Identifier.maxLength) letters, digits, '_', '.' or '-', starting with a letter or digit"
            )
        }
        self.value = value
    }

    init(unchecked value: String) { self.value = value }

    public static func isValid(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { isValid(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Whether `utf8` is a valid id's bytes (ids are ASCII, so any other byte fails): what
    /// start-up checks of ids read from a snapshot, without making a string. (Raw bytes rather
    /// than any collection: a generic function called from another module is not specialised, and
    /// the unspecialised one was a tenth of start-up.)
    public static func isValid(utf8: UnsafeRawBufferPointer) -> Bool {
        guard let first = utf8.first, utf8.count <= maxLength, isAlphanumeric(first) else { return false }
        for byte in utf8 where !(isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")) {
            return false
        }
        return true
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    public var description: String { value }
    public static func < (lhs: Identifier, rhs: Identifier) -> Bool { lhs.value < rhs.value }
}

public typealias AccountID = Identifier
public typealias AgentID = Identifier

/// Checks for free-form fields that come from outside.
public enum FieldCheck {
    /// A provider's own id (agent id, number id, pathway id): 1 to 256 visible ASCII characters.
    public static func providerID(_ value: String, field: String) throws(DirectoryError) -> String {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= 256, utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw DirectoryError(
                .invalidField,
                "\(field) must be 1 to 256 visible ASCII characters without spaces, as the provider shows it"
            )
        }
        return value
    }

    /// The most UTF-8 bytes a name may take: 200 characters of up to four bytes each. Characters
    /// alone do not bound the bytes (one character may carry any number of combining marks), and
    /// an agent record stores a name's length in 16 bits.
    public static let nameByteLimit = 800

    /// A display name: 1 to 200 characters and at most `nameByteLimit` UTF-8 bytes, no control
    /// characters.
    public static func name(_ value: String, field: String = "name") throws(DirectoryError) -> String {
        // Most names are printable ASCII: then bytes are characters and none is a control
        // character, without the Unicode tables (this runs for every agent at start-up).
        let utf8 = value.utf8
        if !utf8.isEmpty, utf8.count <= 200, utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return value }
        guard !value.isEmpty, utf8.count <= nameByteLimit, value.count <= 200,
            !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw DirectoryError(
                .invalidField, "\(field) must be 1 to 200 characters (at most \(nameByteLimit) bytes of UTF-8) without control characters")
        }
        return value
    }

    /// Whether `utf8` is a valid name (`name`'s rule) given as stored bytes; invalid UTF-8 is not.
    /// Printable ASCII, the usual case, is checked without making a string.
    public static func isName(utf8: UnsafeRawBufferPointer) -> Bool {
        if !utf8.isEmpty, utf8.count <= 200, utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return true }
        guard utf8.count <= nameByteLimit, let value = String(validating: utf8, as: UTF8.self) else { return false }
        return (try? name(value)) != nil
    }

    /// Whether `utf8` is a valid provider id (`providerID`'s rule) given as stored bytes.
    public static func isProviderID(utf8: UnsafeRawBufferPointer) -> Bool {
        !utf8.isEmpty && utf8.count <= 256 && utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
    }

    /// A secret (API key, webhook secret): 1 to 4096 visible ASCII characters.
    public static func secret(_ value: String, field: String) throws(DirectoryError) -> String {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= 4096, utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw DirectoryError(.invalidField, "\(field) must be 1 to 4096 visible ASCII characters without spaces")
        }
        return value
    }
}
