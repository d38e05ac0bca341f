import SwitchboardCore

/// Little-endian binary encoding for journal records and snapshots. Every value read back from disk
/// is checked (lengths, enum values, ids, numbers), so damage that slips past a checksum still
/// becomes a clear error rather than a wrong state.
struct BinaryWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    mutating func string(_ value: String) {
        let utf8 = value.utf8
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func optionalString(_ value: String?) {
        if let value {
            u8(1)
            string(value)
        } else {
            u8(0)
        }
    }

    mutating func count(_ value: Int) { u32(UInt32(value)) }
}

/// Why stored bytes could not be decoded.
public struct DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "at byte \(offset): \(reason)" }
}

struct BinaryReader: ~Copyable {
    let buffer: UnsafeRawBufferPointer
    var offset: Int

    init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    var isAtEnd: Bool { offset == buffer.count }

    func fail(_ reason: String) -> DecodingError { DecodingError(offset: offset, reason: reason) }

    mutating func need(_ count: Int) throws(DecodingError) {
        guard count >= 0, buffer.count - offset >= count else { throw fail("truncated: \(count) more bytes expected") }
    }

    mutating func u8() throws(DecodingError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func u32() throws(DecodingError) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func u64() throws(DecodingError) -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func i64() throws(DecodingError) -> Int64 { Int64(bitPattern: try u64()) }

    mutating func string(limit: Int = 1 << 20) throws(DecodingError) -> String {
        let length = Int(try u32())
        guard length <= limit else { throw fail("string of \(length) bytes is over the limit") }
        try need(length)
        let slice = UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + length])
        // ASCII (ids, numbers, most names) is valid UTF-8 as it is: a byte loop instead of the
        // generic validating initialiser, which dominated snapshot loading.
        let value: String
        if slice.allSatisfy({ $0 < 0x80 }) {
            value = String(decoding: slice, as: UTF8.self)
        } else {
            guard let validated = String(validating: slice, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
            value = validated
        }
        offset += length
        return value
    }

    mutating func optionalString() throws(DecodingError) -> String? {
        switch try u8() {
        case 0: return nil
        case 1: return try string()
        case let tag: throw fail("bad optional tag \(tag)")
        }
    }

    mutating func count(elementSize: Int) throws(DecodingError) -> Int {
        let value = Int(try u32())
        guard value <= (buffer.count - offset) / max(elementSize, 1) else { throw fail("count \(value) exceeds the remaining bytes") }
        return value
    }

    mutating func identifier() throws(DecodingError) -> Identifier {
        let text = try string(limit: Identifier.maxLength)
        do { return try Identifier(text) } catch { throw fail(error.message) }
    }

    mutating func optionalIdentifier() throws(DecodingError) -> Identifier? {
        switch try u8() {
        case 0: return nil
        case 1: return try identifier()
        case let tag: throw fail("bad optional tag \(tag)")
        }
    }

    mutating func provider() throws(DecodingError) -> Provider {
        let raw = try u8()
        guard let provider = Provider(rawValue: raw) else { throw fail("unknown provider \(raw)") }
        return provider
    }

    mutating func status() throws(DecodingError) -> Status {
        let raw = try u8()
        guard let status = Status(rawValue: raw) else { throw fail("unknown status \(raw)") }
        return status
    }

    mutating func number() throws(DecodingError) -> E164 {
        let key = try u64()
        guard let number = E164(key: key) else { throw fail("\(key) is not a phone number key") }
        return number
    }

    mutating func optionalNumber() throws(DecodingError) -> E164? {
        let key = try u64()
        if key == 0 { return nil }
        guard let number = E164(key: key) else { throw fail("\(key) is not a phone number key") }
        return number
    }

    mutating func timestamp() throws(DecodingError) -> Timestamp? {
        let value = try i64()
        return value == Int64.min ? nil : Timestamp(milliseconds: value)
    }
}
