// Reads a journal back (format in JournalFormat.swift) and decides what a bad frame
// means.
//
// A crash can only tear the *end* of the journal: the writer appends, and a frame
// is acknowledged only after the fsync that covers it. So:
//
// - A bad frame with no valid frame anywhere after it is a torn tail: the frames
//   before it are kept, the rest is reported as `TailDamage` and cut off.
// - A bad frame followed, at any byte offset, by a valid frame is damage in the
//   middle: acknowledged changes may sit behind it, so the reader refuses
//   (`JournalCorruption`) instead of silently dropping them. The search is byte by
//   byte because a corrupt length field tells us nothing about where the next
//   frame starts.
// - A file of 0 to 16 bytes that is a prefix of the header (or zeros) is a crash
//   while the journal was being created: nothing in it was ever acknowledged, so
//   it is a torn tail with no records.
// - A full header that is wrong (magic, checksum, version) is refused: it is not
//   our file, or not one this build understands.
//
// Reading is one pass over the whole file in memory: the file is read with one
// pread loop, frames are checked in place, and the only allocations are the
// payload arrays (none in the callback variant).

/// The end of a journal that was cut short or scrambled by a crash.
public struct TailDamage: Equatable, Sendable, CustomStringConvertible {
    /// Byte offset where the bad data starts (= `validLength` of the scan).
    public let offset: Int
    /// Bytes from `offset` to the end of the file, which recovery drops.
    public let droppedBytes: Int
    /// Why the data at `offset` is not a frame, e.g. "checksum mismatch".
    public let reason: String

    public init(offset: Int, droppedBytes: Int, reason: String) {
        self.offset = offset
        self.droppedBytes = droppedBytes
        self.reason = reason
    }

    public var description: String {
        "torn journal tail at byte offset \(offset): \(reason); \(droppedBytes) bytes dropped"
    }
}

/// A journal that cannot be recovered automatically.
public struct JournalCorruption: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The header is not a Switchboard journal header (magic or checksum wrong).
        case notAJournal
        /// A valid header for a format version this build does not read.
        case unsupportedVersion(UInt32)
        /// A bad frame at `offset` with a valid frame after it, at `nextValidFrame`.
        case damagedMiddle(nextValidFrame: Int)
    }

    /// The journal file.
    public let path: String
    /// Byte offset of the problem.
    public let offset: Int
    public let kind: Kind
    /// What is wrong at `offset`, e.g. "checksum mismatch".
    public let reason: String

    public init(path: String, offset: Int, kind: Kind, reason: String) {
        self.path = path
        self.offset = offset
        self.kind = kind
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .notAJournal, .unsupportedVersion:
            return "journal \(path) cannot be read: \(reason) at byte offset \(offset). "
                + "Check that the data directory is a Switchboard data directory written by a compatible version."
        case .damagedMiddle(let next):
            return "journal \(path) is damaged in the middle: bad frame at byte offset \(offset) (\(reason)), "
                + "but a valid frame follows at byte offset \(next), so this is not a torn tail left by a crash "
                + "and acknowledged changes may lie beyond it. Refusing to drop them. Restore the data directory "
                + "from a backup. Without a backup, if this is the newest journal file of the directory, the changes "
                + "before the damage can be kept by cutting the file there, after copying it aside: "
                + "`truncate -s \(offset) \(path)`; every change from that offset on, acknowledged ones included, is lost."
        }
    }
}

/// A whole journal read into memory.
public struct JournalScan: Sendable {
    /// The payloads of the good frames, in file order.
    public var records: [[UInt8]]
    /// Byte offset just after the last good frame (0 when even the header is torn).
    public var validLength: Int
    /// The file's length when it was read.
    public var fileLength: Int
    /// The torn tail, if the file does not end cleanly after the last good frame.
    public var damage: TailDamage?
}

/// The outcome of a callback scan (the payloads went to the callback).
public struct JournalScanSummary: Equatable, Sendable {
    public var recordCount: Int
    public var validLength: Int
    public var fileLength: Int
    public var damage: TailDamage?
}

/// Reads journals; see the top of this file for how damage is judged.
public enum JournalReader {
    /// Reads the journal at `path` and returns its payloads. Throws `SystemError` if
    /// the file cannot be read and `JournalCorruption` if it is not recoverable.
    public static func scan(path: String) throws -> JournalScan {
        let bytes = try DurableFile.readAll(path: path)
        return try bytes.withUnsafeBytes { try scan(bytes: $0, path: path) }
    }

