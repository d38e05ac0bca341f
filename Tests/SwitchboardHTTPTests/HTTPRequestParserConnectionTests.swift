import SwitchboardHTTP
import Testing

/// Connection-level signals: keep-alive (RFC 9112 §9.3), 100-continue (RFC 9110 §10.1.1), and the
/// terminal states after a failure or a closing request.
struct HTTPRequestParserConnectionTests {
    struct KeepAliveCase: CustomTestStringConvertible, Sendable {
        let version: String
        let connection: [String]
        let keepAlive: Bool

        var testDescription: String { "\(version) Connection: \(connection) → \(keepAlive)" }
    }

    static let keepAliveCases: [KeepAliveCase] = [
        .init(version: "HTTP/1.1", connection: [], keepAlive: true),
        .init(version: "HTTP/1.1", connection: ["close"], keepAlive: false),
        .init(version: "HTTP/1.1", connection: ["CLOSE"], keepAlive: false),
        .init(version: "HTTP/1.1", connection: ["Upgrade, Close"], keepAlive: false),
        .init(version: "HTTP/1.1", connection: ["keep-alive"], keepAlive: true),
        .init(version: "HTTP/1.1", connection: ["keep-alive, Upgrade"], keepAlive: true),
        .init(version: "HTTP/1.1", connection: ["closed"], keepAlive: true),
        .init(version: "HTTP/1.1", connection: ["keep-alive", "close"], keepAlive: false),
        .init(version: "HTTP/1.1", connection: [",, close ,"], keepAlive: false),
        .init(version: "HTTP/1.0", connection: [], keepAlive: false),
        .init(version: "HTTP/1.0", connection: ["keep-alive"], keepAlive: true),
        .init(version: "HTTP/1.0", connection: ["Keep-Alive"], keepAlive: true),
        .init(version: "HTTP/1.0", connection: ["keep-alive, Upgrade"], keepAlive: true),
        .init(version: "HTTP/1.0", connection: ["Upgrade,KEEP-ALIVE"], keepAlive: true),
        .init(version: "HTTP/1.0", connection: ["close"], keepAlive: false),
        .init(version: "HTTP/1.0", connection: ["keep-alive, close"], keepAlive: false),
        .init(version: "HTTP/1.0", connection: ["keep-alive", "Close"], keepAlive: false),
        .init(version: "HTTP/1.0", connection: ["keep-alives"], keepAlive: false),
    ]

    @Test(arguments: keepAliveCases)
    func parser_keepAlive_followsVersionAndConnectionOptions(testCase: KeepAliveCase) {
        let lines = ["GET / \(testCase.version)", "Host: x"] + testCase.connection.map { "Connection: \($0)" }
        let text = lines.joined(separator: "\r\n") + "\r\n\r\n"
        let requests = ParserVerifier.requests(text)
        #expect(requests.count == 1)
        #expect(requests.first?.keepAlive == testCase.keepAlive)
    }

    @Test func parser_expectContinue_surfacedBeforeBodyArrives() {
        var parser = HTTPRequestParser()
        parser.feed(Array(http("PUT /x HTTP/1.1", "Host: x", "Expect: 100-continue", "Content-Length: 3").utf8))
        guard case .sendContinue(let head) = parser.next() else {
            Issue.record("expected sendContinue")
            return
        }
        #expect(head.method == "PUT")
        #expect(head.expectContinue)
        #expect(parser.next() == .needMoreBytes)
        parser.feed(Array("abc".utf8))
        guard case .request(let request) = parser.next() else {
            Issue.record("expected the request")
            return
        }
        #expect(request.head == head)
        #expect(request.body == Array("abc".utf8))
    }

    @Test func parser_expectContinue_sameOutputsHoweverSplit() {
        let outputs = ParserVerifier.verify(Corpus.expectContinue)
        #expect(outputs.count == 2)
        guard case .sendContinue(let head) = outputs.first, case .request(let request) = outputs.last else {
            Issue.record("expected continue then request, got \(outputs)")
            return
        }
        #expect(request.head == head)
    }

    @Test func parser_expectContinueMixedCase_surfaced() {
        let text = http("POST / HTTP/1.1", "Host: x", "Expect: 100-Continue", "Content-Length: 1", body: "a")
        #expect(ParserVerifier.verify(text).count == 2)
    }

    @Test func parser_expectContinueWithChunkedBody_surfaced() {
        let text = http(
            "POST / HTTP/1.1", "Host: x", "Expect: 100-continue", "Transfer-Encoding: chunked",
            body: "1\r\na\r\n0\r\n\r\n")
        let outputs = ParserVerifier.verify(text)
        guard outputs.count == 2, case .sendContinue = outputs[0] else {
            Issue.record("expected continue then request, got \(outputs)")
            return
        }
    }

    @Test func parser_expectContinueWithoutBody_notSurfaced() {
        let outputs = ParserVerifier.verify(
            http("POST / HTTP/1.1", "Host: x", "Expect: 100-continue", "Content-Length: 0"))
        #expect(outputs.count == 1)
        guard case .request(let request) = outputs.first else {
            Issue.record("expected a request, got \(outputs)")
            return
        }
        #expect(request.head.expectContinue)
    }

    @Test func parser_expectContinueInHTTP10_ignored() {
        let text = http("POST / HTTP/1.0", "Expect: 100-continue", "Content-Length: 1", body: "a")
        let outputs = ParserVerifier.verify(text)
        #expect(outputs.count == 1)
        guard case .request(let request) = outputs.first else {
            Issue.record("expected a request, got \(outputs)")
            return
        }
        #expect(!request.head.expectContinue)
    }

    @Test func parser_otherExpectation_ignored() {
        let outputs = ParserVerifier.verify(
            http("POST / HTTP/1.1", "Host: x", "Expect: something-else", "Content-Length: 1", body: "a"))
        #expect(outputs.count == 1)
    }

    @Test func parser_expectContinueWithOversizedBody_refusedWithoutContinue() {
        let text = http("POST / HTTP/1.1", "Host: x", "Expect: 100-continue", "Content-Length: 2000000")
        #expect(ParserVerifier.verify(text) == [.failed(.bodyTooLarge)])
    }

    @Test func parser_afterFailure_staysFailedAndDropsBytes() {
        var parser = HTTPRequestParser()
        parser.feed(Array("GET / HTTP/9.9\r\n".utf8))
        #expect(parser.next() == .failed(.unsupportedVersion))
        parser.feed(Array(Corpus.simpleGet.utf8))
        #expect(parser.next() == .failed(.unsupportedVersion))
        #expect(parser.next() == .failed(.unsupportedVersion))
        #expect(!parser.isMidRequest)
    }

    @Test func parser_failureAfterGoodRequest_yieldsRequestThenFailure() {
        let outputs = ParserVerifier.verify(Corpus.simpleGet + "BAD REQUEST LINE\r\n\r\n")
        #expect(outputs.count == 2)
        #expect(outputs.last == .failed(.invalidVersion))
    }
}
