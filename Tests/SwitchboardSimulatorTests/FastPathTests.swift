import Foundation
import SwitchboardCore
import SwitchboardHTTP
import Testing

@testable import SwitchboardSimulator

/// The per-request fast paths (bytes instead of Strings and Foundation) against the rules they
/// stand in for: the rule as it was written before, kept here or in the source as the reference.
@Suite struct FastPathTests {
    // MARK: - Authorization

    static let authorizationValues = [
        "Bearer key_1", "bearer key_1", "BEARER key_1", "BeArEr key_1", "Bearer  key_1 \t", "Bearer \tkey_1\t ",
        "Bearer\tkey_1", "Bearer ", "Bearer  ", "Bearer \t", "Bearerkey_1", "Bearer", "key_1", " key_1 ", "\tBearer key_1",
        " Bearer key_1", "Basic abc", "Bearer key é", "Bearer é", "Béarer key_1", "Bearer key_1\u{301}", "Bearer\u{301} key_1",
        "Bearer \u{A0}key_1\u{A0}", "k", "bearer k", "Bearer k=/+", "Bearer a b",
    ]

    @Test(arguments: [Provider.retell, .vapi, .bland])
    func apiKey_everyHeaderShape_sameAsTheRuleOnStrings(provider: Provider) {
        var cases: [HTTPHeaders] = [HTTPHeaders(), ["Other": "Bearer x"], ["authorization": ""]]
        for value in Self.authorizationValues {
            cases.append(["Authorization": value])
            cases.append(["authorization": value, "AUTHORIZATION": "Bearer second"])
        }
        for headers in cases {
            let fast = SimulatorHandler.apiKey(provider: provider, headers: headers)
            let rule = SimulatorHandler.apiKey(provider: provider, values: headers.values(named: "authorization"))
            #expect(fast == rule, "\(provider) \(headers)")
        }
    }

