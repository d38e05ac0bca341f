public import SwitchboardHTTP

/// Header reads for webhooks: names compared ASCII case-insensitively (RFC 9110 §5.1) over the
/// bytes, without lowercased copies, and authentication headers required to appear at most once.
public enum WebhookHeaderLookup {
    /// The value of `name`, nil when absent; refused when the header appears more than once, since
    /// two signatures leave it unclear which one the provider meant.
    static func single(_ headers: HTTPHeaders, _ name: StaticString) throws(WebhookError) -> String? {
        switch headers.single(lowercaseName: name) {
        case .absent: return nil
        case .one(let value): return value
        case .repeated: throw .malformedCredentials(header: name.description, problem: "it appears more than once; send it once")
        }
    }

    /// Refuses a body that is not declared as JSON (415). `application/json` in any case, with
    /// optional parameters (RFC 9110 §8.3.1); a `charset` parameter, if given, must be UTF-8,
    /// since RFC 8259 §8.1 allows no other encoding between systems.
    public static func checkContentType(_ headers: HTTPHeaders) throws(WebhookError) {
        // The usual value, exactly, is checked over the bytes: no String, no parameter walk.
        let usual = try headers.withSingle(lowercaseName: "content-type") { found throws(WebhookError) -> Bool in
            switch found {
            case .absent: throw .unsupportedMediaType(received: nil)
            case .repeated: throw .unsupportedMediaType(received: "several Content-Type headers")
            case .one(let bytes): return WebhookHeaderLookup.equals(bytes, lowercase: "application/json")
            }
        }
        if usual { return }
        guard case .one(let value) = headers.single(lowercaseName: "content-type") else { throw .unsupportedMediaType(received: nil) }
        // Walk the `;`-separated parts as slices of the value: no array of parts is built.
        var rest = value.utf8[...]
        var first = true
        while true {
            let end = rest.firstIndex(of: UInt8(ascii: ";")) ?? rest.endIndex
            let part = trimmed(rest[..<end])
            if first {
                guard asciiEqualsIgnoringCase(part, "application/json") else { throw .unsupportedMediaType(received: shortened(value)) }
                first = false
            } else if let equals = part.firstIndex(of: UInt8(ascii: "=")), asciiEqualsIgnoringCase(trimmed(part[..<equals]), "charset") {
                var charset = trimmed(part[part.index(after: equals)...])
                if charset.count >= 2, charset.first == UInt8(ascii: "\""), charset.last == UInt8(ascii: "\"") {
                    charset = charset.dropFirst().dropLast()
                }
                guard asciiEqualsIgnoringCase(charset, "utf-8") || asciiEqualsIgnoringCase(charset, "utf8") else {
                    throw .unsupportedMediaType(received: shortened(value))
                }
            }
            guard end < rest.endIndex else { return }
            rest = rest[rest.index(after: end)...]
        }
    }

    static func namesEqual(_ name: String, _ expected: StaticString) -> Bool {
        asciiEqualsIgnoringCase(name.utf8[...], expected)
    }

    private static func asciiEqualsIgnoringCase(_ bytes: Substring.UTF8View, _ expected: StaticString) -> Bool {
        expected.withUTF8Buffer { wanted in
            guard bytes.count == wanted.count else { return false }
            return zip(bytes, wanted).allSatisfy { lower($0) == lower($1) }
        }
    }

    /// `bytes` equal to a lowercase ASCII literal, ignoring the case of `bytes`.
    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, lowercase literal: StaticString) -> Bool {
        literal.withUTF8Buffer { wanted in
            guard bytes.count == wanted.count else { return false }
            for index in 0..<bytes.count where lower(bytes[index]) != wanted[index] { return false }
            return true
        }
    }

    @inline(__always)
    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }

    /// A header value fit to quote in an error: printable ASCII, at most 100 characters.
    static func shortened(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.prefix(100).map { $0.value >= 0x20 && $0.value < 0x7F ? $0 : "?" }))
    }
}
