import Foundation
import SwitchboardCore

@testable import SwitchboardServer

/// Collects one router's log lines in memory: give `log` to `RouterService.Options.log`. Each
/// router gets its own capture, so no test changes a setting another test reads.
final class LogCapture: Sendable {
    /// Every chunk the sink received, in order (each should be exactly one line).
    private let chunks = Locked<[[UInt8]]>([])

    var log: Log { Log(sink: { [chunks] line in chunks.withLock { $0.append(line) } }) }

    /// Everything written, as text.
    var text: String { String(decoding: chunks.withLock { $0 }.joined(), as: UTF8.self) }

    var chunkList: [[UInt8]] { chunks.withLock { $0 } }

    /// The lines parsed as JSON objects (a line that is not one is left out: see `chunkList`).
    var events: [[String: Any]] {
        chunkList.compactMap { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] }
    }

    /// The lines whose `event` is `name`.
    func events(_ name: String) -> [[String: Any]] { events.filter { $0["event"] as? String == name } }

    /// Waits (bounded) until `condition` holds for the events so far.
    @discardableResult
    func wait(seconds: Double = 5, until condition: ([[String: Any]]) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition(events) { return true }
            usleep(10_000)
        }
        return condition(events)
    }
}
