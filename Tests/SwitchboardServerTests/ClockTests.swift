import Foundation
import SwitchboardCore
import SwitchboardServer
import Testing

/// `Timestamp.now` reads the system's wall clock directly: it must agree with Foundation's `Date`.
@Suite struct ClockTests {
    @Test func now_agreesWithDate() {
        let before = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let now = Timestamp.now.milliseconds
        let after = Int64((Date().timeIntervalSince1970 * 1000).rounded(.up))
        #expect(before - 1 <= now && now <= after + 1, "\(before) ≤ \(now) ≤ \(after)")
    }
}
