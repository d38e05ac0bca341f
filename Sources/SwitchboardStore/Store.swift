public import SwitchboardCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Settings of a store, with defaults for production.
public struct StoreOptions: Sendable {
    /// Compact in the background once the journal holds this many bytes.
    public var compactAfterBytes: Int = 64 << 20
    /// How long a lone change may wait for others to share its fsync, while that pays
    /// (`CommitGathering`): a steady stream of writes then costs a fraction of an fsync each, at up
    /// to this much more latency; a caller writing one change at a time sees it once in 16 writes.
    public var commitWindow: Duration = .milliseconds(1)
    /// Test seams: journal I/O faults, and a hook called at each compaction step that may throw to
    /// stop there as a crash would.
    public var journalFaults: JournalFaults = .none
    public var snapshotFaults: AtomicWriteFaults = .none
    public var compactionHook: @Sendable (CompactionStep) throws -> Void = { _ in }

    public init(compactAfterBytes: Int = 64 << 20) {
        self.compactAfterBytes = compactAfterBytes
    }
}

/// The points of a compaction, for fault-injection tests.
public enum CompactionStep: String, Sendable, CaseIterable {
    /// The journal was rotated; no snapshot file yet.
    case rotated
    /// The new snapshot is in place (renamed, directory synced); old files still there.
    case snapshotWritten
    /// Some old files were removed, not all.
    case partlyCleaned
}

/// The embedded default store: a data directory holding a snapshot and an append-only journal
/// (SPEC §5). Opening it is the snapshot loader; every change the directory applies is journaled
/// and fsynced (group commit) before it is acknowledged; compaction writes a new snapshot in the
/// background and swaps it in atomically.
public final class Store: Sendable {
    public let path: String
    public let directory: Directory
    let journal: StoreJournal
    let options: StoreOptions
    private let lockDescriptor: Int32
    /// Compaction bookkeeping: whether one runs, and the sequence number of the newest snapshot.
    private let compaction = Locked<(running: Bool, snapshotSeq: UInt64, lastError: String?)>((false, 0, nil))

    /// Opens (creating if needed) the data directory at `path`: takes its lock, loads the newest
    /// snapshot, replays the journal after it, cuts a torn tail, and is ready for writes.
    public static func open(at path: String, options: StoreOptions = StoreOptions()) throws -> (store: Store, report: RecoveryReport) {
        try Syscall.mkdir(path, permissions: 0o700, ignoreExisting: true)
        let lockDescriptor = try Store.lock(path)
        do {
            let journal = StoreJournal(compactAfterBytes: options.compactAfterBytes)
            let dataDirectory = DataDirectory(path: path)
            let recovered = try Recovery.run(dataDirectory, journal: journal, repair: true)
            let writer: JournalWriter
            let onFailure: @Sendable (any Error, String) -> Void = { [weak journal] error, path in journal?.writerFailed(error, path: path) }
            if let last = recovered.lastJournal {
                writer = try JournalWriter(
                    path: dataDirectory.file(last), create: false, faults: options.journalFaults, commitWindow: options.commitWindow,
                    onFailure: onFailure)
            } else {
                writer = try JournalWriter(
                    path: dataDirectory.file(DataDirectory.journalName(recovered.nextSeq)), create: true, faults: options.journalFaults,
                    commitWindow: options.commitWindow, onFailure: onFailure
                )
            }
            journal.start(writer: writer, nextSeq: recovered.nextSeq)
            let store = Store(path: path, directory: recovered.directory, journal: journal, options: options, lockDescriptor: lockDescriptor)
            store.compaction.withLock { $0.snapshotSeq = recovered.report.snapshotSeq }
            journal.onLarge = { [weak store] in store?.compactInBackground() }
            return (store, recovered.report)
        } catch {
            Glibc.close(lockDescriptor)
            throw error
        }
    }

    /// Loads the state without changing anything on disk and without the lock (verify, export).
    public static func read(at path: String) throws -> (directory: Directory, report: RecoveryReport) {
        guard let status = try Syscall.fileStatus(path: path), status.isDirectory else {
            throw StoreError(.corrupt, path: path, "no data directory here: check the path")
        }
        let recovered = try Recovery.run(DataDirectory(path: path), journal: nil, repair: false)
        return (recovered.directory, recovered.report)
    }

    private init(path: String, directory: Directory, journal: StoreJournal, options: StoreOptions, lockDescriptor: Int32) {
        self.path = path
        self.directory = directory
        self.journal = journal
        self.options = options
        self.lockDescriptor = lockDescriptor
    }

