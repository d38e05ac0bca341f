import SwitchboardCore

/// The field reads every adapter's `decode` is made of, each turning a wrong shape into a
/// `WebhookError` that names the field. A member that is `null` counts as absent.
enum WebhookBody {
    /// The body as a validated document whose top level is an object.
    static func root(_ body: [UInt8]) throws(WebhookError) -> JSONValue {
        let document: JSONDocument
        do { document = try JSONDocument(validating: body) } catch { throw .invalidJSON(error) }
        let root = document.root
        guard root.kind == .object else { throw .invalidBody(field: "top level", problem: "must be a JSON object") }
        return root
    }

    /// `value.name`, nil when absent or null.
    static func member(_ value: JSONValue, _ name: StaticString) throws(WebhookError) -> JSONValue? {
        try member(JSONValue.Lookup { () throws(JSONError) in try value.member(name) })
    }

    /// A member found by `JSONValue.members`, as `member(_:_:)` would give it: nil when absent or
    /// null, a duplicate refused.
    static func member(_ lookup: JSONValue.Lookup) throws(WebhookError) -> JSONValue? {
        let found: JSONValue?
        switch lookup {
        case .success(let value): found = value
        case .failure(let error): throw .invalidJSON(error)
        }
        guard let found, !found.isNull else { return nil }
        return found
    }

    /// An object member found by `JSONValue.members`, as `object(_:_:path:)` would give it.
    static func object(_ lookup: JSONValue.Lookup, path: StaticString) throws(WebhookError) -> JSONValue? {
        guard let found = try member(lookup) else { return nil }
        guard found.kind == .object else { throw .invalidBody(field: path.description, problem: "must be a JSON object") }
        return found
    }

    /// `value?.name`: nil when `value` is nil, or as `member(_:_:)`.
    static func member(in value: JSONValue?, _ name: StaticString) throws(WebhookError) -> JSONValue? {
        guard let value else { return nil }
        return try member(value, name)
    }

    /// An object member, nil when absent; refused when it is another kind.
    static func object(_ value: JSONValue, _ name: StaticString, path: StaticString) throws(WebhookError) -> JSONValue? {
        try object(JSONValue.Lookup { () throws(JSONError) in try value.member(name) }, path: path)
    }

    /// A string member, nil when absent; refused when it is another kind.
    static func string(_ value: JSONValue, _ name: StaticString, path: StaticString) throws(WebhookError) -> JSONValue? {
        guard let found = try member(value, name) else { return nil }
        guard found.kind == .string else { throw .invalidBody(field: path.description, problem: "must be a string") }
        return found
    }

    /// An event's type name: a non-empty string, kept to 64 characters (it ends up in metrics).
    static func eventType(_ value: JSONValue, path: StaticString) throws(WebhookError) -> String {
        guard let text = value.string, !text.isEmpty else {
            throw .invalidBody(field: path.description, problem: "must be a non-empty string naming the event")
        }
        return String(text.prefix(64))
    }

    /// The called number: required, a string, E.164 once normalised.
    static func calledNumber(_ value: JSONValue?, path: StaticString) throws(WebhookError) -> E164 {
        guard let value else { throw .invalidBody(field: path.description, problem: "is missing: an inbound call must name the called number") }
        let parsed: Result<E164, E164.ParseError>? = value.withStringUTF8 { utf8 in
            utf8.withUnsafeBytes { raw in Result { () throws(E164.ParseError) in try E164.parse(utf8: raw) } }
        }
        switch parsed {
        case nil: throw .invalidBody(field: path.description, problem: "must be a string holding an E.164 number")
        case .failure(let error): throw .invalidPhoneNumber(field: path.description, error)
        case .success(let number): return number
        }
    }

    /// The caller's number when it is one. Withheld callers arrive as "anonymous" or empty: that is
    /// no reason to refuse the call, so anything that is not E.164 reads as no caller.
    static func callerNumber(_ value: JSONValue?, path: StaticString) throws(WebhookError) -> E164? {
        guard let value else { return nil }
        guard value.kind == .string else { throw .invalidBody(field: path.description, problem: "must be a string") }
        return value.withStringUTF8 { utf8 in utf8.withUnsafeBytes { raw in try? E164.parse(utf8: raw) } } ?? nil
    }

    /// A provider's id (call id, number id): 1 to 256 visible ASCII characters when present.
    static func providerID(_ value: JSONValue?, path: StaticString) throws(WebhookError) -> String? {
        guard let value else { return nil }
        guard let text = value.string, ProviderEndpoint.isProviderID(text) else {
            throw .invalidBody(field: path.description, problem: "must be a string of 1 to 256 visible ASCII characters")
        }
        return text
    }
}
