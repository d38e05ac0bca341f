import Foundation
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardStore

#if canImport(Glibc)
import Glibc
#endif

/// A child process making acknowledged changes (creations, assignments, moves, unassignments,
/// status changes) from several threads is killed with SIGKILL at random moments, many rounds.
/// After each kill the recovered state must equal a plain-dictionary model of the acknowledged
/// changes (each thread's one change in flight may or may not be there), and the index must agree
/// with the directory's records. The child's protocol is described in Tests/StoreCrashWriter.
@Suite struct CrashTests {
    /// The `StoreCrashWriter` executable, built beside the test bundle.
    static var writerPath: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidate = bundle.appendingPathComponent("StoreCrashWriter").path
        if !FileManager.default.isExecutableFile(atPath: candidate) {
            // `swift test` may run the bundle from inside an .xctest directory.
            candidate = bundle.deletingLastPathComponent().appendingPathComponent("StoreCrashWriter").path
        }
        return candidate
    }

    /// One thread's part of the state, as plain dictionaries: number → agent id ("" for none), and
    /// agent id → status. An agent's number is the inverse of `numbers`.
    struct Model: Equatable, CustomStringConvertible {
        var numbers: [UInt64: String] = [:]
        var agents: [String: Status] = [:]

        /// What the numbers of a move or release did, for the coverage counts.
        struct Effect {
            var moved = false
            var released = false
        }

        /// Applies one change as SPEC §2 states it; nil when the line is not a change this model knows.
        @discardableResult
        mutating func apply(_ op: [Substring]) -> Effect? {
            var effect = Effect()
            switch (op.first, op.count) {
            case ("agent", 2): agents[String(op[1])] = .active
            case ("number", 2):
                guard let key = UInt64(op[1]) else { return nil }
                numbers[key] = ""
            case ("assign", 3), ("give", 3):
                let (agent, numberText) = op[0] == "assign" ? (String(op[2]), op[1]) : (String(op[1]), op[2])
                guard let key = UInt64(numberText), let holder = numbers[key], agents[agent] != nil else { return nil }
                guard holder != agent else { return effect }
                effect.moved = !holder.isEmpty
                for (other, owner) in numbers where owner == agent {  // rule 2: its old number returns to the pool
                    numbers[other] = ""
                    effect.released = true
                }
                numbers[key] = agent
            case ("unassign", 2):
                guard let key = UInt64(op[1]), numbers[key] != nil else { return nil }
                numbers[key] = ""
            case ("drop", 2):
                for (other, owner) in numbers where owner == op[1] { numbers[other] = "" }
            case ("status", 3):
                guard agents[String(op[1])] != nil, let status = Status(name: op[2]) else { return nil }
                agents[String(op[1])] = status
            default:
                return nil
            }
            return effect
        }

        /// The keys this model and `op` (a creation, say) speak of.
        func keys(with op: [Substring]?) -> (numbers: Set<UInt64>, agents: Set<String>) {
            var numbers = Set(self.numbers.keys)
            var agents = Set(self.agents.keys)
            if let op, op.count == 2, op[0] == "number", let key = UInt64(op[1]) { numbers.insert(key) }
            if let op, op.count == 2, op[0] == "agent" { agents.insert(String(op[1])) }
            return (numbers, agents)
        }

        func restricted(to keys: (numbers: Set<UInt64>, agents: Set<String>)) -> Model {
            Model(numbers: numbers.filter { keys.numbers.contains($0.key) }, agents: agents.filter { keys.agents.contains($0.key) })
        }

        var description: String {
            let numberText = numbers.sorted { $0.key < $1.key }.map { "\($0.key)→\($0.value.isEmpty ? "-" : $0.value)" }
            let agentText = agents.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.name)" }
            return "numbers [\(numberText.joined(separator: " "))] agents [\(agentText.joined(separator: " "))]"
        }
    }

    /// The model of a recovered directory (account acme).
    static func model(of image: DirectoryImage) -> Model {
        var model = Model()
        for number in image.numbers { model.numbers[number.spec.number.key] = number.spec.agentID?.value ?? "" }
        for agent in image.agents { model.agents[agent.id.value] = agent.status }
        return model
    }

    /// Where the hot path's reads disagree with `model` (the recovered records): inbound routing of
    /// every number, outbound caller ID of every agent, and the index's sizes.
    static func indexDisagreements(_ directory: Directory, _ model: Model) -> [String] {
        var problems: [String] = []
        guard let slot = directory.index.accountSlot("acme") else {
            // Killed before its first change was durable (a loaded machine, a short while): then
            // there is nothing to find, and that is right.
            if model.numbers.isEmpty && model.agents.isEmpty && directory.index.numberCount == 0 && directory.index.agentCount == 0 { return [] }
            return ["account acme is not in the index"]
        }
        if directory.index.numberCount != model.numbers.count { problems.append("index holds \(directory.index.numberCount) numbers, the records \(model.numbers.count)") }
        if directory.index.agentCount != model.agents.count { problems.append("index holds \(directory.index.agentCount) agents, the records \(model.agents.count)") }
        for (key, agent) in model.numbers {
            let decision = directory.index.inbound(E164(key: key)!, account: slot, provider: .retell)
            switch (decision, agent.isEmpty, model.agents[agent]) {
            case (.refused(.unassigned), true, _), (.refused(.agentInactive), false, .inactive?): continue
            case (.routed(let record), false, .active?) where record.id.value == agent: continue
            default: problems.append("inbound \(key): \(decision), records say agent '\(agent)'")
            }
        }
        for agent in model.agents.keys {
            let number = model.numbers.first { $0.value == agent }?.key
            let decision = directory.index.callerID(account: slot, agentID: agent)
            switch (decision, number) {
            case (.refused(.noCallerID), nil): continue
            case (.chosen(let chosen, .assigned, _), let number?) where chosen.key == number: continue
            default: problems.append("caller ID of \(agent): \(decision), records say \(number.map(String.init) ?? "none")")
            }
        }
        return problems
    }

    @Test func sigkillDuringReassignments_recoversExactlyTheAcknowledgedChanges() throws {
        let temp = TemporaryDirectory("crash")
        defer { temp.remove() }
        #expect(FileManager.default.isExecutableFile(atPath: CrashTests.writerPath), "\(CrashTests.writerPath)")
        let threads = 3
        var models = [Model](repeating: Model(), count: threads)
        var acknowledged = 0
        var moves = 0
        var releases = 0
        var inFlightFound = 0
        var snapshotRecoveries = 0
        var random = SystemRandomNumberGenerator()
        let rounds = 30
        let started = ContinuousClock.now
        for round in 0..<rounds {
            let seed = UInt64.random(in: 0...UInt64.max, using: &random)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CrashTests.writerPath)
            process.arguments = [temp.path, String(threads), String(seed)]
            let pipe = Pipe()
            process.standardOutput = pipe
            // Read while the child writes, so it never blocks on a full pipe.
            let output = Mutex<Data?>(nil)
            let reader = Thread { [handle = pipe.fileHandleForReading] in
                let data = handle.readDataToEndOfFile()
                output.withLock { $0 = data }
            }
            try process.run()
            reader.start()
            // Let it write for a random while (bounded), then kill it without warning.
            usleep(UInt32.random(in: 20_000...200_000, using: &random))
            // On a slow machine the random whiles may all end before the journal reaches the
            // compaction threshold; the last rounds then wait (bounded) for a snapshot, so the
            // test always covers recovery after compaction, whatever the fsync speed.
            if round >= rounds - 3 {
                let deadline = Date().addingTimeInterval(10)
                while !temp.files().contains(where: { $0.hasSuffix(".snap") }) && Date() < deadline { usleep(10_000) }
                usleep(UInt32.random(in: 0...50_000, using: &random))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let readDeadline = Date().addingTimeInterval(10)
            while output.withLock({ $0 }) == nil && Date() < readDeadline { usleep(1_000) }
            let text = String(decoding: try #require(output.withLock { $0 }, "the child's output was not read"), as: UTF8.self)
            let context = "round \(round), seed \(seed)"
            #expect(
                process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
                "\(context): the child died on its own: \(text.split(separator: "\n").filter { $0.hasPrefix("error") })")

            // Every acknowledged change goes into the model; the last announced one per thread
            // without its acknowledgement was in flight.
            var inFlight = [[Substring]?](repeating: nil, count: threads)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                guard words.count >= 3, let thread = Int(words[1]), thread < threads else { continue }
                let op = Array(words[2...])
                if words[0] == "try" {
                    inFlight[thread] = op
                } else if words[0] == "ok" {
                    #expect(inFlight[thread] == op, "\(context): thread \(thread) acknowledged \(op) but announced \(inFlight[thread] ?? [])")
                    inFlight[thread] = nil
                    let effect = models[thread].apply(op)
                    #expect(effect != nil, "\(context): unknown change \(op)")
                    if effect?.moved == true { moves += 1 }
                    if effect?.released == true { releases += 1 }
                    acknowledged += 1
                }
            }

            let (store, report) = try Store.open(at: temp.path)
            let directory = store.directory
            if report.snapshot != nil { snapshotRecoveries += 1 }
            let recovered = CrashTests.model(of: directory.image())
            var covered: (numbers: Set<UInt64>, agents: Set<String>) = ([], [])
            for thread in 0..<threads {
                let keys = models[thread].keys(with: inFlight[thread])
                covered.numbers.formUnion(keys.numbers)
                covered.agents.formUnion(keys.agents)
                let mine = recovered.restricted(to: keys)
                if mine == models[thread] { continue }
                // Not without the change in flight: then it must be exactly the state with it.
                var withInFlight = models[thread]
                if let op = inFlight[thread], withInFlight.apply(op) != nil, mine == withInFlight {
                    models[thread] = withInFlight
                    inFlightFound += 1
                    continue
                }
                Issue.record(
                    "\(context), thread \(thread): recovered \(mine)\nacknowledged \(models[thread])\nin flight \(inFlight[thread] ?? []) (\(report))")
                models[thread] = mine  // go on from the truth, so one failure does not cascade
            }
            // Nothing appeared that no thread made or had in flight, and nothing is there but what
            // the threads' states (each resolved above: with its in-flight change or without) hold.
            // Not `covered` itself: a creation in flight that never reached the disk is in
            // `covered` and rightly not recovered.
            #expect(Set(recovered.numbers.keys).isSubset(of: covered.numbers), "\(context): numbers nobody made")
            #expect(Set(recovered.agents.keys).isSubset(of: covered.agents), "\(context): agents nobody made")
            let resolved = models.reduce(into: (numbers: Set<UInt64>(), agents: Set<String>())) { keys, model in
                let own = model.keys(with: nil)
                keys.numbers.formUnion(own.numbers)
                keys.agents.formUnion(own.agents)
            }
            #expect(Set(recovered.numbers.keys) == resolved.numbers, "\(context): numbers lost or made")
            #expect(Set(recovered.agents.keys) == resolved.agents, "\(context): agents lost or made")
            #expect(directory.invariantViolations() == [], "\(context)")
            #expect(CrashTests.indexDisagreements(directory, recovered) == [], "\(context)")
            // The recovered state equals a replay of the same files from an empty directory, and the
            // torn tail, if any, was cut by the first open.
            let image = directory.image()
            try store.close()
            let (again, againReport) = try Store.read(at: temp.path)
            #expect(again.image() == image, "\(context)")
            #expect(againReport.tail == nil, "\(context): the torn tail was cut on the first open")
        }
        let elapsed = ContinuousClock.now - started
        print("crash test: \(rounds) rounds, \(acknowledged) acknowledged changes, \(moves) moves, \(releases) releases, "
            + "\(inFlightFound) changes in flight found applied, \(snapshotRecoveries) recoveries from a snapshot, \(elapsed)")
        #expect(acknowledged > rounds * 10, "the child made progress")
        #expect(moves > 0 && releases > 0, "the child moved numbers between agents and released agents' old numbers")
        #expect(snapshotRecoveries > 0 && temp.files().contains { $0.hasSuffix(".snap") }, "the child compacted between kills")
    }
}
