import SwitchboardHTTP
import Testing

struct HTTPStatusTests {
    /// Every status the router, the simulator and the connection layer can send (SwitchboardServer's
    /// `Metrics.statuses`, the 100 and 408 of the connection layer, 505 of the parser).
    static let sent: [Int] = [
        100, 200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 408, 409, 413, 414, 415, 422, 429, 431, 500, 501, 502, 503,
        504, 505,
    ]

    @Test(arguments: sent)
    func reasonPhrase_everyStatusWeSend_hasOne(code: Int) {
        #expect(!HTTPStatus(code: code).reasonPhrase.isEmpty)
    }

    @Test func reasonPhrase_requestTimeout_isRFC9110s() {
        #expect(HTTPStatus.requestTimeout.reasonPhrase == "Request Timeout")
        #expect(HTTPStatus.requestTimeout.description == "408 Request Timeout")
        #expect(HTTPStatus.accepted.reasonPhrase == "Accepted")
        #expect(HTTPStatus.unsupportedMediaType.reasonPhrase == "Unsupported Media Type")
    }

    @Test func reasonPhrase_everyParseRefusal_hasOne() {
        for error in HTTPParseError.allCases {
            #expect(!error.status.reasonPhrase.isEmpty, "\(error)")
        }
    }

    @Test func encoder_requestTimeout_statusLineHasReasonPhrase() throws {
        var buffer: [UInt8] = []
        try HTTPResponseEncoder().encode(status: .requestTimeout, body: [], keepAlive: false, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
    }

    @Test func reasonPhrase_unknownCode_isEmpty() {
        #expect(HTTPStatus(code: 299).reasonPhrase.isEmpty)
        #expect(HTTPStatus(code: 299).description == "299")
    }
}
