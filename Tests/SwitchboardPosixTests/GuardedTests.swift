import Foundation
import Glibc
import Testing

@testable import SwitchboardPosix

/// `Guarded`'s waiting: the one-acquisition take of `withLockWaiting`, and wake-ups sent after the
/// lock is released (`withLockNotifying`) that no waiter misses.
struct GuardedTests {
    struct Queue {
        var jobs: [Int] = []
        var stopped = false
        var workers = 0
    }

    /// Four workers take 2,000 jobs queued one at a time, each queueing waking one worker. The
    /// workers' sleeps are 60 s long, so a lost wake-up leaves a job waiting far past the bound.
    @Test func withLockWaiting_oneWakePerJob_noJobLeftWaiting() throws {
        let queue = Guarded(Queue())
        // Apart from the queue, so that the workers' reports wake nobody that sleeps on the queue.
        let done = Guarded([Int]())
        let count = 2000
        for index in 0..<4 {
            queue.withLock { $0.workers += 1 }
            try PosixThread.spawn(name: "guarded-\(index)") {
                while let job = queue.withLockWaiting({ state -> Guarded<Queue>.WaitStep<Int?> in
                    if let job = state.jobs.popLast() { return .done(job) }
                    return state.stopped ? .done(nil) : .wait(.seconds(60))
                }) {
                    done.withLockNotifying { $0.append(job) }
                }
                queue.withLockNotifying { $0.workers -= 1 }
            }
        }
        for job in 0..<count {
            queue.withLockNotifying(all: false) { $0.jobs.append(job) }
            if job % 64 == 0 { usleep(100) }
        }
        let drained = done.wait(until: { $0.count == count }, timeout: .seconds(20)) { _, held in held }
        queue.withLockNotifying { $0.stopped = true }
        let ended = queue.wait(until: { $0.workers == 0 }, timeout: .seconds(20)) { _, held in held }
        #expect(drained)
        #expect(ended)
        #expect(done.withLock { $0.sorted() } == Array(0..<count))
    }

    /// Without a wake, the body runs again when the timeout it asked for has passed.
    @Test func withLockWaiting_runsAgainAfterItsTimeout() {
        let guarded = Guarded(0)
        let start = ContinuousClock.now
        let runs = guarded.withLockWaiting { runs -> Guarded<Int>.WaitStep<Int> in
            runs += 1
            return runs == 3 ? .done(runs) : .wait(.milliseconds(20))
        }
        #expect(runs == 3)
        #expect(ContinuousClock.now - start >= .milliseconds(40))
    }

    /// A timeout of "forever" (the largest Duration) waits for the notification, without
    /// overflowing the condition variable's deadline (`PosixLock.wait(nanoseconds:)` caps it).
    @Test func wait_withAnEndlessTimeout_returnsWhenNotified() {
        let guarded = Guarded(false)
        let thread = Thread {
            usleep(20_000)
            guarded.withLockNotifying { $0 = true }
        }
        thread.start()
        let woken = guarded.withLockWaiting { notified -> Guarded<Bool>.WaitStep<Bool> in
            notified ? .done(true) : .wait(.seconds(Int64.max))
        }
        #expect(woken)
        #expect(guarded.wait(until: { $0 }, timeout: .seconds(Int64.max)) { _, held in held })
    }
}
