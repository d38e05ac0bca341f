import SwitchboardHTTP
import Testing

/// Each limit: exactly at the limit is accepted, one over is refused with the limit's status, and
/// over-long input is refused before its end arrives.
struct HTTPRequestParserLimitTests {
    private let small = HTTPLimits(
        maxRequestLineLength: 64, maxHeaderBytes: 64, maxHeaderCount: 5, maxBodyBytes: 64,
        maxChunkLineLength: 16, maxLeadingEmptyLines: 3)

    /// A request line of exactly `length` bytes: "GET /aaa… HTTP/1.1".
    private func requestLine(length: Int) -> String {
        "GET /" + String(repeating: "a", count: length - 14) + " HTTP/1.1"
    }

    /// A request whose header section (fields, their CRLFs and the final CRLF) is exactly `bytes`.
    private func request(headerSectionBytes bytes: Int) -> String {
        // "Host: x\r\n" (9) + "X: " pad "\r\n" (5 + pad) + "\r\n" (2)
        http("GET / HTTP/1.1", "Host: x", "X: " + String(repeating: "v", count: bytes - 16))
    }

    private func request(headerCount: Int) -> String {
        let lines = ["GET / HTTP/1.1", "Host: x"] + (1..<headerCount).map { "X-\($0): v" }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    private func chunked(_ body: String) -> String {
        http("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", body: body)
    }

    @Test func limits_defaults_matchTheSpecifiedValues() {
        let limits = HTTPLimits()
        #expect(limits.maxRequestLineLength == 8192)
        #expect(limits.maxHeaderBytes == 16384)
        #expect(limits.maxHeaderCount == 100)
        #expect(limits.maxBodyBytes == 1_048_576)
    }

    @Test func parser_requestLineAtLimit_accepted() {
        let requests = ParserVerifier.requests(http(requestLine(length: 64), "Host: x"), limits: small)
        #expect(requests.first?.target.utf8.count == 64 - 13)
    }

    @Test func parser_requestLineOverLimit_refused414() {
        let error = ParserVerifier.failure(http(requestLine(length: 65), "Host: x"), limits: small)
        #expect(error == .requestLineTooLong)
        #expect(error?.status.code == 414)
    }

    @Test func parser_unterminatedRequestLineOverLimit_refusedBeforeLineEnds() {
        var parser = HTTPRequestParser(limits: small)
        parser.feed(Array(("GET /" + String(repeating: "a", count: 60)).utf8))
        #expect(parser.next() == .needMoreBytes)
        parser.feed(Array(String(repeating: "a", count: 10).utf8))
        #expect(parser.next() == .failed(.requestLineTooLong))
    }

    @Test func parser_requestLineAtDefaultLimit_accepted() {
        let text = http(requestLine(length: 8192), "Host: x")
        #expect(
            ParserVerifier.failure(http(requestLine(length: 8193), "Host: x"), everySplit: false) == .requestLineTooLong
        )
        let outputs = ParserVerifier.verify(text, everySplit: false)
        #expect(outputs.count == 1)
        if case .failed(let error) = outputs.first { Issue.record("\(error)") }
    }

    @Test func parser_headerSectionAtLimit_accepted() {
        #expect(ParserVerifier.requests(request(headerSectionBytes: 64), limits: small).count == 1)
    }

    @Test func parser_headerSectionOverLimit_refused431() {
        let error = ParserVerifier.failure(request(headerSectionBytes: 65), limits: small)
        #expect(error == .headerTooLarge)
        #expect(error?.status.code == 431)
    }

    @Test func parser_headerSectionAtDefaultLimit_accepted() {
        #expect(ParserVerifier.requests(request(headerSectionBytes: 16384), everySplit: false).count == 1)
        #expect(ParserVerifier.failure(request(headerSectionBytes: 16385), everySplit: false) == .headerTooLarge)
    }

