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
    static func baseURL(_ connection: ProviderConnection, default defaultURL: String, operation: ProviderOperation) throws(ProviderFailure) -> String {
        guard let configured = connection.baseURL, !configured.isEmpty else { return defaultURL }
        var text = Substring(configured)
        while text.hasSuffix("/") { text = text.dropLast() }
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            throw invalid(connection, operation, "base_url must start with http:// or https://, e.g. \(defaultURL)")
        }
        let host = rest.prefix { $0 != "/" }
        let valid = !host.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
            && !text.contains("?") && !text.contains("#") && !host.contains("@")
        guard valid else {
            throw invalid(connection, operation, "base_url must be a URL with a host and no spaces, query, fragment or user info, e.g. \(defaultURL)")
        }
        return String(text)
    }

    /// `base` + `/` + each segment percent-encoded (RFC 3986 §2: everything but unreserved).
    static func url(_ base: String, _ segments: [String], query: [(String, String)] = []) -> String {
        var url = base
        for segment in segments {
            url += "/" + percentEncoded(segment)
        }
        for (position, item) in query.enumerated() {
            url += (position == 0 ? "?" : "&") + percentEncoded(item.0) + "=" + percentEncoded(item.1)
        }
        return url
    }

    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
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
        headers.append(name: bearer ? "Authorization" : "authorization", value: bearer ? "Bearer \(key)" : key)
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
