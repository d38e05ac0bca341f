public import SwitchboardHTTP

/// One HTTP request to a provider's API, as a value: built by an adapter, sent by a
/// `ProviderTransport`, compared in tests. Its descriptions mask credentials, so a request can be
/// logged or shown in a test failure without leaking the API key.
public struct ProviderRequest: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public enum Method: String, Sendable, Equatable {
        case get = "GET"
        case post = "POST"
        case patch = "PATCH"
    }

    public var method: Method
    /// The absolute URL, path segments and query values percent-encoded.
    public var url: String
    public var headers: HTTPHeaders
    /// The JSON body, nil for none.
    public var body: [UInt8]?

    public init(method: Method, url: String, headers: HTTPHeaders, body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The body as text (tests and logs).
    public var bodyText: String? { body.map { String(decoding: $0, as: UTF8.self) } }

    /// Headers with the value of `Authorization` reduced to its scheme and last four characters.
    public var maskedHeaders: [String] {
        headers.fields.map { field in
            guard WebhookHeaderLookup.namesEqual(field.name, "authorization") else { return "\(field.name): \(field.value)" }
            return "\(field.name): \(ProviderRequest.mask(field.value))"
        }
    }

    public var description: String {
        "\(method.rawValue) \(url) [\(maskedHeaders.joined(separator: "; "))] \(body.map { "\($0.count) bytes" } ?? "no body")"
    }

    public var debugDescription: String { description }

    /// `dump` and reflection see the masked form too.
    public var customMirror: Mirror {
        Mirror(self, children: ["method": method.rawValue, "url": url, "headers": maskedHeaders, "body": bodyText as Any], displayStyle: .struct)
    }

    static func mask(_ value: String) -> String {
        let parts = value.split(separator: " ", maxSplits: 1)
        let (scheme, secret) = parts.count == 2 ? (String(parts[0]) + " ", parts[1]) : ("", Substring(value))
        return scheme + (secret.count <= 4 ? String(repeating: "•", count: secret.count) : "••••" + secret.suffix(4))
    }
}

/// A provider's answer, as a value: status, headers and the body bytes as received.
public struct ProviderResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer, for tests and the in-memory transport.
    public static func json(_ status: Int, _ text: String, headers: HTTPHeaders = ["Content-Type": "application/json"]) -> ProviderResponse {
        ProviderResponse(status: status, headers: headers, body: Array(text.utf8))
    }
}
