import SwitchboardHTTP
import Testing

/// The request-target's forms (RFC 9112 §3.2): what reaches routing is always a path.
struct HTTPRequestParserTargetTests {
    @Test(arguments: [
        ("http://router.local/v1/accounts/a/numbers?limit=2", "/v1/accounts/a/numbers?limit=2"),
        ("http://127.0.0.1:8080/healthz", "/healthz"),
        ("HTTPS://Router.Local:443/readyz", "/readyz"),
        ("http://[::1]:8080/metrics", "/metrics"),
        // RFC 9112 §3.2.1: an empty path is "/".
        ("http://router.local", "/"),
        ("http://router.local?x=1", "/?x=1"),
        // Still encoded: decoding is the router's business, as for origin-form.
        ("http://h/v1/accounts/a/numbers/%2B14155550123", "/v1/accounts/a/numbers/%2B14155550123"),
    ])
    func parser_absoluteForm_routedByPathAndQuery(absolute: String, expected: String) {
        let requests = ParserVerifier.requests(http("GET \(absolute) HTTP/1.1", "Host: other.example"))
        #expect(requests.map(\.target) == [expected])
    }

    @Test func parser_absoluteFormPipelinedWithOriginForm_eachReducedInOrder() {
        let text = http("GET http://x/a HTTP/1.1", "Host: x") + http("GET /b HTTP/1.1", "Host: x")
            + http("POST http://x/c?d=e HTTP/1.1", "Host: x", "Content-Length: 2", body: "{}")
        let requests = ParserVerifier.requests(text)
        #expect(requests.map(\.target) == ["/a", "/b", "/c?d=e"])
        #expect(requests.last?.body == Array("{}".utf8))
    }

    @Test func parser_absoluteFormWithoutHostInHTTP11_stillRefused() {
        // RFC 9112 §3.2: Host is required in every HTTP/1.1 request, absolute-form or not.
        #expect(ParserVerifier.failure(http("GET http://x/ HTTP/1.1")) == .missingHost)
    }

    @Test func parser_absoluteFormInHTTP10_accepted() {
        #expect(ParserVerifier.requests(http("GET http://x/healthz HTTP/1.0")).map(\.target) == ["/healthz"])
    }

    @Test(arguments: [
        "ftp://x/a",  // not an http(s) URI
        "urn:isbn:0451450523",
        "http:/a",  // no authority
        "http:a",
        "http///x/a",
        "http:///a",  // empty host: RFC 9110 §4.2.1 says reject
        "http://?a",
        "http://user@x/a",  // userinfo: RFC 9110 §4.2.4
        "http://user:pass@x/",
        "router.local:8080",  // authority-form: CONNECT only, which we do not serve
        "v1/accounts",  // neither form
        "?a=1",
        "**",
    ])
    func parser_targetOfNoAcceptedForm_refused400(target: String) {
        let error = ParserVerifier.failure(http("GET \(target) HTTP/1.1", "Host: x"))
        #expect(error == .invalidTargetForm)
        #expect(error?.status.code == 400)
    }

    @Test func parser_asteriskForm_onlyForOptions() {
        #expect(ParserVerifier.requests(http("OPTIONS * HTTP/1.1", "Host: x")).map(\.target) == ["*"])
        for method in ["GET", "POST", "DELETE", "options"] {
            let error = ParserVerifier.failure(http("\(method) * HTTP/1.1", "Host: x"))
            #expect(error == .asteriskTargetNotOptions, "\(method)")
            #expect(error?.status.code == 400)
        }
    }

    @Test func parser_originForm_keptAsSent() {
        #expect(ParserVerifier.requests(http("GET //a/./b?c=http://d HTTP/1.1", "Host: x")).map(\.target) == ["//a/./b?c=http://d"])
    }
}
