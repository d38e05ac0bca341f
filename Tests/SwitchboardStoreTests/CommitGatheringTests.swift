import Testing

@testable import SwitchboardStore

@Suite struct CommitGatheringTests {
    @Test func zeroWindow_neverWaits() {
        var gathering = CommitGathering(window: .zero)
        for _ in 0..<100 { #expect(!ask(&gathering, 1)) }
    }

    @Test func severalPending_areAGroupAlready_neverWait() {
        var gathering = CommitGathering(window: .milliseconds(1))
        gathering.waited(company: 1)  // waiting pays
        #expect(!ask(&gathering, 2))
        #expect(!ask(&gathering, 40))
        #expect(ask(&gathering, 1))
    }

    @Test func firstLoneChange_isAProbe_thenOneInSixteen_whileWaitingDoesNotPay() {
        var gathering = CommitGathering(window: .milliseconds(1))
        var waits: [Int] = []
        for change in 0..<48 where gathering.shouldWait(pendingFrames: 1) {
            waits.append(change)
            gathering.waited(company: 0)
        }
        #expect(waits == [0, 16, 32])
    }

    @Test func aWaitThatGathers_keepsWaiting_untilThreeWaitsInARowGatherNothing() {
        var gathering = CommitGathering(window: .milliseconds(1))
        #expect(ask(&gathering, 1))  // the first probe
        gathering.waited(company: 2)
        for _ in 0..<10 {  // a stream: every wait gathers
            #expect(ask(&gathering, 1))
            gathering.waited(company: 1)
        }
        for _ in 0..<CommitGathering.creditPerSuccess {  // the stream stops
            #expect(ask(&gathering, 1))
            gathering.waited(company: 0)
        }
        #expect(!ask(&gathering, 1))
    }

    /// `shouldWait` is mutating, which `#expect` cannot take directly.
    private func ask(_ gathering: inout CommitGathering, _ pendingFrames: UInt64) -> Bool {
        gathering.shouldWait(pendingFrames: pendingFrames)
    }

    @Test func window_isKeptInNanoseconds() {
        #expect(CommitGathering(window: .microseconds(1500)).windowNanoseconds == 1_500_000)
        #expect(CommitGathering(window: .seconds(2)).windowNanoseconds == 2_000_000_000)
        #expect(CommitGathering(window: .milliseconds(-5)).windowNanoseconds == 0)
    }
}
