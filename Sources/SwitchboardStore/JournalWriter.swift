// Appends frames to the journal with group commit.
//
// `append` only encodes the frame into an in-memory buffer and returns a ticket; it
// never does I/O, so the store can call it while holding its own lock and the
// journal order is exactly the apply order. One flusher thread takes the whole
// pending buffer, writes it with one write loop, syncs once, and wakes every
// waiter whose ticket that sync covered: N concurrent writers share one fsync.
// A caller that would rather not wait registers a callback (`whenDurable`),
// which the flusher runs right after that sync; the router's writes answer so.
// With a commit window, a lone change may wait up to that long for company
// before its sync, while waiting pays (see `CommitGathering`): a steady stream
// of single writes then shares fsyncs too.
//
// Durability: a new journal file is fsynced (header) and so is its directory (the
// name) before any frame goes into it; batches appended afterwards are made
// durable with fdatasync, which flushes the data and the metadata needed to read
// it back (the file size) and skips only timestamps.
//
// Failure: if a write or sync fails, the writer fails for good. After a failed
// fsync the kernel may have dropped the dirty pages and marked them clean
// ("fsyncgate", PostgreSQL 2018), so a retry could report success for data that
// is not on disk. Every waiter not yet covered, and every later call, throws the
// original error; the process should restart and recover from the file. The
// `onFailure` hook is told once, before any waiter can see the failure, so the
// owner can stop the process (see `Store.onJournalFailure`).

import Glibc
import Synchronization

/// Test hooks that make the flusher's I/O fail without a failing disk.
public struct JournalFaults: Sendable {
    /// Called with the batch size before each batch write. Throw to fail before
    /// writing; return a byte count to write only that prefix and then fail with
    /// EIO (a torn write); return `nil` to write normally.
    public var beforeWrite: @Sendable (_ batchBytes: Int) throws -> Int?
    /// Called before each batch sync. Throw to make the sync fail.
    public var beforeSync: @Sendable () throws -> Void

    public init(
        beforeWrite: @escaping @Sendable (_ batchBytes: Int) throws -> Int? = { _ in nil },
        beforeSync: @escaping @Sendable () throws -> Void = {}
    ) {
        self.beforeWrite = beforeWrite
        self.beforeSync = beforeSync
    }

    /// No faults.
    public static let none = JournalFaults()
}

/// Misuse of a journal writer (I/O failures are `SystemError`s).
public enum JournalWriterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `close()` was called.
    case closed(path: String)
    /// A payload over `JournalFormat.maxPayloadLength`.
    case payloadTooLarge(Int)
    /// `rotate` was called while another rotation was running.
    case rotationInProgress

    public var description: String {
        switch self {
        case .closed(let path): "journal writer for \(path) is closed"
        case .payloadTooLarge(let size):
            "journal payload of \(size) bytes is over the \(JournalFormat.maxPayloadLength)-byte limit"
        case .rotationInProgress: "a journal rotation is already running"
        }
    }
}

/// The group-commit journal writer. Thread-safe: all shared state sits in one
/// `ConditionLock` (see `Core`), and the counters are atomics.
public final class JournalWriter: Sendable {
    private let core: Core
    private let flusher: pthread_t

