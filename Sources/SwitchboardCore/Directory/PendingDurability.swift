#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Changes a thread applied without waiting for the disk (`Directory.deferringDurability`), and
/// the way to hear when they all are durable.
///
/// Why: a write's thread used to sleep in `waitDurable` until the journal's fsync, then wake to
/// tell the observers and hand the answer to the event loop: two more context switches a write,
/// and at most one write in flight per thread. Deferred, the thread moves on at once, and the
/// journal's flusher, right after the fsync that covers the changes, tells the observers and
/// runs the caller's continuation (which hands the answer over). Nothing is acknowledged earlier:
/// the continuation is the acknowledgement.
///
/// `@unchecked Sendable`: `record` is called only by the thread that runs the deferring body, and
/// the recorded values are read after that body returned, on the same thread; what crosses to the
/// flusher is a copy captured in the closure given to the journal (under the journal's lock).
public final class PendingDurability: @unchecked Sendable {
    private struct Applied {
        let directory: Directory
        let change: Change
        let effect: ChangeEffect
    }

    /// The last journaled change's ticket: covering it covers every earlier one (one journal).
    private var last: (ticket: UInt64, journal: any ChangeJournal)?
    private var applied: [Applied] = []

    init() {}

    /// Whether any change waits for the disk.
    public var isEmpty: Bool { last == nil }

    func record(ticket: UInt64, journal: any ChangeJournal, directory: Directory, change: Change, effect: ChangeEffect) {
        last = (ticket, journal)
        applied.append(Applied(directory: directory, change: change, effect: effect))
    }

    /// Calls `body` once every recorded change is durable (nil), after telling each directory's
    /// observer of its changes in the order they applied; or with the error if they can never be
    /// (the observers are not told: the changes were not acknowledged, as with `Directory.apply`).
    /// With nothing recorded, `body` runs at once on this thread. It may run on the journal's
    /// flusher thread: it must not block.
    public func whenDurable(_ body: @escaping @Sendable ((any Error)?) -> Void) {
        guard let last else { return body(nil) }
        let applied = self.applied
        last.journal.whenDurable(last.ticket) { error in
            if error == nil {
                for change in applied { change.directory.notify(change.change, change.effect) }
            }
            body(error)
        }
    }

    // MARK: The calling thread's deferral

    /// The deferral bound to the calling thread, if any. A pthread key, not a `@TaskLocal`: a
    /// task started inside the body must not inherit it (its changes would never be waited for).
    static var current: PendingDurability? {
        pthread_getspecific(key).map { Unmanaged<PendingDurability>.fromOpaque($0).takeUnretainedValue() }
    }

    static func bind<Result>(_ pending: PendingDurability, _ body: () throws -> Result) rethrows -> Result {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(pending).toOpaque())
        defer { pthread_setspecific(key, previous) }
        return try withExtendedLifetime(pending) { try body() }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let result = pthread_key_create(&key, nil)
        precondition(result == 0, "pthread_key_create failed: \(result)")
        return key
    }()
}

extension Directory {
    /// Runs `body`; the changes it applies on this thread return as soon as they are journaled
    /// (applied and visible, not yet durable) instead of waiting for the disk, and their observers
    /// are told only once they are durable. The caller must not acknowledge anything `body` did
    /// before the returned `PendingDurability` says so (`whenDurable`).
    public static func deferringDurability<Result>(_ body: () throws -> Result) rethrows -> (Result, PendingDurability) {
        let pending = PendingDurability()
        let result = try PendingDurability.bind(pending, body)
        return (result, pending)
    }
}
