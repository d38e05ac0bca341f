/// Byte-level steps over a document that `JSONValidator` has already accepted. Because it is known
/// to be well formed, skipping a value needs no checks beyond finding its end. The steps take the
/// document's bytes as a buffer pointer (`JSONValue` lends its array's storage), so a scan costs
/// no retain and no per-byte array bounds check; the validator guarantees every string, container
/// and literal is closed inside the bytes.
enum JSONScan {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        // RFC 8259 §2: exactly these four.
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

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
    static func skipWhitespace(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
        return index
    }

    @inline(__always)
    static func skipWhitespace(_ bytes: Bytes, from start: Int) -> Int {
        var index = start
        while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
        return index
    }

    /// The index just past the string that opens at `start` (its quote), and whether it had escapes.
    static func stringEnd(_ bytes: Bytes, from start: Int) -> (end: Int, escaped: Bool) {
        var index = start + 1
        var escaped = false
        while bytes[index] != UInt8(ascii: "\"") {
            if bytes[index] == UInt8(ascii: "\\") {
                escaped = true
                index += 2  // the escaped byte can be a quote; \uXXXX's digits never are
            } else {
                index += 1
            }
        }
        return (index + 1, escaped)
    }

    /// The index just past the value that starts at `start`.
    static func valueEnd(_ bytes: Bytes, from start: Int) -> Int {
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return stringEnd(bytes, from: start).end
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            repeat {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = stringEnd(bytes, from: index).end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
                index += 1
            } while depth > 0
            return index
        case UInt8(ascii: "t"), UInt8(ascii: "n"):
            return start + 4
        case UInt8(ascii: "f"):
            return start + 5
        default:
            // A number: its bytes are digits, sign, point and exponent letters.
            var index = start
            while index < bytes.count {
                let byte = bytes[index]
                guard isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                    || byte | 0x20 == UInt8(ascii: "e")
                else { break }
                index += 1
            }
            return index
        }
    }

    /// Decodes the contents of the escaped string whose quotes are at `start` and `end - 1` into
    /// UTF-8 (§7). Surrogate pairs were checked by the validator.
    static func unescape(_ bytes: Bytes, start: Int, end: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var index = start + 1
        let last = end - 1
        while index < last {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            let kind = bytes[index + 1]
            index += 2
            switch kind {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(hex4(bytes, at: index))
                index += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = UInt32(hex4(bytes, at: index + 2))
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                appendUTF8(scalar, to: &out)
            default: out.append(kind)  // " \ /
            }
        }
        return out
    }

    private static func hex4(_ bytes: Bytes, at start: Int) -> UInt16 {
        var unit: UInt16 = 0
        for offset in 0..<4 { unit = unit << 4 | UInt16(hexValue(bytes[start + offset]) ?? 0) }
        return unit
    }

    private static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
