import Foundation
import SwitchboardCore
import SwitchboardHTTP
import SwitchboardPosix

/// One authenticated request to a provider endpoint, as the per-provider APIs see it.
struct APIRequest {
    let endpoint: SimulatorEndpoint
    /// The path's variable segment, decoded (a number, an id, an agent id).
    let variable: String?
    let query: [HTTPRequestTarget.QueryItem]
    let http: HTTPRequest
    let account: SimulatorAccount
    /// A listing fault to play inside the answer (`repeatedCursor`, `nonE164Numbers`).
    let listingFault: SimulatorFault?
    let sequence: Int

    var provider: Provider { account.provider }

    /// The query's parameters, refusing any not in `accepted` and any given twice.
    func queryParameters(accepted: [String]) throws(APIFailure) -> [String: String] {
        var values: [String: String] = [:]
        for item in query {
            guard accepted.contains(item.name) else {
                let list = accepted.isEmpty ? "none" : accepted.joined(separator: ", ")
                throw APIFailure(400, "unknown query parameter \(item.name); this endpoint accepts: \(list)")
            }
            guard values.updateValue(item.value, forKey: item.name) == nil else {
                throw APIFailure(400, "query parameter \(item.name) is given twice: send it once")
            }
        }
        return values
    }

    /// `limit`, a whole number in `range`, or `defaultValue` when absent.
    func limit(_ values: [String: String], range: ClosedRange<Int>, defaultValue: Int) throws(APIFailure) -> Int {
        guard let text = values["limit"] else { return defaultValue }
        guard let limit = Int(text), range.contains(limit) else {
            throw APIFailure(400, "limit must be a whole number from \(range.lowerBound) to \(range.upperBound); got \(text)")
        }
        return limit
    }

    /// The body as a JSON object whose members are all in `accepted`.
    func jsonObject(accepted: [String]) throws(APIFailure) -> SimulatorJSON {
        guard Self.isJSON(http.headers) else {
            let contentType = http.headers["content-type"] ?? ""
            throw APIFailure(400, "send the body as JSON with Content-Type: application/json (got \(contentType.isEmpty ? "none" : contentType))")
        }
        let json: SimulatorJSON
        do {
            json = try SimulatorJSON.parse(http.body)
        } catch {
            throw APIFailure(400, error.description)
        }
        guard let members = json.members else {
            throw APIFailure(400, "the body must be a JSON object, not \(json.typeName)")
        }
        for member in members where !accepted.contains(member.key) {
            throw APIFailure(400, "property \(member.key) should not exist; accepted: \(accepted.joined(separator: ", "))")
        }
        return json
    }
}

extension APIRequest {
    /// Whether the first Content-Type field names `application/json`: its first non-empty
    /// `;`-separated piece, trimmed of whitespace, is that in any case (`isJSON(contentType:)`).
    ///
    /// Read over the bytes when the field appears once in printable ASCII (what clients send),
    /// where a Character is a byte, `;` splits, and whitespace is SP and HTAB. Anything else goes
    /// through `isJSON(contentType:)` on the String, the rule itself; a test compares the two.
    static func isJSON(_ headers: HTTPHeaders) -> Bool {
        headers.withSingle(lowercaseName: "content-type") { found in
            guard case .one(let value) = found, value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 < 0x7F) }) else {
                return isJSON(contentType: headers["content-type"] ?? "")
            }
            var start = 0
            while start < value.count, value[start] == UInt8(ascii: ";") { start += 1 }
            var end = start
            while end < value.count, value[end] != UInt8(ascii: ";") { end += 1 }
            while start < end, value[start] == 0x20 || value[start] == 0x09 { start += 1 }
            while end > start, value[end - 1] == 0x20 || value[end - 1] == 0x09 { end -= 1 }
            let expected = "application/json".utf8
            guard end - start == expected.count else { return false }
            return zip(value[start..<end], expected).allSatisfy { byte, wanted in
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == wanted
            }
        }
    }

    /// The rule over a Content-Type value as a String.
    static func isJSON(contentType: String) -> Bool {
        contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } == "application/json"
    }
}

