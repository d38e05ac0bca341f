import SwitchboardHTTP
import Testing

struct HTTPResponseEncoderTests {
    /// Fixed at RFC 9110's example date.
    private let encoder = HTTPResponseEncoder(dateCache: HTTPDateCache(clock: { 784_111_777 }))
    private let date = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"

    private func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    @Test func encoder_bodyResponse_framedWithContentLength() throws {
        var buffer: [UInt8] = []
        try encoder.encode(
            status: .ok, headers: ["Content-Type": "application/json"], body: Array(#"{"ok":true}"#.utf8),
            keepAlive: true, into: &buffer)
        #expect(
            text(buffer)
                == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n" + date + "\r\n"
                + #"{"ok":true}"#)
    }

    @Test func encoder_contentLength_matchesBodyBytesNotCharacters() throws {
        var buffer: [UInt8] = []
        let body = Array("héllo wörld ✓".utf8)
        try encoder.encode(status: .created, body: body, keepAlive: true, into: &buffer)
        #expect(text(buffer).contains("Content-Length: \(body.count)\r\n"))
        #expect(Array(buffer.suffix(body.count)) == body)
    }

    @Test func encoder_largeBody_contentLengthHasAllDigits() throws {
        var buffer: [UInt8] = []
        try encoder.encode(
            status: .ok, body: [UInt8](repeating: 0x7A, count: 1_234_567), keepAlive: true, into: &buffer)
        #expect(text(Array(buffer.prefix(200))).contains("Content-Length: 1234567\r\n"))
        let headEnd = buffer.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound ?? 0
        #expect(buffer.count == headEnd + 1_234_567)
    }

    @Test func encoder_emptyBody_contentLengthZero() throws {
        var buffer: [UInt8] = []
        try encoder.encode(status: .notFound, keepAlive: true, into: &buffer)
        #expect(text(buffer) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n" + date + "\r\n")
    }

    @Test func encoder_closingConnection_sendsConnectionClose() throws {
        var buffer: [UInt8] = []
        try encoder.encode(status: .badRequest, body: Array("x".utf8), keepAlive: false, into: &buffer)
        #expect(
            text(buffer) == "HTTP/1.1 400 Bad Request\r\nContent-Length: 1\r\n" + date + "Connection: close\r\n\r\nx")
    }

    @Test func encoder_http10KeepAlive_sendsConnectionKeepAlive() throws {
        var buffer: [UInt8] = []
        try encoder.encode(status: .ok, keepAlive: true, requestVersion: .http10, into: &buffer)
        #expect(text(buffer).contains("Connection: keep-alive\r\n"))
        buffer.removeAll()
        try encoder.encode(status: .ok, keepAlive: true, requestVersion: .http11, into: &buffer)
        #expect(!text(buffer).contains("Connection:"))
    }

    @Test func encoder_noContent_omitsContentLength() throws {
        var buffer: [UInt8] = []
        try encoder.encode(status: .noContent, keepAlive: true, into: &buffer)
        #expect(text(buffer) == "HTTP/1.1 204 No Content\r\n" + date + "\r\n")
    }

