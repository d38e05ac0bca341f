import SwitchboardHTTP

/// Builds a request from head lines joined with CRLF, the empty line, and `body`.
func http(_ lines: String..., body: String = "") -> String {
    lines.joined(separator: "\r\n") + "\r\n\r\n" + body
}

/// Valid requests covering each framing, used alone and pipelined. All keep the connection open.
enum Corpus {
    static let json = #"{"event":"call_inbound","to":"+14155550123"}"#

    static let simpleGet = http("GET / HTTP/1.1", "Host: example.com")
    static let getWithHeaders = http(
        "GET /v1/accounts/default/numbers?provider=retell&limit=10 HTTP/1.1",
        "Host: router.local:8080",
        "Authorization: Bearer tok_123",
        "Accept: application/json",
        "X-Empty:",
        "X-Spaces: \t padded value \t")
    static let postJSON = http(
        "POST /webhooks/retell/default HTTP/1.1",
        "Host: x",
        "Content-Type: application/json",
        "Content-Length: \(json.utf8.count)",
        body: json)
    static let chunked = http(
        "POST /upload HTTP/1.1",
        "Host: x",
        "Transfer-Encoding: chunked",
        body: "5;name=value\r\nhello\r\n6 ; quoted=\"a b\"\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n")
    static let http10KeepAlive = http("GET /healthz HTTP/1.0", "Connection: keep-alive")
    static let leadingEmptyLines = "\r\n\r\n" + http("GET /readyz HTTP/1.1", "Host: x")
    static let expectContinue = http(
        "PUT /v1/accounts/a/agents/b HTTP/1.1",
        "Host: x",
        "Expect: 100-continue",
        "Content-Length: 3",
        body: "abc")

    static let all = [simpleGet, getWithHeaders, postJSON, chunked, http10KeepAlive, leadingEmptyLines, expectContinue]
}
