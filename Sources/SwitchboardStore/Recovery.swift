import SwitchboardCore

/// What start-up found and did: the snapshot it loaded, the journal records replayed, and any torn
/// tail it cut (what was dropped and where).
public struct RecoveryReport: Sendable, CustomStringConvertible {
    public var snapshot: String?
    public var snapshotSeq: UInt64 = 0
    public var journals: [String] = []
    public var replayed = 0
    public var lastSeq: UInt64 = 0
    /// The torn tail of the last journal: the file, where the damage starts, how many bytes, and why.
    public var tail: (file: String, damage: TailDamage)?
    /// Whether the tail was cut (a writer opening the directory) or only found (verify, export).
    public var tailCut = false
    public var removedTemporaries: [String] = []

    /// What a torn tail normally is, and what else it may be.
    public static let tailExplanation =
        "normally the last write, cut short by a crash before its fsync completed, so it was never acknowledged; "
        + "if there was no crash, it may be damage to the file or the disk"

    public var description: String {
        var text = "loaded \(snapshot ?? "no snapshot (empty state)"), replayed \(replayed) journal records from \(journals.count) journal file(s); last sequence number \(lastSeq)"
        if let tail {
            text += tailCut ? "; cut a torn tail of " : "; found (and left in place) a torn tail of "
            text += "\(tail.damage.droppedBytes) bytes at offset \(tail.damage.offset) of \(tail.file) (\(tail.damage.reason)): "
            text += RecoveryReport.tailExplanation
        }
        if !removedTemporaries.isEmpty { text += "; removed unfinished snapshot files \(removedTemporaries)" }
        return text
    }
}

/// Start-up: the newest snapshot, then every journal record after it, through the same rules as
/// the original changes.
enum Recovery {
    struct Result {
        var directory: Directory
        var report: RecoveryReport
        /// The journal to keep appending to (its name), or nil when a new one must be created.
        var lastJournal: String?
        var nextSeq: UInt64
    }

    /// The directory a snapshot holds. The fast way first (`SnapshotCodec.decodePacked`, straight
    /// into packed records); if that refuses the snapshot, the slow way (`decode`, then
    /// `Directory.load` of the image) finds the first error and names it exactly.
    static func loadSnapshot(
        _ bytes: UnsafeRawBufferPointer, seq: UInt64, path: String, journal: (any ChangeJournal)?
    ) throws(StoreError) -> Directory {
        if let packed = SnapshotCodec.decodePacked(bytes), packed.lastSeq == seq,
            let directory = try? Directory.load(packed.image, journal: journal)
        {
            return directory
        }
        let image: DirectoryImage
        do {
            let decoded = try SnapshotCodec.decode(bytes)
            guard decoded.lastSeq == seq else {
                throw DecodingError(offset: 16, reason: "holds sequence number \(decoded.lastSeq), its name says \(seq)")
            }
            image = decoded.image
        } catch {
            throw StoreError(.corrupt, path: path, "snapshot is damaged (\(error)); restore the data directory from a backup")
        }
        do {
            return try Directory.load(image, journal: journal)
        } catch {
            throw StoreError(.inconsistent, path: path, "snapshot breaks a rule at \(error)")
        }
    }

    /// `repair`: cut a torn tail and remove leftover temporaries (a writer opening the directory);
    /// without it nothing on disk changes (verify, export).
    static func run(_ dataDirectory: DataDirectory, journal: (any ChangeJournal)?, repair: Bool) throws -> Result {
        var report = RecoveryReport()
        if repair { report.removedTemporaries = try AtomicFile.cleanUpTemporaries(in: dataDirectory.path) }
        let listing = try dataDirectory.list()

        let directory: Directory
        if let newest = listing.snapshots.last {
            let path = dataDirectory.file(newest.name)
            let bytes = try DurableFile.readAll(path: path)
            directory = try bytes.withUnsafeBytes { buffer in
                try loadSnapshot(buffer, seq: newest.seq, path: path, journal: journal)
            }
            report.snapshot = newest.name
            report.snapshotSeq = newest.seq
        } else {
            directory = Directory(journal: journal)
        }

        var expected = report.snapshotSeq + 1
        for (position, file) in listing.journals.enumerated() {
            let path = dataDirectory.file(file.name)
            let isLast = position == listing.journals.count - 1
            var failure: (any Error)?
            let summary = try JournalReader.scan(path: path) { payload in
                guard failure == nil else { return }
                do {
                    let (seq, change) = try ChangeCodec.decode(payload)
                    if seq < expected { return }  // already in the snapshot
                    guard seq == expected else {
                        throw StoreError(.corrupt, path: path, "sequence number \(seq) follows \(expected - 1): records are missing")
                    }
                    try directory.replay(change)
                    expected += 1
                    report.replayed += 1
                } catch let error as StoreError {
                    failure = error
                } catch let error as DecodingError {
                    failure = StoreError(.corrupt, path: path, "record \(expected) cannot be decoded (\(error)) though its checksum holds")
                } catch {
                    failure = StoreError(.inconsistent, path: path, "record \(expected) breaks a rule (\(error)): the journal does not fit the snapshot")
                }
            }
            if let failure { throw failure }
            report.journals.append(file.name)
            if let damage = summary.damage {
                guard isLast else {
                    throw StoreError(
                        .corrupt, path: path,
                        "damaged at offset \(damage.offset) (\(damage.reason)) and newer journals follow; restore from a backup"
                    )
                }
                report.tail = (file.name, damage)
                if repair {
                    try JournalReader.cut(path: path, at: summary.validLength)
                    report.tailCut = true
                }
            }
        }
        report.lastSeq = expected - 1
        return Result(directory: directory, report: report, lastJournal: listing.journals.last?.name, nextSeq: expected)
    }
}
