/// The 16 bytes of a UUID spelled canonically: 8-4-4-4-12 hex digits, letters all lower case
/// or all upper case (which one is kept, so the spelling comes back byte for byte). Any other
/// spelling (mixed case, no dashes, braces) is not a `UUIDBytes` and is stored as it is.
/// A Vapi number id takes 16 bytes in the cold table's arena this way, not 36, and a Vapi
/// assistant id 16 bytes in its `AgentRecord`.
struct UUIDBytes: Equatable {
    static let count = 16
    static let spelledCount = 36
    /// The 128 bits, most significant first.
    let high: UInt64
    let low: UInt64
    let upperCase: Bool

    /// Nil unless `text` is a canonical UUID in one case. A UUID of digits only is lower case.
    init?(_ text: String) {
        guard text.utf8.count == UUIDBytes.spelledCount else { return nil }
        var text = text
        guard let parsed = text.withUTF8({ UUIDBytes.parse($0) }) else { return nil }
        self = parsed
    }

    /// The same from UTF-8 bytes.
    init?(utf8: UnsafeRawBufferPointer) {
        guard let parsed = UUIDBytes.parse(utf8.assumingMemoryBound(to: UInt8.self)) else { return nil }
        self = parsed
    }

    private init(high: UInt64, low: UInt64, upperCase: Bool) {
        self.high = high
        self.low = low
        self.upperCase = upperCase
    }

    /// Start-up parses every Vapi id (numbers and agents, about two thirds of a million at 1M):
    /// the four dashes checked first, then each run of digits over a pointer, a digit's value by
    /// arithmetic (`&-` wraps non-digits far above 15), no bounds check or branch per position.
    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> UUIDBytes? {
        guard utf8.count == spelledCount, let base = utf8.baseAddress else { return nil }
        let dash = UInt8(ascii: "-")
        guard base[8] == dash, base[13] == dash, base[18] == dash, base[23] == dash else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        // Bit 0: a lower-case letter seen; bit 1: an upper-case one; bit 2: a byte not a hex digit.
        var seen: UInt8 = 0
        hexRun(base, 8, into: &high, seen: &seen)
        hexRun(base + 9, 4, into: &high, seen: &seen)
        hexRun(base + 14, 4, into: &high, seen: &seen)
        hexRun(base + 19, 4, into: &low, seen: &seen)
        hexRun(base + 24, 12, into: &low, seen: &seen)
        guard seen & 0b100 == 0, seen != 0b11 else { return nil }
        return UUIDBytes(high: high, low: low, upperCase: seen == 0b10)
    }

    @inline(__always)
    private static func hexRun(_ digits: UnsafePointer<UInt8>, _ count: Int, into value: inout UInt64, seen: inout UInt8) {
        for index in 0..<count {
            let byte = digits[index]
            var nibble = byte &- UInt8(ascii: "0")
            if nibble > 9 {
                // Upper and lower case letters differ in bit 0x20 only.
                let letter = (byte | 0x20) &- UInt8(ascii: "a")
                seen |= letter < 6 ? (byte & 0x20 != 0 ? 0b01 : 0b10) : 0b100
                nibble = letter &+ 10
            }
            value = value << 4 | UInt64(nibble & 0x0F)
        }
    }

    /// Writes the 16 bytes, big-endian, at `destination`.
    func write(to destination: UnsafeMutablePointer<UInt8>) {
        for index in 0..<8 {
            destination[index] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index))
            destination[8 + index] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * index))
        }
    }

    /// The 16 bytes, big-endian.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: UUIDBytes.count) { buffer in
            for index in 0..<8 {
                buffer[index] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index))
                buffer[8 + index] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * index))
            }
            return body(UnsafeBufferPointer(buffer))
        }
    }

    /// The canonical spelling of 16 stored bytes, in the case given.
    static func spell(_ bytes: UnsafeBufferPointer<UInt8>, upperCase: Bool) -> String {
        precondition(bytes.count == count, "a UUID is 16 bytes")
        let digits: StaticString = upperCase ? "0123456789ABCDEF" : "0123456789abcdef"
        return String(unsafeUninitializedCapacity: spelledCount) { out in
            digits.withUTF8Buffer { digits in
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    out[position] = digits[Int(byte >> 4)]
                    out[position + 1] = digits[Int(byte & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }
}
