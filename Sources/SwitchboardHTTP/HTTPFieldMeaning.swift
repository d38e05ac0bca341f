/// What a header field means to the parser, read straight from the received bytes.
///
/// Only five fields steer framing and the connection; recognising them on the raw bytes (length
/// first, then an ASCII case-insensitive compare against a lowercase literal) keeps the common case,
/// any other field, to one integer compare, and reads their values without building substrings.
enum HTTPFieldMeaning: Hashable, Sendable {
    case other
    /// RFC 9112 §3.2: `uri-host [ ":" port ]`.
    case host(valid: Bool)
    /// RFC 9110 §10.1.1.
    case expect(continue: Bool)
    /// RFC 9112 §9.3: the close and keep-alive connection options.
    case connection(close: Bool, keepAlive: Bool)
    /// RFC 9110 §8.6: the value, or why it is refused.
    case contentLength(Result<Int, HTTPParseError>)
    /// RFC 9112 §6.1: the codings listed on this line, summarised.
    case transferEncoding(codings: Int, chunked: Int, lastIsChunked: Bool, malformed: Bool)

    /// Interprets a field line; `value` has OWS trimmed.
    static func interpret(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> HTTPFieldMeaning {
        switch name.count {
        case 4 where HTTPByte.equalsIgnoringCase(name, lowercase: "host"):
            return .host(valid: value.allSatisfy(isHostByte))
        case 6 where HTTPByte.equalsIgnoringCase(name, lowercase: "expect"):
            var expectsContinue = false
            forEachListElement(value) {
                if HTTPByte.equalsIgnoringCase($0, lowercase: "100-continue") { expectsContinue = true }
            }
            return .expect(continue: expectsContinue)
        case 10 where HTTPByte.equalsIgnoringCase(name, lowercase: "connection"):
            var close = false
            var keepAlive = false
            forEachListElement(value) { option in
                // Connection options are case-insensitive tokens.
                if HTTPByte.equalsIgnoringCase(option, lowercase: "close") { close = true }
                if HTTPByte.equalsIgnoringCase(option, lowercase: "keep-alive") { keepAlive = true }
            }
            return .connection(close: close, keepAlive: keepAlive)
        case 14 where HTTPByte.equalsIgnoringCase(name, lowercase: "content-length"):
            return .contentLength(contentLength(value))
        case 17 where HTTPByte.equalsIgnoringCase(name, lowercase: "transfer-encoding"):
            var codings = 0
            var chunked = 0
            var lastIsChunked = false
            var malformed = false
            forEachListElement(value) { coding in
                codings += 1
                // Parameters ("chunked;x=y") or garbage: chunked takes no parameters and we support
                // no other coding, so this is malformed either way.
                if !coding.allSatisfy(HTTPByte.isTchar) { malformed = true }
                // Coding names are case-insensitive (RFC 9112 §7).
                lastIsChunked = HTTPByte.equalsIgnoringCase(coding, lowercase: "chunked")
                if lastIsChunked { chunked += 1 }
            }
            return .transferEncoding(
                codings: codings, chunked: chunked, lastIsChunked: lastIsChunked, malformed: malformed)
        default:
            return .other
        }
    }

    /// Each element must be 1*DIGIT. A list of identical values ("5, 5") is that value (RFC 9110
    /// §8.6 allows accepting it; the length is unambiguous); differing values are refused. Empty
    /// elements are refused: Content-Length is not a list field, so leniency buys nothing.
    private static func contentLength(_ value: UnsafeBufferPointer<UInt8>) -> Result<Int, HTTPParseError> {
        var result: Result<Int, HTTPParseError>?
        // `includingEmpty` also hands over an empty value as one empty element, which fails below.
        forEachListElement(value, includingEmpty: true) { element in
            if case .failure = result { return }
            guard let length = parseDecimal(element) else {
                result = .failure(.invalidContentLength)
                return
            }
            if case .success(let previous) = result, previous != length {
                result = .failure(.conflictingContentLength)
                return
            }
            result = .success(length)
        }
        return result ?? .failure(.invalidContentLength)
    }

    /// 1*DIGIT as an Int; nil if empty, not all ASCII digits, or overflowing.
    static func parseDecimal(_ digits: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard HTTPByte.isDigit(byte) else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// reg-name, IP-literal and port characters (RFC 3986 §3.2.2, §3.2.3). No userinfo, no path.
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"),
            UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="),
            UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "%"):
            true
        default:
            false
        }
    }

    /// Calls `body` with each element of a comma-separated list (RFC 9110 §5.6.1), OWS trimmed, as a
    /// slice of `value`. Empty elements are skipped, as §5.6.1 asks, unless `includingEmpty`.
    static func forEachListElement(
        _ value: UnsafeBufferPointer<UInt8>,
        includingEmpty: Bool = false,
        _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        var start = 0
        while true {
            var end = start
            while end < value.count, value[end] != HTTPByte.comma { end += 1 }
            var lower = start
            var upper = end
            while lower < upper, HTTPByte.isWhitespace(value[lower]) { lower += 1 }
            while lower < upper, HTTPByte.isWhitespace(value[upper - 1]) { upper -= 1 }
            if lower < upper || includingEmpty {
                body(UnsafeBufferPointer(rebasing: value[lower..<upper]))
            }
            guard end < value.count else { return }
            start = end + 1
        }
    }
}
