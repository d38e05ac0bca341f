import SwitchboardCore

/// An error answer: status, stable snake_case code, and a message that says what to do (SPEC §3:
/// `{"error":{"code":…,"message":…}}`).
struct APIError: Error, Equatable {
    var status: Int
    var code: String
    var message: String
    /// For 405: the methods the path accepts.
    var allow: [String] = []
    /// For 502/504 from a provider: the status the provider answered, if it answered.
    var providerStatus: Int?

    init(_ status: Int, _ code: String, _ message: String, allow: [String] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.allow = allow
    }

    init(_ error: DirectoryError) {
        self.init(error.code.httpStatus, error.code.rawValue, error.message)
    }

    static let unauthorized = APIError(401, "unauthorized", "send Authorization: Bearer TOKEN with the admin token or the account's token")
    static let forbidden = APIError(403, "forbidden", "this token belongs to another account: use that account's token or the admin token")
    static let adminOnly = APIError(403, "forbidden", "only the admin token may do this")

    var body: [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        writer.beginObject()
        writer.member("code", code)
        writer.member("message", message)
        if let providerStatus { writer.member("provider_status", providerStatus) }
        writer.endObject()
        writer.endObject()
        return writer.bytes
    }
}
