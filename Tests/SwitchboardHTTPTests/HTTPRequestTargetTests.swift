import SwitchboardHTTP
import Testing

struct HTTPRequestTargetTests {
    @Test func target_withQuery_splitsAtFirstQuestionMark() {
        let target = HTTPRequestTarget("/v1/accounts/a/numbers?provider=retell&note=a?b")
        #expect(target.path == "/v1/accounts/a/numbers")
        #expect(target.query == "provider=retell&note=a?b")
    }

    @Test func target_withoutQuery_hasNilQuery() {
        #expect(HTTPRequestTarget("/healthz").query == nil)
        #expect(HTTPRequestTarget("/healthz?").query == "")
    }

    @Test func target_pathSegments_decodedAfterSplitting() throws {
        let segments = try HTTPRequestTarget("/v1/accounts/default/numbers/%2B14155550123/agent").pathSegments()
        #expect(segments == ["v1", "accounts", "default", "numbers", "+14155550123", "agent"])
    }

    @Test func target_encodedSlash_staysInsideSegment() throws {
        #expect(try HTTPRequestTarget("/a%2Fb/c").pathSegments() == ["a/b", "c"])
    }

    @Test func target_plusInPath_staysPlus() throws {
        #expect(try HTTPRequestTarget("/numbers/+1415?x=a+b").pathSegments() == ["numbers", "+1415"])
        #expect(try HTTPRequestTarget("/a+b%20c").pathSegments() == ["a+b c"])
    }

    @Test func target_rootAndTrailingSlashes_giveExpectedSegments() throws {
        #expect(try HTTPRequestTarget("/").pathSegments() == [])
        #expect(try HTTPRequestTarget("/a/").pathSegments() == ["a", ""])
        #expect(try HTTPRequestTarget("/a//b").pathSegments() == ["a", "", "b"])
    }

    @Test func target_utf8PercentEncoding_decoded() throws {
        #expect(try HTTPRequestTarget("/caf%C3%A9").pathSegments() == ["café"])
    }

    @Test(arguments: ["/%", "/%2", "/%G1", "/%zz", "/a%2"])
    func target_invalidEscapeInPath_refused(raw: String) {
        #expect(throws: PercentDecodingError.invalidEscape) { try HTTPRequestTarget(raw).pathSegments() }
    }

    @Test func target_escapeDecodingToInvalidUTF8_refused() {
        #expect(throws: PercentDecodingError.invalidUTF8) { try HTTPRequestTarget("/%FF").pathSegments() }
        #expect(throws: PercentDecodingError.invalidUTF8) { try HTTPRequestTarget("/?a=%C3").queryItems() }
    }

    @Test func target_queryItems_decodedFormStyle() throws {
        let items = try HTTPRequestTarget("/x?a=1&b=&c&&d=x%20y+z&e%26f=%3D&plus=%2B").queryItems()
        #expect(
            items == [
                .init(name: "a", value: "1"), .init(name: "b", value: ""), .init(name: "c", value: ""),
                .init(name: "d", value: "x y z"), .init(name: "e&f", value: "="), .init(name: "plus", value: "+"),
            ])
    }

    @Test func target_queryValue_returnsFirstMatch() throws {
        let target = HTTPRequestTarget("/x?provider=retell&provider=vapi&limit=10")
        #expect(try target.queryValue(named: "provider") == "retell")
        #expect(try target.queryValue(named: "cursor") == nil)
    }

    @Test func target_invalidEscapeInQuery_refused() {
        #expect(throws: PercentDecodingError.invalidEscape) { try HTTPRequestTarget("/x?a=%4").queryItems() }
    }

    @Test func percentDecoding_noEscapes_returnsInputUnchanged() throws {
        #expect(try PercentDecoding.decode("plain-text_1.2~", plusAsSpace: true) == "plain-text_1.2~")
        #expect(try PercentDecoding.decode("a+b", plusAsSpace: false) == "a+b")
        #expect(try PercentDecoding.decode("a+b", plusAsSpace: true) == "a b")
    }
}
