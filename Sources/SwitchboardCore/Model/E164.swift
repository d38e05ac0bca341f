/// A phone number in E.164 form: `+` then 1 to 15 digits, the first not 0 (ITU-T E.164, SPEC §1).
///
/// Stored as the number's digits read as one unsigned integer. Because the first digit is never 0,
/// the integer determines the digits exactly (no leading zeros to lose), so `key` is a fixed-width,
/// allocation-free identity for the index, and `0` is never a valid key (the index uses it as "empty").
public struct E164: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The digits as an integer: `+14155550123` has key 14155550123. Always in `1 ..< 10^15`.
    public let key: UInt64

    /// The largest key: 15 nines.
    public static let maxKey: UInt64 = 999_999_999_999_999

    /// Wraps a key produced by `key`; `nil` if it is 0 or has more than 15 digits.
    public init?(key: UInt64) {
        guard key != 0, key <= E164.maxKey else { return nil }
        self.key = key
    }

    /// Parses and normalises a number; see `E164.parse(utf8:)` for what is accepted.
    public init(_ text: String) throws(E164.ParseError) {
        self = try E164.parse(utf8: text.utf8)
    }

    /// `+` and the digits.
    public var description: String {
        // Build the digits right to left into a fixed 16-byte buffer: no intermediate arrays.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
            var value = key
            var index = 16
            repeat {
                index -= 1
                buffer[index] = UInt8(truncatingIfNeeded: value % 10) + UInt8(ascii: "0")
                value /= 10
            } while value > 0
            index -= 1
            buffer[index] = UInt8(ascii: "+")
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[index..<16]), as: UTF8.self)
        }
    }

    /// Whether `text` is exactly this number's `description` (`+` and the digits), checked without
    /// building a string.
    public func isWritten(as text: String) -> Bool {
        var utf8 = text.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "+") else { return false }
        var value: UInt64 = 0
        var digits = 0
        while let byte = utf8.next() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 15 else { return false }
            if digits == 0, byte == UInt8(ascii: "0") { return false }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 && value == key
    }

    /// How many digits (1 to 15).
    public var digitCount: Int {
        // Comparisons against powers of ten, not divisions: this sits inside every list sort.
        var count = 1
        while count < 15, key >= E164.powersOfTen[count] { count += 1 }
        return count
    }

    /// Orders as the strings order ("+1415…" before "+44…"), which is what lists show, without
    /// building strings: pad both to 15 digits, and on a tie the shorter (a prefix) comes first.
    public static func < (lhs: E164, rhs: E164) -> Bool {
        let lhsDigits = lhs.digitCount
        let rhsDigits = rhs.digitCount
        if lhsDigits == rhsDigits { return lhs.key < rhs.key }
        let lhsPadded = lhs.key &* E164.powersOfTen[15 - lhsDigits]
        let rhsPadded = rhs.key &* E164.powersOfTen[15 - rhsDigits]
        if lhsPadded != rhsPadded { return lhsPadded < rhsPadded }
        return lhsDigits < rhsDigits
    }

    private static let powersOfTen: [UInt64] = (0...15).map { exponent in
        (0..<exponent).reduce(UInt64(1)) { product, _ in product * 10 }
    }
}

extension E164 {
    /// Why a text is not a phone number, with a message a person can act on.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case tooLong(digits: Int)
        case leadingZero
        case internationalPrefix00
        case extensionNotAllowed
        case letter(Character)
        case nonASCIIDigit
        case unexpectedCharacter(Character)
        case misplacedPlus
        case unbalancedParentheses
        case malformedPercentEncoding
        /// No `+` and an area code in parentheses first, e.g. `(415) 555-0123`: a national number,
        /// whose country cannot be known. Read as country code first it would be +41 (Switzerland).
        case nationalFormat

        /// Stable code for API errors.
        public var code: String { "invalid_phone_number" }

