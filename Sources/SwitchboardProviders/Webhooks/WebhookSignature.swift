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
        let contiguous: Result<Void, WebhookError>? = hexDigest.withContiguousStorageIfAvailable { digits in
            Result { () throws(WebhookError) in try verifyHMAC(hexDigest: digits, key: key, header: header, feed: feed) }
        }
        if let contiguous { return try contiguous.get() }
        try Array(hexDigest).withUnsafeBufferPointer { digits throws(WebhookError) in try verifyHMAC(hexDigest: digits, key: key, header: header, feed: feed) }
    }

    /// The hex digest as bytes. Allocation-free: the MAC stays on the stack and the hex is compared
    /// to it as it is decoded.
    static func verifyHMAC(
        hexDigest: UnsafeBufferPointer<UInt8>, key: String, header: StaticString, feed: (inout HMACSHA256) -> Void
    ) throws(WebhookError) {
        var mac = HMACSHA256(key: key)
        feed(&mac)
        let check = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { expected in
            mac.finalize(into: expected.baseAddress!)
            return compare(hex: hexDigest, with: UnsafeBufferPointer(expected))
        }
        switch check {
        case .match: return
        case .mismatch: throw .credentialMismatch(header: header.description)
        case .malformed: throw .malformedCredentials(header: header.description, problem: "the signature must be 64 hex digits (HMAC-SHA256)")
        }
    }

    enum DigestCheck: Equatable {
        case match, mismatch
        /// Not 64 hex digits.
        case malformed
    }

    /// Compares 64 hex digits (either case) with a 32-byte MAC. Every byte is compared whatever
    /// the earlier ones held (the difference is OR-ed together), so the time says nothing about
    /// how many leading bytes of a guess were right. The hex's shape is not secret: a malformed
    /// digest may be told apart early.
    static func compare(hex digits: UnsafeBufferPointer<UInt8>, with mac: UnsafeBufferPointer<UInt8>) -> DigestCheck {
        guard digits.count == 64, mac.count == 32 else { return .malformed }
        var difference: UInt8 = 0
        var invalid: UInt8 = 0
        for position in 0..<32 {
            let high = hexValues[Int(digits[2 * position])]
            let low = hexValues[Int(digits[2 * position + 1])]
            invalid |= (high | low) & 0x10
            difference |= (high << 4 | low & 0x0F) ^ mac[position]
        }
        if invalid != 0 { return .malformed }
        return difference == 0 ? .match : .mismatch
    }

    /// A hex digit's value by byte; 0x10 marks a byte that is not a hex digit.
    private static let hexValues: [UInt8] = (0...255).map { byte in JSONScan.hexValue(UInt8(byte)) ?? 0x10 }

    /// Refuses unless `presented` equals `secret`. Both sides are hashed first so that the
    /// comparison also takes the same time whatever the presented length.
    static func verifySecret(_ presented: Substring, secret: String, header: StaticString) throws(WebhookError) {
        let left = Crypto.hmacSHA256(key: secretComparisonKey, message: presented.utf8)
        let right = Crypto.hmacSHA256(key: secretComparisonKey, message: secret.utf8)
        guard Crypto.constantTimeEqual(left, right) else { throw .credentialMismatch(header: header.description) }
    }

    /// Any fixed key works: HMAC here only makes the two sides equal-length and unguessable to compare.
    private static let secretComparisonKey: [UInt8] = Array("switchboard secret comparison".utf8)
}
