public import Foundation

/// An answer as it came: status, header fields (names lower-cased), body.
public struct ClientResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The answer if its status is 2xx; otherwise the API's error it carries.
    public func checked() throws(ClientError) -> ClientResponse {
        guard (200..<300).contains(status) else { throw apiError }
        return self
    }

    /// The API error of a non-2xx answer (SPEC §3 format), or a stand-in naming the status when
    /// the body is not that format (a proxy's page, say).
    public var apiError: ClientError {
        if let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: body) {
            return .api(status: status, code: envelope.error.code, message: envelope.error.message)
        }
        let excerpt = text.prefix(200).trimmingCharacters(in: .whitespacesAndNewlines)
        return .api(status: status, code: "http_\(status)", message: excerpt.isEmpty ? "the server answered \(status) without an error body" : excerpt)
    }

    /// The body decoded as `T` (after `checked()`).
    public func decode<T: Decodable>(_ type: T.Type) throws(ClientError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            throw .invalidAnswer(status: status, reason: Self.describe(error))
        } catch {
            throw .invalidAnswer(status: status, reason: "\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the body" : "field '\(keys.joined(separator: "."))'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)) lacks '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)) has the wrong type"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private struct ErrorEnvelope: Decodable {
        struct Body: Decodable {
            let code: String
            let message: String
        }
        let error: Body
    }
}