    @Test func apiKey_bearerWithSurroundingWhitespace_isTrimmed() {
        #expect(SimulatorHandler.apiKey(provider: .retell, headers: ["Authorization": "bEaReR \t key_1 \t"]) == .success("key_1"))
        #expect(SimulatorHandler.apiKey(provider: .bland, headers: ["authorization": " key_1 "]) == .success(" key_1 "))
        #expect(
            SimulatorHandler.apiKey(provider: .bland, headers: ["authorization": "Bearer key_1"])
                == .failure(.init(message: "Bland takes the API key itself, without Bearer: send authorization: <your API key>")))
        // One empty header is worded as before ("more than one"), a quirk the answers keep.
        #expect(
            SimulatorHandler.apiKey(provider: .vapi, headers: ["Authorization": ""])
                == .failure(.init(message: "more than one authorization header: send Authorization: Bearer <your API key>")))
    }

    // MARK: - Content-Type

    static let contentTypes = [
        "application/json", "Application/JSON", "APPLICATION/JSON", "application/json; charset=utf-8", " application/json ",
        "\tapplication/json\t;x", ";application/json", ";;application/json;", ";", ";;", "", " ", " ;application/json",
        "text/plain", "application/json;", "application/jsonx", "application/ json", "application/json\u{301}",
        "application/json;\u{301}charset", "\u{A0}application/json", "application/json\u{2003}", "application/json ;",
        "application/x-json", "applicationjson", "application/json,text/plain",
    ]

    @Test func isJSON_everyContentType_sameAsTheRuleOnStrings() {
        var cases: [HTTPHeaders] = [HTTPHeaders(), ["Content-Length": "2"]]
        for value in Self.contentTypes {
            cases.append(["Content-Type": value])
            cases.append(["content-type": value, "Content-Type": "text/plain"])
            cases.append(["CONTENT-TYPE": "application/json", "content-type": value])
        }
        for headers in cases {
            #expect(APIRequest.isJSON(headers) == APIRequest.isJSON(contentType: headers["content-type"] ?? ""), "\(headers)")
        }
    }

    @Test func isJSON_rule_matchesTheFoundationReading() {
        // The rule kept in the source must stay the one the simulator answered with before.
        for value in Self.contentTypes {
            let before = value.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            #expect(APIRequest.isJSON(contentType: value) == (before == "application/json"), "\(value)")
        }
        #expect(APIRequest.isJSON(["Content-Type": "\tApplication/Json ; charset=utf-8"]))
        #expect(!APIRequest.isJSON(["Content-Type": "application/json\u{301}"]))
    }

    // MARK: - Routing

    /// The matcher as it was: filter every endpoint, splitting its template per call.
    static func referenceMatch(provider: Provider, method: String, segments: [String]) -> SimulatorEndpoint.Match {
        func templateSegments(_ endpoint: SimulatorEndpoint) -> [Substring] {
            endpoint.pathTemplate.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        }
        func matches(_ endpoint: SimulatorEndpoint) -> Bool {
            let template = templateSegments(endpoint)
            guard template.count == segments.count else { return false }
            for (pattern, segment) in zip(template, segments) {
                if pattern.hasPrefix("{") {
                    if segment.isEmpty { return false }
                } else if pattern != segment {
                    return false
                }
            }
            return true
        }
        let candidates = SimulatorEndpoint.allCases.filter { $0.provider == provider && matches($0) }
        if let endpoint = candidates.first(where: { $0.method == method }) {
            let index = templateSegments(endpoint).firstIndex { $0.hasPrefix("{") }
            return .endpoint(endpoint, variable: index.map { segments[$0] })
        }
        if candidates.isEmpty { return .unknownPath }
        return .wrongMethod(allowed: candidates.map(\.method))
    }

    @Test func endpointMatch_everyTemplateVariant_sameAsTheReference() {
        var paths: [[String]] = [[], [""], ["", ""], ["v2"], ["v1", "inbound", ""], ["phone-number", "a", "b"]]
        for endpoint in SimulatorEndpoint.allCases {
            let template = endpoint.pathTemplate.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            for fill in ["+14155550100", "", "x/y", "\u{212A}", "list-phone-numbers"] {
                let filled = template.map { $0.hasPrefix("{") ? fill : $0 }
                paths.append(filled)
                paths.append(filled + [""])
                paths.append(Array(filled.dropLast()))
                paths.append(filled.map { $0.uppercased() })
            }
        }
        for provider in [Provider.retell, .vapi, .bland] {
            for method in ["GET", "POST", "PATCH", "PUT", "DELETE", "get", ""] {
                for segments in paths {
                    #expect(
                        SimulatorEndpoint.match(provider: provider, method: method, segments: segments)
                            == Self.referenceMatch(provider: provider, method: method, segments: segments),
                        "\(provider) \(method) \(segments)")
                    let slice = ([provider.name] + segments).dropFirst()
                    #expect(
                        SimulatorEndpoint.match(provider: provider, method: method, segments: slice)
                            == Self.referenceMatch(provider: provider, method: method, segments: segments))
                }
            }
        }
    }

    @Test func pathSegments_everyPathShape_sameAsHTTPRequestTarget() {
        func segments(_ read: () throws(PercentDecodingError) -> [String]) -> Result<[String], PercentDecodingError> {
            do { return .success(try read()) } catch { return .failure(error) }
        }
        let targets = [
            "", "/", "//", "///", "/retell", "/retell/", "retell/v2", "/retell/update-phone-number/%2B14155550100",
            "/retell/update-phone-number/%2b1415%20555", "/vapi/phone-number/a%2Fb", "/bland/v2/agents/a+b/inbound/attach",
            "/x/%", "/x/%2", "/x/%zz/y", "/%41/%FF", "/a/%C3%A9/%E2%82", "/a//b/?q=1", "/a/b?x=/c", "/é/a", "/\u{301}a/b",
            "/retell/v2/list%2Dphone-numbers?limit=2",
        ]
        for text in targets {
            let target = HTTPRequestTarget(text)
            #expect(
                segments { () throws(PercentDecodingError) in try SimulatorHandler.pathSegments(of: target) }
                    == segments { () throws(PercentDecodingError) in try target.pathSegments() }, "\(text)")
        }
    }

    // MARK: - ISO times

    /// The formatter as it was: interpolation and padding.
    static func referenceFormat(millis: Int64) -> String {
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        var days = millis / 86_400_000
        var dayMillis = millis % 86_400_000
        if dayMillis < 0 {
            days -= 1
            dayMillis += 86_400_000
        }
        let (year, month, day) = ISOTime.civil(fromDays: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(dayMillis / 3_600_000, 2)):\(pad(dayMillis / 60_000 % 60, 2)):"
            + "\(pad(dayMillis / 1000 % 60, 2)).\(pad(dayMillis % 1000, 3))Z"
    }

    @Test func isoTimeFormat_manyInstants_sameAsTheReference() {
        var generator = SystemRandomNumberGenerator()
        var instants: [Int64] = [
            0, -1, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 1_732_500_000_123, 4_102_444_799_999,
            253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001, -1_000_000_000_000_000,
        ]
        for _ in 0..<2000 { instants.append(Int64.random(in: -70_000_000_000_000...400_000_000_000_000, using: &generator)) }
        for millis in instants {
            #expect(ISOTime.format(millis: millis) == Self.referenceFormat(millis: millis), "\(millis)")
        }
    }

    // MARK: - JSON strings

    @Test func jsonString_plainEscapedAndInvalid_readAsBefore() throws {
        #expect(try SimulatorJSON.parse(Array(#"{"a":"plain","b":"x\ny\"z\\/\u00e9"}"#.utf8))["b"] == .string("x\ny\"z\\/é"))
        #expect(try SimulatorJSON.parse(Array(#"["é😀", "ab\tc"]"#.utf8)) == .array([.string("é😀"), .string("ab\tc")]))
        // The offsets are where the old byte-by-byte loop stopped: after the closing quote for bad
        // UTF-8, at the byte for a raw control character, after the escape for a bad escape.
        let cases: [([UInt8], String)] = [
            ([0x22, 0x61, 0xFF, 0x22], "a string is not valid UTF-8 at byte 4"),
            ([0x22, 0x61, 0x5C, 0x6E, 0xC3, 0x22], "a string is not valid UTF-8 at byte 6"),
            ([0x22, 0x61, 0x62, 0x01, 0x22], "a control character must be escaped in a string at byte 3"),
            ([0x22, 0x61, 0x5C, 0x6E, 0x0A, 0x22], "a control character must be escaped in a string at byte 4"),
            ([0x22, 0x61, 0x5C, 0x71, 0x22], "invalid escape in a string at byte 4"),
            ([0x22, 0x61, 0x62], "the JSON ends inside a string at byte 3"),
            ([0x22, 0x61, 0x5C], "the JSON ends inside an escape at byte 3"),
            ([0x22, 0x61, 0x22, 0x20, 0x78], "unexpected text after the JSON value at byte 4"),
        ]
        for (bytes, reason) in cases {
            #expect(throws: SimulatorJSON.ParseError(description: "the body is not valid JSON (\(reason))")) {
                try SimulatorJSON.parse(bytes)
            }
        }
    }

    @Test func jsonEncoding_escapesOnlyWhatRFC8259Requires() {
        #expect(SimulatorJSON.string("plain +14155550100 é/").text == #""plain +14155550100 é/""#)
        #expect(SimulatorJSON.string("a\"b\\c\nd\re\tf\u{1F}g\u{7F}").text == #""a\"b\\c\nd\re\tf\u001fg"# + "\u{7F}\"")
        #expect(SimulatorJSON.string(String(repeating: "long ", count: 40)).text == "\"" + String(repeating: "long ", count: 40) + "\"")
        #expect(SimulatorJSON.fields(["k\"ey": .string("")]).text == #"{"k\"ey":""}"#)
    }
}