/// What a provider endpoint answers when it succeeds.
struct APIAnswer {
    var status: Int
    var body: SimulatorJSON
}

/// A provider endpoint's refusal: the status and a message, rendered in the provider's style.
struct APIFailure: Error {
    let status: Int
    let message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// Reading request fields the way the providers validate them.
enum Field {
    /// A required string member, non-empty and at most `maxLength` bytes.
    static func string(_ json: SimulatorJSON, _ name: String, maxLength: Int = 256) throws(APIFailure) -> String {
        guard let value = json[name], !value.isNull else { throw APIFailure(400, "\(name) is required") }
        return try text(value, name, maxLength: maxLength)
    }

    /// An optional string member: nil when absent or null.
    static func optionalString(_ json: SimulatorJSON, _ name: String, maxLength: Int = 256) throws(APIFailure) -> String? {
        guard let value = json[name], !value.isNull else { return nil }
        return try text(value, name, maxLength: maxLength)
    }

    private static func text(_ value: SimulatorJSON, _ name: String, maxLength: Int) throws(APIFailure) -> String {
        guard let text = value.stringValue else {
            throw APIFailure(400, "\(name) must be a string, not \(value.typeName)")
        }
        guard !text.isEmpty, text.utf8.count <= maxLength else {
            throw APIFailure(400, "\(name) must be 1 to \(maxLength) characters long")
        }
        return text
    }

    /// A required number in E.164 form exactly as written (`+14155550123`).
    static func number(_ json: SimulatorJSON, _ name: String) throws(APIFailure) -> E164 {
        guard let value = json[name], !value.isNull else { throw APIFailure(400, "\(name) is required") }
        guard let text = value.stringValue else {
            throw APIFailure(400, "\(name) must be a string in E.164 form, e.g. +14155550123, not \(value.typeName)")
        }
        return try e164(text, name)
    }

    /// `text` as E.164, refusing anything but the canonical form: the adapters always send E.164.
    /// `name` is made only for the refusal (a Bland list names each entry by its index).
    static func e164(_ text: String, _ name: @autoclosure () -> String) throws(APIFailure) -> E164 {
        guard let number = try? E164(text), number.isWritten(as: text) else {
            throw APIFailure(400, "\(name()) must be an E.164 number (+ then 1 to 15 digits, e.g. +14155550123); got \"\(text)\"")
        }
        return number
    }

    /// An optional object member (metadata, variables); nil when absent or null.
    static func optionalObject(_ json: SimulatorJSON, _ name: String) throws(APIFailure) -> SimulatorJSON? {
        guard let value = json[name], !value.isNull else { return nil }
        guard value.members != nil else { throw APIFailure(400, "\(name) must be a JSON object, not \(value.typeName)") }
        return value
    }

    /// A member that is a string or null, for settings that can be cleared. `.absent` when missing.
    static func setting(_ json: SimulatorJSON, _ name: String) throws(APIFailure) -> Setting {
        guard let value = json[name] else { return .absent }
        if value.isNull { return .clear }
        return .set(try text(value, name, maxLength: 256))
    }

    enum Setting: Equatable {
        case absent, clear
        case set(String)

        func apply(to field: inout String?) {
            switch self {
            case .absent: break
            case .clear: field = nil
            case .set(let value): field = value
            }
        }
    }
}

/// How each provider words its errors, so a client parses the same shapes it would in production.
enum ProviderStyle {
    static func error(_ provider: Provider, status: Int, message: String) -> HTTPResponse {
        let body: SimulatorJSON
        switch provider {
        case .retell, .bland:
            body = .fields(["status": .string("error"), "message": .string(message)])
        case .vapi:
            // NestJS's shape, which Vapi's API answers with.
            body = .fields([
                "message": .string(message), "error": .string(HTTPStatus(code: status).reasonPhrase),
                "statusCode": .integer(Int64(status)),
            ])
        }
        return json(status: status, body)
    }

    static func json(status: Int, _ body: SimulatorJSON) -> HTTPResponse {
        HTTPResponse(status: HTTPStatus(code: status), headers: jsonHeaders, body: body.encoded())
    }

    /// Built once and shared (copy on write): every answer carries the same field.
    static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]
}
