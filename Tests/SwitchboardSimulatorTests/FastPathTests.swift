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
}
