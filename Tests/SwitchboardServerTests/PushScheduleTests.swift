import SwitchboardPosix
import Testing

@testable import SwitchboardServer

/// The push queue's bookkeeping: due order, replacement, and no overlapping pushes of one number.
@Suite struct PushScheduleTests {
    typealias Entry = PushSchedule<Int, String>.Entry
    static let start = MonotonicInstant.now

    static func at(_ milliseconds: Int, hint: String? = nil) -> Entry {
        Entry(due: start + .milliseconds(milliseconds), previousHint: hint)
    }

    @Test func takesDueNumbersEarliestFirst_upToTheLimit() {
        var schedule = PushSchedule<Int, String>()
        for (key, due) in [(1, 30), (2, 10), (3, 20), (4, 500)] { schedule.schedule(key, PushScheduleTests.at(due)) }
        #expect(schedule.earliestDue() == PushScheduleTests.start + .milliseconds(10))
        let first = schedule.takeDue(now: PushScheduleTests.start + .milliseconds(100), limit: 2)
        #expect(first.map(\.key) == [2, 3])
        let second = schedule.takeDue(now: PushScheduleTests.start + .milliseconds(100), limit: 5)
        #expect(second.map(\.key) == [1], "4 is not due yet")
        #expect(schedule.inFlight == [1, 2, 3])
        #expect(schedule.waitingCount == 1)
        #expect(!schedule.isEmpty)
        for key in [1, 2, 3] { schedule.finished(key) }
        #expect(schedule.takeDue(now: PushScheduleTests.start + .seconds(1), limit: 5).map(\.key) == [4])
        schedule.finished(4)
        #expect(schedule.isEmpty)
        #expect(schedule.earliestDue() == nil)
    }

    @Test func rescheduling_replacesTheDueTime_andLeavesNoGhost() {
        var schedule = PushSchedule<Int, String>()
        schedule.schedule(7, PushScheduleTests.at(1000, hint: "old"))
        schedule.schedule(7, PushScheduleTests.at(5, hint: "new"))
        #expect(schedule.waitingCount == 1)
        #expect(schedule.earliestDue() == PushScheduleTests.start + .milliseconds(5))
        let taken = schedule.takeDue(now: PushScheduleTests.start + .seconds(2), limit: 10)
        #expect(taken.count == 1, "the replaced entry's heap item is stale, not a second push")
        #expect(taken.first?.entry.previousHint == "new")
        schedule.finished(7)
        #expect(schedule.isEmpty)
        #expect(schedule.takeDue(now: PushScheduleTests.start + .seconds(5), limit: 10).isEmpty)
    }

    @Test func aNumberScheduledWhileInFlight_waitsForThatPushToFinish() {
        var schedule = PushSchedule<Int, String>()
        schedule.schedule(1, PushScheduleTests.at(0))
        #expect(schedule.takeDue(now: PushScheduleTests.start, limit: 10).map(\.key) == [1])
        schedule.schedule(1, PushScheduleTests.at(0, hint: "again"))
        schedule.schedule(2, PushScheduleTests.at(0))
        #expect(schedule.takeDue(now: PushScheduleTests.start + .seconds(1), limit: 10).map(\.key) == [2], "1 is in flight")
        #expect(schedule.earliestDue() == nil, "a parked number does not wake the worker")
        schedule.finished(1)
        let again = schedule.takeDue(now: PushScheduleTests.start + .seconds(1), limit: 10)
        #expect(again.map(\.key) == [1])
        #expect(again.first?.entry.previousHint == "again")
    }

    /// Against a plain model: thousands of random schedules, takes and finishes.
    @Test func randomOperations_matchAModel() {
        var schedule = PushSchedule<Int, String>()
        var waiting: [Int: Int] = [:]  // key → due (ms)
        var inFlight = Set<Int>()
        var random = SplitMix(seed: 42)
        for step in 0..<20_000 {
            let now = step / 4
            switch random.next() % 3 {
            case 0:
                let key = Int(random.next() % 50)
                let due = now + Int(random.next() % 40)
                schedule.schedule(key, PushScheduleTests.at(due))
                waiting[key] = due
            case 1:
                let limit = Int(random.next() % 4) + 1
                let taken = schedule.takeDue(now: PushScheduleTests.start + .milliseconds(now), limit: limit)
                let eligible = waiting.filter { $0.value <= now && !inFlight.contains($0.key) }
                #expect(taken.count == min(limit, eligible.count), "step \(step)")
                for (key, entry) in taken {
                    #expect(!inFlight.contains(key), "step \(step): \(key) pushed twice at once")
                    #expect(waiting[key].map { PushScheduleTests.at($0).due == entry.due } == true, "step \(step)")
                    waiting[key] = nil
                    inFlight.insert(key)
                }
                let latestTaken = taken.map { $0.entry.due }.max()
                let earliestLeft = waiting.filter { !inFlight.contains($0.key) }.values.min().map { PushScheduleTests.at($0).due }
                if let latestTaken, let earliestLeft { #expect(latestTaken <= earliestLeft, "step \(step): earliest first") }
            default:
                if let key = inFlight.randomElement(using: &random) {
                    schedule.finished(key)
                    inFlight.remove(key)
                }
            }
            #expect(schedule.waitingCount == waiting.count)
            #expect(schedule.inFlight == inFlight)
            if step % 97 == 0 {
                let earliest = waiting.filter { !inFlight.contains($0.key) }.values.min().map { PushScheduleTests.at($0).due }
                #expect(schedule.earliestDue() == earliest, "step \(step)")
            }
        }
    }
}

/// A deterministic generator for the model test.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
