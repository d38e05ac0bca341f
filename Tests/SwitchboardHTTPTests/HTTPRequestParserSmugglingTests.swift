import SwitchboardHTTP
import Testing

/// Framing that two parsers could read differently is refused, with the status the RFCs name; each
/// case is checked whole, byte by byte and split at every position.
struct HTTPRequestParserSmugglingTests {
    private func expectFailure(
        _ text: String,
        _ expected: HTTPParseError,
        status: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = ParserVerifier.failure(text, sourceLocation: sourceLocation)
        #expect(error == expected, sourceLocation: sourceLocation)
        #expect(error?.status.code == status, sourceLocation: sourceLocation)
    }

    @Test func parser_transferEncodingWithContentLength_refused400() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Content-Length: 5", "Transfer-Encoding: chunked", body: "0\r\n\r\n"),
            .contentLengthWithTransferEncoding, status: 400)
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "Content-Length: 5", body: "0\r\n\r\n"),
            .contentLengthWithTransferEncoding, status: 400)
    }

    @Test func parser_differingContentLengthLines_refused400() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Content-Length: 5", "Content-Length: 6", body: "hello!"),
            .conflictingContentLength, status: 400)
    }

    @Test func parser_differingContentLengthList_refused400() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Content-Length: 5, 6", body: "hello!"), .conflictingContentLength,
            status: 400)
    }

    @Test(arguments: ["5a", "+5", "-1", "0x10", "", "5 5", "5,", ",5", "5.0", "٣"])
    func parser_contentLengthNotDigits_refused400(value: String) {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Content-Length: \(value)", body: "hello"), .invalidContentLength,
            status: 400)
    }

    @Test func parser_contentLengthOverflow_refused400() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Content-Length: 99999999999999999999999"), .invalidContentLength,
            status: 400)
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Content-Length: 9223372036854775808"), .invalidContentLength,
            status: 400)
    }

    @Test func parser_gzipThenChunked_refused501() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: gzip, chunked"), .unsupportedTransferCoding,
            status: 501)
    }

    @Test func parser_gzipThenChunkedOnSeparateLines_refused501() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: gzip", "Transfer-Encoding: chunked"),
            .unsupportedTransferCoding, status: 501)
    }

    @Test func parser_chunkedThenGzip_refused400() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked, gzip"), .chunkedNotFinal, status: 400)
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip"),
            .chunkedNotFinal, status: 400)
    }

    @Test(arguments: ["identity", "gzip", "chunkedx", "xchunked"])
    func parser_transferEncodingWithoutFinalChunked_refused400(value: String) {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: \(value)", body: "0\r\n\r\n"), .chunkedNotFinal,
            status: 400)
    }

    @Test func parser_chunkedTwice_refused400() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked, chunked"), .chunkedAppliedTwice, status: 400
        )
    }

    @Test(arguments: ["chunked;q=1", "chunked x", "", " , "])
    func parser_malformedTransferEncoding_refused400(value: String) {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: \(value)"), .invalidTransferEncoding, status: 400)
    }

    @Test func parser_transferEncodingInHTTP10_refused400() {
        expectFailure(
            http("POST / HTTP/1.0", "Transfer-Encoding: chunked", body: "0\r\n\r\n"), .transferEncodingInHTTP10,
            status: 400)
    }

    @Test(arguments: [
        "g", "", ";ext", "-1", "0x5", "5 x", "5 ", "8000000000000000", "FFFFFFFFFFFFFFFF", "00000000000000005",
    ])
    func parser_invalidChunkSize_refused400(size: String) {
        let text = http(
            "POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", body: "\(size)\r\nhello\r\n0\r\n\r\n")
        expectFailure(text, .invalidChunkSize, status: 400)
    }

    @Test func parser_chunkSizeOfSixteenDigits_accepted() {
        let text = http(
            "POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", body: "0000000000000005\r\nhello\r\n0\r\n\r\n")
        #expect(ParserVerifier.requests(text).first?.body == Array("hello".utf8))
    }

    @Test func parser_chunkExtensionWithControlCharacter_refused400() {
        let text = http(
            "POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", body: "5;a=\u{01}\r\nhello\r\n0\r\n\r\n")
        expectFailure(text, .invalidChunkExtension, status: 400)
    }

    @Test(arguments: ["helloX\r\n0\r\n\r\n", "hello\rX0\r\n\r\n", "hello\n0\r\n\r\n", "hello0\r\n\r\n"])
    func parser_chunkDataWithoutCRLF_refused400(data: String) {
        let text = http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", body: "5\r\n" + data)
        expectFailure(text, .invalidChunkTerminator, status: 400)
    }

    @Test(arguments: ["Bad Header: x", "Bad(Header): x", ": x", "NoColon", "Bad\u{01}: x", "Caf\u{E9}: x"])
    func parser_invalidHeaderName_refused400(line: String) {
        expectFailure(http("GET / HTTP/1.1", "Host: x", line), .invalidHeaderName, status: 400)
    }

    @Test(arguments: ["a\u{01}b", "a\u{7F}", "a\u{00}b", "a\u{1B}[31m"])
    func parser_headerValueWithControlCharacter_refused400(value: String) {
        expectFailure(http("GET / HTTP/1.1", "Host: x", "X-Value: \(value)"), .invalidHeaderValue, status: 400)
    }

    @Test func parser_headerValueWithTab_accepted() {
        #expect(ParserVerifier.requests(http("GET / HTTP/1.1", "Host: x", "X: a\tb")).first?.headers["x"] == "a\tb")
    }

    @Test func parser_bareCRInHeader_refused400() {
        expectFailure(http("GET / HTTP/1.1", "Host: x", "X: a\rb"), .bareCR, status: 400)
    }

    @Test func parser_bareCRInRequestLine_refused400() {
        expectFailure(http("GET /\r HTTP/1.1", "Host: x"), .bareCR, status: 400)
    }

    @Test func parser_bareCRInChunkLine_refused400() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", body: "5\r;x\r\nhello\r\n0\r\n\r\n"),
            .bareCR, status: 400)
    }

    @Test func parser_bareLFLineEndings_refused400() {
        expectFailure("GET / HTTP/1.1\nHost: x\n\n", .bareLF, status: 400)
        expectFailure("GET / HTTP/1.1\r\nHost: x\n\r\n", .bareLF, status: 400)
        expectFailure("GET / HTTP/1.1\r\nHost: x\r\n\n", .bareLF, status: 400)
    }

    @Test func parser_bareLFBeforeRequestLine_refused400() {
        expectFailure("\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", .bareLF, status: 400)
    }

    @Test func parser_bareLFInChunkSizeLine_refused400() {
        expectFailure(
            http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", body: "5\nhello\r\n0\r\n\r\n"), .bareLF,
            status: 400)
    }

    @Test func parser_whitespaceBeforeColon_refused400() {
        expectFailure(http("GET / HTTP/1.1", "Host : x"), .whitespaceBeforeColon, status: 400)
        expectFailure(http("GET / HTTP/1.1", "Host: x", "Content-Length\t: 0"), .whitespaceBeforeColon, status: 400)
    }

    @Test func parser_obsoleteLineFolding_refused400() {
        expectFailure(
            http("GET / HTTP/1.1", "Host: x", "X-Long: part one", " part two"), .obsoleteLineFolding, status: 400)
        expectFailure(
            http("GET / HTTP/1.1", "Host: x", "X-Long: part one", "\tpart two"), .obsoleteLineFolding, status: 400)
    }

    @Test func parser_whitespaceAfterRequestLine_refused400() {
        expectFailure(http("GET / HTTP/1.1", " Host: x"), .obsoleteLineFolding, status: 400)
    }

    @Test func parser_missingHostInHTTP11_refused400() {
        expectFailure(http("GET / HTTP/1.1", "Accept: */*"), .missingHost, status: 400)
    }

    @Test func parser_duplicateHost_refused400() {
        expectFailure(http("GET / HTTP/1.1", "Host: a", "Host: a"), .duplicateHost, status: 400)
        expectFailure(http("GET / HTTP/1.0", "Host: a", "host: b"), .duplicateHost, status: 400)
    }

    @Test(arguments: ["exa mple", "x/y", "a@b", "x?y"])
    func parser_invalidHost_refused400(host: String) {
        expectFailure(http("GET / HTTP/1.1", "Host: \(host)"), .invalidHost, status: 400)
    }

    @Test(arguments: ["G(T / HTTP/1.1", "GE\"T / HTTP/1.1", "G\u{7F}T / HTTP/1.1"])
    func parser_invalidMethod_refused400(line: String) {
        expectFailure(http(line, "Host: x"), .invalidMethod, status: 400)
    }

    @Test(arguments: ["GET  / HTTP/1.1", "GET\t/ HTTP/1.1", " GET / HTTP/1.1", "GET /", "GET"])
    func parser_badRequestLineSeparators_refused400(line: String) {
        expectFailure(http(line, "Host: x"), .invalidRequestLine, status: 400)
    }

    @Test(arguments: ["GET /a\u{01} HTTP/1.1", "GET /caf\u{E9} HTTP/1.1", "GET /a\tb HTTP/1.1"])
    func parser_invalidTarget_refused400(line: String) {
        expectFailure(http(line, "Host: x"), .invalidTarget, status: 400)
    }

    @Test(arguments: [
        "GET / HTTP/1.1 ", "GET /  HTTP/1.1", "GET / ", "GET / http/1.1", "GET / HTTP/1", "GET / HTTP/1.1.1",
        "GET / HTTPS/1.1", "GET / HTTP/a.b",
    ])
    func parser_malformedVersion_refused400(line: String) {
        expectFailure(http(line, "Host: x"), .invalidVersion, status: 400)
    }

    @Test(arguments: ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.1"])
    func parser_otherHTTPVersion_refused505(version: String) {
        expectFailure(http("GET / \(version)", "Host: x"), .unsupportedVersion, status: 505)
    }

    @Test func parser_smuggledSecondRequestInBody_staysBody() {
        // The classic CL.TE payload is rejected outright; a plain CL body that looks like a request
        // is just body bytes.
        let inner = http("GET /admin HTTP/1.1", "Host: x")
        let text = http("POST / HTTP/1.1", "Host: x", "Content-Length: \(inner.utf8.count)", body: inner)
        let requests = ParserVerifier.requests(text)
        #expect(requests.map(\.target) == ["/"])
        #expect(requests.first?.body == Array(inner.utf8))
    }
}
