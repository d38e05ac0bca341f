/// A JSON text (RFC 8259) checked whole before anything reads it, so what the adapters pull out
/// always comes from a well-formed document.
///
/// Why not `JSONSerialization`: webhooks sit on the inbound hot path, and building a tree of
/// `NSDictionary`/`NSString` for a few fields costs dozens of allocations. This validates in one
/// pass without allocating (the nesting stack is the bits of one `UInt64`), then `JSONValue` walks
/// the bytes on demand and allocates only for the strings it returns.
public struct JSONDocument: Sendable {
    /// The deepest nesting accepted; one bit per level in the validator's stack.
    public static let maxDepth = 64

    public let bytes: [UInt8]

    /// Validates `bytes` as exactly one JSON value with optional whitespace around it.
    public init(validating bytes: [UInt8]) throws(JSONError) {
        var validator = JSONValidator(bytes: bytes)
        try validator.run()
        self.bytes = bytes
    }

    /// The top-level value.
    public var root: JSONValue {
        JSONValue(bytes: bytes, start: JSONScan.skipWhitespace(bytes, from: 0))
    }
}

/// The validating pass: an iterative recursive-descent parser (no recursion, so depth cannot blow
/// the stack) over the grammar of RFC 8259 §2-§7.
struct JSONValidator {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func run() throws(JSONError) {
        index = JSONScan.skipWhitespace(bytes, from: 0)
        guard index < bytes.count else { throw JSONError(.empty, at: index) }
        var depth = 0
        // Bit k set: the container at depth k+1 is an object; clear: an array.
        var objects: UInt64 = 0
        value: while true {
            index = JSONScan.skipWhitespace(bytes, from: index)
            guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                guard depth < JSONDocument.maxDepth else { throw JSONError(.tooDeep(limit: JSONDocument.maxDepth), at: index) }
                let isObject = byte == UInt8(ascii: "{")
                if isObject { objects |= 1 << UInt64(depth) } else { objects &= ~(1 << UInt64(depth)) }
                depth += 1
                index = JSONScan.skipWhitespace(bytes, from: index + 1)
                guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
                if bytes[index] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    index += 1
                    depth -= 1
                } else {
                    if isObject { try memberName() }
                    continue value
                }
            } else {
                try scalar()
            }
            // A value is complete: close containers, or move on to the next member or element.
            while depth > 0 {
                index = JSONScan.skipWhitespace(bytes, from: index)
                guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
                let inObject = objects & (1 << UInt64(depth - 1)) != 0
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") {
                    index += 1
                    if inObject {
                        index = JSONScan.skipWhitespace(bytes, from: index)
                        try memberName()
                    }
                    continue value
                }
                guard byte == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw JSONError(.unexpectedByte(byte, expected: inObject ? "',' or '}'" : "',' or ']'"), at: index)
                }
                index += 1
                depth -= 1
            }
            break
        }
        index = JSONScan.skipWhitespace(bytes, from: index)
        guard index == bytes.count else { throw JSONError(.trailingData, at: index) }
    }

    /// `string ws ':'` at `index` (§4).
    private mutating func memberName() throws(JSONError) {
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        guard bytes[index] == UInt8(ascii: "\"") else {
            throw JSONError(.unexpectedByte(bytes[index], expected: "a member name in double quotes"), at: index)
        }
        try string()
        index = JSONScan.skipWhitespace(bytes, from: index)
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        guard bytes[index] == UInt8(ascii: ":") else { throw JSONError(.unexpectedByte(bytes[index], expected: "':'"), at: index) }
        index += 1
    }

    /// A string, number or literal at `index`.
    private mutating func scalar() throws(JSONError) {
        switch bytes[index] {
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: throw JSONError(.unexpectedByte(bytes[index], expected: "a value"), at: index)
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let start = index
        for offset in 0..<word.utf8CodeUnitCount {
            guard start + offset < bytes.count else { throw JSONError(.unexpectedEnd, at: start + offset) }
            guard bytes[start + offset] == word.utf8Start[offset] else { throw JSONError(.invalidLiteral, at: start) }
        }
        index = start + word.utf8CodeUnitCount
    }

    /// §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws(JSONError) {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, JSONScan.isDigit(bytes[index]) { throw JSONError(.invalidNumber, at: start) }
        } else {
            guard JSONScan.isDigit(bytes[index]) else { throw JSONError(.invalidNumber, at: start) }
            index = digits(from: index)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try requireDigit(start)
            index = digits(from: index)
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            try requireDigit(start)
            index = digits(from: index)
        }
    }

    private func requireDigit(_ start: Int) throws(JSONError) {
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        guard JSONScan.isDigit(bytes[index]) else { throw JSONError(.invalidNumber, at: start) }
    }

    private func digits(from start: Int) -> Int {
        var end = start
        while end < bytes.count, JSONScan.isDigit(bytes[end]) { end += 1 }
        return end
    }

    /// §7 strings, with UTF-8 checked by the table of RFC 3629 §4 (no overlongs, no encoded
    /// surrogates, nothing above U+10FFFF).
    private mutating func string() throws(JSONError) {
        index += 1
        while true {
            guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                try escape()
            case 0x00..<0x20:
                throw JSONError(.controlCharacter, at: index)
            case 0x20..<0x80:
                index += 1
            default:
                try utf8Sequence()
            }
        }
    }

    private mutating func escape() throws(JSONError) {
        let start = index
        index += 1
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        switch bytes[index] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 1
        case UInt8(ascii: "u"):
            let unit = try hex4(at: index + 1)
            index += 5
            if unit >= 0xDC00 && unit <= 0xDFFF { throw JSONError(.loneSurrogate, at: start) }
            if unit >= 0xD800 && unit <= 0xDBFF {
                // The low half must follow at once as another \u escape.
                guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
                guard bytes[index] == UInt8(ascii: "\\") else { throw JSONError(.loneSurrogate, at: start) }
                guard index + 1 < bytes.count else { throw JSONError(.unexpectedEnd, at: index + 1) }
                guard bytes[index + 1] == UInt8(ascii: "u") else { throw JSONError(.loneSurrogate, at: start) }
                let low = try hex4(at: index + 2)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw JSONError(.loneSurrogate, at: start) }
                index += 6
            }
        default:
            throw JSONError(.invalidEscape, at: start)
        }
    }

    private func hex4(at start: Int) throws(JSONError) -> UInt16 {
        var unit: UInt16 = 0
        for offset in 0..<4 {
            guard start + offset < bytes.count else { throw JSONError(.unexpectedEnd, at: start + offset) }
            guard let value = JSONScan.hexValue(bytes[start + offset]) else { throw JSONError(.invalidUnicodeEscape, at: start - 2) }
            unit = unit << 4 | UInt16(value)
        }
        return unit
    }

    private mutating func utf8Sequence() throws(JSONError) {
        let start = index
        let lead = bytes[index]
        let count: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: count = 1
        case 0xE0: count = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: count = 2
        case 0xED: count = 2; high = 0x9F
        case 0xF0: count = 3; low = 0x90
        case 0xF1...0xF3: count = 3
        case 0xF4: count = 3; high = 0x8F
        default: throw JSONError(.invalidUTF8, at: start)
        }
        for offset in 1...count {
            guard start + offset < bytes.count else { throw JSONError(.unexpectedEnd, at: start + offset) }
            let byte = bytes[start + offset]
            let range = offset == 1 ? low...high : 0x80...0xBF
            guard range.contains(byte) else { throw JSONError(.invalidUTF8, at: start) }
        }
        index = start + count + 1
    }
}