    @Test func parser_unterminatedHeaderLineOverLimit_refusedBeforeLineEnds() {
        var parser = HTTPRequestParser(limits: small)
        parser.feed(Array(("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "v", count: 50)).utf8))
        #expect(parser.next() == .needMoreBytes)
        parser.feed(Array(String(repeating: "v", count: 10).utf8))
        #expect(parser.next() == .failed(.headerTooLarge))
    }

    @Test func parser_unterminatedHeaderLineAtLimit_refusedBecauseItsLFCannotFit() {
        // "Host: x\r\n" is 9 bytes; 55 more fill the 64-byte section, leaving no room for the LF.
        var parser = HTTPRequestParser(limits: small)
        parser.feed(Array(("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "v", count: 51)).utf8))
        #expect(parser.next() == .needMoreBytes)
        parser.feed(Array("v".utf8))
        #expect(parser.next() == .failed(.headerTooLarge))
    }

    @Test func parser_headerCountAtLimit_accepted() {
        let requests = ParserVerifier.requests(request(headerCount: 5), limits: small)
        #expect(requests.first?.headers.count == 5)
    }

    @Test func parser_headerCountOverLimit_refused431() {
        let error = ParserVerifier.failure(request(headerCount: 6), limits: small)
        #expect(error == .tooManyHeaders)
        #expect(error?.status.code == 431)
    }

    @Test func parser_headerCountAtDefaultLimit_accepted() {
        #expect(ParserVerifier.requests(request(headerCount: 100)).first?.headers.count == 100)
        #expect(ParserVerifier.failure(request(headerCount: 101), everySplit: false) == .tooManyHeaders)
    }

    @Test func parser_contentLengthAtLimit_accepted() {
        let body = String(repeating: "b", count: 64)
        let requests = ParserVerifier.requests(
            http("POST / HTTP/1.1", "Host: x", "Content-Length: 64", body: body), limits: small)
        #expect(requests.first?.body.count == 64)
    }

    @Test func parser_contentLengthOverLimit_refused413BeforeBody() {
        var parser = HTTPRequestParser(limits: small)
        parser.feed(Array(http("POST / HTTP/1.1", "Host: x", "Content-Length: 65").utf8))
        let action = parser.next()
        #expect(action == .failed(.bodyTooLarge))
        #expect(HTTPParseError.bodyTooLarge.status.code == 413)
    }

    @Test func parser_contentLengthAtDefaultLimit_accepted() {
        let head = http("POST / HTTP/1.1", "Host: x", "Content-Length: 1048576")
        let input = Array(head.utf8) + [UInt8](repeating: 0x61, count: 1_048_576)
        let outputs = ParserVerifier.run([input[...]])
        guard case .request(let request) = outputs.first else {
            Issue.record("expected a request, got \(outputs)")
            return
        }
        #expect(request.body.count == 1_048_576)
        let over = http("POST / HTTP/1.1", "Host: x", "Content-Length: 1048577")
        #expect(ParserVerifier.run([Array(over.utf8)[...]]) == [.failed(.bodyTooLarge)])
    }

    @Test func parser_chunkedBodyAtLimit_accepted() {
        let body =
            "28\r\n" + String(repeating: "a", count: 40) + "\r\n18\r\n" + String(repeating: "b", count: 24)
            + "\r\n0\r\n\r\n"
        #expect(ParserVerifier.requests(chunked(body), limits: small).first?.body.count == 64)
    }

    @Test func parser_chunkedBodyOverLimit_refused413() {
        let body =
            "28\r\n" + String(repeating: "a", count: 40) + "\r\n19\r\n" + String(repeating: "b", count: 25)
            + "\r\n0\r\n\r\n"
        let error = ParserVerifier.failure(chunked(body), limits: small)
        #expect(error == .bodyTooLarge)
        #expect(error?.status.code == 413)
    }

    @Test func parser_hugeChunkSize_refused413BeforeData() {
        var parser = HTTPRequestParser(limits: small)
        parser.feed(Array(chunked("41\r\n").utf8))
        #expect(parser.next() == .failed(.bodyTooLarge))
    }

    @Test func parser_chunkLineAtLimit_accepted() {
        let line = "5;" + String(repeating: "x", count: 14)
        #expect(ParserVerifier.requests(chunked(line + "\r\nhello\r\n0\r\n\r\n"), limits: small).first?.body.count == 5)
    }

    @Test func parser_chunkLineOverLimit_refused400() {
        let line = "5;" + String(repeating: "x", count: 15)
        let error = ParserVerifier.failure(chunked(line + "\r\nhello\r\n0\r\n\r\n"), limits: small)
        #expect(error == .chunkLineTooLong)
        #expect(error?.status.code == 400)
    }

    @Test func parser_unterminatedChunkLineOverLimit_refusedBeforeLineEnds() {
        var parser = HTTPRequestParser(limits: small)
        parser.feed(Array(chunked("5;" + String(repeating: "x", count: 15)).utf8))
        #expect(parser.next() == .needMoreBytes)
        parser.feed(Array("x".utf8))
        #expect(parser.next() == .failed(.chunkLineTooLong))
    }

    @Test func parser_trailerSectionOverLimit_refused431() {
        // Trailer section: "X: " pad "\r\n" + "\r\n" = 7 + pad bytes; 65 is one over.
        let trailer = "X: " + String(repeating: "t", count: 58)
        #expect(
            ParserVerifier.requests(
                chunked("0\r\n" + "X: " + String(repeating: "t", count: 57) + "\r\n\r\n"), limits: small
            ).count == 1)
        #expect(ParserVerifier.failure(chunked("0\r\n" + trailer + "\r\n\r\n"), limits: small) == .headerTooLarge)
    }

    @Test func parser_trailerCountOverLimit_refused431() {
        let trailers = (1...6).map { "T\($0): v\r\n" }.joined()
        #expect(ParserVerifier.failure(chunked("0\r\n" + trailers + "\r\n"), limits: small) == .tooManyHeaders)
    }

    @Test func parser_leadingEmptyLinesAtLimit_accepted() {
        #expect(
            ParserVerifier.requests(String(repeating: "\r\n", count: 3) + Corpus.simpleGet, limits: small).count == 1)
    }

    @Test func parser_leadingEmptyLinesOverLimit_refused400() {
        let error = ParserVerifier.failure(String(repeating: "\r\n", count: 4) + Corpus.simpleGet, limits: small)
        #expect(error == .tooManyEmptyLines)
        #expect(error?.status.code == 400)
    }

    @Test func parser_leadingEmptyLineLimit_appliesPerRequest() {
        let text =
            String(repeating: "\r\n", count: 3) + Corpus.simpleGet + String(repeating: "\r\n", count: 3)
            + Corpus.simpleGet
        #expect(ParserVerifier.requests(text, limits: small).count == 2)
    }
}
