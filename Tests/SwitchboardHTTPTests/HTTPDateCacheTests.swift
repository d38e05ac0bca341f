import SwitchboardHTTP
import Synchronization
import Testing

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    let now: Atomic<Int64>

    init(_ start: Int64) {
        now = Atomic(start)
    }

    func advance(by seconds: Int64) {
        now.add(seconds, ordering: .relaxed)
    }

    var clock: HTTPDateCache.Clock {
        { [self] in now.load(ordering: .relaxed) }
    }
}

struct HTTPDateCacheTests {
    private func address(_ bytes: [UInt8]) -> UnsafeRawPointer? {
        bytes.withUnsafeBytes { $0.baseAddress }
    }

    @Test(arguments: [
        (Int64(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (946_684_799, "Fri, 31 Dec 1999 23:59:59 GMT"),
        (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
        (1_795_608_000, "Wed, 25 Nov 2026 12:00:00 GMT"),
    ])
    func imfFixdate_knownInstants_formatted(seconds: Int64, expected: String) {
        #expect(IMFFixdate.string(epochSeconds: seconds) == expected)
        #expect(IMFFixdate.format(epochSeconds: seconds).count == 29)
    }

    @Test func imfFixdate_outOfRange_clamped() {
        #expect(IMFFixdate.string(epochSeconds: -5) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(IMFFixdate.string(epochSeconds: .max) == "Fri, 31 Dec 9999 23:59:59 GMT")
    }

    @Test func dateCache_sameSecond_returnsSameCachedBytes() {
        let clock = ManualClock(784_111_777)
        let cache = HTTPDateCache(clock: clock.clock)
        let first = cache.current()
        let second = cache.current()
        #expect(first == Array("Sun, 06 Nov 1994 08:49:37 GMT".utf8))
        #expect(second == first)
        // The same storage: the second call reused the formatted array instead of formatting again.
        #expect(address(second) == address(first))
    }

    @Test func dateCache_nextSecond_reformats() {
        let clock = ManualClock(784_111_777)
        let cache = HTTPDateCache(clock: clock.clock)
        let first = cache.current()
        clock.advance(by: 1)
        let next = cache.current()
        #expect(cache.currentString() == "Sun, 06 Nov 1994 08:49:38 GMT")
        #expect(next != first)
        #expect(address(cache.current()) == address(next))
    }

    @Test func dateCache_clockGoingBackwards_reformats() {
        let clock = ManualClock(784_111_777)
        let cache = HTTPDateCache(clock: clock.clock)
        _ = cache.current()
        clock.advance(by: -60)
        #expect(cache.currentString() == "Sun, 06 Nov 1994 08:48:37 GMT")
    }

    @Test func dateCache_systemClock_isNearNow() {
        // Any date after this code was written and before 2100 is plausible for the real clock.
        let now = HTTPDateCache.systemClock()
        #expect(now > 1_700_000_000 && now < 4_102_444_800)
        #expect(HTTPDateCache().currentString().hasSuffix(" GMT"))
    }

    @Test func dateCache_concurrentReaders_allSeeValidDates() async {
        let clock = ManualClock(1_000_000_000)
        let cache = HTTPDateCache(clock: clock.clock)
        let valid: Set<String> = Set((0...200).map { IMFFixdate.string(epochSeconds: 1_000_000_000 + Int64($0)) })
        let results = await withTaskGroup(of: [String].self) { group in
            for task in 0..<8 {
                group.addTask {
                    (0..<100).map { step in
                        if task == 0 && step % 2 == 0 { clock.advance(by: 1) }
                        return cache.currentString()
                    }
                }
            }
            return await group.reduce(into: []) { $0.append(contentsOf: $1) }
        }
        #expect(results.count == 800)
        #expect(results.allSatisfy(valid.contains))
    }
}