    /// Opens the journal at `path`.
    ///
    /// - `create: true`: creates a new file (it must not exist), writes the header,
    ///   fsyncs the file and its directory.
    /// - `create: false`: opens an existing journal whose torn tail the caller has
    ///   already cut (`JournalReader.cut`) and appends after its end. A file shorter
    ///   than a header (a crash during creation) gets its header rewritten; a wrong
    ///   header throws `JournalCorruption`.
    ///
    /// `onFailure` is called once, on the flusher thread, with the first write or
    /// sync failure and the file it happened in, before the failure is published to
    /// waiters. It must not block and must not call back into this writer.
    ///
    /// `commitWindow`: how long a lone change may wait for others to share its sync
    /// (zero: never; see `CommitGathering` for when it does).
    public init(
        path: String, create: Bool, faults: JournalFaults = .none, commitWindow: Duration = .zero,
        onFailure: @escaping @Sendable (_ error: any Error, _ path: String) -> Void = { _, _ in }
    ) throws {
        let file: DurableFile
        let size: Int
        if create {
            file = try Core.createJournal(at: path)
            size = JournalFormat.headerSize
        } else {
            (file, size) = try Core.openJournal(at: path)
        }
        let core = Core(path: path, fileSize: size, faults: faults, commitWindow: commitWindow, onFailure: onFailure)
        let start = Unmanaged.passRetained(FlusherStart(core: core, file: file)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<FlusherStart>.fromOpaque(raw!).takeRetainedValue()
            start.core.runFlusher(file: start.file)
            return nil
        }, start)
        if result != 0 {
            Unmanaged<FlusherStart>.fromOpaque(start).release()
            try? file.close()
            throw SystemError(call: "pthread_create", errno: result, path: path)
        }
        self.core = core
        self.flusher = thread
    }

    deinit {
        try? close()
    }

    /// Queues one frame and returns its ticket (1, 2, 3, …: the count of frames
    /// appended by this writer). Never does I/O. Throws if the writer has failed or
    /// is closed, or the payload is over the frame limit.
    public func append(_ payload: UnsafeRawBufferPointer) throws -> UInt64 {
        guard payload.count <= JournalFormat.maxPayloadLength else {
            throw JournalWriterError.payloadTooLarge(payload.count)
        }
        let checksum = JournalFormat.frameChecksum(payload: payload)  // outside the lock
        let (ticket, wasIdle) = try core.state.withLock { state in
            if let failure = state.failure { throw failure }
            if state.stopping { throw JournalWriterError.closed(path: state.path) }
            let wasIdle = state.pending.isEmpty
            JournalFormat.encodeFrame(payload: payload, checksum: checksum, into: &state.pending)
            state.appended += 1
            return (state.appended, wasIdle)
        }
        // The flusher waits only while `pending` is empty, so only the append that
        // makes it non-empty needs to wake it.
        if wasIdle { core.state.signal(Core.work) }
        return ticket
    }

    /// Queues one frame; see `append(_:)`.
    public func append(_ payload: [UInt8]) throws -> UInt64 {
        try payload.withUnsafeBytes { try append($0) }
    }

    /// Blocks until the frame with `ticket` is written and synced. Throws the
    /// writer's failure if it failed before covering the ticket.
    public func waitDurable(_ ticket: UInt64) throws {
        try core.state.withLock(waitingOn: Core.progress, until: { state in
            precondition(ticket <= state.appended, "waitDurable(\(ticket)) for a ticket never issued")
            return state.durable >= ticket || state.failure != nil || state.flusherExited
        }) { state in
            if state.durable >= ticket { return }
            if let failure = state.failure { throw failure }
            throw JournalWriterError.closed(path: state.path)
        }
    }

    /// Calls `body` once the frame with `ticket` is written and synced (with nil), or once it can
    /// never be (with the writer's failure, or `closed`), instead of blocking: on the flusher
    /// thread right after the sync that covered it, or on the calling thread if that already
    /// happened. Callbacks covered by one sync run in ticket order. `body` must not block and must
    /// not call back into this writer: the next batch waits for it.
    public func whenDurable(_ ticket: UInt64, _ body: @escaping @Sendable ((any Error)?) -> Void) {
        let outcome: (any Error)?? = core.state.withLock { state in
            precondition(ticket <= state.appended, "whenDurable(\(ticket)) for a ticket never issued")
            if state.durable >= ticket { return .some(nil) }
            if let failure = state.failure { return .some(failure) }
            if state.flusherExited { return .some(JournalWriterError.closed(path: state.path)) }
            state.callbacks.append(Core.Callback(ticket: ticket, body: body))
            return .none
        }
        if let outcome { body(outcome) }
    }

    /// Blocks until everything appended so far is durable.
    public func flush() throws {
        try waitDurable(core.state.withLock { $0.appended })
    }

    /// Makes everything appended so far durable in the current file, then switches
    /// to a new journal at `path` (created like `create: true`: header, fsync file,
    /// fsync directory) for all later appends. Call it with appends quiesced (under
    /// the store's lock) so the cut point is exactly the caller's.
    ///
    /// If the new file cannot be created, the writer keeps appending to the old one
    /// and this throws; if flushing the old file fails, the writer has failed.
    public func rotate(toNewFileAt path: String) throws {
        try core.state.withLock { state in
            if let failure = state.failure { throw failure }
            if state.stopping { throw JournalWriterError.closed(path: state.path) }
            if state.rotation != nil { throw JournalWriterError.rotationInProgress }
            state.rotation = Core.Rotation(path: path, cutBytes: state.pending.count, cutTicket: state.appended)
        }
        core.state.signal(Core.work)
        let result = core.state.withLock(waitingOn: Core.progress, until: { $0.rotation?.result != nil }) { state in
            defer { state.rotation = nil }
            return state.rotation!.result!
        }
        try result.get()
    }

    /// Flushes what was appended, stops the flusher thread and closes the file.
    /// Later appends throw. Throws the writer's failure, if any. Safe to call twice.
    public func close() throws {
        let mustJoin = core.state.withLock { state in
            state.stopping = true
            defer { state.joinClaimed = true }
            return !state.joinClaimed
        }
        core.state.signal(Core.work)
        if mustJoin { pthread_join(flusher, nil) }
        if let failure = core.state.withLock({ $0.failure }) { throw failure }
    }

    // MARK: Counters (for /metrics and tests)

    /// The journal file being appended to (changes on `rotate`).
    public var path: String { core.state.withLock { $0.path } }
    /// Frame bytes written by this writer, over all files.
    public var bytesWritten: Int { core.bytesWritten.load(ordering: .relaxed) }
    /// Size of the current journal file, header included, as written so far.
    public var fileSize: Int { core.fileSize.load(ordering: .relaxed) }
    /// Batch syncs done: fewer than appends when group commit shares them.
    public var fsyncCount: Int { core.fsyncCount.load(ordering: .relaxed) }
    /// Lone changes held back for company (`commitWindow`), and how many of those waits got some.
    public var gatherCounts: (waits: Int, gathered: Int) {
        (core.gatherCount.load(ordering: .relaxed), core.gatheredCount.load(ordering: .relaxed))
    }
    /// Tickets issued so far.
    public var appendedCount: UInt64 { core.state.withLock { $0.appended } }
    /// Highest ticket known durable.
    public var durableCount: UInt64 { core.state.withLock { $0.durable } }
}

