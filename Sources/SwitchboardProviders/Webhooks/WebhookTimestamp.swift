/// A signed timestamp's tolerance against replays (providers.md: 5 minutes either way).
public enum WebhookTimestamp {
    public static let toleranceMillis: Int64 = 5 * 60 * 1000

    /// Decimal milliseconds: 1 to 15 digits, nothing else.
    static func parseMillis(_ utf8: Substring.UTF8View, header: StaticString) throws(WebhookError) -> Int64 {
        try parseMillis(digits: utf8, header: header)
    }

    static func parseMillis(_ bytes: UnsafeBufferPointer<UInt8>, header: StaticString) throws(WebhookError) -> Int64 {
        try parseMillis(digits: bytes, header: header)
    }

    private static func parseMillis(digits: some Collection<UInt8>, header: StaticString) throws(WebhookError) -> Int64 {
        guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy(JSONScan.isDigit) else {
            throw .malformedCredentials(header: header.description, problem: "the timestamp must be the Unix time in milliseconds (decimal digits)")
        }
        return digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
    }

    /// Refuses a timestamp more than the tolerance away from `nowMillis`, in either direction.
    static func check(_ millis: Int64, nowMillis: Int64, header: StaticString) throws(WebhookError) {
        let skew = millis > nowMillis ? millis - nowMillis : nowMillis - millis
        guard skew <= toleranceMillis else {
            throw .timestampOutOfTolerance(header: header.description, skewSeconds: skew / 1000)
        }
    }
}
