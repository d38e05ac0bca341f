import SwitchboardPosix

/// What the harness knows the router holds while operator writes run: for every number its agent,
/// for every agent its number, each with the write in flight, if any.
///
/// The operator marks a write `pending` before sending it and commits it after the router's
/// acknowledgement. A checker takes a slot when its request goes out and again when the answer
/// arrives; any value either snapshot holds (committed or pending) is a state the router was
/// allowed to be in meanwhile, and nothing else is (SPEC rule 2: before or after, never a mix,
/// and after the acknowledgement only the new one).
///
/// Striped pthread locks (TSan sees them, unlike `Synchronization.Mutex` on Linux): a read is one
/// uncontended lock, and a write touches three slots.
final class LiveState: @unchecked Sendable {
    // @unchecked Sendable: `numbers` and `agents` are allocated once in init, freed in deinit, and
    // every slot is read and written only with its stripe's lock held.

    struct Slot: Hashable, Sendable {
        /// The agent (for a number) or number (for an agent) the router holds; `Slot.none` for none.
        var committed: Int32
        /// The value a write in flight would set, or `Slot.noWrite`.
        var pending: Int32 = Slot.noWrite
        /// Writes finished (acknowledged, refused or lost) on this slot.
        var version: UInt32 = 0
        /// A write whose outcome is unknown (timed out, connection lost): both values stay possible.
        var uncertain = false

        static let none: Int32 = -1
        static let noWrite: Int32 = .min

        /// Whether `value` is possible for a request that saw `self` at send and `later` at receipt.
        func allows(_ value: Int32, later: Slot) -> Bool {
            committed == value || pending == value || later.committed == value || later.pending == value
        }

        /// More than one write finished between the two snapshots: a state in between may have
        /// been held that neither shows, so the answer cannot be judged (the operator's cool-down
        /// makes this rare; it is counted, not guessed).
        func isAmbiguous(later: Slot) -> Bool { later.version &- version > 1 }
    }

    private static let stripeCount = 64
    private let locks: [PosixLock]
    private let numbers: UnsafeMutablePointer<Slot>
    private let agents: UnsafeMutablePointer<Slot>
    let numberCount: Int
    let agentCount: Int

    init(dataSet: DataSet) {
        locks = (0..<LiveState.stripeCount).map { _ in PosixLock() }
        numberCount = dataSet.numberCount
        agentCount = dataSet.agentCount
        numbers = .allocate(capacity: Swift.max(1, numberCount))
        agents = .allocate(capacity: Swift.max(1, agentCount))
        for index in 0..<numberCount { (numbers + index).initialize(to: Slot(committed: dataSet.initialAgent[index])) }
        for index in 0..<agentCount { (agents + index).initialize(to: Slot(committed: dataSet.agentInitialNumber[index])) }
    }

    deinit {
        numbers.deinitialize(count: numberCount)
        numbers.deallocate()
        agents.deinitialize(count: agentCount)
        agents.deallocate()
    }

    @inline(__always)
    private func withSlot<Result>(_ base: UnsafeMutablePointer<Slot>, _ index: Int, _ body: (inout Slot) -> Result) -> Result {
        let lock = locks[index & (LiveState.stripeCount - 1)]
        lock.lock()
        defer { lock.unlock() }
        return body(&base[index])
    }

    func number(_ index: Int) -> Slot { withSlot(numbers, index) { $0 } }
    func agent(_ index: Int) -> Slot { withSlot(agents, index) { $0 } }

    // MARK: The operator's side

    /// A write is about to be sent: `number` goes to `newAgent` (nil: unassigned) from `oldAgent`.
    func begin(number: Int, newAgent: Int?, oldAgent: Int?) {
        withSlot(numbers, number) { $0.pending = Int32(newAgent ?? -1) }
        if let newAgent { withSlot(agents, newAgent) { $0.pending = Int32(number) } }
        if let oldAgent { withSlot(agents, oldAgent) { $0.pending = Slot.none } }
    }

    /// The router acknowledged the write.
    func commit(number: Int, newAgent: Int?, oldAgent: Int?) {
        withSlot(numbers, number) { Self.finish(&$0, committed: Int32(newAgent ?? -1)) }
        if let newAgent { withSlot(agents, newAgent) { Self.finish(&$0, committed: Int32(number)) } }
        if let oldAgent { withSlot(agents, oldAgent) { Self.finish(&$0, committed: Slot.none) } }
    }

    /// The router refused the write (a 4xx changes nothing, SPEC §3).
    func revert(number: Int, newAgent: Int?, oldAgent: Int?) {
        for (base, index) in [(numbers, number), (agents, newAgent), (agents, oldAgent)] {
            guard let index else { continue }
            withSlot(base, index) { Self.finish(&$0, committed: $0.committed) }
        }
    }

    /// The write's outcome is unknown: keep both values possible for good.
    func markUncertain(number: Int, newAgent: Int?, oldAgent: Int?) {
        for (base, index) in [(numbers, number), (agents, newAgent), (agents, oldAgent)] {
            guard let index else { continue }
            withSlot(base, index) { $0.uncertain = true }
        }
    }

    private static func finish(_ slot: inout Slot, committed: Int32) {
        guard !slot.uncertain else { return }
        slot.committed = committed
        slot.pending = Slot.noWrite
        slot.version &+= 1
    }
}