/// What the flusher thread starts with (passed through `pthread_create`'s context pointer).
private final class FlusherStart: Sendable {
    let core: JournalWriter.Core
    let file: DurableFile
    init(core: JournalWriter.Core, file: DurableFile) {
        self.core = core
        self.file = file
    }
}

extension JournalWriter {
    /// The state shared by callers and the flusher thread. The flusher holds only
    /// this (not the writer), so dropping the writer closes it via `deinit`.
    final class Core: Sendable {
        struct Rotation {
            let path: String
            /// Bytes of `pending` that belong to the old file.
            let cutBytes: Int
            /// Last ticket that belongs to the old file.
            let cutTicket: UInt64
            var started = false
            var result: Result<Void, any Error>?
        }

        struct State {
            /// Frames appended and not yet taken by the flusher.
            var pending: [UInt8] = []
            /// Tickets issued.
            var appended: UInt64 = 0
            /// Every ticket up to this one is written and synced.
            var durable: UInt64 = 0
            /// The first write or sync failure; permanent.
            var failure: (any Error)?
            /// `close()` was called: no more appends, flusher exits when drained.
            var stopping = false
            /// Someone already joined (or is joining) the flusher thread.
            var joinClaimed = false
            /// The flusher thread has returned.
            var flusherExited = false
            var rotation: Rotation?
            var path: String
            /// `whenDurable` callbacks not yet covered by a sync.
            var callbacks: [Callback] = []

