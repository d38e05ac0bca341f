import SwitchboardCore
import SwitchboardHTTP

/// Builds request URLs and headers from a connection: its `base_url` (or the provider's public
/// default), percent-encoded path segments and query values, and the API key in a header. Every
/// piece that comes from stored configuration is checked here, so a bad value fails before anything
/// is sent, with a message that names the field and never the key.
enum ProviderEndpoint {
    /// The connection's base URL, checked: `http` or `https`, a host, an optional path prefix (the
    /// simulator mounts providers under one), no query, fragment or user info (credentials in a URL
    /// end up in logs), trailing slashes dropped.
    ///
    /// Every push asks for it, so the check runs over the bytes (no lowercased copy, no Foundation
    /// substring search) and a URL without a trailing slash comes back as the stored String.
    static func baseURL(_ connection: ProviderConnection, default defaultURL: String, operation: ProviderOperation) throws(ProviderFailure) -> String {
        guard var configured = connection.baseURL, !configured.isEmpty else { return defaultURL }
        let check = configured.withUTF8 { checkBaseURL($0) }
        switch check {
        case .valid(let end):
            return end == configured.utf8.count ? configured : String(decoding: configured.utf8.prefix(end), as: UTF8.self)
        case .badScheme:
            throw invalid(connection, operation, "base_url must start with http:// or https://, e.g. \(defaultURL)")
        case .badShape:
            throw invalid(connection, operation, "base_url must be a URL with a host and no spaces, query, fragment or user info, e.g. \(defaultURL)")
        case .notASCII:
            // Never valid (only visible ASCII is); which refusal depends on the scheme, read over
            // Characters as the stored String shows it: a combining mark after "http://" joins the
            // slash's Character, so the scheme is not there (ByteParsingEquivalenceTests).
            var text = Substring(configured)
            while text.hasSuffix("/") { text = text.dropLast() }
            let lower = text.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
                throw invalid(connection, operation, "base_url must start with http:// or https://, e.g. \(defaultURL)")
            }
            throw invalid(connection, operation, "base_url must be a URL with a host and no spaces, query, fragment or user info, e.g. \(defaultURL)")
        }
    }

    enum BaseURLCheck: Equatable {
        /// Valid; the URL is the first `end` bytes (trailing slashes dropped).
        case valid(end: Int)
        case badScheme
        case badShape
        /// A byte that is not ASCII: refused, with the message the Characters decide.
        case notASCII
    }

    /// The base URL's check over its bytes.
    static func checkBaseURL(_ bytes: UnsafeBufferPointer<UInt8>) -> BaseURLCheck {
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return .notASCII }
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
        let text = bytes[..<end]
        let hostStart: Int
        if startsIgnoringCase(text, "https://") {
            hostStart = 8
        } else if startsIgnoringCase(text, "http://") {
            hostStart = 7
        } else {
            return .badScheme
        }
        let host = text[hostStart...].prefix { $0 != UInt8(ascii: "/") }
        let valid = !host.isEmpty && text.allSatisfy { $0 > 0x20 && $0 < 0x7F }
            && !text.contains(UInt8(ascii: "?")) && !text.contains(UInt8(ascii: "#")) && !host.contains(UInt8(ascii: "@"))
        return valid ? .valid(end: end) : .badShape
    }

    private static func startsIgnoringCase(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        for offset in 0..<count {
            let byte = bytes[bytes.startIndex + offset]
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard folded == lowercase.utf8Start[offset] else { return false }
        }
        return true
    }

    /// `base` + `/` + each segment percent-encoded (RFC 3986 §2: everything but unreserved), written
    /// into one String of the right capacity (one allocation per URL).
    static func url(_ base: String, _ segments: [String], query: [(String, String)] = []) -> String {
        var capacity = base.utf8.count
        for segment in segments { capacity += 1 + 3 * segment.utf8.count }
        for (name, value) in query { capacity += 2 + 3 * (name.utf8.count + value.utf8.count) }
        return String(unsafeUninitializedCapacity: capacity) { buffer in
            var count = 0
            func put(_ byte: UInt8) {
                buffer[count] = byte
                count += 1
            }
            for byte in base.utf8 { put(byte) }
            for segment in segments {
                put(UInt8(ascii: "/"))
                percentEncode(segment, put)
            }
            for (position, item) in query.enumerated() {
                put(position == 0 ? UInt8(ascii: "?") : UInt8(ascii: "&"))
                percentEncode(item.0, put)
                put(UInt8(ascii: "="))
                percentEncode(item.1, put)
            }
            return count
        }
    }

    static func percentEncoded(_ text: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        percentEncode(text) { out.append($0) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hands `text`'s bytes to `put`, each one but the unreserved ones as `%XX`.
    private static func percentEncode(_ text: String, _ put: (UInt8) -> Void) {
        let hex: StaticString = "0123456789ABCDEF"
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                put(byte)
            default:
                put(UInt8(ascii: "%"))
                put(hex.utf8Start[Int(byte >> 4)])
                put(hex.utf8Start[Int(byte & 15)])
            }
        }
    }

    /// The headers for a JSON API call: the key as `Authorization` (with `Bearer ` or, for Bland,
    /// bare), `Accept`, and `Content-Type` when there is a body. The key must be header-safe:
    /// visible ASCII only, so it cannot smuggle a line break into the request.
    static func headers(
        _ connection: ProviderConnection, bearer: Bool, hasBody: Bool, operation: ProviderOperation
    ) throws(ProviderFailure) -> HTTPHeaders {
        let key = connection.apiKey
        guard !key.isEmpty, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw invalid(connection, operation, "the api_key is empty or has characters that cannot go in a header: set it again with PUT /v1/accounts/{account}/providers/\(connection.provider)")
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields: 3, bytes: 80 + key.utf8.count)
        headers.append(name: bearer ? "Authorization" : "authorization", value: bearer ? "Bearer " + key : key)
        headers.append(name: "Accept", value: "application/json")
        if hasBody { headers.append(name: "Content-Type", value: "application/json") }
        return headers
    }

    /// A provider id we send or receive (agent id, number id, call id): 1 to 256 visible ASCII.
    static func isProviderID(_ text: String) -> Bool {
        let utf8 = text.utf8
        return !utf8.isEmpty && utf8.count <= 256 && utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// Refuses an id before it goes into a URL or a body.
    static func checkID(_ text: String, field: String, _ connection: ProviderConnection, _ operation: ProviderOperation) throws(ProviderFailure) {
        guard isProviderID(text) else {
            throw invalid(connection, operation, "\(field) must be 1 to 256 visible ASCII characters, as \(connection.provider) shows it")
        }
    }

    static func invalid(_ connection: ProviderConnection, _ operation: ProviderOperation, _ detail: String) -> ProviderFailure {
        ProviderFailure(provider: connection.provider, operation: operation, kind: .invalidRequest(detail: detail))
    }
}
