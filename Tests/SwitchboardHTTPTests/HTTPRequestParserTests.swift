import SwitchboardHTTP
import Testing

/// Well-formed requests: what comes out, and that it does not depend on how the bytes arrive.
struct HTTPRequestParserTests {
    @Test func parser_simpleGet_yieldsRequest() {
        let requests = ParserVerifier.requests(Corpus.simpleGet)
        #expect(requests.count == 1)
        let request = requests[0]
        #expect(request.method == "GET")
        #expect(request.target == "/")
        #expect(request.version == .http11)
        #expect(request.headers.fields == [.init(name: "Host", value: "example.com")])
        #expect(request.body.isEmpty)
        #expect(request.keepAlive)
        #expect(!request.head.expectContinue)
    }

    @Test func parser_headers_keepOrderAndCaseAndTrimWhitespace() {
        let request = ParserVerifier.requests(Corpus.getWithHeaders)[0]
        #expect(request.target == "/v1/accounts/default/numbers?provider=retell&limit=10")
        #expect(request.headers.map(\.name) == ["Host", "Authorization", "Accept", "X-Empty", "X-Spaces"])
        #expect(request.headers["authorization"] == "Bearer tok_123")
        #expect(request.headers["X-EMPTY"] == "")
        #expect(request.headers["x-spaces"] == "padded value")
    }

    @Test func parser_obsTextInValue_accepted() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf".utf8) + [0xC3, 0xA9] + Array("\r\n\r\n".utf8)
        let outputs = ParserVerifier.verify(bytes)
        guard case .request(let request) = outputs.first else {
            Issue.record("expected a request, got \(outputs)")
            return
        }
        #expect(request.headers["x-name"] == "café")
    }

    @Test func parser_contentLengthBody_yieldsBody() {
        let request = ParserVerifier.requests(Corpus.postJSON)[0]
        #expect(request.method == "POST")
        #expect(request.body == Array(Corpus.json.utf8))
    }

    @Test func parser_contentLengthZero_yieldsEmptyBody() {
        let requests = ParserVerifier.requests(
            http("POST /x HTTP/1.1", "Host: x", "Content-Length: 0") + Corpus.simpleGet)
        #expect(requests.map(\.method) == ["POST", "GET"])
        #expect(requests[0].body.isEmpty)
    }

    @Test func parser_identicalContentLengthList_accepted() {
        let request = ParserVerifier.requests(http("POST / HTTP/1.1", "Host: x", "Content-Length: 3, 3", body: "abc"))
        #expect(request.first?.body == Array("abc".utf8))
    }

    @Test func parser_identicalRepeatedContentLength_accepted() {
        let text = http("POST / HTTP/1.1", "Host: x", "Content-Length: 3", "content-length: 003", body: "abc")
        #expect(ParserVerifier.requests(text).first?.body == Array("abc".utf8))
    }

    @Test func parser_chunkedBody_concatenatesChunksIgnoringExtensionsAndTrailers() {
        let request = ParserVerifier.requests(Corpus.chunked)[0]
        #expect(request.body == Array("hello world".utf8))
        #expect(!request.headers.contains(name: "X-Trailer"))
        #expect(request.keepAlive)
    }

    @Test func parser_chunkSizeUppercaseHexWithLeadingZeros_accepted() {
        let text = http(
            "POST / HTTP/1.1", "Host: x", "Transfer-Encoding: Chunked", body: "000A\r\n0123456789\r\n0000\r\n\r\n")
        #expect(ParserVerifier.requests(text).first?.body == Array("0123456789".utf8))
    }

    @Test func parser_chunkedWithManyTrailers_accepted() {
        let text = http(
            "POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked",
            body: "3\r\nabc\r\n0;last\r\nX-A: 1\r\nX-B: two words\r\n\r\n")
        #expect(ParserVerifier.requests(text).first?.body == Array("abc".utf8))
    }

    @Test func parser_leadingEmptyLines_skipped() {
        let requests = ParserVerifier.requests(Corpus.leadingEmptyLines)
        #expect(requests.map(\.target) == ["/readyz"])
    }

    @Test func parser_http10WithoutHost_accepted() {
        let requests = ParserVerifier.requests(http("GET /healthz HTTP/1.0"))
        #expect(requests.first?.version == .http10)
        #expect(requests.first?.keepAlive == false)
    }

    @Test func parser_emptyHostAndHostWithPort_accepted() {
        #expect(ParserVerifier.requests(http("GET / HTTP/1.1", "Host:")).count == 1)
        #expect(ParserVerifier.requests(http("GET / HTTP/1.1", "Host: [::1]:8080")).count == 1)
    }

    @Test func parser_eachCorpusRequest_sameOutputsHoweverSplit() {
        for text in Corpus.all {
            let outputs = ParserVerifier.verify(text)
            #expect(outputs.count >= 1, "\(text)")
            if case .failed(let error) = outputs.last { Issue.record("\(error) for \(text)") }
        }
    }

    @Test func parser_pipelinedCorpus_yieldsEachRequestInOrder() {
        let expected = Corpus.all.flatMap { ParserVerifier.run([Array($0.utf8)[...]]) }
        let pipelined = ParserVerifier.verify(Corpus.all.joined())
        #expect(pipelined == expected)
        #expect(pipelined.filter { if case .request = $0 { true } else { false } }.count == Corpus.all.count)
    }

    @Test func parser_pipelinedIdenticalRequests_yieldsAll() {
        let outputs = ParserVerifier.verify(String(repeating: Corpus.postJSON, count: 5))
        #expect(outputs.count == 5)
        #expect(Set(outputs).count == 1)
    }

    @Test func parser_requestAfterClosingRequest_ignored() {
        let text = http("GET /first HTTP/1.1", "Host: x", "Connection: close") + Corpus.simpleGet
        let requests = ParserVerifier.requests(text)
        #expect(requests.map(\.target) == ["/first"])
    }

    @Test func parser_afterClose_needsMoreBytesAndIsNotMidRequest() {
        var parser = HTTPRequestParser()
        parser.feed(Array(http("GET / HTTP/1.0").utf8))
        guard case .request = parser.next() else {
            Issue.record("expected a request")
            return
        }
        parser.feed(Array(Corpus.simpleGet.utf8))
        #expect(parser.next() == .needMoreBytes)
        #expect(!parser.isMidRequest)
    }

    @Test func parser_isMidRequest_tracksPartialRequests() {
        var parser = HTTPRequestParser()
        #expect(!parser.isMidRequest)
        parser.feed(Array("GET / HT".utf8))
        #expect(parser.next() == .needMoreBytes)
        #expect(parser.isMidRequest)
        parser.feed(Array("TP/1.1\r\nHost: x\r\n\r\n".utf8))
        guard case .request = parser.next() else {
            Issue.record("expected a request")
            return
        }
        #expect(parser.next() == .needMoreBytes)
        #expect(!parser.isMidRequest)
    }

    @Test func parser_largePipelinedStream_compactsAndYieldsAll() {
        // Many requests fed in uneven pieces exercise buffer compaction with a partial tail.
        let stream = Array(String(repeating: Corpus.postJSON + Corpus.chunked, count: 200).utf8)
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        while start < stream.count {
            let end = min(start + 997, stream.count)
            pieces.append(stream[start..<end])
            start = end
        }
        let outputs = ParserVerifier.run(pieces)
        #expect(outputs.count == 400)
        #expect(outputs == ParserVerifier.run([stream[...]]))
    }
}
