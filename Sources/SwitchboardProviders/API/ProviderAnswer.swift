import SwitchboardCore
import SwitchboardHTTP

/// Reads a provider's answer the same way for every provider and operation: a success status with
/// a JSON body, or the `ProviderFailure` that describes why not.
enum ProviderAnswer {
    /// The longest provider message we quote.
    static let maxMessageLength = 200

    /// The JSON body of a success answer (a status in `accepted`); anything else is a failure.
    static func json(
        _ response: ProviderResponse, _ connection: ProviderConnection, _ operation: ProviderOperation,
        accepted: ClosedRange<Int> = 200...299
    ) throws(ProviderFailure) -> JSONValue {
        guard accepted.contains(response.status) else { throw failure(response, connection, operation) }
        do {
            return try JSONDocument(validating: response.body).root
        } catch {
            throw malformed(connection, operation, "status \(response.status) with a body that is \(error)")
        }
    }

    /// The failure for an answer whose status is not success.
    static func failure(_ response: ProviderResponse, _ connection: ProviderConnection, _ operation: ProviderOperation) -> ProviderFailure {
        let text = message(in: response.body, connection)
        let kind: ProviderFailure.Kind =
            response.status == 429
            ? .rateLimited(retryAfterSeconds: retryAfter(response.headers), providerMessage: text)
            : .status(response.status, providerMessage: text)
        return ProviderFailure(provider: connection.provider, operation: operation, kind: kind)
    }

    static func malformed(_ connection: ProviderConnection, _ operation: ProviderOperation, _ detail: String) -> ProviderFailure {
        ProviderFailure(provider: connection.provider, operation: operation, kind: .malformedAnswer(detail: detail))
    }

    /// `Retry-After` as delta-seconds (RFC 9110 §10.2.3), capped at a day. The HTTP-date form is
    /// not read: it would need a clock here, and "retry later" is still honest.
    static func retryAfter(_ headers: HTTPHeaders) -> Int? {
        guard let value = headers["retry-after"] else { return nil }
        let digits = value.utf8.drop { $0 == 0x20 || $0 == 0x09 }.prefix { $0 != 0x20 && $0 != 0x09 }
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(JSONScan.isDigit) else { return nil }
        return min(86_400, digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) })
    }

    /// The provider's own explanation: from a JSON body its `message`, `error` (or
    /// `error.message`), `detail`, `msg` or first of `errors`; otherwise the body's text. Secrets of
    /// the connection are blanked out before it is shortened, so no part of a key survives.
    static func message(in body: [UInt8], _ connection: ProviderConnection) -> String? {
        var text: String?
        if let root = try? JSONDocument(validating: body).root {
            text = jsonMessage(root)
        } else {
            text = String(decoding: body, as: UTF8.self)
        }
        guard var text else { return nil }
        text = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
        text = redacted(text, connection)
        text = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard !text.isEmpty else { return nil }
        return text.count > maxMessageLength ? String(text.prefix(maxMessageLength)) + "…" : text
    }

    /// `text` with the connection's API key and webhook secret replaced by `[redacted]`.
    static func redacted(_ text: String, _ connection: ProviderConnection) -> String {
        var out = text
        for secret in [connection.apiKey, connection.webhookSecret ?? ""] where !secret.isEmpty {
            out = out.replacing(secret, with: "[redacted]")
        }
        return out
    }

    private static func jsonMessage(_ root: JSONValue) -> String? {
        if let text = root.string { return text }
        for name: StaticString in ["message", "error", "detail", "msg", "errors"] {
            guard let value = try? root.member(name) else { continue }
            if let text = value.string { return text }
            if let nested = try? value.member("message"), let text = nested.string { return text }
            if let first = value.elements.first {
                if let text = first.string { return text }
                if let nested = try? first.member("message"), let text = nested.string { return text }
            }
        }
        return nil
    }
}
