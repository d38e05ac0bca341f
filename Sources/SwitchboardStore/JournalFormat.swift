// The journal file format, version 1.
//
//   File header, 16 bytes:
//     offset 0   8 bytes  magic "SWBJRNL\0"  (53 57 42 4A 52 4E 4C 00)
//     offset 8   u32 LE   format version = 1
//     offset 12  u32 LE   CRC-32C of bytes 0..<12
//
//   Then zero or more frames, back to back, to the end of the file:
//     u32 LE   payload length L, 0 ... 16 MiB (a larger value is corruption)
//     u32 LE   CRC-32C over the 4 length bytes followed by the L payload bytes
//     L bytes  payload (opaque here; the store puts a sequence number and a change in it)
//
// Why these choices:
// - The checksum covers the length field, so a torn or bit-flipped length is
//   caught by the checksum rather than sending the reader to a wrong offset.
// - CRC-32C of four zero bytes is 0x48674BC7, not 0, so a run of zeros (what a
//   file system may show for an extended but unwritten region after a crash) is
//   never a valid frame.
// - The header is the same 16 bytes in every version-1 journal, so a file shorter
//   than 16 bytes that is a prefix of it (or all zeros) can only be a crash during
//   creation, before anything was acknowledged.
// - The frame limit bounds what one corrupt length field can make the reader do.
//
// Everything is little-endian. Integrity of one frame is all the format promises;
// what a torn tail or mid-file damage means is decided by `JournalReader`.

/// Constants, encoders and the one-frame decoder of the journal format.
public enum JournalFormat {
    /// "SWBJRNL\0".
    public static let magic: [UInt8] = [0x53, 0x57, 0x42, 0x4A, 0x52, 0x4E, 0x4C, 0x00]
    /// The only version this code reads and writes.
    public static let version: UInt32 = 1
    /// Bytes in the file header.
    public static let headerSize = 16
    /// Bytes before each payload: length + checksum.
    public static let frameHeaderSize = 8
    /// Largest payload a frame may carry (16 MiB); a larger length field is corruption.
    public static let maxPayloadLength = 16 * 1024 * 1024

    // MARK: Header

    /// The 16-byte file header for `version`.
    public static func encodeHeader(version: UInt32 = JournalFormat.version) -> [UInt8] {
        var header = magic
        header.appendLittleEndian(version)
        header.appendLittleEndian(CRC32C.checksum(header))
        return header
    }

    /// Why a 16-byte header was refused.
    public enum HeaderProblem: Equatable, Sendable, CustomStringConvertible {
        case badMagic
        case badChecksum
        case unsupportedVersion(UInt32)

        public var description: String {
            switch self {
            case .badMagic: "bad magic: not a Switchboard journal"
            case .badChecksum: "header checksum mismatch"
            case .unsupportedVersion(let version):
                "unsupported journal format version \(version) (this build reads version \(JournalFormat.version))"
            }
        }
    }

