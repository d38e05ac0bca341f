#if canImport(Glibc)
import Glibc
#endif

/// One value inside a validated `JSONDocument`: a position in its bytes. Reading a member or an
/// element walks the bytes from here; nothing is decoded until asked for, and only strings that are
/// returned are allocated.
public struct JSONValue: Sendable {
    public enum Kind: Sendable, Equatable {
        case object, array, string, number, bool, null
    }

    let bytes: [UInt8]
    /// The value's first byte.
    let start: Int

    init(bytes: [UInt8], start: Int) {
        self.bytes = bytes
        self.start = start
    }

    public var kind: Kind {
        switch bytes[start] {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: .number
        }
    }

    public var isNull: Bool { bytes[start] == UInt8(ascii: "n") }

    /// The member `name` of this object; nil when absent or when this is not an object. A name that
    /// appears twice is refused: RFC 8259 §4 leaves the meaning to the reader, and two readers
    /// picking different copies is how signed payloads get reinterpreted.
    public func member(_ name: StaticString) throws(JSONError) -> JSONValue? {
        guard bytes[start] == UInt8(ascii: "{") else { return nil }
        let search = bytes.withUnsafeBufferPointer { bytes in
            name.withUTF8Buffer { wanted in JSONValue.findMember(wanted, in: bytes, objectAt: start) }
        }
        switch search {
        case .absent: return nil
        case .found(let valueStart): return JSONValue(bytes: bytes, start: valueStart)
        case .duplicate(let at): throw JSONError(.duplicateKey(name.description), at: at)
        }
    }

    /// What `member(_:)` would give for one name: the member (nil when absent, or when this is not
    /// an object), or its refusal. Kept as a value so a caller that looks several names up in one
    /// walk (`members`) still meets each refusal where it would have asked for that name alone.
    public typealias Lookup = Result<JSONValue?, JSONError>

    /// `member(first)` and `member(second)` from one walk over this object's members instead of
    /// one walk each (each walk reads every member, to see duplicates; a provider's inbound call
    /// body nests its fields in objects with large siblings).
    public func members(_ first: StaticString, _ second: StaticString) -> (Lookup, Lookup) {
        let found = lookUp([first, second, first, first], count: 2)
        return (found[0], found[1])
    }

    /// As `members(_:_:)`, for four names.
    public func members(
        _ first: StaticString, _ second: StaticString, _ third: StaticString, _ fourth: StaticString
    ) -> (Lookup, Lookup, Lookup, Lookup) {
        let found = lookUp([first, second, third, fourth], count: 4)
        return (found[0], found[1], found[2], found[3])
    }

    /// One walk over the members for the first `count` names of `names`: the value where each name
    /// was found, or the refusal of its first duplicate. On the stack: no allocation.
    private func lookUp(_ names: InlineArray<4, StaticString>, count: Int) -> InlineArray<4, Lookup> {
        var found = InlineArray<4, Int>(repeating: -1)
        var duplicates = InlineArray<4, Int>(repeating: -1)
        if bytes[start] == UInt8(ascii: "{") {
            bytes.withUnsafeBufferPointer { bytes in
                var index = JSONScan.skipWhitespace(bytes, from: start + 1)
                guard bytes[index] != UInt8(ascii: "}") else { return }
                while true {
                    let key = JSONScan.stringEnd(bytes, from: index)
                    let keyStart = index
                    index = JSONScan.skipWhitespace(bytes, from: key.end)  // at ':'
                    let valueStart = JSONScan.skipWhitespace(bytes, from: index + 1)
                    for slot in 0..<count where duplicates[slot] < 0 {
                        let matches = names[slot].withUTF8Buffer { wanted in
                            JSONValue.keyEquals(bytes, start: keyStart, end: key.end, escaped: key.escaped, wanted)
                        }
                        guard matches else { continue }
                        if found[slot] >= 0 { duplicates[slot] = index } else { found[slot] = valueStart }
                    }
                    index = JSONScan.skipWhitespace(bytes, from: JSONScan.valueEnd(bytes, from: valueStart))
                    guard bytes[index] == UInt8(ascii: ",") else { break }
                    index = JSONScan.skipWhitespace(bytes, from: index + 1)
                }
            }
        }
        var results = InlineArray<4, Lookup>(repeating: .success(nil))
        for slot in 0..<count {
            if duplicates[slot] >= 0 {
                results[slot] = .failure(JSONError(.duplicateKey(names[slot].description), at: duplicates[slot]))
            } else if found[slot] >= 0 {
                results[slot] = .success(JSONValue(bytes: bytes, start: found[slot]))
            }
        }
        return results
    }

    private enum MemberSearch {
        case absent
        case found(Int)
        case duplicate(at: Int)
    }

