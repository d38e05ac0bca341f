public import SwitchboardHTTP

/// A complete response: the encoder adds Content-Length, Date and Connection.
public struct HTTPResponse: Hashable, Sendable {
    public var status: HTTPStatus
    /// The handler's fields; Content-Length, Transfer-Encoding, Connection and Date are the
    /// encoder's to write (a response that sets them is answered with 500 instead).
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Fault injection for test doubles (the provider simulator), never set by the router: send
    /// a head that declares the whole body, then only this many of its bytes, then close the
    /// connection, so the client sees a body cut short. nil (the default): the whole body.
    public var truncatedBodyLength: Int?

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The SPEC §3 error shape, `{"error":{"code":"…","message":"…"}}`, as `application/json`.
    public static func error(status: HTTPStatus, code: String, message: String) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(40 + code.utf8.count + message.utf8.count)
        body.append(contentsOf: #"{"error":{"code":"#.utf8)
        appendJSONString(code, to: &body)
        body.append(contentsOf: #","message":"#.utf8)
        appendJSONString(message, to: &body)
        body.append(contentsOf: "}}".utf8)
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
    }

    /// A quoted JSON string (RFC 8259 §7): quote, backslash and control characters escaped.
    static func appendJSONString(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): buffer.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): buffer.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): buffer.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: #"\u00"#.utf8)
                buffer.append(hex[Int(byte >> 4)])
                buffer.append(hex[Int(byte & 0x0f)])
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
