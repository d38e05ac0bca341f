import Foundation
import SwitchboardCore
@testable import SwitchboardProviders
import Testing

/// The push path's URL work runs over bytes now (PlainHTTPTarget, ProviderEndpoint.baseURL and
/// url). These tests hold each against the String implementation it replaced, kept below as the
/// reference, over every combination of the URL forms that matter: schemes in any case, IPv4,
/// IPv6 in and out of brackets, localhost, names, user info, ports good and bad, path prefixes,
/// queries, fragments, trailing slashes, spaces and control characters.
@Suite struct ByteParsingEquivalenceTests {
    static let schemes = ["http://", "HTTP://", "Http://", "https://", "HTTPS://", "http:/", "ftp://", "", "http:://"]
    static let hosts = [
        "127.0.0.1", "10.0.0.7", "255.255.255.255", "256.0.0.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3", "1234.1.1.1", "localhost",
        "LOCALHOST", "LocalHost", "[::1]", "[::1", "::1", "[FE80::1]", "[fe80::a:b]", "[127.0.0.1]", "[::g]", "[]", "::ffff:1.2.3.4",
        "example.com", "api.retellai.com", "", "user@127.0.0.1", "user:pw@127.0.0.1", "127.0.0.1@evil", "a b", "1.2.3.4 ",
    ]
    static let ports = ["", ":80", ":8080", ":0", ":65535", ":65536", ":+81", ":-1", ":-0", ":", ":abc", ":8 0", ":99999999999999999999"]
    static let paths = [
        "", "/", "//", "/retell", "/retell/", "/retell/update-phone-number/%2B14155550123", "?a=1", "/a?b=c", "/a?b=c#frag", "#f", "/a#",
        "/a b", "/x\r\ny", "/x\ty", "/@", "/q?x=@", "/a?b#c?d",
    ]

    static var urls: [String] {
        var urls: [String] = []
        for scheme in schemes {
            for host in hosts {
                for port in ports {
                    for path in paths { urls.append(scheme + host + port + path) }
                }
            }
        }
        return urls
    }

    @Test func plainHTTPTarget_matchesTheStringParse_forEveryURLForm() {
        var differences: [String] = []
        var taken = 0
        for url in ByteParsingEquivalenceTests.urls {
            let parsed = PlainHTTPTarget(url)
            let reference = ReferenceTarget(url)
            if parsed != nil { taken += 1 }
            if parsed?.host != reference?.host || parsed?.port != reference?.port || parsed?.path != reference?.path {
                differences.append("\(url.debugDescription): \(String(describing: parsed)) vs \(String(describing: reference))")
            }
        }
        #expect(differences.isEmpty, "\(differences.prefix(20).joined(separator: "\n"))")
        // The corpus holds both kinds: a parser that refused everything would not pass unnoticed.
        #expect(taken > 1000)
    }

    @Test func plainHTTPTarget_sendsURLsThatAreNotASCII_toTheFallback() {
        #expect(PlainHTTPTarget("http://127.0.0.1/é") == nil)
        #expect(PlainHTTPTarget("http://[::ｆ]/x") == nil)
        #expect(PlainHTTPTarget("http:/\u{0301}/127.0.0.1/") == nil)
        #expect(PlainHTTPTarget("http://127.0.0.1:8080/e") == PlainHTTPTarget(host: "127.0.0.1", port: 8080, path: "/e"))
    }

    @Test func plainHTTPTarget_origin_isHostAndPort() {
        #expect(PlainHTTPTarget("http://127.0.0.1:9/a")?.origin == PlainHTTPTarget("http://127.0.0.1:9/b?c")?.origin)
        #expect(PlainHTTPTarget("http://127.0.0.1:9/a")?.origin != PlainHTTPTarget("http://127.0.0.1:10/a")?.origin)
        #expect(PlainHTTPTarget("http://[::1]:9/a")?.origin == PlainHTTPTarget.Origin(host: "::1", port: 9))
    }

    static let baseURLs: [String?] = {
        var forms: [String?] = [nil, "", "/", "//", "http://", "http:///", "https://", "http://a", "http:/a", "HTTP://A/"]
        for scheme in schemes {
            for host in hosts {
                for port in ["", ":8080", ":x"] {
                    for path in ["", "/", "///", "/retell", "/retell/", "/retell//", "/a?b", "/a#b", "/a b", "/é", "/\u{0301}"] {
                        forms.append(scheme + host + port + path)
                    }
                }
            }
        }
        forms += ["http:/\u{0301}/127.0.0.1", "http://127.0.0.1/\u{0301}", "ｈttp://127.0.0.1", "http://\u{212A}", "HTTPS://İ/"]
        return forms
    }()

