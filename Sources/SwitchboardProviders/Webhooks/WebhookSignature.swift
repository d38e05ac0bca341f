import SwitchboardCrypto

/// The checks behind every provider's webhook authentication: an HMAC-SHA256 hex digest, a shared
/// secret, and a signed timestamp. All secret comparisons run in constant time
/// (`Crypto.constantTimeEqual`), so response timing says nothing about how close a guess was.
enum WebhookSignature {
    /// Refuses unless `hexDigest` is the HMAC-SHA256 of `message` under `key`. Hex is accepted in
    /// either case: it is decoded to the 32 bytes and the bytes are compared.
    static func verifyHMAC(
        hexDigest: Substring, key: String, message: [UInt8], header: StaticString
    ) throws(WebhookError) {
        guard let presented = decodeDigest(hexDigest) else {
            throw .malformedCredentials(header: header.description, problem: "the signature must be 64 hex digits (HMAC-SHA256)")
        }
        let expected = Crypto.hmacSHA256(key: key.utf8, message: message)
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
    static func decodeDigest(_ hex: Substring) -> [UInt8]? {
        let utf8 = hex.utf8
        guard utf8.count == 64 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(32)
        var high: UInt8?
        for byte in utf8 {
            guard let value = JSONScan.hexValue(byte) else { return nil }
            if let first = high {
                out.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return out
    }
}
