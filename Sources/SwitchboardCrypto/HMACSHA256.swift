import COpenSSL

/// HMAC-SHA256 (RFC 2104) computed incrementally, with no allocation: the key is absorbed into an
/// inner and an outer SHA-256 state once, the message is fed in as many pieces as it comes in (a
/// body, then a timestamp, with no concatenated copy), and `finalize` closes both.
///
/// Why not OpenSSL's one-shot `HMAC()`: in OpenSSL 3 it fetches the digest and builds and frees an
/// EVP context on every call, which costs more than hashing a webhook body. The SHA-256 state here
/// is a plain C struct, so a value of this type is copyable and needs no cleanup.
public struct HMACSHA256 {
    private static let blockSize = 64
    private var inner = SHA256_CTX()
    private var outer = SHA256_CTX()

    public init(key: some Collection<UInt8>) {
        let bytes = Array(key)
        self.init(key: bytes)
    }

    /// The key as a string's UTF-8 (an API key, a webhook secret): no copy of it is made.
    public init(key: String) {
        var key = key
        self = key.withUTF8 { HMACSHA256(key: UnsafeRawBufferPointer($0)) }
    }

    public init(key: [UInt8]) {
        self = key.withUnsafeBytes { HMACSHA256(key: $0) }
    }

    public init(key: UnsafeRawBufferPointer) {
        // Keys longer than a block are hashed first (RFC 2104 §2).
        let long = key.count > HMACSHA256.blockSize ? Crypto.sha256(key) : nil
        SHA256_Init(&inner)
        SHA256_Init(&outer)
        // The padded key blocks live on the stack: no allocation per MAC.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * HMACSHA256.blockSize) { pads in
            pads.initialize(repeating: 0)
            if let long {
                for (index, byte) in long.enumerated() { pads[index] = byte }
            } else {
                for index in 0..<key.count { pads[index] = key[index] }
            }
            for index in 0..<HMACSHA256.blockSize {
                let byte = pads[index]
                pads[index] = byte ^ 0x36
                pads[HMACSHA256.blockSize + index] = byte ^ 0x5c
            }
            SHA256_Update(&inner, pads.baseAddress, HMACSHA256.blockSize)
            SHA256_Update(&outer, pads.baseAddress! + HMACSHA256.blockSize, HMACSHA256.blockSize)
        }
    }

    /// Feeds the next piece of the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        SHA256_Update(&inner, base, bytes.count)
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// Writes the 32-byte MAC of everything fed so far to `mac` (no allocation).
    public mutating func finalize(into mac: UnsafeMutablePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { innerDigest in
            SHA256_Final(innerDigest.baseAddress, &inner)
            SHA256_Update(&outer, innerDigest.baseAddress, 32)
        }
        SHA256_Final(mac, &outer)
    }

    /// The 32-byte MAC of everything fed so far.
    public mutating func finalize() -> [UInt8] {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { innerDigest in
            SHA256_Final(innerDigest.baseAddress, &inner)
            SHA256_Update(&outer, innerDigest.baseAddress, 32)
        }
        return [UInt8](unsafeUninitializedCapacity: 32) { mac, count in
            SHA256_Final(mac.baseAddress, &outer)
            count = 32
        }
    }
}
