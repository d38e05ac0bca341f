// A child process for the crash test (Tests/SwitchboardStoreTests/CrashTests.swift): several
// threads make acknowledged changes to a store until the parent kills it with SIGKILL.
//
// Each thread owns its own agents (`t<thread>-a<i>`) and numbers (1 555 000 0000 + 100·thread + j),
// so the threads' changes commute and each thread is one sequence the parent can model on its own.
// A thread first creates whichever of its agents and numbers are missing (they survive from earlier
// rounds), then loops over a random mix of:
//
//   assign N A   number N to agent A (moves it if another agent had it; A's old number returns to
//                the pool)
//   give A N     the agent editor's way to the same: putAgent(A, phone: N)
//   unassign N   number N back to the pool
//   drop A       putAgent(A, phone: null): A's number back to the pool
//   status A S   agent A active or inactive
//
// Output, one line per write(2) so threads never interleave: `try T OP` before a change is started,
// and `ok T OP` only after it returned, that is after it is durable (acknowledged). So the parent
// knows every acknowledged change, and for each thread the one change that may have been in flight
// when the kill came. Any error is printed (`error T OP: …`) and exits 3: the parent expects death by
// SIGKILL only.
//
// Usage: StoreCrashWriter DATA-DIR THREADS SEED
import Foundation
import SwitchboardCore
import SwitchboardStore

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 4, let threads = Int(arguments[2]), let seed = UInt64(arguments[3]) else {
    print("usage: StoreCrashWriter DATA-DIR THREADS SEED")
    exit(2)
}
let options = StoreOptions(compactAfterBytes: 32 << 10)  // compact often, so kills land mid-compaction too
let (store, _) = try Store.open(at: arguments[1], options: options)
let directory = store.directory
let account = try Identifier("acme")
if directory.account(account) == nil { _ = try directory.createAccount(id: account, name: "Acme") }

/// Writes the line with one write(2), so lines from threads never interleave; stdout is a pipe and
/// nothing is buffered in this process.
@Sendable func say(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    bytes.withUnsafeMutableBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                exit(4)
            }
            offset += written
        }
    }
}

/// SplitMix64: a small seeded generator, so a failing run can be replayed from its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Sendable func spec(_ agent: String, status: Status) -> AgentSpec {
    AgentSpec(account: account, id: try! Identifier(agent), name: "Agent \(agent)", provider: .retell, providerAgentID: "p-\(agent)", status: status)
}

/// Runs one change for `thread`, announced before and acknowledged after.
@Sendable func run(_ thread: Int, _ op: String, _ body: () throws -> Void) {
    say("try \(thread) \(op)")
    do {
        try body()
    } catch {
        say("error \(thread) \(op): \(error)")
        exit(3)
    }
    say("ok \(thread) \(op)")
}

let agentsPerThread = 5
let numbersPerThread = 7

for thread in 0..<threads {
    Thread.detachNewThread {
        var random = SplitMix(state: seed &+ UInt64(thread) &* 0x1000_0000_0000_0001)
        let agents = (0..<agentsPerThread).map { "t\(thread)-a\($0)" }
        let numbers = (0..<numbersPerThread).map { E164(key: 1_555_000_0000 + 100 * UInt64(thread) + UInt64($0))! }
        for agent in agents where directory.agent(account: account, id: try! Identifier(agent)) == nil {
            run(thread, "agent \(agent)") { try directory.putAgent(spec(agent, status: .active)) }
        }
        for number in numbers where directory.number(account: account, number: number) == nil {
            run(thread, "number \(number.key)") {
                try directory.putNumber(
                    NumberSpec(account: account, number: number, provider: .retell, providerNumberID: "n\(number.key)", status: .active, agentID: nil))
            }
        }
        while true {
            let agent = agents.randomElement(using: &random)!
            let number = numbers.randomElement(using: &random)!
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<45:
                run(thread, "assign \(number.key) \(agent)") {
                    try directory.assign(account: account, number: number, agent: try Identifier(agent))
                }
            case 45..<60:
                let status = directory.agent(account: account, id: try! Identifier(agent))!.spec.status
                run(thread, "give \(agent) \(number.key)") { try directory.putAgent(spec(agent, status: status), phone: .assign(number)) }
            case 60..<75:
                run(thread, "unassign \(number.key)") { try directory.unassign(account: account, number: number) }
            case 75..<85:
                let status = directory.agent(account: account, id: try! Identifier(agent))!.spec.status
                run(thread, "drop \(agent)") { try directory.putAgent(spec(agent, status: status), phone: .unassign) }
            default:
                let flipped: Status = directory.agent(account: account, id: try! Identifier(agent))!.spec.status == .active ? .inactive : .active
                run(thread, "status \(agent) \(flipped.name)") { try directory.putAgent(spec(agent, status: flipped), phone: .keep) }
            }
        }
    }
}
while true { sleep(60) }  // until SIGKILL
