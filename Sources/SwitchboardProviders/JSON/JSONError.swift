/// Why some bytes are not the JSON document we were promised (RFC 8259), with the byte offset where
/// reading stopped. Messages say what was wrong and where, so a provider's or client's developer
/// can find the fault in their payload.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Nothing but whitespace (RFC 8259 §2: a JSON text is one value).
        case empty
        /// The bytes ended inside a value: a truncated document.
        case unexpectedEnd
        /// A byte that cannot appear here; `expected` says what could.
        case unexpectedByte(UInt8, expected: String)
        /// A backslash followed by something other than `" \ / b f n r t u` (§7).
        case invalidEscape
        /// `\u` not followed by four hex digits (§7).
        case invalidUnicodeEscape
        /// A `\u` escape of half a surrogate pair without its other half (§7, §8.2).
        case loneSurrogate
        /// A raw control character (below U+0020) inside a string: it must be escaped (§7).
        case controlCharacter
        /// Bytes that are not UTF-8 (§8.1 requires UTF-8).
        case invalidUTF8
        /// A number that breaks the grammar of §6 (leading zeros, a bare `-`, `1.`, `1e`, …).
        case invalidNumber
        /// Something that starts like `true`, `false` or `null` and is not (§3).
        case invalidLiteral
        /// Containers nested deeper than the limit.
        case tooDeep(limit: Int)
        /// More bytes after the one top-level value.
        case trailingData
        /// An object names the same member twice; which one counts is unpredictable (§4), so we refuse.
        case duplicateKey(String)
    }

    public let reason: Reason
    /// Where in the bytes reading stopped (0-based).
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch reason {
        case .empty: what = "the document is empty"
        case .unexpectedEnd: what = "the document ends in the middle of a value (truncated?)"
        case .unexpectedByte(let byte, let expected):
            let shown = byte >= 0x21 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
            what = "found \(shown) where \(expected) was expected"
        case .invalidEscape: what = "a backslash escape is not one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"
        case .invalidUnicodeEscape: what = "\\u must be followed by four hex digits"
        case .loneSurrogate: what = "a \\u escape is half of a UTF-16 surrogate pair without the other half"
        case .controlCharacter: what = "a string contains a raw control character; escape it (e.g. \\n)"
        case .invalidUTF8: what = "the bytes are not valid UTF-8"
        case .invalidNumber: what = "a number is not written as RFC 8259 §6 allows"
        case .invalidLiteral: what = "a value is not true, false or null"
        case .tooDeep(let limit): what = "objects and arrays are nested more than \(limit) deep"
        case .trailingData: what = "there is more after the JSON value"
        case .duplicateKey(let key): what = "the member \"\(key.prefix(64))\" appears twice in one object"
        }
        return "not valid JSON (RFC 8259): \(what), at byte \(offset)"
    }
}