    /// Takes the directory's `LOCK`, trying for up to 0.2 s: a lock just released can stay held
    /// a moment longer by a child process forked before the release (it shares the lock until it
    /// execs; `O_CLOEXEC` closes it only then), as in a test suite that spawns processes while
    /// another test reopens its store.
    private static func lock(_ path: String) throws -> Int32 {
        let descriptor = try Syscall.open(path + "/LOCK", flags: O_RDWR | O_CREAT, permissions: 0o600)
        for attempt in 0..<100 {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return descriptor }
            guard errno == EWOULDBLOCK || errno == EINTR, attempt < 99 else { break }
            usleep(2_000)
        }
        Glibc.close(descriptor)
        throw StoreError(.locked, path: path, "another switchboard process is using this data directory: stop it or use another --data")
    }

    /// Bytes in the current journal file.
    public var journalBytes: Int { journal.fileSize }

    /// Calls `body` once if the journal fails to write or sync (see `JournalFailure`): at once if it
    /// already has, else on the thread that finds the failure (the journal's flusher), before any
    /// writer waiting on the failed batch is woken; that writer and every later one then throw the
    /// same `JournalFailure`. The changes of the failed batch stay applied in memory, where readers
    /// already see them, so the owner must stop the process: a restart recovers from disk. `body`
    /// must not block or write to the store. Replaces an earlier observer.
    public func onJournalFailure(_ body: @escaping @Sendable (JournalFailure) -> Void) {
        journal.observeFailure(body)
    }

    /// The journal's failure, if it failed.
    public var journalFailure: JournalFailure? { journal.failure }

    /// The last compaction's error, if it failed (compaction failing loses nothing: the journal
    /// still holds every change).
    public var lastCompactionError: String? { compaction.withLock { $0.lastError } }

    /// Makes everything durable and releases the directory. Writes after this fail.
    public func close() throws {
        defer { Glibc.close(lockDescriptor) }
        try journal.close()
    }

    // MARK: Compaction

    private func compactInBackground() {
        let shouldStart = compaction.withLock { state -> Bool in
            if state.running { return false }
            state.running = true
            return true
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in
            do {
                try compactNow()
                compaction.withLock { $0.lastError = nil }
            } catch {
                compaction.withLock { $0.lastError = "\(error)" }
            }
            compaction.withLock { $0.running = false }
        }
        thread.start()
    }

    /// Writes a snapshot of the current state and starts a fresh journal; removes the files it
    /// replaces. Returns false when there was nothing to compact or a compaction is running.
    @discardableResult
    public func compact() throws -> Bool {
        let shouldStart = compaction.withLock { state -> Bool in
            if state.running { return false }
            state.running = true
            return true
        }
        guard shouldStart else { return false }
        defer { compaction.withLock { $0.running = false } }
        return try compactNow()
    }

    @discardableResult
    private func compactNow() throws -> Bool {
        let dataDirectory = DataDirectory(path: path)
        let previousSnapshot = compaction.withLock { $0.snapshotSeq }
        var snapshotSeq: UInt64 = 0
        // Under the directory's writer lock: rotate (everything before is durable in the old
        // journal, everything after goes to the new one) and take the image at exactly that point.
        let image = try directory.image {
            snapshotSeq = journal.nextSeq - 1
            guard snapshotSeq != previousSnapshot else { return }
            try journal.rotate(to: dataDirectory.file(DataDirectory.journalName(snapshotSeq + 1)))
        }
        guard snapshotSeq != previousSnapshot else { return false }
        try options.compactionHook(.rotated)
        // Outside the lock: writers go on while the snapshot is written.
        let bytes = SnapshotCodec.encode(image, lastSeq: snapshotSeq)
        try AtomicFile.write(
            bytes, to: dataDirectory.file(DataDirectory.snapshotName(snapshotSeq)), permissions: DataDirectory.filePermissions,
            faults: options.snapshotFaults)
        compaction.withLock { $0.snapshotSeq = snapshotSeq }
        try options.compactionHook(.snapshotWritten)
        // The new snapshot covers every older snapshot and every journal that starts at or before it.
        let listing = try dataDirectory.list()
        var removed = 0
        for old in listing.snapshots where old.seq < snapshotSeq {
            try Syscall.unlink(dataDirectory.file(old.name))
            removed += 1
            if removed == 1 { try options.compactionHook(.partlyCleaned) }
        }
        for old in listing.journals where old.seq <= snapshotSeq {
            try Syscall.unlink(dataDirectory.file(old.name))
            removed += 1
            if removed == 1 { try options.compactionHook(.partlyCleaned) }
        }
        try Syscall.fsyncDirectory(path)
        return true
    }
}

