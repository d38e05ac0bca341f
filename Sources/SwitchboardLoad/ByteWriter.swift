/// Writes ASCII into a caller's fixed buffer: how the harness spells ids and numbers for a
/// comparison on the hot path without building a String (the buffer is a stack temporary).
struct ByteWriter {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: buffer[..<count]) }

    mutating func byte(_ value: UInt8) {
        buffer[count] = value
        count += 1
    }

    mutating func ascii(_ text: StaticString) {
        text.withUTF8Buffer { for byte in $0 { self.byte(byte) } }
    }

    /// `digits` lower-case hex digits of the low bits of `value`.
    mutating func hex(_ value: UInt64, digits: Int) {
        var shift = (digits - 1) * 4
        while shift >= 0 {
            let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)
            byte(nibble < 10 ? 0x30 + nibble : 0x57 + nibble)
            shift -= 4
        }
    }

    mutating func decimal(_ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var length = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[length] = 0x30 + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
                length += 1
            } while rest > 0
            for index in stride(from: length - 1, through: 0, by: -1) { byte(raw[index]) }
        }
    }

    /// Runs `body` with what `write` puts in a 128-byte stack buffer.
    static func with<Result>(_ write: (inout ByteWriter) -> Void, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buffer in
            var writer = ByteWriter(buffer)
            write(&writer)
            return body(writer.bytes)
        }
    }

    /// What `write` writes, as a String (for seeding and request building, not the hot path).
    static func string(_ write: (inout ByteWriter) -> Void) -> String {
        with(write) { String(decoding: $0, as: UTF8.self) }
    }
}
