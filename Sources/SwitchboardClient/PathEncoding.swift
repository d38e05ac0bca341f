/// Percent-encoding for the parts of a request the client builds from caller input.
///
/// Everything but RFC 3986 §2.3 unreserved characters is encoded, so `+14155550123` travels as
/// `%2B14155550123`: a path segment can never grow an extra `/`, and a `+` in a query (a phone
/// number cursor) is never read as a space by form decoding.
enum PathEncoding {
    static func encode(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%"
                result += hex(byte >> 4)
                result += hex(byte & 0x0F)
            }
        }
        return result
    }

    /// `name=value&…`, both sides encoded.
    static func query(_ items: [(name: String, value: String)]) -> String {
        items.map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&")
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    private static func hex(_ nibble: UInt8) -> String {
        String(UnicodeScalar(nibble < 10 ? nibble + 0x30 : nibble + 0x37))
    }
}
