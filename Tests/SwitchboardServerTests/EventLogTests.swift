import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardServer

@Suite struct EventLogTests {
    static func event(at: Int64, reason: String? = nil) -> RoutingEvent {
        RoutingEvent(at: at, direction: .inbound, provider: .retell, number: E164(key: 14155550123), agentID: nil, reason: reason, micros: 3)
    }

    @Test func events_mergeLanesNewestFirst_perAccount() {
        let log = EventLog(lanes: 3)
        log.record(EventLogTests.event(at: 10), accountSlot: 0, lane: 0)
        log.record(EventLogTests.event(at: 30), accountSlot: 0, lane: 1)
        log.record(EventLogTests.event(at: 20), accountSlot: 0, lane: 2)
        log.record(EventLogTests.event(at: 40), accountSlot: 1, lane: 0)
        #expect(log.events(accountSlot: 0, limit: 10).events.map(\.at) == [30, 20, 10])
        #expect(log.events(accountSlot: 1, limit: 10).events.map(\.at) == [40])
        #expect(log.events(accountSlot: 7, limit: 10).events.isEmpty)
    }

    @Test func events_ringKeepsTheLastCapacity() {
        let log = EventLog(lanes: 1, capacity: 4)
        for at in 1...10 { log.record(EventLogTests.event(at: Int64(at)), accountSlot: 0, lane: 0) }
        #expect(log.events(accountSlot: 0, limit: 100).events.map(\.at) == [10, 9, 8, 7])
    }

    @Test func events_cursorPagesWithoutRepeatsOrGaps() throws {
        let log = EventLog(lanes: 2)
        // Same timestamps on both lanes: the cursor must still order them.
        for index in 0..<9 { log.record(EventLogTests.event(at: Int64(index / 3)), accountSlot: 0, lane: index % 2) }
        var seen = 0
        var cursor: EventLog.Cursor?
        var pages = 0
        repeat {
            let page = log.events(accountSlot: 0, limit: 2, before: cursor)
            seen += page.events.count
            cursor = try page.next.map { try #require(EventLog.Cursor($0.text)) }
            pages += 1
        } while cursor != nil && pages < 20
        #expect(seen == 9)
        #expect(pages == 5)
        #expect(EventLog.Cursor("1.x.3") == nil)
    }

    @Test func record_concurrentLanes_loseNothing() {
        let log = EventLog(lanes: 2, capacity: 100_000)
        let group = DispatchGroup()
        for lane in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                for index in 0..<5000 { log.record(EventLogTests.event(at: Int64(index)), accountSlot: 0, lane: lane) }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 10) == .success)
        #expect(log.events(accountSlot: 0, limit: 100_000).events.count == 10_000)
    }
}
