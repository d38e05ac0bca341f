/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, seedable generator. The data set and every
/// random choice of the harness come from it, so the same (size, seed) gives the same numbers,
/// agents, secrets and request order on every machine and every Swift version (the standard
/// library's generator is neither seedable nor stable across releases).
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The output function alone: a well-mixed 64-bit value from any input, for values derived
    /// from (seed, index) without walking a sequence.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0 ..< bound` (Lemire's multiply-shift; the bias is below 2^-32 for the
    /// bounds used here, and determinism matters more than the last bit of uniformity).
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(((next() >> 32) &* UInt64(bound)) >> 32)
    }

    /// A uniform double in [0, 1).
    @inline(__always)
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
