import Foundation
import SwitchboardCore

/// A request body read as one JSON object, with typed access whose errors name the field
/// (SPEC §3: bodies that are not the JSON expected are 400 naming the field).
struct JSONBody {
    let object: [String: Any]

    init(_ bytes: [UInt8]) throws(APIError) {
        guard !bytes.isEmpty else { throw APIError(400, "invalid_json", "the request needs a JSON object body") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw APIError(400, "invalid_json", "the body is not valid JSON: send one JSON object (UTF-8)")
        }
        guard let object = parsed as? [String: Any] else { throw APIError(400, "invalid_json", "the body must be a JSON object") }
        self.object = object
    }

    /// Refuses members other than `allowed`, so a typo is an error rather than silently ignored.
    func only(_ allowed: [String]) throws(APIError) {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError(400, "invalid_field", "field '\(unknown)' is not accepted here (accepted: \(allowed.joined(separator: ", ")))")
        }
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    func isNull(_ key: String) -> Bool { object[key] is NSNull }

    func string(_ key: String) throws(APIError) -> String {
        guard let value = object[key] else { throw APIError(400, "invalid_field", "field '\(key)' is required") }
        guard let text = value as? String else { throw APIError(400, "invalid_field", "field '\(key)' must be a string") }
        return text
    }

    func optionalString(_ key: String) throws(APIError) -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw APIError(400, "invalid_field", "field '\(key)' must be a string or null") }
        return text
    }

    func identifier(_ key: String) throws(APIError) -> Identifier {
        let text = try string(key)
        do { return try Identifier(text, field: key) } catch { throw APIError(error) }
    }

    func provider(_ key: String) throws(APIError) -> Provider {
        let text = try string(key)
        guard let provider = Provider(name: text) else {
            throw APIError(400, "unknown_provider", "field '\(key)': '\(text)' is not a provider; use \(Provider.accepted)")
        }
        return provider
    }

    func status(_ key: String, default fallback: Status) throws(APIError) -> Status {
        guard let text = try optionalString(key) else { return fallback }
        guard let status = Status(name: text) else { throw APIError(400, "invalid_field", "field '\(key)' must be \"active\" or \"inactive\"") }
        return status
    }

    func number(_ key: String) throws(APIError) -> E164? {
        guard let text = try optionalString(key) else { return nil }
        do { return try E164(text) } catch { throw APIError(400, "invalid_phone_number", "field '\(key)': \(error.description)") }
    }
}