        public var description: String {
            let example = "write it in E.164 form: + then the country code and number, e.g. +14155550123"
            switch self {
            case .empty:
                return "the phone number is empty: \(example)"
            case .tooLong(let digits):
                return "the phone number has \(digits) digits; E.164 allows at most 15: check for extra digits"
            case .leadingZero:
                return "the phone number starts with 0 after +; a country code never starts with 0: \(example)"
            case .internationalPrefix00:
                return "the phone number starts with 00, a dialling prefix that differs by country: \(example)"
            case .extensionNotAllowed:
                return "extensions are not part of an E.164 number: remove the extension and \(example)"
            case .letter(let character):
                return "the phone number contains the letter '\(character)'; letters (vanity numbers) are not accepted: \(example)"
            case .nonASCIIDigit:
                return "the phone number contains digits other than 0-9 (ASCII): \(example)"
            case .unexpectedCharacter(let character):
                return "the phone number contains '\(character)'; only digits, one leading +, spaces, dashes, dots and parentheses are accepted: \(example)"
            case .misplacedPlus:
                return "the phone number has a + that is not at the start: \(example)"
            case .unbalancedParentheses:
                return "the phone number has unbalanced parentheses: \(example)"
            case .malformedPercentEncoding:
                return "the phone number has a % that is not %2B (an encoded +): \(example)"
            case .nationalFormat:
                return "the phone number starts with an area code in parentheses and no country code, so its country is unknown: add + and the country code, e.g. +1 (415) 555-0123"
            }
        }
    }

    /// Parses a phone number from UTF-8 bytes without allocating.
    ///
    /// Accepted (SPEC §1): `+14155550123`; `+1 (415) 555-0123` (spaces, dashes, dots and one level of
    /// parentheses between digits); `14155550123` (digits only: read as country code first);
    /// `%2B14155550123` (a URL-encoded `+`); surrounding spaces. Refused, each with its reason:
    /// a national number (`(415) 555-0123`: no `+` and parentheses first), empty, more than 15 digits, a 0 first digit, a `00` dialling prefix, extensions (`x`, `ext`, `;ext=`, `#`),
    /// letters, non-ASCII digits, other characters, a `+` not at the start, unbalanced parentheses.
    /// `parse(utf8:)` over raw bytes, compiled here once for this type: other modules calling the
    /// generic version would run it unspecialised, through witness tables, on the webhook hot path.
    public static func parse(utf8 bytes: UnsafeRawBufferPointer) throws(ParseError) -> E164 {
        try parse(utf8: UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count))
    }

    public static func parse<Bytes: Collection<UInt8>>(utf8 bytes: Bytes) throws(ParseError) -> E164 {
        var index = bytes.startIndex
        var end = bytes.endIndex
        // Trim ASCII spaces and tabs at both ends.
        while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 { bytes.formIndex(after: &index) }
        while end > index {
            let last = bytes.index(end, offsetBy: -1)
            guard bytes[last] == 0x20 || bytes[last] == 0x09 else { break }
            end = last
        }
        guard index < end else { throw .empty }

        var sawPlus = false
        if bytes[index] == UInt8(ascii: "+") {
            sawPlus = true
            bytes.formIndex(after: &index)
        } else if bytes[index] == UInt8(ascii: "%") {
            // Only "%2B" (any case) is meaningful here: an encoded "+".
            let second = bytes.index(after: index)
            guard second < end, bytes[second] == UInt8(ascii: "2") else { throw .malformedPercentEncoding }
            let third = bytes.index(after: second)
            guard third < end, bytes[third] | 0x20 == UInt8(ascii: "b") else { throw .malformedPercentEncoding }
            sawPlus = true
            index = bytes.index(after: third)
        }

        var value: UInt64 = 0
        var digits = 0
        var openParenthesis = false
        var nationalFormat = false
        var firstDigit: UInt8 = 0
        var secondDigit: UInt8 = 0
        while index < end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = byte &- UInt8(ascii: "0")
                if digits == 0 { firstDigit = byte } else if digits == 1 { secondDigit = byte }
                digits += 1
                // Keep counting past 15 so the error can say how many there were; stop accumulating.
                if digits <= 15 { value = value &* 10 &+ UInt64(digit) }
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."):
                break  // visual separators carry no meaning
            case UInt8(ascii: "("):
                if !sawPlus, digits == 0 { nationalFormat = true }
                if openParenthesis { throw .unbalancedParentheses }
                openParenthesis = true
            case UInt8(ascii: ")"):
                if !openParenthesis { throw .unbalancedParentheses }
                openParenthesis = false
            case UInt8(ascii: "+"):
                throw .misplacedPlus
            case UInt8(ascii: "#"), UInt8(ascii: ";"), UInt8(ascii: ","):
                // "#123", ";ext=123" (RFC 3966) and "," (pause-then-dial) all introduce extensions.
                throw .extensionNotAllowed
            case UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "e"), UInt8(ascii: "E"):
                // "x123", "ext 123", "ext. 123" after some digits are extensions.
                if digits > 0 { throw .extensionNotAllowed }
                throw .letter(Character(Unicode.Scalar(byte)))
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                throw .letter(Character(Unicode.Scalar(byte)))
            case 0x80...0xFF:
                throw E164.classifyNonASCII(bytes, at: index)
            default:
                throw .unexpectedCharacter(Character(Unicode.Scalar(byte)))
            }
            bytes.formIndex(after: &index)
        }
        if openParenthesis { throw .unbalancedParentheses }
        guard digits > 0 else { throw .empty }
        guard !nationalFormat else { throw .nationalFormat }
        guard digits <= 15 else { throw .tooLong(digits: digits) }
        if firstDigit == UInt8(ascii: "0") {
            if !sawPlus, digits >= 2, secondDigit == UInt8(ascii: "0") { throw .internationalPrefix00 }
            throw .leadingZero
        }
        return E164(uncheckedKey: value)
    }

    /// Tells a non-ASCII digit (Arabic-Indic, full-width, …) from any other non-ASCII character.
    private static func classifyNonASCII<Bytes: Collection<UInt8>>(_ bytes: Bytes, at index: Bytes.Index) -> ParseError {
        // Decode the one scalar that starts here; this is the error path, so allocation is fine.
        var iterator = bytes[index...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) {
            if scalar.properties.numericType == .decimal { return .nonASCIIDigit }
            if scalar.properties.isAlphabetic { return .letter(Character(scalar)) }
            return .unexpectedCharacter(Character(scalar))
        }
        return .unexpectedCharacter("\u{FFFD}")
    }

    init(uncheckedKey: UInt64) {
        self.key = uncheckedKey
    }
}
