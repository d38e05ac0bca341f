import Glibc
import SwitchboardHTTP
import Testing

@testable import SwitchboardPosix

/// Integration tests: the real server on 127.0.0.1, port 0, and a real blocking client.
///
/// Serialized (the extensions in the other HTTPServer*Tests files belong to this suite too): the
/// latency and idle-connection tests measure the machine, and must not share it with each other.
@Suite(.serialized) struct HTTPServerTests {
    @Test func server_get_respondsWithBody() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send(get("/hello"))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "hello")
            #expect(response.header("Content-Length") == "5")
            #expect(response.header("Date")?.hasSuffix("GMT") == true)
        }
    }

    @Test func server_post_echoesBody() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send(post("/echo", body: #"{"to":"+14155550123"}"#))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == #"{"to":"+14155550123"}"#)
        }
    }

    @Test func server_keepAlive_servesSeveralRequestsOnOneConnection() throws {
        try withServer { server, port in
            let client = try TestClient(port: port)
            for index in 0..<5 {
                try client.send(post("/echo", body: "request \(index)"))
                let response = try client.readResponse()
                #expect(response.text == "request \(index)")
                #expect(response.header("Connection") == nil)
            }
            #expect(server.statistics.acceptedConnections == 1)
        }
    }

    @Test func server_pipelinedRequests_answeredInOrder() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send(get("/hello") + post("/echo", body: "second") + get("/big/3"))
            #expect(try client.readResponse().text == "hello")
            #expect(try client.readResponse().text == "second")
            #expect(try client.readResponse().text == "xxx")
        }
    }

    @Test func server_pipelinedBehindDeferred_answeredInOrder() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            let sent = ContinuousClock.now
            try client.send(get("/slow/150") + get("/hello") + post("/echo", body: "third"))
            let first = try client.readResponse()
            #expect(first.text == "slow 150")
            #expect(sent.duration(to: .now) >= .milliseconds(150))
            #expect(try client.readResponse().text == "hello")
            #expect(try client.readResponse().text == "third")
        }
    }

    @Test func server_oneByteWrites_parsedAsOneRequest() throws {
        let routes = TestRoutes()
        try withServer(handler: routes) { _, port in
            let client = try TestClient(port: port)
            for byte in Array(post("/echo", body: "split").utf8) {
                try client.send([byte])
            }
            #expect(try client.readResponse().text == "split")
            #expect(routes.calls.count == 1)
        }
    }

    @Test func server_headRequest_omitsBodyKeepsLength() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n" + get("/hello"))
            let head = try client.readResponse(bodyless: true)
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "5")
            // The next response starts right after the head: no body bytes were sent for HEAD.
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func server_expectContinue_sends100BeforeBody() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            try client.send("body")
            #expect(try client.readResponse().text == "body")
        }
    }

    @Test func server_connectionClose_closesAfterResponse() throws {
        try withServer { server, port in
            let client = try TestClient(port: port)
            try client.send(get("/hello", headers: ["Connection: close"]))
            let response = try client.readResponse()
            #expect(response.text == "hello")
            #expect(response.header("Connection") == "close")
            #expect(try client.waitForClose())
            client.close()
            #expect(eventually { server.connectionCount == 0 })
        }
    }

    @Test func server_malformedRequest_400JSONAndClose() throws {
        let routes = TestRoutes()
        try withServer(handler: routes) { server, port in
            let client = try TestClient(port: port)
            try client.send("GARBAGE\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.header("Connection") == "close")
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.text.hasPrefix(#"{"error":{"code":"invalid_request_line","message":"#))
            #expect(try client.waitForClose())
            #expect(routes.calls.count == 0)
            #expect(server.statistics.malformedRequests == 1)
        }
    }

    @Test func server_oversizeHeader_431AndClose() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            let huge = String(repeating: "a", count: 20 * 1024)
            try client.send(get("/hello", headers: ["X-Huge: \(huge)"]))
            let response = try client.readResponse()
            #expect(response.status == 431)
            #expect(response.text.contains("header_too_large"))
            #expect(try client.waitForClose())
        }
    }

    @Test func server_handlerSetsReservedHeader_answers500() throws {
        let handler = ClosureHandler { _, _ in
            .respond(HTTPResponse(headers: ["Content-Length": "3"], body: Array("abc".utf8)))
        }
        try withServer(handler: handler) { _, port in
            let client = try TestClient(port: port)
            try client.send(get("/"))
            let response = try client.readResponse()
            #expect(response.status == 500)
            #expect(response.text.contains("internal_error"))
        }
    }

    @Test func server_deferredWriterDroppedWithoutResponse_answers500() throws {
        let handler = ClosureHandler { _, _ in .deferred { _ in } }
        try withServer(handler: handler) { _, port in
            let client = try TestClient(port: port)
            try client.send(get("/") + get("/"))
            #expect(try client.readResponse().status == 500)
            #expect(try client.readResponse().status == 500)
        }
    }

    @Test func server_taskHandler_answersFromAsyncCode() throws {
        let handler = ClosureHandler { request, _ in
            .task {
                try? await Task.sleep(for: .milliseconds(20))
                return HTTPResponse(body: Array("async \(request.target)".utf8))
            }
        }
        try withServer(handler: handler) { _, port in
            let client = try TestClient(port: port)
            try client.send(get("/a") + get("/b"))
            #expect(try client.readResponse().text == "async /a")
            #expect(try client.readResponse().text == "async /b")
        }
    }

    @Test func server_connections_spreadRoundRobinOverLoops() throws {
        try withServer { _, port in
            var loops: Set<String> = []
            for _ in 0..<4 {
                let client = try TestClient(port: port)
                try client.send(get("/loop"))
                loops.insert(try client.readResponse().text)
            }
            #expect(loops == ["0", "1"])
        }
    }

    @Test func server_portInUse_startThrowsEADDRINUSE() throws {
        try withServer { _, port in
            let second = HTTPServer(configuration: .init(port: port, threads: 1), handler: TestRoutes())
            #expect(throws: PosixError(call: "bind", errno: EADDRINUSE)) { try second.start() }
        }
    }

    @Test func server_invalidHost_startThrows() {
        let server = HTTPServer(configuration: .init(host: "example.com", port: 0), handler: TestRoutes())
        #expect(throws: HTTPServerConfigurationError.self) { try server.start() }
    }
}
