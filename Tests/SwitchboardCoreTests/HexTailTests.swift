import Testing

@testable import SwitchboardCore

/// The hex-tail packing takes exactly ids ending in enough lower-case hex digits, and spells them
/// back byte for byte.
@Suite struct HexTailTests {
    private func tail(_ text: String) -> HexTail? {
        var text = text
        return text.withUTF8 { HexTail(utf8: UnsafeRawBufferPointer($0)) }
    }

    private func roundTrip(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { utf8 -> String? in
            let raw = UnsafeRawBufferPointer(utf8)
            guard let tail = HexTail(utf8: raw) else { return nil }
            var stored = [UInt8](repeating: 0, count: tail.storedCount)
            stored.withUnsafeMutableBufferPointer { tail.write(raw, to: $0.baseAddress!) }
            return stored.withUnsafeBufferPointer { tail.spell($0) }
        }
    }

    @Test func retellAndBlandIds_packTheirDigits() {
        #expect(tail("agent_0123456789abcdef01234567") == HexTail(prefixLength: 6, packedCount: 12))
        #expect(tail("pw_0123456789abcdef01234567") == HexTail(prefixLength: 3, packedCount: 12))
        #expect(tail(String(repeating: "f", count: 16)) == HexTail(prefixLength: 0, packedCount: 8))
        // An odd run leaves its first digit in the prefix.
        #expect(tail("agent_123456789abcdef01234567") == HexTail(prefixLength: 7, packedCount: 11))
        // A run longer than 62 digits keeps its first digits in the prefix.
        #expect(tail("a_" + String(repeating: "0", count: 70)) == HexTail(prefixLength: 10, packedCount: 31))
    }

    @Test func otherIds_areNotHexTails() {
        #expect(tail("agent_0123456789abcde") == nil, "15 digits")
        #expect(tail("agent_0123456789ABCDEF01234567") == nil, "upper case")
        #expect(tail("agent_0123456789abcdef0123456g") == nil, "a letter past f ends the run")
        #expect(tail("") == nil)
        #expect(tail(String(repeating: "q", count: 256) + "0123456789abcdef") == nil, "a prefix over 255 bytes")
        #expect(tail(String(repeating: "q", count: 255) + "0123456789abcdef") == HexTail(prefixLength: 255, packedCount: 8))
    }

    @Test func everyPackedId_spellsBackExactly() {
        let ids = [
            "agent_0123456789abcdef01234567", "pw_fedcba9876543210fedcba98", String(repeating: "0", count: 16),
            "agent_123456789abcdef01234567", "a_" + String(repeating: "9f", count: 40), "é_0123456789abcdef",
        ]
        for id in ids { #expect(roundTrip(id) == id, "\(id)") }
    }
}