    /// Reads the journal at `path`, handing each payload to `body` in order (the
    /// buffer is valid only during the call). Nothing is handed over unless the whole
    /// file checks out, so a throw never leaves `body` with a partial, corrupt prefix.
    public static func scan(
        path: String, body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> JournalScanSummary {
        let bytes = try DurableFile.readAll(path: path)
        return try bytes.withUnsafeBytes { try scan(bytes: $0, path: path, body: body) }
    }

    /// `scan(path:)` over bytes already in memory; `path` is for messages.
    public static func scan(bytes: UnsafeRawBufferPointer, path: String) throws -> JournalScan {
        var records: [[UInt8]] = []
        let summary = try check(bytes, path: path)
        records.reserveCapacity(summary.recordCount)
        forEachPayload(in: bytes, upTo: summary.validLength) { records.append(Array($0)) }
        return JournalScan(
            records: records, validLength: summary.validLength, fileLength: summary.fileLength,
            damage: summary.damage)
    }

    /// `scan(path:body:)` over bytes already in memory; `path` is for messages.
    public static func scan(
        bytes: UnsafeRawBufferPointer, path: String, body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> JournalScanSummary {
        let summary = try check(bytes, path: path)
        try forEachPayload(in: bytes, upTo: summary.validLength, body)
        return summary
    }

    /// Cuts the journal at `validLength` (a scan's `validLength`) and fsyncs it, so the
    /// torn tail is gone before anything new is appended. Does nothing if the file is
    /// not longer than that.
    public static func cut(path: String, at validLength: Int) throws {
        let file = try DurableFile(path: path, mode: .append)
        defer { try? file.close() }
        guard try file.size > validLength else { return }
        try file.truncate(to: validLength)
        try file.sync()
    }

    // MARK: Checking

    /// Validates header and frames; returns where the good part ends and what follows it.
    static func check(_ bytes: UnsafeRawBufferPointer, path: String) throws -> JournalScanSummary {
        let length = bytes.count
        let headerSize = JournalFormat.headerSize

        let headerIsValid = length >= headerSize && JournalFormat.validateHeader(bytes) == nil
        if !headerIsValid && JournalFormat.isTornHeader(bytes) {
            let reason = length == 0
                ? "empty file: crash while creating the journal, before its header was written"
                : "incomplete journal header (\(length) bytes): crash while creating the journal"
            return JournalScanSummary(
                recordCount: 0, validLength: 0, fileLength: length,
                damage: TailDamage(offset: 0, droppedBytes: length, reason: reason))
        }
        if length < headerSize {
            throw JournalCorruption(
                path: path, offset: 0, kind: .notAJournal,
                reason: "file of \(length) bytes is shorter than the \(headerSize)-byte header "
                    + "and is not a torn header")
        }
        if let problem = JournalFormat.validateHeader(bytes) {
            let kind: JournalCorruption.Kind
            if case .unsupportedVersion(let version) = problem {
                kind = .unsupportedVersion(version)
            } else {
                kind = .notAJournal
            }
            throw JournalCorruption(path: path, offset: 0, kind: kind, reason: problem.description)
        }

        var offset = headerSize
        var count = 0
        while true {
            switch JournalFormat.decodeFrame(in: bytes, at: offset) {
            case .frame(_, let next):
                count += 1
                offset = next
            case .end:
                return JournalScanSummary(recordCount: count, validLength: offset, fileLength: length, damage: nil)
            case .bad(let problem):
                if let next = firstValidFrame(in: bytes, after: offset) {
                    throw JournalCorruption(
                        path: path, offset: offset, kind: .damagedMiddle(nextValidFrame: next),
                        reason: problem.description)
                }
                return JournalScanSummary(
                    recordCount: count, validLength: offset, fileLength: length,
                    damage: TailDamage(offset: offset, droppedBytes: length - offset, reason: problem.description))
            }
        }
    }

    /// The first offset after `bad` where a complete, checksum-valid frame starts.
    ///
    /// Cost: a position is checksummed only if its length field fits in the rest of
    /// the file, so zeros and random bytes are rejected after a 4-byte load or a
    /// 4-byte checksum; the worst case is quadratic in the size of the damaged tail,
    /// which the writer keeps to one group-commit batch.
    static func firstValidFrame(in bytes: UnsafeRawBufferPointer, after bad: Int) -> Int? {
        var candidate = bad + 1
        while candidate + JournalFormat.frameHeaderSize <= bytes.count {
            if case .frame = JournalFormat.decodeFrame(in: bytes, at: candidate) { return candidate }
            candidate += 1
        }
        return nil
    }

    /// Calls `body` with each payload of the already-checked frames before `end`.
    static func forEachPayload(
        in bytes: UnsafeRawBufferPointer, upTo end: Int, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        guard end >= JournalFormat.headerSize else { return }
        var offset = JournalFormat.headerSize
        while offset < end {
            let payload = JournalFormat.payloadRange(ofCheckedFrameIn: bytes, at: offset)
            try body(UnsafeRawBufferPointer(rebasing: bytes[payload]))
            offset = payload.upperBound
        }
    }
}