/// The directory's journal: numbers each change, encodes it into a frame for the group-commit
/// writer, and waits for durability. A writer failure becomes a `JournalFailure`, told once to the
/// store's observer and thrown to every writer from then on.
///
/// `@unchecked Sendable`: `state` and `failures` are `Locked`; `onLarge` is set once in
/// `Store.open` before the directory is handed out, and only read after.
final class StoreJournal: ChangeJournal, @unchecked Sendable {
    private let state = Locked<(writer: JournalWriter?, nextSeq: UInt64)>((nil, 1))
    private let compactAfterBytes: Int
    var onLarge: (@Sendable () -> Void)?
    /// The failure and the observer. The observer is boxed in a class for the reason `Directory`
    /// boxes its own (a closure stored in a `Locked` value is re-abstracted on every access).
    private let failures = Locked<(failure: JournalFailure?, observer: FailureObserver?)>((nil, nil))

    private final class FailureObserver: Sendable {
        let body: @Sendable (JournalFailure) -> Void
        init(_ body: @escaping @Sendable (JournalFailure) -> Void) { self.body = body }
    }

    init(compactAfterBytes: Int) {
        self.compactAfterBytes = compactAfterBytes
    }

    func start(writer: JournalWriter, nextSeq: UInt64) {
        state.withLock { $0 = (writer, nextSeq) }
    }

    var nextSeq: UInt64 { state.withLock { $0.nextSeq } }
    var fileSize: Int { state.withLock { $0.writer?.fileSize ?? 0 } }
    var fsyncCount: Int { state.withLock { $0.writer?.fsyncCount ?? 0 } }

    /// Called under the directory's writer lock, in apply order. No I/O.
    func append(_ change: Change) throws -> UInt64 {
        let (ticket, large) = try reportingFailure {
            try state.withLock { state throws -> (UInt64, Bool) in
                guard let writer = state.writer else { throw StoreError(.closed, path: "", "the store is not open for writing") }
                let ticket = try writer.append(ChangeCodec.encode(change, seq: state.nextSeq))
                state.nextSeq += 1
                return (ticket, writer.fileSize > compactAfterBytes)
            }
        }
        if large { onLarge?() }
        return ticket
    }

    func waitDurable(_ ticket: UInt64) throws {
        guard let writer = state.withLock({ $0.writer }) else { throw StoreError(.closed, path: "", "the store is closed") }
        try reportingFailure { try writer.waitDurable(ticket) }
    }

    func whenDurable(_ ticket: UInt64, _ body: @escaping @Sendable ((any Error)?) -> Void) {
        guard let writer = state.withLock({ $0.writer }) else {
            body(StoreError(.closed, path: "", "the store is closed"))
            return
        }
        writer.whenDurable(ticket) { [self] error in body(error.map(reported)) }
    }

    func rotate(to path: String) throws {
        try reportingFailure { try state.withLock { state in try state.writer?.rotate(toNewFileAt: path) } }
    }

    func close() throws {
        let writer = state.withLock { state -> JournalWriter? in
            defer { state.writer = nil }
            return state.writer
        }
        try reportingFailure { try writer?.close() }
    }

    // MARK: Failure

    var failure: JournalFailure? { failures.withLock { $0.failure } }

    /// The writer's hook (flusher thread, before any waiter sees the failure).
    func writerFailed(_ error: any Error, path: String) {
        let failure = JournalFailure(error, path: path)
        // Under one lock with `observeFailure`: an observer is told either here or there, once.
        let observer = failures.withLock { state -> FailureObserver? in
            guard state.failure == nil else { return nil }
            state.failure = failure
            return state.observer
        }
        observer?.body(failure)
    }

    func observeFailure(_ body: @escaping @Sendable (JournalFailure) -> Void) {
        let boxed = FailureObserver(body)
        let failure = failures.withLock { state -> JournalFailure? in
            state.observer = boxed
            return state.failure
        }
        if let failure { boxed.body(failure) }
    }

    /// Runs `body`; once the writer has failed, what it throws is that failure, said as one
    /// `JournalFailure` (misuse errors such as a payload over the limit pass through).
    private func reportingFailure<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch {
            throw reported(error)
        }
    }

    /// `error` as it is reported: once the writer has failed, that failure, except for misuse.
    private func reported(_ error: any Error) -> any Error {
        if error is JournalWriterError { return error }
        return failure ?? error
    }
}
