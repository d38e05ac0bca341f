#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte classes from the RFC 9110/9112 grammars, as switch-based predicates the optimiser turns into
/// range checks: no tables to bounds-check, no allocation.
enum HTTPByte {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let sp = UInt8(ascii: " ")
    static let htab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let semicolon = UInt8(ascii: ";")

    /// `tchar` (RFC 9110 §5.6.2): the characters of a token (method, field name, coding name).
    @inline(__always)
    static func isTchar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// `OWS`/`BWS` member: SP or HTAB (RFC 9110 §5.6.3).
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == sp || byte == htab
    }

    /// A byte allowed inside a field value: HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5).
    /// Everything else is a CTL (0x00–0x1F but HTAB, and DEL), which could end or split a line
    /// downstream, so it is refused.
    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == htab || (byte >= 0x20 && byte != 0x7F)
    }

    /// A byte allowed in a request target: VCHAR only (RFC 3986 characters are all visible ASCII;
    /// anything else must be percent-encoded by the client).
    @inline(__always)
    static func isTargetByte(_ byte: UInt8) -> Bool {
        byte >= 0x21 && byte <= 0x7E
    }

    /// ALPHA (RFC 5234 B.1).
    @inline(__always)
    static func isAlpha(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// ASCII case-insensitive equality (field names, coding names and connection options are
    /// case-insensitive: RFC 9110 §5.1, §7.6.1; RFC 9112 §7). Only letters fold: `[` is not `{`.
    static func equalsIgnoringCase(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count where lhs[index] != rhs[index] {
            if lowercased(lhs[index]) != lowercased(rhs[index]) { return false }
        }
        return true
    }

    /// Compares received bytes with a lowercase ASCII literal.
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { literal in
            guard bytes.count == literal.count else { return false }
            for index in 0..<bytes.count where lowercased(bytes[index]) != literal[index] { return false }
            return true
        }
    }

    /// Compares two Strings through their contiguous UTF-8 (native Strings always have it) with
    /// a length check first; no lowercased copies.
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        let fast = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in equalsIgnoringCase(left, right) }
        }
        if let fast, let result = fast { return result }
        for (left, right) in zip(lhs.utf8, rhs.utf8) where lowercased(left) != lowercased(right) { return false }
        return true
    }

    /// The index of the first `byte` in `bytes[range]`, found with memchr (vectorised by libc):
    /// the parser's line scanning never walks a buffer one Swift-level byte at a time.
    static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> Int? {
        guard !range.isEmpty, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + range.lowerBound, Int32(byte), range.count) else { return nil }
        return Int(bitPattern: found) - Int(bitPattern: base)
    }
}
