// Store benchmarks (issue #3): snapshot load of 1M numbers, and durable acknowledged assignments
// per second with 1 and 16 concurrent writers. Release builds only.
//
//   swift run -c release StoreBenchmarks [--numbers N] [--runs R] [--quick]
//
// Each figure is measured over several runs (min and median printed) beside a reference measured
// in the same run, and reported as a ratio: the machines are shared and noisy.
import Foundation
import SwitchboardCore
import SwitchboardStore

#if canImport(Glibc)
import Glibc
#endif

if _isDebugAssertConfiguration() {
    print("""
        ************************************************************
        * StoreBenchmarks is a DEBUG build: figures are meaningless. *
        * Run: swift run -c release StoreBenchmarks                  *
        ************************************************************
        """)
    exit(1)
}

func parseArguments() -> (numbers: Int, runs: Int, writesPerRun: Int) {
    var numbers = 1_000_000
    var runs = 5
    var writesPerRun = 4000
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
        switch argument {
        case "--numbers": numbers = Int(arguments.popFirst() ?? "") ?? numbers
        case "--runs": runs = Int(arguments.popFirst() ?? "") ?? runs
        case "--quick":
            numbers = 20_000
            runs = 1
            writesPerRun = 400
        default:
            print("usage: StoreBenchmarks [--numbers N] [--runs R] [--quick]")
            exit(2)
        }
    }
    return (numbers, runs, writesPerRun)
}
let (numbers, runs, writesPerRun) = parseArguments()

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func measure(_ label: String, runs: Int, _ body: () throws -> Double) rethrows -> (min: Double, median: Double) {
    _ = try body()  // warm-up, thrown away
    var samples: [Double] = []
    for _ in 0..<runs { samples.append(try body()) }
    samples.sort()
    let result = (samples[0], samples[samples.count / 2])
    print("  \(label.padding(toLength: 44, withPad: " ", startingAt: 0)) min \(format(result.0))  median \(format(result.1))")
    return result
}

func format(_ value: Double) -> String {
    if value >= 1000 { return String(format: "%10.0f", value) }
    return String(format: "%10.4f", value)
}

let workspace = FileManager.default.currentDirectoryPath + "/.build/store-benchmarks-\(getpid())"
try? FileManager.default.removeItem(atPath: workspace)
try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: workspace) }

// MARK: Snapshot load

print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB; numbers: \(numbers)")
print("\n[snapshot load] \(numbers) numbers, 1 account, \(numbers / 10) agents (each with a number)")
let account = try Identifier("acme")
var image = DirectoryImage(accounts: [Account(id: account, name: "Acme", tokenSHA256: nil)])
for index in 0..<numbers / 10 {
    image.agents.append(AgentSpec(account: account, id: try Identifier("agent-\(index)"), name: "Agent \(index)", provider: index % 2 == 0 ? .retell : .vapi, providerAgentID: "pa_\(index)", status: .active))
}
for index in 0..<numbers {
    let number = E164(key: 1_200_000_0000 + UInt64(index) * 7)!
    let provider: Provider = index % 2 == 0 ? .retell : .vapi
    // Retell names a number by itself; Vapi by a UUID.
    let providerID = provider == .retell ? number.description : "5f1c2a9e-0000-4000-8000-\(String(format: "%012d", index))"
    let agent = index < numbers / 10 ? try Identifier("agent-\(index)") : nil
    image.numbers.append(NumberImage(spec: NumberSpec(account: account, number: number, provider: provider, providerNumberID: providerID, status: .active, agentID: agent), lastSyncedAt: Timestamp(milliseconds: 1_764_000_000_000)))
}
let seeded = try Directory.load(image)
let snapshotDirectory = workspace + "/snapshot"
try Store.seed(at: snapshotDirectory, with: seeded)
let snapshotBytes = (try FileManager.default.attributesOfItem(atPath: snapshotDirectory + "/snapshot-0000000000000000.snap")[.size] as? Int) ?? 0
print("  snapshot file: \(snapshotBytes / 1_048_576) MiB (\(snapshotBytes / numbers) bytes a number)")

