import SwitchboardHTTP
import Testing

@testable import SwitchboardPosix

/// The client's response head parse, in one pass over the bytes, against the parse it replaced
/// (every field made a String, then the framing fields looked up by name): same status, same
/// fields in order, and the same framing decisions, which the first field of each name makes.
struct HTTPClientHeadTests {
    static let heads = [
        "HTTP/1.1 200 OK",
        "HTTP/1.1 204",
        "HTTP/1.1 200 OK\r\nContent-Length: 2",
        "HTTP/1.0 201 Created\r\nX-Trace:  a b \t\r\nContent-Length: 12\r\nConnection: close",
        "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\nContent-Length: 0",
        "HTTP/1.1 200 OK\r\nconnection: Keep-Alive, CLOSE",
        "HTTP/1.1 200 OK\r\nCONNECTION:closed-ish\r\nTransfer-Encoding: gzip, Chunked",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chun\u{212A}ed",
        "HTTP/1.1 200 OK\r\nConnection: \u{212A}eep, clos\u{00C9}",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7",
        "HTTP/1.1 200 OK\r\nContent-Length : 5",
        "HTTP/1.1 200 OK\r\nContent-Length: +5",
        "HTTP/1.1 200 OK\r\nContent-Length: 5 5",
        "HTTP/1.1 200 OK\r\nContent-Length:",
        "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Bare-CR: a\rb\r\nX-UTF8: é",
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After:\t7\r\nContent-Length: 0",
        "HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0",
        "HTTP/1.1 20 OK",
        "HTTP/2 200 OK",
        "HTTP/1.1 2000 OK",
        "HTTP/1.1 200 OK\r\n:empty-name",
    ]

    @Test(arguments: heads)
    func parseHead_matchesTheStringParse(head: String) {
        let bytes = ArraySlice(Array(head.utf8))
        let got: Result<HTTPClientConnection.ResponseHead, HTTPExchangeError> = Result { () throws(HTTPExchangeError) in
            try HTTPClientConnection.parseHead(bytes)
        }
        let expected = HTTPClientHeadTests.referenceParse(head)
        switch (got, expected) {
        case (.success(let head), .success(let reference)):
            #expect(head.status == reference.status)
            #expect(head.headers == reference.headers)
            #expect(head.headers.map(\.name) == reference.headers.map(\.name))
            #expect(head.closing == reference.closing)
            #expect(head.chunked == reference.chunked)
            #expect(head.contentLength == reference.contentLength)
        case (.failure(let error), .failure(let reference)):
            #expect(error == reference)
        default:
            Issue.record("\(got) vs \(expected)")
        }
    }

    @Test func parseHead_framing_firstFieldOfANameDecides() throws {
        let head = try HTTPClientConnection.parseHead(ArraySlice(Array("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\nContent-Length: 5\r\nContent-Length: 7".utf8)))
        #expect(!head.closing)
        #expect(head.contentLength == "5")
        #expect(head.headers.count == 4)
        let chunked = try HTTPClientConnection.parseHead(ArraySlice(Array("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, CHUNKED\r\nconnection: Close".utf8)))
        #expect(chunked.chunked && chunked.closing && chunked.contentLength == nil)
    }

    /// The parse before it went over bytes in one pass (commit 7f3a1b3): lines split at CRLF, each
    /// field a String pair, framing read by look-ups on the fields.
    static func referenceParse(_ text: String) -> Result<(status: Int, headers: HTTPHeaders, closing: Bool, chunked: Bool, contentLength: String?), HTTPExchangeError> {
        let bytes = Array(text.utf8)
        var lines: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 13, index + 1 < bytes.count, bytes[index + 1] == 10 {
                lines.append(start..<index)
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        lines.append(start..<bytes.count)
        let statusLine = bytes[lines[0]]
        let codeStart = statusLine.startIndex + 9
        guard statusLine.count >= 12, statusLine.starts(with: "HTTP/1.".utf8), statusLine[statusLine.startIndex + 8] == 32,
            statusLine[codeStart..<codeStart + 3].allSatisfy({ $0 >= 48 && $0 <= 57 }),
            statusLine.count == 12 || statusLine[codeStart + 3] == 32
        else {
            return .failure(.malformed("not an HTTP/1.1 status line: \(String(decoding: statusLine.prefix(80), as: UTF8.self))"))
        }
        let status = statusLine[codeStart..<codeStart + 3].reduce(0) { $0 * 10 + Int($1 - 48) }
        var headers = HTTPHeaders()
        for range in lines.dropFirst() {
            let line = bytes[range]
            guard let colon = line.firstIndex(of: 58) else {
                return .failure(.malformed("a header line without a colon: \(String(decoding: line.prefix(80), as: UTF8.self))"))
            }
            var valueStart = colon + 1
            var valueEnd = line.endIndex
            while valueStart < valueEnd, line[valueStart] == 32 || line[valueStart] == 9 { valueStart += 1 }
            while valueEnd > valueStart, line[valueEnd - 1] == 32 || line[valueEnd - 1] == 9 { valueEnd -= 1 }
            headers.append(name: String(decoding: line[..<colon], as: UTF8.self), value: String(decoding: line[valueStart..<valueEnd], as: UTF8.self))
        }
        let closing = headers["connection"].map { $0.lowercased().contains("close") } ?? false
        let chunked = headers["transfer-encoding"].map { $0.lowercased().contains("chunked") } ?? false
        return .success((status, headers, closing, chunked, headers["content-length"]))
    }
}
