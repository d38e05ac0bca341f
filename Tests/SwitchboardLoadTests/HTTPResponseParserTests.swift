import Testing

@testable import SwitchboardLoad

/// The response parser byte by byte, split at every byte, all at once, and pipelined.
@Suite struct HTTPResponseParserTests {
    struct Parsed: Equatable {
        var status: Int
        var keepAlive: Bool
        var body: String
    }

    /// Feeds `chunks` one after another, collecting every response; `eof` finishes the stream.
    static func parse(_ chunks: [[UInt8]], eof: Bool = false) throws(ResponseParseError) -> [Parsed] {
        var parser = HTTPResponseParser()
        var out: [Parsed] = []
        for chunk in chunks {
            parser.feed(chunk)
            while case .response(let head) = try parser.next() {
                out.append(Parsed(status: head.status, keepAlive: head.keepAlive, body: String(decoding: parser.body, as: UTF8.self)))
            }
        }
        if eof, let head = try parser.finish() {
            out.append(Parsed(status: head.status, keepAlive: head.keepAlive, body: String(decoding: parser.body, as: UTF8.self)))
        }
        return out
    }

    /// The same responses however the bytes are cut: whole, one byte at a time, and split in two at every byte.
    static func expectEverySplit(_ text: String, eof: Bool = false, _ expected: [Parsed]) throws {
        let bytes = Array(text.utf8)
        #expect(try parse([bytes], eof: eof) == expected)
        #expect(try parse(bytes.map { [$0] }, eof: eof) == expected)
        for cut in 0...bytes.count {
            #expect(try parse([Array(bytes[..<cut]), Array(bytes[cut...])], eof: eof) == expected, "cut at \(cut)")
        }
    }

    @Test func parser_contentLength_atEverySplit() throws {
        try Self.expectEverySplit(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n{\"assistantId\":\"a\"}",
            [Parsed(status: 200, keepAlive: true, body: #"{"assistantId":"a"}"#)])
    }

    @Test func parser_chunkedWithExtensionsAndTrailers_atEverySplit() throws {
        try Self.expectEverySplit(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1\r\n \r\nA \r\n0123456789\r\n0\r\nTrailer: yes\r\n\r\n",
            [Parsed(status: 200, keepAlive: true, body: "hello 0123456789")])
    }

    @Test func parser_pipelinedResponses_atEverySplit() throws {
        try Self.expectEverySplit(
            "HTTP/1.1 204 No Content\r\n\r\n"
                + "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 422 Unprocessable Content\r\ncontent-length: 2\r\n\r\n{}"
                + "HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            [
                Parsed(status: 204, keepAlive: true, body: ""),
                Parsed(status: 422, keepAlive: true, body: "{}"),
                Parsed(status: 200, keepAlive: true, body: "ok"),
                Parsed(status: 200, keepAlive: false, body: ""),
            ])
    }

    @Test func parser_http10AndBareLineFeeds_keepAliveOnlyWhenAsked() throws {
        try Self.expectEverySplit(
            "HTTP/1.0 200 OK\nContent-Length: 1\n\nA" + "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nB"
                + "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nC",
            [
                Parsed(status: 200, keepAlive: false, body: "A"),
                Parsed(status: 200, keepAlive: true, body: "B"),
                Parsed(status: 200, keepAlive: true, body: "C"),
            ])
    }

    @Test func parser_bodyUntilClose_completesAtEndOfStream() throws {
        try Self.expectEverySplit("HTTP/1.1 200 OK\r\n\r\nall of it", eof: true, [Parsed(status: 200, keepAlive: false, body: "all of it")])
    }

    @Test func parser_cutShort_isTruncatedAtEndOfStream() throws {
        for text in ["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"] {
            #expect(throws: ResponseParseError.truncated) { try Self.parse([Array(text.utf8)], eof: true) }
        }
        #expect(try Self.parse([], eof: true) == [])
    }

    @Test func parser_malformedInput_namesTheProblem() {
        let cases: [(String, ResponseParseError)] = [
            ("HTTP/2 200 OK\r\n\r\n", .malformedStatusLine),
            ("HTTP/1.1 2x0 OK\r\n\r\n", .malformedStatusLine),
            ("HTTP/1.1 200OK\r\n\r\n", .malformedStatusLine),
            ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", .malformedHeader("a header line has no field name and colon")),
            ("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n", .malformedHeader("whitespace inside a header field name")),
            ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .invalidContentLength),
            ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
            ("HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", .bodyTooLarge(limit: 1024 * 1024)),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .malformedChunk("a chunk line does not start with its size in hex")),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX", .malformedChunk("no CRLF after the chunk data")),
            ("HTTP/1.1 101 Switching Protocols\r\n\r\n", .unsupportedStatus(101)),
        ]
        for (text, error) in cases {
            #expect(throws: error, "\(text)") { try Self.parse([Array(text.utf8)]) }
        }
    }

    @Test func parser_headOverTheLimit_isRefusedBeforeItEnds() {
        let long = "HTTP/1.1 200 OK\r\nX-Filler: " + String(repeating: "a", count: 20_000)
        #expect(throws: ResponseParseError.headTooLarge(limit: 16 * 1024)) { try Self.parse([Array(long.utf8)]) }
    }

    @Test func parser_listOfEqualContentLengths_isOneLength() throws {
        #expect(try Self.parse([Array("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok".utf8)]) == [Parsed(status: 200, keepAlive: true, body: "ok")])
    }

    @Test func parser_reset_forgetsAHalfResponse() throws {
        var parser = HTTPResponseParser()
        parser.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab".utf8))
        #expect(try parser.next() == .needMore)
        #expect(parser.isMidResponse)
        parser.reset()
        #expect(!parser.isMidResponse)
        parser.feed(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8))
        #expect(try parser.next() == .response(HTTPResponseParser.Head(status: 204, keepAlive: true)))
    }
}