let load = try measure("Store.read (decode + index) seconds", runs: runs) {
    let start = now()
    let (directory, _) = try Store.read(at: snapshotDirectory)
    precondition(directory.index.numberCount == numbers)
    return now() - start
}
let snapshotFile = try [UInt8](Data(contentsOf: URL(fileURLWithPath: snapshotDirectory + "/snapshot-0000000000000000.snap")))
let decodeOnly = try measure("  of which: decode the file, seconds", runs: runs) {
    let start = now()
    let decoded = try snapshotFile.withUnsafeBytes { try SnapshotCodec.decode($0) }
    precondition(decoded.image.numbers.count == numbers)
    return now() - start
}
let indexOnly = try measure("  of which: build the directory, seconds", runs: runs) {
    let start = now()
    let directory = try Directory.load(image)
    precondition(directory.index.numberCount == numbers)
    return now() - start
}
_ = (decodeOnly, indexOnly)
// Reference: the naive path, one change at a time through Directory.apply (what replaying a
// journal of putNumber records would cost), on the same data.
let naive = try measure("reference: \(numbers) putNumber changes, seconds", runs: max(1, runs / 2)) {
    let start = now()
    let directory = Directory()
    _ = try directory.createAccount(id: account, name: "Acme")
    for agent in image.agents { try directory.putAgent(agent) }
    for number in image.numbers { try directory.putNumber(number.spec, lastSyncedAt: number.lastSyncedAt) }
    return now() - start
}
print(String(format: "  load is %.1f× faster than the naive path (medians); goal: 1M numbers under 1 s: %@", naive.median / load.median, load.median < 1.0 || numbers < 1_000_000 ? "PASS" : "FAIL"))

// MARK: Durable writes

print("\n[durable writes] acknowledged assignments (each fsynced before it returns), \(writesPerRun) per run")
let writeDirectory = workspace + "/writes"
let (store, _) = try Store.open(at: writeDirectory)
_ = try store.directory.createAccount(id: account, name: "Acme")
let agentCount = 64
for index in 0..<agentCount {
    try store.directory.putAgent(AgentSpec(account: account, id: try Identifier("w\(index)"), name: "W", provider: .retell, providerAgentID: "p", status: .active))
}
let poolSize = 4096
for index in 0..<poolSize {
    try store.directory.putNumber(NumberSpec(account: account, number: E164(key: 1_300_000_0000 + UInt64(index))!, provider: .retell, providerNumberID: "n\(index)", status: .active, agentID: nil))
}

func durableWrites(threads: Int, total writesPerRun: Int, store: Store, account: Identifier, agentCount: Int, poolSize: Int) throws -> Double {
    let perThread = writesPerRun / threads
    let group = DispatchGroup()
    let start = now()
    for thread in 0..<threads {
        group.enter()
        Thread.detachNewThread {
            var random = UInt64(thread + 1) &* 0x9E37_79B9_7F4A_7C15
            for _ in 0..<perThread {
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let number = E164(key: 1_300_000_0000 + (random >> 33) % UInt64(poolSize))!
                let agent = try! Identifier("w\(Int((random >> 20) % UInt64(agentCount)))")
                _ = try! store.directory.assign(account: account, number: number, agent: agent)
            }
            group.leave()
        }
    }
    group.wait()
    return Double(perThread * threads) / (now() - start)
}

// Reference: the disk's floor for one writer: append a 40-byte record and fdatasync, in a loop.
let rawPath = workspace + "/raw.log"
let raw = open(rawPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
let rawRecord = [UInt8](repeating: 7, count: 40)
let rawRate = measure("reference: write + fdatasync loop, ops/s", runs: runs) {
    let start = now()
    for _ in 0..<writesPerRun / 4 {
        _ = rawRecord.withUnsafeBytes { write(raw, $0.baseAddress, 40) }
        fdatasync(raw)
    }
    return Double(writesPerRun / 4) / (now() - start)
}
close(raw)
let one = try measure("1 writer, acknowledged assignments/s", runs: runs) { try durableWrites(threads: 1, total: writesPerRun, store: store, account: account, agentCount: agentCount, poolSize: poolSize) }
let sixteen = try measure("16 writers, acknowledged assignments/s", runs: runs) { try durableWrites(threads: 16, total: writesPerRun, store: store, account: account, agentCount: agentCount, poolSize: poolSize) }
try store.close()
print(String(format: "  1 writer = %.2f× the raw fsync loop; 16 writers = %.1f× 1 writer (group commit)", one.median / rawRate.median, sixteen.median / one.median))
print("  goal: at least 5,000/s with 16 writers: \(sixteen.median >= 5000 ? "PASS" : "FAIL") (median \(Int(sixteen.median))/s)")