    /// Checks a complete header (`bytes.count >= headerSize`; only the first 16 bytes are
    /// looked at). Returns `nil` when it is a valid version-1 header.
    public static func validateHeader(_ bytes: UnsafeRawBufferPointer) -> HeaderProblem? {
        precondition(bytes.count >= headerSize, "validateHeader needs \(headerSize) bytes")
        for index in 0..<magic.count where bytes[index] != magic[index] {
            return .badMagic
        }
        let stored = bytes.loadLittleEndianUInt32(at: 12)
        if CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<12])) != stored {
            return .badChecksum
        }
        let version = bytes.loadLittleEndianUInt32(at: 8)
        if version != JournalFormat.version { return .unsupportedVersion(version) }
        return nil
    }

    /// Checks a complete header held in an array.
    public static func validateHeader(_ bytes: [UInt8]) -> HeaderProblem? {
        bytes.withUnsafeBytes { validateHeader($0) }
    }

    /// True when `bytes` (shorter than or as long as a header) is what a crash while
    /// creating a journal can leave: a prefix of the header, or zeros.
    public static func isTornHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= headerSize else { return false }
        if bytes.allSatisfy({ $0 == 0 }) { return true }
        let header = encodeHeader()
        return bytes.elementsEqual(header[0..<bytes.count])
    }

    // MARK: Frames

    /// The frame checksum: CRC-32C over the 4 little-endian length bytes, then the payload.
    public static func frameChecksum(payload: UnsafeRawBufferPointer) -> UInt32 {
        var length = UInt32(payload.count).littleEndian
        let lengthCRC = withUnsafeBytes(of: &length) { CRC32C.checksum($0) }
        return CRC32C.checksum(payload, initial: lengthCRC)
    }

    /// Appends one frame carrying `payload` to `buffer`.
    /// - Precondition: `payload.count <= maxPayloadLength`.
    public static func encodeFrame(payload: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        encodeFrame(payload: payload, checksum: frameChecksum(payload: payload), into: &buffer)
    }

    /// Appends one frame whose checksum was already computed with `frameChecksum(payload:)`
    /// (so that the journal writer can checksum outside its lock).
    /// - Precondition: `payload.count <= maxPayloadLength`.
    public static func encodeFrame(payload: UnsafeRawBufferPointer, checksum: UInt32, into buffer: inout [UInt8]) {
        precondition(payload.count <= maxPayloadLength, "journal payload over \(maxPayloadLength) bytes")
        buffer.reserveCapacity(buffer.count + frameHeaderSize + payload.count)
        buffer.appendLittleEndian(UInt32(payload.count))
        buffer.appendLittleEndian(checksum)
        buffer.append(contentsOf: payload)
    }

    /// Appends one frame carrying `payload` to `buffer`.
    public static func encodeFrame(payload: [UInt8], into buffer: inout [UInt8]) {
        payload.withUnsafeBytes { encodeFrame(payload: $0, into: &buffer) }
    }

    /// What is at one offset of a journal.
    public enum FrameDecoding: Equatable, Sendable {
        /// A good frame: its payload is `payload` (a range of the buffer); the next frame starts at `next`.
        case frame(payload: Range<Int>, next: Int)
        /// Nothing: the offset is the end of the buffer.
        case end
        /// A bad frame, with the reason.
        case bad(FrameProblem)
    }

    /// Why the bytes at an offset are not a frame.
    public enum FrameProblem: Equatable, Sendable, CustomStringConvertible {
        /// Fewer than 8 bytes remain.
        case incompleteFrameHeader(available: Int)
        /// The length field is over the 16 MiB limit.
        case lengthOverLimit(UInt32)
        /// The frame would end past the end of the file.
        case lengthBeyondEndOfFile(length: Int, available: Int)
        /// Length fits but the checksum does not match.
        case checksumMismatch

        public var description: String {
            switch self {
            case .incompleteFrameHeader(let available):
                "incomplete frame header (\(available) of \(JournalFormat.frameHeaderSize) bytes)"
            case .lengthOverLimit(let length):
                "length field \(length) is over the \(JournalFormat.maxPayloadLength)-byte limit"
            case .lengthBeyondEndOfFile(let length, let available):
                "length beyond end of file (payload of \(length) bytes, \(available) bytes remain)"
            case .checksumMismatch:
                "checksum mismatch"
            }
        }
    }

    /// The payload range of the frame at `offset`, trusting its length field: only for
    /// frames `decodeFrame` has already accepted.
    @inline(__always)
    public static func payloadRange(ofCheckedFrameIn buffer: UnsafeRawBufferPointer, at offset: Int) -> Range<Int> {
        let start = offset + frameHeaderSize
        return start..<start + Int(buffer.loadLittleEndianUInt32(at: offset))
    }

    /// Decodes the frame starting at `offset` of `buffer` (0 <= offset <= count).
    @inline(__always)
    public static func decodeFrame(in buffer: UnsafeRawBufferPointer, at offset: Int) -> FrameDecoding {
        let remaining = buffer.count - offset
        if remaining == 0 { return .end }
        if remaining < frameHeaderSize { return .bad(.incompleteFrameHeader(available: remaining)) }
        let length = buffer.loadLittleEndianUInt32(at: offset)
        if length > maxPayloadLength { return .bad(.lengthOverLimit(length)) }
        let payloadStart = offset + frameHeaderSize
        let payloadEnd = payloadStart + Int(length)
        if payloadEnd > buffer.count {
            return .bad(.lengthBeyondEndOfFile(length: Int(length), available: remaining - frameHeaderSize))
        }
        let stored = buffer.loadLittleEndianUInt32(at: offset + 4)
        let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + 4]))
        let computed = CRC32C.checksum(
            UnsafeRawBufferPointer(rebasing: buffer[payloadStart..<payloadEnd]), initial: lengthCRC)
        if computed != stored { return .bad(.checksumMismatch) }
        return .frame(payload: payloadStart..<payloadEnd, next: payloadEnd)
    }
}

// fileprivate so they cannot clash with the BinaryWriter/BinaryReader helpers of this module.
extension [UInt8] {
    @inline(__always)
    fileprivate mutating func appendLittleEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 24))
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    fileprivate func loadLittleEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