    @Test func baseURL_matchesTheStringCheck_resultAndMessage() {
        var differences: [String] = []
        var valid = 0
        for form in ByteParsingEquivalenceTests.baseURLs {
            let connection = Fixtures.connection(.retell, baseURL: form)
            let got = ByteParsingEquivalenceTests.outcome { () throws(ProviderFailure) in
                try ProviderEndpoint.baseURL(connection, default: "https://api.retellai.com", operation: .pushAssignment)
            }
            let expected = ByteParsingEquivalenceTests.outcome { () throws(ProviderFailure) in
                try ReferenceEndpoint.baseURL(connection, default: "https://api.retellai.com", operation: .pushAssignment)
            }
            if case .success = got { valid += 1 }
            if got != expected { differences.append("\(String(describing: form).debugDescription): \(got) vs \(expected)") }
        }
        #expect(differences.isEmpty, "\(differences.prefix(20).joined(separator: "\n"))")
        #expect(valid > 100)
    }

    @Test func url_matchesTheConcatenation_forSegmentsAndQueries() {
        let segments = [
            [], ["update-phone-number", "+14155550123"], ["phone-number", "3f2b-uuid"], ["v2", "agents", "agent id/é", "inbound", "attach"], [""],
            ["a~b-c_d.e", "%", "ü€😀"],
        ]
        let queries: [[(String, String)]] = [[], [("limit", "1000")], [("limit", "1000"), ("createdAtGt", "2026-11-25T10:00:00.000Z")], [("k é", "v&w=x")]]
        for base in ["https://api.retellai.com", "http://127.0.0.1:8123/retell", ""] {
            for segment in segments {
                for query in queries {
                    #expect(ProviderEndpoint.url(base, segment, query: query) == ReferenceEndpoint.url(base, segment, query: query))
                }
            }
        }
        #expect(ProviderEndpoint.url("http://h", ["+1 2"]) == "http://h/%2B1%202")
    }

    static func outcome(_ body: () throws(ProviderFailure) -> String) -> Result<String, ProviderFailure> {
        do throws(ProviderFailure) {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }
}

/// PlainHTTPTarget's parse before it went over bytes (commit 7f3a1b3), the reference.
private struct ReferenceTarget {
    var host: String
    var port: UInt16
    var path: String

    init?(_ url: String) {
        let prefix = "http://"
        guard url.utf8.count > prefix.utf8.count, url.prefix(prefix.count).lowercased() == prefix else { return nil }
        let rest = url.dropFirst(prefix.count)
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var hostPart = Substring(authority)
        var port: UInt16 = 80
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { return nil }
            let after = hostPart[hostPart.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = UInt16(after.dropFirst()), value > 0 else { return nil }
                port = value
            }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            guard let value = UInt16(hostPart[hostPart.index(after: colon)...]), value > 0 else { return nil }
            port = value
            hostPart = hostPart[..<colon]
        }
        let host = hostPart.lowercased()
        guard host == "localhost" || ReferenceTarget.isNumeric(host) else { return nil }
        var path = String(rest[authorityEnd...])
        if let fragment = path.firstIndex(of: "#") { path = String(path[..<fragment]) }
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        self.host = host
        self.port = port
        self.path = path
    }

    static func isNumeric(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy { $0.isASCII && $0.isNumber } && Int($0)! <= 255 }) {
            return true
        }
        return host.contains(":") && host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}

/// ProviderEndpoint's base URL check and URL building before they went over bytes (commit
/// 7f3a1b3), the reference.
private enum ReferenceEndpoint {
    static func baseURL(_ connection: ProviderConnection, default defaultURL: String, operation: ProviderOperation) throws(ProviderFailure) -> String {
        guard let configured = connection.baseURL, !configured.isEmpty else { return defaultURL }
        var text = Substring(configured)
        while text.hasSuffix("/") { text = text.dropLast() }
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            throw ProviderEndpoint.invalid(connection, operation, "base_url must start with http:// or https://, e.g. \(defaultURL)")
        }
        let host = rest.prefix { $0 != "/" }
        let valid = !host.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
            && !text.contains("?") && !text.contains("#") && !host.contains("@")
        guard valid else {
            throw ProviderEndpoint.invalid(
                connection, operation, "base_url must be a URL with a host and no spaces, query, fragment or user info, e.g. \(defaultURL)")
        }
        return String(text)
    }

    static func url(_ base: String, _ segments: [String], query: [(String, String)] = []) -> String {
        var url = base
        for segment in segments {
            url += "/" + percentEncoded(segment)
        }
        for (position, item) in query.enumerated() {
            url += (position == 0 ? "?" : "&") + percentEncoded(item.0) + "=" + percentEncoded(item.1)
        }
        return url
    }

    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
