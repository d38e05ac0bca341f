@testable import SwitchboardStore
import Testing

@Suite struct CRC32CTests {
    @Test func checksum_checkString() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    // The three 32-byte vectors are from RFC 3720 §B.4 (iSCSI).
    @Test func checksum_thirtyTwoZeros() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    }

    @Test func checksum_thirtyTwoOnes() {
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    }

    @Test func checksum_incrementingBytes() {
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func checksum_emptyIsInitial() {
        #expect(CRC32C.checksum([]) == 0)
        #expect(CRC32C.checksum([], initial: 0x1234_5678) == 0x1234_5678)
    }

    @Test func checksum_chainsAtEverySplitPoint() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let whole = CRC32C.checksum(bytes)
        for split in 0...bytes.count {
            let first = CRC32C.checksum(Array(bytes[..<split]))
            #expect(CRC32C.checksum(Array(bytes[split...]), initial: first) == whole, "split at \(split)")
        }
    }

    @Test func checksum_sliceByEightMatchesBytewiseAtEveryLengthAndAlignment() {
        let bytes = (0..<80).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        for start in 0..<8 {
            for end in start...bytes.count {
                let slice = Array(bytes[start..<end])
                #expect(CRC32C.checksum(slice) == bytewise(slice), "bytes \(start)..<\(end)")
            }
        }
    }

    /// The textbook bit-at-a-time definition, as the model.
    private func bytewise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    /// The hardware path (SSE4.2, when the CPU has it) and the portable one agree on every length
    /// around the 8-byte steps, at every alignment, chained from any initial value.
    @Test func hardwareAndSoftware_agree() {
        #if arch(x86_64)
            #expect(CRC32C.hardware, "an x86-64 CPU without SSE4.2: only the portable path is compared with itself")
        #endif
        var state: UInt64 = 0x5EED
        let bytes = (0..<4099).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        bytes.withUnsafeBytes { all in
            for start in 0..<9 {
                for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4090] {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    for initial: UInt32 in [0, 0xDEAD_BEEF] {
                        #expect(CRC32C.checksum(slice, initial: initial) == CRC32C.softwareChecksum(slice, initial: initial), "start \(start) length \(length)")
                    }
                }
            }
        }
    }
}
