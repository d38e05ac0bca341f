/// Errors by kind. A wrong answer is one of them, never a latency sample.
public enum ErrorKind: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// The right status with the wrong agent, refusal or caller ID.
    case wrongAnswer
    /// A status other than the one the request must get.
    case status
    /// The connection failed or closed with the request unanswered.
    case connection
    /// No answer within the timeout.
    case timeout
    /// An answer that is not HTTP/1.1 or whose body is not JSON.
    case parse

    public var name: String {
        switch self {
        case .wrongAnswer: "wrong_answer"
        case .status: "status"
        case .connection: "connection"
        case .timeout: "timeout"
        case .parse: "parse"
        }
    }

    public var description: String { name }
}

/// Counts for one request kind.
public struct KindStatistics: Hashable, Sendable {
    /// Requests sent in the measured window (after the warm-up).
    public var sent: UInt64 = 0
    /// Answers judged correct; each is a latency sample.
    public var correct: UInt64 = 0
    public var errors: [ErrorKind: UInt64] = [:]
    /// Answers that could not be judged (two writes finished on the target while it was out).
    public var unverifiable: UInt64 = 0
    /// Latency of the correct answers, from the intended send time, in nanoseconds.
    public var latency = Histogram()

    public var errorCount: UInt64 { errors.values.reduce(0, +) }

    public mutating func merge(_ other: KindStatistics) {
        sent += other.sent
        correct += other.correct
        for (kind, count) in other.errors { errors[kind, default: 0] += count }
        unverifiable += other.unverifiable
        latency.merge(other.latency)
    }
}

/// What one worker thread saw; merged into a `LoadResult` after the run. Thread-confined.
struct LoadRecorder {
    static let slotNanoseconds: UInt64 = 100_000_000

    var kinds = [KindStatistics](repeating: KindStatistics(), count: RequestKind.allCases.count)
    /// Errors during the warm-up (not in `kinds`).
    var warmupErrors: UInt64 = 0
    /// Answers (correct or not) completed per 100 ms since the run started, warm-up included.
    var timeline: [UInt64] = []
    /// A few wrong answers, described, for the report.
    var samples: [String] = []
    var connectFailures: UInt64 = 0
    var reconnects: UInt64 = 0
    /// Writes skipped because no number or agent was free to take part.
    var skippedWrites: UInt64 = 0
    /// Writes sent more than `lateWriteNanoseconds` after they were due: every write connection was
    /// waiting for an answer, so the run wrote less often than asked (their latency, counted from
    /// when they were due, shows the wait too).
    var lateWrites: UInt64 = 0
    static let lateWriteNanoseconds: UInt64 = 100_000_000
    var uncertainWrites: UInt64 = 0
    /// After the run: writes that restored the seeded state, and those that failed.
    var restoredWrites: UInt64 = 0
    var restoreErrors: UInt64 = 0

    static let maxSamples = 10

    init(slots: Int) {
        timeline = [UInt64](repeating: 0, count: slots)
    }

    mutating func countSent(_ kind: RequestKind, measured: Bool) {
        if measured { kinds[kind.rawValue].sent += 1 }
    }

    mutating func recordCorrect(_ kind: RequestKind, latency: UInt64, measured: Bool) {
        guard measured else { return }
        kinds[kind.rawValue].correct += 1
        kinds[kind.rawValue].latency.record(latency)
    }

    mutating func recordError(_ kind: RequestKind, _ error: ErrorKind, measured: Bool, detail: @autoclosure () -> String? = nil) {
        if samples.count < LoadRecorder.maxSamples, let text = detail() { samples.append("\(kind) \(error): \(text)") }
        guard measured else {
            warmupErrors += 1
            return
        }
        kinds[kind.rawValue].errors[error, default: 0] += 1
    }

    mutating func recordUnverifiable(_ kind: RequestKind, measured: Bool) {
        if measured { kinds[kind.rawValue].unverifiable += 1 }
    }

    mutating func tick(at elapsed: UInt64) {
        let slot = Int(elapsed / LoadRecorder.slotNanoseconds)
        if slot < timeline.count { timeline[slot] += 1 }
    }
}
