/// A JSON document as a value: what the simulator reads from request bodies and writes as answers.
///
/// Objects keep their members in order, so answers come out in the field order of the providers'
/// documented examples (clients must not depend on it, but people reading a capture do). Reading
/// is strict RFC 8259 (`JSONReader`).
public enum SimulatorJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number without fraction or exponent that fits in 64 bits.
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([SimulatorJSON])
    case object([Member])

    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: SimulatorJSON

        public init(_ key: String, _ value: SimulatorJSON) {
            self.key = key
            self.value = value
        }
    }

    /// Why a body is not a JSON document.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses `bytes` as one JSON document (any value at the top, RFC 8259 §2).
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> SimulatorJSON {
        guard !bytes.isEmpty else { throw ParseError(description: "the body is empty; send a JSON document") }
        do {
            return try JSONReader.parse(bytes)
        } catch {
            throw ParseError(description: "the body is not valid JSON (\(error.reason) at byte \(error.offset))")
        }
    }

    /// An object from key/value pairs, in order; nil values are left out (`"absent"` in providers.md).
    public static func fields(_ pairs: KeyValuePairs<String, SimulatorJSON?>) -> SimulatorJSON {
        .object(pairs.compactMap { pair in pair.value.map { Member(pair.key, $0) } })
    }

    /// A string, or null for nil.
    public static func stringOrNull(_ text: String?) -> SimulatorJSON {
        text.map(SimulatorJSON.string) ?? .null
    }

    // MARK: - Reading

    /// The member `key` of an object; nil for other values or no such key. A repeated key means
    /// its last value, as JavaScript's and Python's parsers (the providers') read it.
    public subscript(key: String) -> SimulatorJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    public var members: [Member]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var elements: [SimulatorJSON]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var integerValue: Int64? {
        switch self {
        case .integer(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9e15: return Int64(value)
        default: return nil
        }
    }

    public var isNull: Bool { self == .null }

    /// The JSON type's name, for error messages ("expected a string, got an array").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: - Writing

    /// The compact encoding (RFC 8259): no insignificant whitespace, members in order.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        // A number as a provider answers it is 150 to 300 bytes: room for it without regrowing.
        out.reserveCapacity(512)
        write(into: &out)
        return out
    }

    public var text: String { String(decoding: encoded(), as: UTF8.self) }

    func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .integer(let value): out.append(contentsOf: String(value).utf8)
        case .double(let value):
            if value.isFinite, value.rounded() == value, abs(value) < 9e15 {
                out.append(contentsOf: String(Int64(value)).utf8)
            } else if value.isFinite {
                out.append(contentsOf: "\(value)".utf8)
            } else {
                out.append(contentsOf: "null".utf8)  // JSON has no NaN or infinity
            }
        case .string(let text): Self.writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A quoted string: quote, backslash and control characters escaped (RFC 8259 §7).
    static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole.
        let plain = text.utf8.withContiguousStorageIfAvailable { bytes in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
