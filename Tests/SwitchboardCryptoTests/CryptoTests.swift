import SwitchboardCrypto
import Testing

/// HMAC-SHA256 against RFC 4231's test vectors, SHA-256 against FIPS 180-2's, and the helpers.
@Suite struct CryptoTests {
    static func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            result.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
        }
        return result
    }

    /// RFC 4231 §4.2–4.8 (test case 5, a truncated output, is left out: we never truncate).
    static let rfc4231: [(key: [UInt8], data: [UInt8], mac: String)] = [
        (Array(repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (Array(repeating: 0xaa, count: 20), Array(repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (bytes(hex: "0102030405060708090a0b0c0d0e0f10111213141516171819"), Array(repeating: 0xcd, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (Array(repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (Array(repeating: 0xaa, count: 131),
         Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: 0..<rfc4231.count)
    func hmacSHA256_rfc4231Vectors(case index: Int) {
        let vector = CryptoTests.rfc4231[index]
        #expect(Crypto.hmacSHA256Hex(key: vector.key, message: vector.data) == vector.mac)
        #expect(Crypto.hmacSHA256(key: vector.key, message: vector.data) == CryptoTests.bytes(hex: vector.mac))
    }

    @Test func hmacSHA256_emptyKeyAndMessage_matchesKnownValue() {
        // HMAC-SHA256("", ""), as computed by OpenSSL's and Python's hmac modules.
        #expect(Crypto.hmacSHA256Hex(key: [UInt8](), message: [UInt8]()) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func sha256_fipsVectors() {
        #expect(Crypto.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Crypto.sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func constantTimeEqual_comparesWholeValues() {
        #expect(Crypto.constantTimeEqual(Array("secret".utf8), Array("secret".utf8)))
        #expect(!Crypto.constantTimeEqual(Array("secret".utf8), Array("secreT".utf8)))
        #expect(!Crypto.constantTimeEqual(Array("secret".utf8), Array("secret!".utf8)))
        #expect(Crypto.constantTimeEqual([UInt8](), [UInt8]()))
    }

    @Test func randomHex_isFreshEachTime() {
        let first = Crypto.randomHex(bytes: 16)
        #expect(first.count == 32)
        #expect(first != Crypto.randomHex(bytes: 16))
    }
}

@Suite struct HMACSHA256Tests {
    @Test func incremental_anySplit_equalsOneShot() {
        let key = Array("Jefe".utf8)
        let message = Array("what do ya want for nothing?".utf8)
        let expected = Crypto.hmacSHA256(key: key, message: message)
        for cut in 0...message.count {
            var mac = HMACSHA256(key: key)
            mac.update(message[..<cut])
            mac.update(message[cut...])
            #expect(mac.finalize() == expected, "split at \(cut)")
        }
        #expect(Crypto.hex(expected) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func copy_ofAKeyedState_macsIndependently() {
        let keyed = HMACSHA256(key: Array(repeating: 0x0b, count: 20))
        var first = keyed
        var second = keyed
        first.update(Array("Hi There".utf8))
        second.update(Array("Hi There".utf8))
        #expect(first.finalize() == second.finalize())
        #expect(Crypto.hex(Crypto.hmacSHA256(key: Array(repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }
}
