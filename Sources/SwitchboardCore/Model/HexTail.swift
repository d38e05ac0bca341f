/// A provider id that ends in a long run of lower-case hex digits (Retell's `agent_` + hex, Bland's
/// `pw_` + hex, most providers' generated ids), kept as its prefix bytes followed by the digits
/// packed two to a byte: a 30-byte `agent_` id takes 18 bytes in its `AgentRecord`. Spelled back
/// byte for byte. Anything else (upper-case or mixed digits, a short run) is not a `HexTail` and
/// is stored as it is.
struct HexTail: Equatable {
    /// Bytes kept as they are, before the packed digits.
    let prefixLength: Int
    /// Bytes the digits pack into (two digits a byte).
    let packedCount: Int

    /// A shorter run saves too little to be worth the flag.
    static let minimumDigits = 16
    /// What the record's length field has room for (5 bits); a longer run keeps its first digits in
    /// the prefix.
    static let maximumPacked = 31
    /// What the record's length field has room for (8 bits).
    static let maximumPrefix = 255

    init(prefixLength: Int, packedCount: Int) {
        self.prefixLength = prefixLength
        self.packedCount = packedCount
    }

    /// Nil unless `utf8` ends in at least `minimumDigits` lower-case hex digits after at most
    /// `maximumPrefix` other bytes.
    init?(utf8: UnsafeRawBufferPointer) {
        var digits = 0
        while digits < utf8.count, HexTail.value(utf8[utf8.count - 1 - digits]) != nil { digits += 1 }
        let packed = Swift.min(digits / 2, HexTail.maximumPacked)
        let prefix = utf8.count - 2 * packed
        guard 2 * packed >= HexTail.minimumDigits, prefix <= HexTail.maximumPrefix else { return nil }
        self.init(prefixLength: prefix, packedCount: packed)
    }

    var storedCount: Int { prefixLength + packedCount }
    var spelledCount: Int { prefixLength + 2 * packedCount }

    /// A lower-case hex digit's value, or nil.
    @inline(__always)
    private static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// Writes the `storedCount` bytes of `utf8` (which this was made from) at `destination`.
    func write(_ utf8: UnsafeRawBufferPointer, to destination: UnsafeMutablePointer<UInt8>) {
        precondition(utf8.count == spelledCount, "not the id this HexTail was made from")
        for index in 0..<prefixLength { destination[index] = utf8[index] }
        for index in 0..<packedCount {
            let high = HexTail.value(utf8[prefixLength + 2 * index])!
            let low = HexTail.value(utf8[prefixLength + 2 * index + 1])!
            destination[prefixLength + index] = high << 4 | low
        }
    }

    /// The id spelled back from its `storedCount` stored bytes.
    func spell(_ stored: UnsafeBufferPointer<UInt8>) -> String {
        precondition(stored.count == storedCount, "a HexTail's stored bytes")
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: spelledCount) { out in
            digits.withUTF8Buffer { digits in
                for index in 0..<prefixLength { out[index] = stored[index] }
                var position = prefixLength
                for index in prefixLength..<storedCount {
                    out[position] = digits[Int(stored[index] >> 4)]
                    out[position + 1] = digits[Int(stored[index] & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }
}