    /// Walks every member of the object at `start` (all of them: a duplicate must be seen). Kept
    /// apart from `lookUp`, which does the same for several names: the two walks are checked against
    /// each other (`JSONMembersTests`).
    private static func findMember(_ wanted: UnsafeBufferPointer<UInt8>, in bytes: JSONScan.Bytes, objectAt start: Int) -> MemberSearch {
        var found: Int?
        var index = JSONScan.skipWhitespace(bytes, from: start + 1)
        if bytes[index] == UInt8(ascii: "}") { return .absent }
        while true {
            let key = JSONScan.stringEnd(bytes, from: index)
            let matches = keyEquals(bytes, start: index, end: key.end, escaped: key.escaped, wanted)
            index = JSONScan.skipWhitespace(bytes, from: key.end)  // at ':'
            let valueStart = JSONScan.skipWhitespace(bytes, from: index + 1)
            if matches {
                guard found == nil else { return .duplicate(at: index) }
                found = valueStart
            }
            index = JSONScan.skipWhitespace(bytes, from: JSONScan.valueEnd(bytes, from: valueStart))
            guard bytes[index] == UInt8(ascii: ",") else { break }
            index = JSONScan.skipWhitespace(bytes, from: index + 1)
        }
        return found.map(MemberSearch.found) ?? .absent
    }

    /// The elements of this array in order (empty when this is not an array).
    public var elements: [JSONValue] {
        guard bytes[start] == UInt8(ascii: "[") else { return [] }
        let starts = bytes.withUnsafeBufferPointer { bytes in
            var starts: [Int] = []
            var index = JSONScan.skipWhitespace(bytes, from: start + 1)
            if bytes[index] == UInt8(ascii: "]") { return starts }
            while true {
                starts.append(index)
                index = JSONScan.skipWhitespace(bytes, from: JSONScan.valueEnd(bytes, from: index))
                guard bytes[index] == UInt8(ascii: ",") else { break }
                index = JSONScan.skipWhitespace(bytes, from: index + 1)
            }
            return starts
        }
        return starts.map { JSONValue(bytes: bytes, start: $0) }
    }

    /// The decoded string, or nil when this is not a string.
    public var string: String? {
        guard bytes[start] == UInt8(ascii: "\"") else { return nil }
        return bytes.withUnsafeBufferPointer { bytes in
            let (end, escaped) = JSONScan.stringEnd(bytes, from: start)
            if escaped { return String(decoding: JSONScan.unescape(bytes, start: start, end: end), as: UTF8.self) }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(end - 1)]), as: UTF8.self)
        }
    }

    /// The decoded UTF-8 of a string handed to `body` without building a `String` (no allocation
    /// unless the string has escapes); nil when this is not a string.
    public func withStringUTF8<Result>(_ body: (ArraySlice<UInt8>) throws -> Result) rethrows -> Result? {
        guard bytes[start] == UInt8(ascii: "\"") else { return nil }
        let (end, escaped) = bytes.withUnsafeBufferPointer { JSONScan.stringEnd($0, from: start) }
        if escaped { return try body(bytes.withUnsafeBufferPointer { JSONScan.unescape($0, start: start, end: end) }[...]) }
        return try body(bytes[(start + 1)..<(end - 1)])
    }

    /// Whether this is a string equal to `text` (after unescaping).
    public func isString(_ text: StaticString) -> Bool {
        withStringUTF8 { utf8 in
            utf8.count == text.utf8CodeUnitCount
                && text.withUTF8Buffer { expected in utf8.elementsEqual(expected) }
        } ?? false
    }

    /// A boolean's value, or nil.
    public var bool: Bool? {
        switch bytes[start] {
        case UInt8(ascii: "t"): true
        case UInt8(ascii: "f"): false
        default: nil
        }
    }

    /// An integer number that fits in `Int64`; nil for other numbers (fractions, exponents,
    /// overflow) and other kinds.
    public var int64: Int64? {
        guard kind == .number else { return nil }
        var index = start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var value: Int64 = 0
        while index < bytes.count, JSONScan.isDigit(bytes[index]) {
            let digit = Int64(bytes[index] - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e") { return nil }
        return value
    }

    /// The value's bytes exactly as written (for passing a validated object through).
    public var rawBytes: ArraySlice<UInt8> {
        bytes[start..<bytes.withUnsafeBufferPointer { JSONScan.valueEnd($0, from: start) }]
    }

    private static func keyEquals(_ bytes: JSONScan.Bytes, start: Int, end: Int, escaped: Bool, _ expected: UnsafeBufferPointer<UInt8>) -> Bool {
        if !escaped {
            guard end - start - 2 == expected.count else { return false }
            guard let base = bytes.baseAddress, let wanted = expected.baseAddress else { return expected.isEmpty }
            return expected.isEmpty || memcmp(base + start + 1, wanted, expected.count) == 0
        }
        // Rare: a member name written with escapes ("\u0074o"). Compare what it means.
        return JSONScan.unescape(bytes, start: start, end: end).elementsEqual(expected)
    }
}
