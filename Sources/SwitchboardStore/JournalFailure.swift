/// The journal could not write or sync a batch: the changes in it were not acknowledged, and no
/// later change can be made durable.
///
/// After a failed fsync the kernel may have dropped the unwritten pages and marked them clean
/// ("fsyncgate", PostgreSQL 2018), so neither a retry nor the state in memory can be trusted to
/// match the disk. The only safe way on is fail-stop, as PostgreSQL does: the process stops, and a
/// restart recovers from what is on disk. The store cannot exit (it is a library); it tells its
/// owner through `Store.onJournalFailure`, and every write from then on throws this error.
public struct JournalFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The journal file being written.
    public let path: String
    /// The system call that failed ("write", "fdatasync"…), when the failure was a system error.
    public let call: String?
    /// Its errno, when the failure was a system error.
    public let errno: Int32?
    /// The failure as the writer saw it.
    public let reason: String

    public init(path: String, call: String?, errno: Int32?, reason: String) {
        self.path = path
        self.call = call
        self.errno = errno
        self.reason = reason
    }

    /// The writer's failure in the journal at `path`.
    init(_ error: any Error, path: String) {
        if let system = error as? SystemError {
            self.init(path: system.path ?? path, call: system.call, errno: system.errno, reason: system.description)
        } else {
            self.init(path: path, call: nil, errno: nil, reason: "\(error)")
        }
    }

    public var description: String {
        "journal \(path) could not be made durable (\(reason)): the change was not acknowledged and no later "
            + "change can be; stop the process, a restart recovers the acknowledged state from disk"
    }
}
