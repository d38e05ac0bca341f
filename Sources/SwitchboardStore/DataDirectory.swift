/// The files of a data directory and their names.
///
/// - `snapshot-<seq>.snap`: the state after every change up to and including journal sequence number
///   `seq` (16 hex digits, so names sort in order).
/// - `journal-<seq>.log`: changes from sequence number `seq` on.
/// - `LOCK`: held (flock) by the one process that writes the directory.
/// - `*.tmp-*`: a snapshot being written; removed at start-up (a crash left it).
/// Other files (the admin token) are left alone.
struct DataDirectory {
    let path: String

    /// Snapshots and journals hold provider API keys: only the owner may read them (like
    /// `admin-token`; the directory itself is 0700).
    static let filePermissions: UInt32 = 0o600

    struct Listing {
        var snapshots: [(seq: UInt64, name: String)] = []
        var journals: [(seq: UInt64, name: String)] = []
    }

    func file(_ name: String) -> String { path + "/" + name }

    static func snapshotName(_ seq: UInt64) -> String { "snapshot-\(hex(seq)).snap" }
    static func journalName(_ seq: UInt64) -> String { "journal-\(hex(seq)).log" }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    func list() throws -> Listing {
        var listing = Listing()
        for name in try Syscall.listDirectory(path) {
            if let seq = DataDirectory.seq(in: name, prefix: "snapshot-", suffix: ".snap") {
                listing.snapshots.append((seq, name))
            } else if let seq = DataDirectory.seq(in: name, prefix: "journal-", suffix: ".log") {
                listing.journals.append((seq, name))
            }
        }
        listing.snapshots.sort { $0.seq < $1.seq }
        listing.journals.sort { $0.seq < $1.seq }
        return listing
    }

    static func seq(in name: String, prefix: String, suffix: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.utf8.count == prefix.utf8.count + 16 + suffix.utf8.count else {
            return nil
        }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        return UInt64(digits, radix: 16)
    }
}
