/// Why a percent-encoded component could not be decoded.
public enum PercentDecodingError: String, Error, Hashable, Sendable {
    /// `%` not followed by two hex digits (RFC 3986 §2.1).
    case invalidEscape = "invalid_percent_escape"
    /// The decoded bytes are not UTF-8.
    case invalidUTF8 = "invalid_utf8"

    /// A short sentence for people.
    public var message: String {
        switch self {
        case .invalidEscape: "A % in the URL must be followed by two hex digits."
        case .invalidUTF8: "A percent-encoded part of the URL is not valid UTF-8."
        }
    }
}

/// Percent-decoding (RFC 3986 §2.1) of one path segment or one query name or value.
///
/// Decode after splitting, never before: `%2F` in a segment is data, not a separator, and `%26`
/// in a query value is not a parameter boundary.
public enum PercentDecoding {
    /// Decodes `text`.
    /// - Parameter plusAsSpace: true for query names and values, which follow
    ///   `application/x-www-form-urlencoded` (WHATWG URL §5.1: `+` is a space); false for paths,
    ///   where `+` is itself.
    public static func decode(_ text: Substring, plusAsSpace: Bool) throws(PercentDecodingError) -> String {
        let utf8 = text.utf8
        // Fast path: most segments and values have nothing to decode.
        let plus = UInt8(ascii: "+")
        let percent = UInt8(ascii: "%")
        guard utf8.contains(where: { $0 == percent || (plusAsSpace && $0 == plus) }) else {
            return String(text)
        }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == percent {
                let high = utf8.index(after: index)
                guard high < utf8.endIndex, let highValue = HTTPByte.hexValue(utf8[high]) else { throw .invalidEscape }
                let low = utf8.index(after: high)
                guard low < utf8.endIndex, let lowValue = HTTPByte.hexValue(utf8[low]) else { throw .invalidEscape }
                bytes.append(highValue << 4 | lowValue)
                index = utf8.index(after: low)
            } else {
                bytes.append(plusAsSpace && byte == plus ? HTTPByte.sp : byte)
                index = utf8.index(after: index)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return decoded
    }

    /// Decodes `text`; see `decode(_:plusAsSpace:)` taking a Substring.
    public static func decode(_ text: String, plusAsSpace: Bool) throws(PercentDecodingError) -> String {
        try decode(text[...], plusAsSpace: plusAsSpace)
    }
}
