import COpenSSL

/// The few cryptographic operations Switchboard needs, through OpenSSL (libcrypto): token hashes,
/// random tokens, webhook signatures (HMAC-SHA256) and constant-time comparison.
public enum Crypto {
    /// Initialises libcrypto without its exit-time cleanup: that cleanup frees global state while
    /// worker threads may still hold it, which crashed the process at exit after a graceful stop.
    /// The kernel reclaims everything at exit anyway. Called before the first use.
    public static let initialize: Void = {
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
    }()

    /// SHA-256 of `bytes` as 64 lower-case hex digits.
    public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
        hex(sha256(bytes))
    }

    /// HMAC-SHA256 (RFC 2104) of `message` under `key`: 32 bytes.
    public static func hmacSHA256(key: some Collection<UInt8>, message: some Sequence<UInt8>) -> [UInt8] {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// SHA-256 of `bytes`: 32 bytes.
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        _ = initialize
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let input = Array(bytes)
        input.withUnsafeBufferPointer { buffer in
            _ = SHA256(buffer.baseAddress, buffer.count, &digest)
        }
        return digest
    }

    /// HMAC-SHA256 as 64 lower-case hex digits (the providers' signature format).
    public static func hmacSHA256Hex(key: some Collection<UInt8>, message: some Sequence<UInt8>) -> String {
        hex(hmacSHA256(key: key, message: message))
    }

    /// `count` random bytes from OpenSSL's CSPRNG, as hex.
    public static func randomHex(bytes count: Int) -> String {
        _ = initialize
        var buffer = [UInt8](repeating: 0, count: count)
        let result = RAND_bytes(&buffer, Int32(count))
        precondition(result == 1, "RAND_bytes failed: no randomness for tokens")
        return hex(buffer)
    }

    /// Compares in time that depends only on the lengths, never on where the bytes differ.
    public static func constantTimeEqual(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        let left = Array(lhs)
        let right = Array(rhs)
        guard left.count == right.count else { return false }
        return left.withUnsafeBytes { a in right.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 } }
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