            /// Takes the callbacks `durable` now covers, in ticket order.
            mutating func takeCovered() -> [Callback] {
                guard !callbacks.isEmpty else { return [] }
                var covered: [Callback] = []
                callbacks.removeAll { callback in
                    guard callback.ticket <= durable else { return false }
                    covered.append(callback)
                    return true
                }
                covered.sort { $0.ticket < $1.ticket }
                return covered
            }
        }

        struct Callback {
            let ticket: UInt64
            let body: @Sendable ((any Error)?) -> Void
        }

        /// Condition the flusher waits on: work arrived.
        static let work = 0
        /// Condition waiters wait on: `durable`, `failure`, a rotation or the thread changed.
        static let progress = 1

        /// Everything in `State` is guarded by this lock.
        let state: ConditionLock<State>
        let faults: JournalFaults
        let commitWindow: Duration
        let onFailure: @Sendable (_ error: any Error, _ path: String) -> Void
        let bytesWritten = Atomic<Int>(0)
        let fileSize: Atomic<Int>
        let fsyncCount = Atomic<Int>(0)
        /// Syncs held back for company (`CommitGathering`), and those that got some.
        let gatherCount = Atomic<Int>(0)
        let gatheredCount = Atomic<Int>(0)

        init(
            path: String, fileSize: Int, faults: JournalFaults, commitWindow: Duration,
            onFailure: @escaping @Sendable (any Error, String) -> Void
        ) {
            self.state = ConditionLock(State(path: path), conditionCount: 2)
            self.faults = faults
            self.commitWindow = commitWindow
            self.onFailure = onFailure
            self.fileSize = Atomic(fileSize)
        }

        // MARK: Flusher thread

        private enum Work {
            /// Hold a lone change back for company until the window's end (`CommitGathering`).
            case gather
            case write(upTo: UInt64)
            case rotate(upTo: UInt64, path: String)
            case exit
        }

