import SwitchboardCore

/// One routing decision, as `GET /v1/accounts/{a}/events` shows it (SPEC §3 `event` shape).
struct RoutingEvent: Sendable {
    enum Direction: UInt8, Sendable {
        case inbound, outbound

        var name: String { self == .inbound ? "inbound" : "outbound" }
    }

    /// Wall-clock milliseconds since the epoch.
    var at: Int64
    var direction: Direction
    var provider: Provider
    /// The called number (inbound) or the caller ID (outbound); nil when there was none.
    var number: E164?
    var agentID: AgentID?
    /// nil when routed; else the refusal's code (`unassigned`, `no_caller_id`, …).
    var reason: String?
    /// Time the decision took, in microseconds.
    var micros: UInt32
    /// Order among events of one lane (ties of `at` are broken by it).
    var sequence: UInt64 = 0

    var routed: Bool { reason == nil }
}

/// Recent routing decisions per account, kept in memory (the last `capacity` of each account).
///
/// Recording is on the inbound hot path, so it must not contend: there is one lane per event loop
/// (and one for work off the loops), each with its own lock and its own ring per account; only a
/// reader (the events route) visits every lane and merges. A lane's lock is taken by its own loop
/// and by readers, never by another loop.
public final class EventLog: Sendable {
    let capacity: Int
    private let lanes: [Lane]

    public init(lanes: Int, capacity: Int = 1000) {
        precondition(lanes > 0 && capacity > 0)
        self.capacity = capacity
        self.lanes = (0..<lanes).map { _ in Lane() }
    }

    /// Records `event` for the account in `accountSlot`, on the lane of the calling thread.
    func record(_ event: RoutingEvent, accountSlot: UInt32, lane: Int) {
        let lane = lanes[lane >= 0 && lane < lanes.count ? lane : lanes.count - 1]
        let capacity = capacity
        lane.rings.withLock { rings in
            rings.sequence &+= 1
            var event = event
            event.sequence = rings.sequence
            rings.byAccount[accountSlot, default: Ring(capacity: capacity)].append(event)
        }
    }

    /// The account's events, newest first: at most `limit`, all older than `before` (an event's
    /// `at`/`sequence` cursor) when given.
    func events(accountSlot: UInt32, limit: Int, before: Cursor? = nil) -> (events: [RoutingEvent], next: Cursor?) {
        var merged: [(event: RoutingEvent, lane: Int)] = []
        for (index, lane) in lanes.enumerated() {
            let events = lane.rings.withLock { $0.byAccount[accountSlot]?.newestFirst() ?? [] }
            merged.append(contentsOf: events.map { ($0, index) })
        }
        merged.sort { Cursor($0.event, lane: $0.lane) > Cursor($1.event, lane: $1.lane) }
        if let before { merged.removeAll { Cursor($0.event, lane: $0.lane) >= before } }
        let page = merged.prefix(limit)
        let next = merged.count > limit ? page.last.map { Cursor($0.event, lane: $0.lane) } : nil
        return (page.map(\.event), next)
    }

    /// A position in the merged order: time, then lane and sequence (unique per event).
    struct Cursor: Comparable, Sendable {
        var at: Int64
        var lane: Int
        var sequence: UInt64

        init(_ event: RoutingEvent, lane: Int) {
            at = event.at
            self.lane = lane
            sequence = event.sequence
        }

        /// Parses the text form `at.lane.sequence`; nil if it is not one.
        init?(_ text: String) {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let at = Int64(parts[0]), let lane = Int(parts[1]), let sequence = UInt64(parts[2]), lane >= 0 else { return nil }
            self.at = at
            self.lane = lane
            self.sequence = sequence
        }

        var text: String { "\(at).\(lane).\(sequence)" }

        static func < (lhs: Cursor, rhs: Cursor) -> Bool {
            (lhs.at, lhs.lane, lhs.sequence) < (rhs.at, rhs.lane, rhs.sequence)
        }
    }

    /// The padding here and in `Rings` keeps each lane's object and its locked state off the lines
    /// of the lane allocated next to it: a loop retains its lane and writes its rings per event,
    /// and neighbouring small objects shared cache lines between the loops.
    private final class Lane: Sendable {
        let rings = Locked(Rings())
        private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    private struct Rings {
        var byAccount: [UInt32: Ring] = [:]
        var sequence: UInt64 = 0
        private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// The last `capacity` events, overwritten oldest first.
    struct Ring {
        private var storage: [RoutingEvent] = []
        private var next = 0
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
        }

        mutating func append(_ event: RoutingEvent) {
            if storage.count < capacity {
                storage.append(event)
            } else {
                storage[next] = event
            }
            next = (next + 1) % capacity
        }

        func newestFirst() -> [RoutingEvent] {
            guard storage.count == capacity else { return storage.reversed() }
            return (storage[next...] + storage[..<next]).reversed()
        }
    }
}
