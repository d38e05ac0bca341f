import Foundation
@testable import SwitchboardProviders
import Testing

/// The strict reader against RFC 8259: what it accepts, what it refuses and why, truncations, depth.
@Suite struct JSONDocumentTests {
    static let valid: [String] = [
        "{}", "[]", #""""#, "0", "-0", "1.5e10", "-1.25E-3", "1E+2", "true", "false", "null",
        " \t\r\n{\"a\" : [1, 2, {\"b\": null}] } ",
        #""\u00e9\ud83d\ude00\n\"\\\/\b\f\r\t""#, "\"é😀 ok\"", "[1e5,0.0,10,-0.5]", #"{"":""}"#,
        #"{"a":{"b":{"c":[true,false,null,"x"]}},"d":-12.5e-7}"#,
        #"[[[[[]]]],{}]"#,
    ]

    static let invalid: [(String, JSONError.Reason)] = [
        ("", .empty), ("   ", .empty),
        ("{", .unexpectedEnd), ("[", .unexpectedEnd), (#"{"a""#, .unexpectedEnd), (#"{"a":"#, .unexpectedEnd),
        (#"{"a"}"#, .unexpectedByte(UInt8(ascii: "}"), expected: "':'")),
        (#"{"a":1,}"#, .unexpectedByte(UInt8(ascii: "}"), expected: "a member name in double quotes")),
        ("[1,]", .unexpectedByte(UInt8(ascii: "]"), expected: "a value")),
        ("[1 2]", .unexpectedByte(UInt8(ascii: "2"), expected: "',' or ']'")),
        (#"{"a":1 "b":2}"#, .unexpectedByte(UInt8(ascii: "\""), expected: "',' or '}'")),
        ("{,}", .unexpectedByte(UInt8(ascii: ","), expected: "a member name in double quotes")),
        ("[,]", .unexpectedByte(UInt8(ascii: ","), expected: "a value")),
        ("{'a':1}", .unexpectedByte(UInt8(ascii: "'"), expected: "a member name in double quotes")),
        ("01", .invalidNumber), ("-", .unexpectedEnd), ("[-]", .invalidNumber), ("1.", .unexpectedEnd), ("1.e5", .invalidNumber),
        ("1e", .unexpectedEnd), ("[1e+]", .invalidNumber), ("+1", .unexpectedByte(UInt8(ascii: "+"), expected: "a value")),
        (".5", .unexpectedByte(UInt8(ascii: "."), expected: "a value")), ("-01", .invalidNumber),
        ("NaN", .unexpectedByte(UInt8(ascii: "N"), expected: "a value")), ("[Infinity]", .unexpectedByte(UInt8(ascii: "I"), expected: "a value")),
        ("tru", .unexpectedEnd), ("trux", .invalidLiteral), ("nul", .unexpectedEnd), ("[nulL]", .invalidLiteral),
        ("True", .unexpectedByte(UInt8(ascii: "T"), expected: "a value")),
        (#""abc"#, .unexpectedEnd), ("\"a\u{1}\"", .controlCharacter), ("\"a\tb\"", .controlCharacter), ("\"a\nb\"", .controlCharacter),
        (#""\x""#, .invalidEscape), (#""\u12G4""#, .invalidUnicodeEscape), (#""\u12""#, .invalidUnicodeEscape),
        (#""\ud800""#, .loneSurrogate), (#""\udc00""#, .loneSurrogate), (#""\ud800\u0041""#, .loneSurrogate), (#""\ud800x""#, .loneSurrogate),
        ("{} x", .trailingData), ("[] []", .trailingData), ("1 2", .trailingData), ("\"a\"\"b\"", .trailingData),
    ]

    static let invalidUTF8: [[UInt8]] = [
        [0x22, 0xC0, 0xAF, 0x22],  // overlong "/"
        [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong, 3 bytes
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // an encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xFF, 0x22], [0x22, 0x80, 0x22], [0x22, 0xC3, 0x28, 0x22],
    ]

    @Test func validate_validCorpus_accepted() throws {
        for text in JSONDocumentTests.valid {
            #expect(throws: Never.self, "\(text)") { try JSONDocument(validating: Array(text.utf8)) }
            // Foundation agrees these are JSON.
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil, "\(text)")
        }
    }

    @Test func validate_invalidCorpus_refusedWithReason() {
        for (text, reason) in JSONDocumentTests.invalid {
            do {
                _ = try JSONDocument(validating: Array(text.utf8))
                Issue.record("accepted \(text.debugDescription)")
            } catch {
                #expect(error.reason == reason, "\(text.debugDescription): \(error)")
            }
        }
    }

    @Test func validate_invalidUTF8_refused() {
        for bytes in JSONDocumentTests.invalidUTF8 {
            #expect(throws: JSONError(.invalidUTF8, at: 1)) { try JSONDocument(validating: bytes) }
        }
        // A byte-order mark is not JSON either (RFC 8259 §8.1: must not be added).
        #expect(throws: JSONError.self) { try JSONDocument(validating: [0xEF, 0xBB, 0xBF] + Array("{}".utf8)) }
    }

    @Test func validate_everyTruncationOfAValidDocument_refused() throws {
        let documents = JSONDocumentTests.valid.filter { $0.hasPrefix("{") || $0.hasPrefix("[") || $0.hasPrefix("\"") }
            + [String(decoding: Fixtures.vapiBody, as: UTF8.self), String(decoding: Fixtures.retellBody, as: UTF8.self)]
        for text in documents {
            let bytes = Array(text.utf8.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D })
            let end = bytes.lastIndex { !JSONScan.isWhitespace($0) }! + 1
            _ = try JSONDocument(validating: bytes)
            for length in 0..<end {
                #expect(throws: JSONError.self, "\(text) cut at \(length)") { try JSONDocument(validating: Array(bytes[..<length])) }
            }
        }
    }

    @Test func validate_nestingAtTheLimit_acceptedAndBeyond_refused() throws {
        let limit = JSONDocument.maxDepth
        let atLimit = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        _ = try JSONDocument(validating: Array(atLimit.utf8))
        let objects = String(repeating: #"{"a":"#, count: limit) + "1" + String(repeating: "}", count: limit)
        _ = try JSONDocument(validating: Array(objects.utf8))
        let beyond = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: JSONError(.tooDeep(limit: limit), at: limit)) { try JSONDocument(validating: Array(beyond.utf8)) }
        // A hostile depth is refused quickly, without recursion.
        let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(throws: JSONError(.tooDeep(limit: limit), at: limit)) { try JSONDocument(validating: hostile) }
    }

    @Test func validate_singleByteMutations_neverAcceptWhatFoundationRefuses() {
        // Deterministic mutations of a realistic document: ours is at least as strict as Foundation.
        // No exponent letters: RFC 8259 §6 allows 1e32500000000, which Foundation refuses as out of range.
        var generator = SplitMix(seed: 42)
        let base = Fixtures.vapiBody
        let alphabet = Array(#"{}[]":,.-+0123456789tfnul\ "#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xFF]
        for _ in 0..<3000 {
            var bytes = base
            bytes[Int(generator.next() % UInt64(bytes.count))] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
            if (try? JSONDocument(validating: bytes)) != nil {
                #expect((try? JSONSerialization.jsonObject(with: Data(bytes))) != nil, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }

    @Test func member_findsNestedValues() throws {
        let root = try JSONDocument(validating: Fixtures.vapiBody).root
        let message = try #require(try root.member("message"))
        #expect(message.kind == .object)
        #expect(try message.member("phoneNumber")?.member("number")?.string == "+14155550123")
        #expect(try message.member("timestamp")?.int64 == 1_732_500_000_000)
        #expect(try message.member("absent") == nil)
        #expect(try message.member("type")?.member("x") == nil)  // not an object
        #expect(try root.member("message")?.member("type")?.isString("assistant-request") == true)
    }

    @Test func member_escapedNameMatches() throws {
        let root = try JSONDocument(validating: Array(#"{"\u0074o":"+1415","t\"o":1}"#.utf8)).root
        #expect(try root.member("to")?.string == "+1415")
        #expect(try root.member("t\"o")?.int64 == 1)
    }

    @Test func member_duplicateName_refused() throws {
        let root = try JSONDocument(validating: Array(#"{"to":"+1","x":{"to":2},"to":"+2"}"#.utf8)).root
        #expect(throws: JSONError.self) { try root.member("to") }
        #expect(try root.member("x")?.member("to")?.int64 == 2)
        let escaped = try JSONDocument(validating: Array(#"{"to":1,"\u0074o":2}"#.utf8)).root
        #expect(throws: JSONError.self) { try escaped.member("to") }
    }

    @Test func string_decodesEscapesAndSurrogatePairs() throws {
        let root = try JSONDocument(validating: Array(#"["\u00e9\ud83d\ude00\n\"\\\/\b\f\r\t", "plain", "é😀", 5]"#.utf8)).root
        let elements = root.elements
        #expect(elements.count == 4)
        #expect(elements[0].string == "é😀\n\"\\/\u{8}\u{C}\r\t")
        #expect(elements[1].string == "plain")
        #expect(elements[2].string == "é😀")
        #expect(elements[3].string == nil)
        #expect(elements[3].kind == .number)
    }

    @Test func int64_integersOnly() throws {
        let root = try JSONDocument(validating: Array("[9223372036854775807,-9223372036854775808,9223372036854775808,1.0,1e2,-0,true]".utf8)).root
        #expect(root.elements.map(\.int64) == [Int64.max, Int64.min, nil, nil, nil, 0, nil])
        #expect(root.elements[6].bool == true)
    }

    @Test func rawBytes_isTheValueAsWritten() throws {
        let root = try JSONDocument(validating: Array(#" { "m" : {"a": [1, "}"]} , "n":null} "#.utf8)).root
        #expect(String(decoding: try #require(try root.member("m")).rawBytes, as: UTF8.self) == #"{"a": [1, "}"]}"#)
        #expect(try root.member("n")?.isNull == true)
    }

    @Test func error_description_namesReasonAndOffset() {
        #expect(JSONError(.unexpectedEnd, at: 12).description.contains("at byte 12"))
        #expect(JSONError(.unexpectedByte(UInt8(ascii: "}"), expected: "':'"), at: 4).description.contains("'}'"))
    }
}

/// A small deterministic generator for the mutation test (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `JSONOutput.string`: the plain fast path (one copy) and the escaping path write the same JSON a
/// reader turns back into the original text.
@Suite struct JSONOutputTests {
    @Test(arguments: [
        "", "agent_0123456789abcdef", "ag-17", "é😀 ok", "quote\"in", "back\\slash", "line\nbreak\r\ttab",
        "nul\u{0}bell\u{7}", "del\u{7F}", "\u{1F}end", String(repeating: "x", count: 300) + "\"",
    ])
    func string_roundTrips(text: String) throws {
        var out = JSONOutput()
        out.string(text)
        #expect(try JSONSerialization.jsonObject(with: Data(out.bytes), options: .fragmentsAllowed) as? String == text)
        #expect(try JSONDocument(validating: out.bytes).root.withStringUTF8 { String(decoding: $0, as: UTF8.self) } == text)
        let needsEscape = text.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        #expect((out.bytes.count == text.utf8.count + 2) == !needsEscape)
    }

    @Test func string_escapesControlsAsTheSpecSays() {
        var out = JSONOutput()
        out.string("a\u{1}\u{7F}\"\\\n")
        #expect(String(decoding: out.bytes, as: UTF8.self) == #""a\u0001\u007f\"\\\n""#)
    }
}

/// `JSONValue.members` against one `member` call a name: the same member (or none) for every
/// name, and the same refusal for a duplicated name, on random objects with repeated, escaped and
/// nested keys and large sibling values.
@Suite struct JSONMembersTests {
    static let names: [StaticString] = ["a", "b", "call", "to_number", ""]
    static let spellings = [#""a""#, #""\u0061""#, #""b""#, #""call""#, #""c\u0061ll""#, #""to_number""#, #""""#, #""z""#, #""aa""#]

    static func value(_ generator: inout SplitMix, depth: Int) -> String {
        switch generator.next() % (depth > 2 ? 3 : 5) {
        case 0: return String(generator.next() % 1000)
        case 1: return #""text \"quoted\" \\ end""#
        case 2: return ["true", "null", "-1.5e3", "[]", "{}"][Int(generator.next() % 5)]
        case 3: return "[" + (0..<Int(generator.next() % 4)).map { _ in value(&generator, depth: depth + 1) }.joined(separator: ",") + "]"
        default: return object(&generator, depth: depth + 1)
        }
    }

    static func object(_ generator: inout SplitMix, depth: Int) -> String {
        let count = Int(generator.next() % 6)
        let members = (0..<count).map { _ in
            spellings[Int(generator.next() % UInt64(spellings.count))] + (generator.next() % 2 == 0 ? " : " : ":") + value(&generator, depth: depth)
        }
        return "{ " + members.joined(separator: generator.next() % 2 == 0 ? "," : " ,\n") + "}"
    }

    static func same(_ lookup: JSONValue.Lookup, as value: JSONValue, _ name: StaticString) -> Bool {
        let single: JSONValue.Lookup = Result { () throws(JSONError) in try value.member(name) }
        switch (lookup, single) {
        case (.success(let a), .success(let b)): return a?.start == b?.start
        case (.failure(let a), .failure(let b)): return a == b
        default: return false
        }
    }

    @Test func members_agreeWithOneLookUpEach() throws {
        var generator = SplitMix(seed: 7)
        var duplicatesSeen = 0, foundSeen = 0
        for _ in 0..<3_000 {
            let text = JSONMembersTests.object(&generator, depth: 0)
            let root = try JSONDocument(validating: Array(text.utf8)).root
            let pick = { (generator: inout SplitMix) in JSONMembersTests.names[Int(generator.next() % UInt64(JSONMembersTests.names.count))] }
            let (n1, n2, n3, n4) = (pick(&generator), pick(&generator), pick(&generator), pick(&generator))
            let (a, b) = root.members(n1, n2)
            #expect(JSONMembersTests.same(a, as: root, n1) && JSONMembersTests.same(b, as: root, n2), "\(text)")
            let (c, d, e, f) = root.members(n1, n2, n3, n4)
            for (lookup, name) in [(c, n1), (d, n2), (e, n3), (f, n4)] {
                #expect(JSONMembersTests.same(lookup, as: root, name), "\(text) \(name)")
                if case .failure = lookup { duplicatesSeen += 1 }
                if case .success(.some) = lookup { foundSeen += 1 }
            }
        }
        // The generator must exercise both outcomes, or the comparison proves little.
        #expect(duplicatesSeen > 100 && foundSeen > 1_000)
        // Not an object: nothing, as `member` says.
        let array = try JSONDocument(validating: Array("[1]".utf8)).root
        let (x, y) = array.members("a", "b")
        #expect(JSONMembersTests.same(x, as: array, "a") && JSONMembersTests.same(y, as: array, "b"))
    }
}
