// A child process for the crash test (Tests/SwitchboardStoreTests/CrashTests.swift): performs
// acknowledged writes on a store from several threads and prints "ack <n>" for each one, after it
// is durable, until the parent kills it with SIGKILL.
//
// Usage: StoreCrashWriter DATA-DIR FIRST-N THREADS
import Foundation
import SwitchboardCore
import SwitchboardStore

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 4, let first = Int(arguments[2]), let threads = Int(arguments[3]) else {
    print("usage: StoreCrashWriter DATA-DIR FIRST-N THREADS")
    exit(2)
}
let options = StoreOptions(compactAfterBytes: 32 << 10)  // compact often, so kills land mid-compaction too
let (store, _) = try Store.open(at: arguments[1], options: options)
let account = try Identifier("acme")
if store.directory.account(account) == nil { _ = try store.directory.createAccount(id: account, name: "Acme") }

/// Writes the line with one write(2), so lines from threads never interleave.
@Sendable func say(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    bytes.withUnsafeMutableBytes { buffer in _ = Glibc.write(1, buffer.baseAddress, buffer.count) }
}

let group = DispatchGroup()
for thread in 0..<threads {
    group.enter()
    Thread.detachNewThread {
        var n = first + thread
        while true {
            // Each step: an agent, then a number born assigned to it, then (every third) a move of
            // the previous step's number to this agent. "ack n" once all of it is durable.
            let agent = try! Identifier("w\(n)")
            try! store.directory.putAgent(AgentSpec(account: account, id: agent, name: "W \(n)", provider: .retell, providerAgentID: "p\(n)", status: .active))
            let number = E164(key: 1_555_000_0000 + UInt64(n))!
            try! store.directory.putNumber(
                NumberSpec(account: account, number: number, provider: .retell, providerNumberID: "n\(n)", status: .active, agentID: agent)
            )
            say("ack \(n)")
            n += threads
        }
    }
}
group.wait()