        /// The flusher loop; `file` is owned by this thread alone from here on.
        func runFlusher(file initialFile: DurableFile) {
            var file = initialFile
            var batch: [UInt8] = []
            defer {
                try? file.close()
                // Whatever is still waiting can never be covered now.
                let (left, error) = state.withLock { state -> ([Callback], any Error) in
                    state.flusherExited = true
                    defer { state.callbacks = [] }
                    return (state.callbacks, state.failure ?? JournalWriterError.closed(path: state.path))
                }
                state.broadcast(Core.progress)
                for callback in left.sorted(by: { $0.ticket < $1.ticket }) { callback.body(error) }
            }
            var gathering = CommitGathering(window: commitWindow)
            /// The last ticket taken into a batch (tickets start at 1).
            var taken: UInt64 = 0
            /// While a gathering wait is on: how many changes were pending when it began.
            var gatheringFrom: UInt64?
            while true {
                let work: Work = state.withLock(waitingOn: Core.work, until: { state in
                    state.failure != nil || state.stopping || !state.pending.isEmpty
                        || state.rotation?.started == false
                }) { state in
                    if state.failure != nil { return .exit }
                    if let rotation = state.rotation, !rotation.started {
                        state.rotation!.started = true
                        batch.append(contentsOf: state.pending[..<rotation.cutBytes])
                        state.pending.removeFirst(rotation.cutBytes)
                        taken = rotation.cutTicket
                        gatheringFrom = nil
                        return .rotate(upTo: rotation.cutTicket, path: rotation.path)
                    }
                    if !state.pending.isEmpty {
                        if let from = gatheringFrom {
                            gatheringFrom = nil
                            let company = state.appended - taken - from
                            gathering.waited(company: company)
                            if company > 0 { gatheredCount.add(1, ordering: .relaxed) }
                        } else if !state.stopping, gathering.shouldWait(pendingFrames: state.appended - taken) {
                            gatheringFrom = state.appended - taken
                            return .gather
                        }
                        // Swap buffers: appenders keep going into the emptied spare.
                        swap(&state.pending, &batch)
                        taken = state.appended
                        return .write(upTo: state.appended)
                    }
                    return .exit  // stopping, and everything is written
                }

                switch work {
                case .exit:
                    return
                case .gather:
                    // Appends do not wake this wait (only the one that makes `pending` non-empty
                    // signals); a rotation, `close` or nothing but the window's end does.
                    gatherCount.add(1, ordering: .relaxed)
                    state.waitUntil(condition: Core.work, nanoseconds: gathering.windowNanoseconds) { state in
                        state.failure != nil || state.stopping || state.rotation?.started == false
                    }
                    continue
                case .write(let ticket):
                    do {
                        try write(batch, to: file)
                    } catch {
                        fail(error)
                        return
                    }
                    let covered = state.withLock { state in
                        state.durable = ticket
                        return state.takeCovered()
                    }
                    state.broadcast(Core.progress)
                    for callback in covered { callback.body(nil) }
                case .rotate(let ticket, let path):
                    do {
                        if !batch.isEmpty { try write(batch, to: file) }
                    } catch {
                        fail(error)
                        return
                    }
                    let result: Result<Void, any Error>
                    do {
                        let newFile = try Core.createJournal(at: path)
                        try? file.close()
                        file = newFile
                        fileSize.store(JournalFormat.headerSize, ordering: .relaxed)
                        result = .success(())
                    } catch {
                        result = .failure(error)  // keep appending to the old file
                    }
                    let covered = state.withLock { state in
                        state.durable = ticket
                        state.rotation!.result = result
                        if case .success = result { state.path = path }
                        return state.takeCovered()
                    }
                    state.broadcast(Core.progress)
                    for callback in covered { callback.body(nil) }
                }
                // Reuse the buffer's capacity, unless one huge batch inflated it.
                if batch.capacity > 8 << 20 { batch = [] } else { batch.removeAll(keepingCapacity: true) }
            }
        }

