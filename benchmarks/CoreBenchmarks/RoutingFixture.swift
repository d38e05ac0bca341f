import BenchmarkSupport
import SwitchboardCore

/// A loaded directory shaped for routing (`DirectoryShape.routing`) with its baselines, built once
/// per size and shared by the lookup and caller-ID groups.
final class RoutingFixture {
    let generated: GeneratedDirectory
    let directory: Directory
    let account: UInt32
    let index: IndexRouter
    let mutexRouter: DictionaryRouter<MutexLock<[UInt64: BaselineNumber]>>
    let pthreadRouter: DictionaryRouter<PthreadLock<[UInt64: BaselineNumber]>>
    let lockedRouter: DictionaryRouter<Locked<[UInt64: BaselineNumber]>>
    let mutexCallerID: DictionaryCallerID<MutexLock<CallerIDTables>>
    let pthreadCallerID: DictionaryCallerID<PthreadLock<CallerIDTables>>
    let lockedCallerID: DictionaryCallerID<Locked<CallerIDTables>>

    init(numbers: Int) {
        let started = monotonicNanoseconds()
        generated = GeneratedDirectory(.routing(numbers: numbers))
        directory = generated.load()
        guard let account = directory.index.accountSlot(GeneratedDirectory.accountID.value) else { fatalError("no account slot") }
        self.account = account
        index = IndexRouter(index: directory.index)
        // The baselines share one copy of each dictionary (copy-on-write, never written).
        let contents = BaselineContents(generated, directory: directory, account: account)
        mutexRouter = DictionaryRouter(table: MutexLock(contents.numbers))
        pthreadRouter = DictionaryRouter(table: PthreadLock(contents.numbers))
        lockedRouter = DictionaryRouter(table: Locked(contents.numbers))
        mutexCallerID = DictionaryCallerID(tables: MutexLock(contents.callerID))
        pthreadCallerID = DictionaryCallerID(tables: PthreadLock(contents.callerID))
        lockedCallerID = DictionaryCallerID(tables: Locked(contents.callerID))
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        print(
            "(set-up, not timed: \(sizeName(numbers)) numbers, \(grouped(generated.agentIDs.count)) agents, "
                + "index and baselines built in \(fixed(seconds, 1)) s)"
        )
    }
}

/// Fixtures kept between groups of one invocation, so `all` builds each size once.
final class FixtureCache {
    private var routing: [Int: RoutingFixture] = [:]

    func routing(numbers: Int) -> RoutingFixture {
        if let fixture = routing[numbers] { return fixture }
        let fixture = RoutingFixture(numbers: numbers)
        routing[numbers] = fixture
        return fixture
    }
}
