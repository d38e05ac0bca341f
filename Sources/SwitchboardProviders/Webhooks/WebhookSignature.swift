import SwitchboardCrypto

/// The checks behind every provider's webhook authentication: an HMAC-SHA256 hex digest, a shared
/// secret, and a signed timestamp. All secret comparisons run in constant time
/// (`Crypto.constantTimeEqual`), so response timing says nothing about how close a guess was.
enum WebhookSignature {
    /// Refuses unless `hexDigest` is the HMAC-SHA256 of `message` under `key`. Hex is accepted in
    /// either case: it is decoded to the 32 bytes and the bytes are compared.
    static func verifyHMAC(
        hexDigest: Substring.UTF8View, key: String, message: [UInt8], header: StaticString
    ) throws(WebhookError) {
        try verifyHMAC(hexDigest: hexDigest, key: key, header: header) { $0.update(message) }
    }

    /// As above, the message fed in pieces by `feed` (a body, then a timestamp: no joined copy).
    static func verifyHMAC(
        hexDigest: Substring.UTF8View, key: String, header: StaticString, feed: (inout HMACSHA256) -> Void
    ) throws(WebhookError) {
        guard let presented = decodeDigest(hexDigest) else {
            throw .malformedCredentials(header: header.description, problem: "the signature must be 64 hex digits (HMAC-SHA256)")
        }
        var mac = HMACSHA256(key: key)
        feed(&mac)
        let expected = mac.finalize()
        guard Crypto.constantTimeEqual(presented, expected) else { throw .credentialMismatch(header: header.description) }
    }

    /// Refuses unless `presented` equals `secret`. Both sides are hashed first so that the
    /// comparison also takes the same time whatever the presented length.
    static func verifySecret(_ presented: Substring, secret: String, header: StaticString) throws(WebhookError) {
        let left = Crypto.hmacSHA256(key: secretComparisonKey, message: presented.utf8)
        let right = Crypto.hmacSHA256(key: secretComparisonKey, message: secret.utf8)
        guard Crypto.constantTimeEqual(left, right) else { throw .credentialMismatch(header: header.description) }
    }

    /// Any fixed key works: HMAC here only makes the two sides equal-length and unguessable to compare.
    private static let secretComparisonKey: [UInt8] = Array("switchboard secret comparison".utf8)

    /// 64 hex digits as 32 bytes; nil for anything else.
    static func decodeDigest(_ hex: Substring.UTF8View) -> [UInt8]? {
        hex.withContiguousStorageIfAvailable(decodeDigest) ?? decodeDigest(Array(hex).withUnsafeBufferPointer { Array($0) })
    }

    private static func decodeDigest(_ digits: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard digits.count == 64 else { return nil }
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            for position in 0..<32 {
                guard let high = JSONScan.hexValue(digits[2 * position]), let low = JSONScan.hexValue(digits[2 * position + 1]) else {
                    valid = false
                    break
                }
                buffer[position] = high << 4 | low
            }
            count = valid ? 32 : 0
        }
        return valid ? out : nil
    }

    private static func decodeDigest(_ digits: [UInt8]) -> [UInt8]? {
        digits.withUnsafeBufferPointer(decodeDigest)
    }
}
