import SwitchboardCore
import Testing

@testable import SwitchboardSimulator

@Suite struct ValueTests {
    @Test func isoTime_format_knownInstants() {
        #expect(ISOTime.format(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(ISOTime.format(millis: 1_732_500_000_123) == "2024-11-25T02:00:00.123Z")
        #expect(ISOTime.format(millis: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(ISOTime.format(millis: -1) == "1969-12-31T23:59:59.999Z")
    }

    @Test func isoTime_parse_roundTripsAndOffsets() {
        for millis: Int64 in [0, 1, 999, 1_703_413_636_133, 4_102_444_799_999] {
            #expect(ISOTime.parse(ISOTime.format(millis: millis)) == millis)
        }
        #expect(ISOTime.parse("2024-11-25T02:00:00Z") == 1_732_500_000_000)
        #expect(ISOTime.parse("2024-11-25T04:00:00.5+02:00") == 1_732_500_000_500)
        #expect(ISOTime.parse("2024-11-25T02:00:00.123456Z") == 1_732_500_000_123)
    }

    @Test(arguments: ["", "2024-11-25", "2024-11-25T02:00:00", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-11-25T24:00:00Z",
        "2024-11-25T02:00:00.Z", "2024-11-25T02:00:00Zjunk", "yesterday", "2024-11-25T02:00:00+2:00"])
    func isoTime_parse_refusesMalformed(text: String) {
        #expect(ISOTime.parse(text) == nil)
    }

    @Test func json_parseAndEncode_roundTrip() throws {
        let text = #"{"a":[1,-2.5,true,null,"x\"\n\u00e9"],"b":{"c":9007199254740993}}"#
        let value = try SimulatorJSON.parse(Array(text.utf8))
        #expect(value["a"]?.elements?.count == 5)
        #expect(value["a"]?.elements?[0] == .integer(1))
        #expect(value["a"]?.elements?[2] == .bool(true))
        #expect(value["a"]?.elements?[4] == .string("x\"\né"))
        #expect(value["b"]?["c"] == .integer(9_007_199_254_740_993))
        #expect(try SimulatorJSON.parse(value.encoded()) == value)
        #expect(SimulatorJSON.fields(["k": .string("v"), "absent": nil]).text == #"{"k":"v"}"#)
        #expect(SimulatorJSON.string("\u{1}").text == #""\u0001""#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "nul", "{\"a\":1}}", "\u{FEFF}{}", "01", "1.", ".5", "-", "1e", "+1",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\x41\"", "\"a\u{1}\"", "[1 2]", "{\"a\" 1}", "{1:2}", "NaN", "1e999", "// c\n1",
    ])
    func json_parse_refusesInvalid(text: String) {
        #expect(throws: SimulatorJSON.ParseError.self) { try SimulatorJSON.parse(Array(text.utf8)) }
    }

    @Test func json_everyTruncationOfAValidDocument_isRefused() throws {
        let text = #"{"items":[{"phone_number":"+14155550100","n":-1.5e3,"ok":true,"x":null,"s":"\u00e9\ud83d\ude00"}],"k":"v"}"#
        let bytes = Array(text.utf8)
        let whole = try SimulatorJSON.parse(bytes)
        #expect(whole["items"]?.elements?.first?["s"] == .string("é😀"))
        #expect(whole["items"]?.elements?.first?["n"] == .double(-1500))
        for end in 1..<bytes.count {
            #expect(throws: SimulatorJSON.ParseError.self, "prefix of \(end) bytes") { try SimulatorJSON.parse(Array(bytes[..<end])) }
        }
    }

    @Test func json_deepNesting_refusedPastTheLimit() throws {
        let ok = String(repeating: "[", count: JSONReader.maxDepth) + String(repeating: "]", count: JSONReader.maxDepth)
        #expect(throws: Never.self) { try SimulatorJSON.parse(Array(ok.utf8)) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: SimulatorJSON.ParseError.self) { try SimulatorJSON.parse(Array(deep.utf8)) }
    }

    @Test func json_repeatedKey_lastWins_orderKept() throws {
        let value = try SimulatorJSON.parse(Array(#"{"b":1,"a":2,"b":3}"#.utf8))
        #expect(value["b"] == .integer(3))
        #expect(value.members?.map(\.key) == ["b", "a", "b"])
        #expect(value.text == #"{"b":1,"a":2,"b":3}"#)
    }

    @Test func endpointMatch_routesTemplatesAndMethods() {
        #expect(SimulatorEndpoint.match(provider: .retell, method: "PATCH", segments: ["update-phone-number", "+1415"])
            == .endpoint(.retellUpdatePhoneNumber, variable: "+1415"))
        #expect(SimulatorEndpoint.match(provider: .bland, method: "POST", segments: ["v2", "agents", "a1", "inbound", "detach"])
            == .endpoint(.blandDetachInbound, variable: "a1"))
        #expect(SimulatorEndpoint.match(provider: .vapi, method: "GET", segments: ["phone-number", "id1"]) == .wrongMethod(allowed: ["PATCH"]))
        #expect(SimulatorEndpoint.match(provider: .vapi, method: "PATCH", segments: ["phone-number", ""]) == .unknownPath)
        #expect(SimulatorEndpoint.match(provider: .bland, method: "GET", segments: ["v2", "list-phone-numbers"]) == .unknownPath)
    }

    @Test func boundedLog_keepsNewestWithinLimit() {
        var log = BoundedLog<Int>(limit: 10)
        for value in 0..<25 { log.append(value) }
        #expect(log.items.count <= 10)
        #expect(log.items.last == 24)
        #expect(log.dropped + log.items.count == 25)
        #expect(log.items == Array((25 - log.items.count)..<25))
    }
}