    @Test func encoder_noContentWithBody_refused() {
        var buffer: [UInt8] = []
        #expect(throws: HTTPEncodingError.contentNotAllowed(.noContent)) {
            try encoder.encode(status: .noContent, body: [1], keepAlive: true, into: &buffer)
        }
        #expect(buffer.isEmpty)
    }

    @Test func encoder_appends_keepingExistingBufferContents() throws {
        var buffer = Array("previous".utf8)
        try encoder.encode(status: .ok, keepAlive: true, into: &buffer)
        #expect(text(buffer).hasPrefix("previousHTTP/1.1 200 OK\r\n"))
    }

    @Test(arguments: ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\u{0}b", "a\u{7F}"])
    func encoder_headerValueWithControlCharacters_refusedAndNothingWritten(value: String) {
        var buffer = Array("kept".utf8)
        #expect(throws: HTTPEncodingError.invalidHeaderValue(name: "X-Injected")) {
            try encoder.encode(status: .ok, headers: ["X-Injected": value], keepAlive: true, into: &buffer)
        }
        #expect(text(buffer) == "kept")
    }

    @Test(arguments: ["Bad Name", "X-Evil\r\nSet-Cookie", "", "Colon:"])
    func encoder_invalidHeaderName_refused(name: String) {
        var buffer: [UInt8] = []
        #expect(throws: HTTPEncodingError.invalidHeaderName(name)) {
            try encoder.encode(status: .ok, headers: [name: "v"], keepAlive: true, into: &buffer)
        }
        #expect(buffer.isEmpty)
    }

    @Test(arguments: ["Content-Length", "transfer-encoding", "CONNECTION", "date"])
    func encoder_reservedHeader_refused(name: String) {
        var buffer: [UInt8] = []
        #expect(throws: HTTPEncodingError.reservedHeader(name)) {
            try encoder.encode(status: .ok, headers: [name: "1"], keepAlive: true, into: &buffer)
        }
    }

    @Test(arguments: [100, 101, 199, 99, 1000])
    func encoder_nonFinalStatus_refused(code: Int) {
        var buffer: [UInt8] = []
        #expect(throws: HTTPEncodingError.invalidStatus(code)) {
            try encoder.encode(status: HTTPStatus(code: code), keepAlive: true, into: &buffer)
        }
    }

    @Test func encoder_continue_isBareInterimResponse() {
        var buffer: [UInt8] = []
        HTTPResponseEncoder.encodeContinue(into: &buffer)
        #expect(text(buffer) == "HTTP/1.1 100 Continue\r\n\r\n")
    }

    @Test func encoder_chunkedHead_declaresChunkedWithoutContentLength() throws {
        var buffer: [UInt8] = []
        try encoder.encodeChunkedHead(
            status: .ok, headers: ["Content-Type": "text/plain"], keepAlive: true, into: &buffer)
        #expect(
            text(buffer) == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n" + date
                + "\r\n")
    }

    @Test func encoder_chunks_hexSizesAndFinalChunk() {
        var buffer: [UInt8] = []
        HTTPResponseEncoder.encodeChunk(Array("hello".utf8), into: &buffer)
        HTTPResponseEncoder.encodeChunk([UInt8](), into: &buffer)
        HTTPResponseEncoder.encodeChunk([UInt8](repeating: 0x41, count: 300), into: &buffer)
        HTTPResponseEncoder.encodeLastChunk(into: &buffer)
        #expect(text(buffer) == "5\r\nhello\r\n12c\r\n" + String(repeating: "A", count: 300) + "\r\n0\r\n\r\n")
    }

    @Test func encoder_chunkedBody_parsesBackToSameBytes() {
        var wire = Array(http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked").utf8)
        let pieces: [[UInt8]] = [Array("{\"a\":".utf8), [], [UInt8](repeating: 0x31, count: 4097), Array("}".utf8)]
        for piece in pieces { HTTPResponseEncoder.encodeChunk(piece, into: &wire) }
        HTTPResponseEncoder.encodeLastChunk(into: &wire)
        let outputs = ParserVerifier.run([wire[...]])
        #expect(outputs == [.request(HTTPRequest(head: requestHead(), body: pieces.flatMap { $0 }))])
    }

    private func requestHead() -> HTTPRequestHead {
        HTTPRequestHead(
            method: "POST", target: "/", version: .http11,
            headers: ["Host": "x", "Transfer-Encoding": "chunked"], keepAlive: true)
    }

    @Test func encoder_chunkedForHTTP10_refused() {
        var buffer: [UInt8] = []
        #expect(throws: HTTPEncodingError.chunkedNotAllowedForHTTP10) {
            try encoder.encodeChunkedHead(status: .ok, keepAlive: false, requestVersion: .http10, into: &buffer)
        }
    }

    @Test func status_commonCodes_haveReasonPhrases() {
        let codes = [
            100, 200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 414, 422, 429, 431, 500, 501, 502, 503, 504, 505,
        ]
        for code in codes {
            #expect(!HTTPStatus(code: code).reasonPhrase.isEmpty, "\(code)")
        }
        #expect(HTTPStatus.requestHeaderFieldsTooLarge.reasonPhrase == "Request Header Fields Too Large")
        #expect(HTTPStatus(code: 299).reasonPhrase == "")
    }

    @Test func encoder_unknownStatus_writesEmptyReasonPhrase() throws {
        var buffer: [UInt8] = []
        try encoder.encode(status: 299, keepAlive: true, into: &buffer)
        #expect(text(buffer).hasPrefix("HTTP/1.1 299 \r\n"))
    }
}
