import SwitchboardHTTP
import Testing

struct HTTPHeadersTests {
    private let headers: HTTPHeaders = [
        "Content-Type": "application/json",
        "X-Tag": "one",
        "x-tag": "two",
        "Accept": "*/*",
    ]

    @Test func headers_lookup_isCaseInsensitive() {
        #expect(headers["content-type"] == "application/json")
        #expect(headers["CONTENT-TYPE"] == "application/json")
        #expect(headers.first(named: "Accept") == "*/*")
    }

    @Test func headers_lookup_missingNameOrPrefixIsNil() {
        #expect(headers["Content"] == nil)
        #expect(headers["Content-Types"] == nil)
        #expect(!headers.contains(name: "Authorization"))
    }

    @Test func headers_repeatedNames_keptInOrder() {
        #expect(headers["X-TAG"] == "one")
        #expect(headers.values(named: "x-Tag") == ["one", "two"])
        #expect(headers.map(\.name) == ["Content-Type", "X-Tag", "x-tag", "Accept"])
    }

    @Test func headers_remove_dropsEveryMatch() {
        var copy = headers
        copy.remove(name: "X-TAG")
        #expect(copy.map(\.name) == ["Content-Type", "Accept"])
    }

    @Test func headers_append_addsAtEnd() {
        var copy = headers
        copy.append(name: "Retry-After", value: "5")
        #expect(copy.last == .init(name: "Retry-After", value: "5"))
        #expect(copy.count == 5)
    }

    @Test func headers_nonLetterBytes_notFoldedTogether() {
        // Case folding applies to ASCII letters only: "[" (0x5B) must not match "{" (0x7B).
        let odd: HTTPHeaders = ["X[": "a"]
        #expect(odd["x{"] == nil)
        #expect(odd["x["] == "a")
    }
}
