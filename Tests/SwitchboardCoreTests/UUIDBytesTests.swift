import Testing

@testable import SwitchboardCore

/// The UUID packing accepts exactly the canonical spellings in one case.
@Suite struct UUIDBytesTests {
    static let canonical = "0123abcd-4567-89ef-abcd-ef0123456789"

    @Test func canonical_roundTripsInBothCases() {
        for text in [Self.canonical, Self.canonical.uppercased()] {
            let packed = UUIDBytes(text)
            #expect(packed != nil)
            let spelled = packed?.withBytes { UUIDBytes.spell($0, upperCase: packed!.upperCase) }
            #expect(spelled == text)
        }
        #expect(UUIDBytes(Self.canonical)?.high == 0x0123_abcd_4567_89ef && UUIDBytes(Self.canonical)?.low == 0xabcd_ef01_2345_6789)
    }

    @Test func anyPositionSpoiled_isNotAUUID() {
        let bytes = Array(Self.canonical.utf8)
        for position in bytes.indices {
            let isDash = [8, 13, 18, 23].contains(position)
            // A dash where a digit goes, a letter past f, a byte next to the digit and letter ranges.
            for spoiler in isDash ? ["0", "a", "_"] : ["-", "g", "G", "/", ":", "`", "@", " "] {
                var spoiled = bytes
                spoiled[position] = spoiler.utf8.first!
                #expect(UUIDBytes(String(decoding: spoiled, as: UTF8.self)) == nil, "\(position) \(spoiler)")
            }
        }
        #expect(UUIDBytes(String(Self.canonical.dropLast())) == nil)
        #expect(UUIDBytes(Self.canonical + "0") == nil)
        #expect(UUIDBytes("0123abcd-4567-89ef-abcd-EF0123456789") == nil)
    }
}