        /// One batch: one write loop, one sync.
        private func write(_ batch: [UInt8], to file: DurableFile) throws {
            if let prefix = try faults.beforeWrite(batch.count) {
                let count = min(max(prefix, 0), batch.count)
                try batch.withUnsafeBytes { try file.write(all: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                fileSize.add(count, ordering: .relaxed)
                throw SystemError(call: "write", errno: EIO, path: file.path)
            }
            try file.write(all: batch)
            bytesWritten.add(batch.count, ordering: .relaxed)
            fileSize.add(batch.count, ordering: .relaxed)
            try faults.beforeSync()
            try file.syncData()
            fsyncCount.add(1, ordering: .relaxed)
        }

        /// Tells the owner, then enters the permanent failed state and wakes everyone.
        /// Called once: the flusher returns right after.
        private func fail(_ error: any Error) {
            // First the hook, so that whoever the failure wakes finds the owner told.
            onFailure(error, state.withLock { $0.path })
            state.withLock { state in
                if state.failure == nil { state.failure = error }
                if state.rotation != nil, state.rotation!.result == nil {
                    state.rotation!.result = .failure(error)
                }
            }
            state.broadcast(Core.progress)
        }

        // MARK: Opening files

        /// Creates a journal that must not exist yet: header, fsync, fsync directory. Mode 0600:
        /// the records hold provider API keys.
        static func createJournal(at path: String) throws -> DurableFile {
            let file = try DurableFile(path: path, mode: .createNew, permissions: DataDirectory.filePermissions)
            do {
                try file.write(all: JournalFormat.encodeHeader())
                try file.sync()
                try Syscall.fsyncDirectory(Syscall.parentDirectory(of: path))
            } catch {
                // Leave no half-made journal behind for the next O_EXCL attempt.
                try? file.close()
                try? Syscall.unlink(path)
                throw error
            }
            return file
        }

        /// Opens an existing journal for appending; returns it and its size.
        static func openJournal(at path: String) throws -> (DurableFile, Int) {
            let file = try DurableFile(path: path, mode: .append)
            do {
                let size = try file.size
                let head = try DurableFile(path: path, mode: .read).read(count: JournalFormat.headerSize, at: 0)
                if size < JournalFormat.headerSize {
                    // A crash while the journal was being created: nothing in it was
                    // ever acknowledged, so write the header as creation would have.
                    guard head.withUnsafeBytes({ JournalFormat.isTornHeader($0) }) else {
                        throw JournalCorruption(
                            path: path, offset: 0, kind: .notAJournal,
                            reason: "file of \(size) bytes is shorter than the header and is not a torn header")
                    }
                    try file.truncate(to: 0)
                    try file.write(all: JournalFormat.encodeHeader())
                    try file.sync()
                    try Syscall.fsyncDirectory(Syscall.parentDirectory(of: path))
                    return (file, JournalFormat.headerSize)
                }
                if let problem = JournalFormat.validateHeader(head) {
                    var kind = JournalCorruption.Kind.notAJournal
                    if case .unsupportedVersion(let version) = problem { kind = .unsupportedVersion(version) }
                    throw JournalCorruption(path: path, offset: 0, kind: kind, reason: problem.description)
                }
                return (file, size)
            } catch {
                try? file.close()
                throw error
            }
        }
    }
}

/// A pthread mutex with condition variables, guarding a value.
///
/// `Synchronization.Mutex` cannot be waited on with a condition variable, and the
/// flusher and the waiters need to sleep until the state changes, hence this.
/// `@unchecked Sendable` is safe because `state` is only touched between
/// `pthread_mutex_lock` and `pthread_mutex_unlock` (in `withLock`), and the mutex
/// and conditions live at stable heap addresses (pthread objects must not move).
final class ConditionLock<State>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let conditions: UnsafeMutablePointer<pthread_cond_t>
    private let conditionCount: Int
    private var state: State

    init(_ state: State, conditionCount: Int) {
        self.state = state
        self.conditionCount = conditionCount
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        conditions = .allocate(capacity: conditionCount)
        // Timed waits measure against the monotonic clock: a wall-clock step must not stretch them.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        for index in 0..<conditionCount {
            (conditions + index).initialize(to: pthread_cond_t())
            pthread_cond_init(conditions + index, &attributes)
        }
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        for index in 0..<conditionCount { pthread_cond_destroy(conditions + index) }
        conditions.deinitialize(count: conditionCount)
        conditions.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held.
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Takes the lock, sleeps on `condition` until `ready` holds, then runs `body`
    /// with the lock still held.
    func withLock<Result>(
        waitingOn condition: Int, until ready: (State) -> Bool, _ body: (inout State) throws -> Result
    ) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready(state) { pthread_cond_wait(conditions + condition, mutex) }
        return try body(&state)
    }

    /// Takes the lock and sleeps on `condition` until `ready` holds or `nanoseconds` have passed
    /// (on the monotonic clock), whichever comes first.
    func waitUntil(condition: Int, nanoseconds: UInt64, ready: (State) -> Bool) {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let total = UInt64(deadline.tv_nsec) + nanoseconds
        deadline.tv_sec += Int(total / 1_000_000_000)
        deadline.tv_nsec = Int(total % 1_000_000_000)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready(state) {
            if pthread_cond_timedwait(conditions + condition, mutex, &deadline) == ETIMEDOUT { return }
        }
    }

    /// Wakes one thread waiting on `condition` (with or without the lock held).
    func signal(_ condition: Int) {
        pthread_cond_signal(conditions + condition)
    }

    /// Wakes every thread waiting on `condition` (with or without the lock held).
    func broadcast(_ condition: Int) {
        pthread_cond_broadcast(conditions + condition)
    }
}
