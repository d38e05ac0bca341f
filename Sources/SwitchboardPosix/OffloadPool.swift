/// A fixed set of threads for deferred handler work: the blocking half of the server.
///
/// Why not Dispatch's global queues: a worker blocked on a slow provider makes Dispatch start
/// more threads (up to 64 and beyond), and on Linux ThreadSanitizer does not see Dispatch's
/// hand-offs. A fixed pool bounds the threads and uses pthread primitives TSan understands.
/// Jobs run in submission order, each on whichever worker is free.
final class OffloadPool: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopped = false
    }

    private let state = Guarded(State())

    /// Starts `threads` workers named `sb-work-N`.
    init(threads: Int) throws(PosixError) {
        for index in 0..<threads {
            // Detached: at shutdown a worker may still be inside a slow job, and waiting for it
            // would hold up the process exit that the loops already allowed.
            try PosixThread.spawn(name: "sb-work-\(index)") { [state] in
                Self.work(state)
            }
        }
    }

    /// Queues `job`; false if the pool has stopped (the job is dropped, and with it its
    /// `ResponseWriter`, which answers 500 to a loop that is no longer listening).
    @discardableResult
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        state.withLockNotifying(all: false) { state in
            guard !state.stopped else { return false }
            state.jobs.append(job)
            return true
        }
    }

    /// Lets the workers finish their current job and exit; queued jobs are dropped.
    func stop() {
        // The jobs (and their writers) are released when `dropped` goes out of scope, after the
        // lock: a writer's deinit posts to a loop.
        let dropped = state.withLockNotifying { state in
            state.stopped = true
            let jobs = state.jobs[state.head...]
            state.jobs = []
            state.head = 0
            return jobs
        }
        _ = dropped
    }

    private static func work(_ state: Guarded<State>) {
        while true {
            let next: (@Sendable () -> Void)? = state.wait(until: { $0.stopped || $0.head < $0.jobs.count }) {
                state in
                if state.stopped { return nil }
                let job = state.jobs[state.head]
                state.head += 1
                if state.head == state.jobs.count {
                    state.jobs.removeAll(keepingCapacity: true)
                    state.head = 0
                } else if state.head >= 64 && state.head * 2 >= state.jobs.count {
                    state.jobs.removeSubrange(0..<state.head)
                    state.head = 0
                }
                return job
            }
            guard let next else { return }
            next()
        }
    }
}
