public import SwitchboardCore
import SwitchboardCrypto

/// Signs webhook bodies the way each provider does (providers.md), so that the simulator, the
/// load-test harness and the tests can play the provider. The verifying side lives with each
/// adapter and is tested against this.
///
/// The schemes, in one place:
/// - Retell: `x-retell-signature: v=<unix ms>,d=<hex HMAC-SHA256(API key, body ‖ decimal ms)>`.
/// - Vapi (HMAC credential, our choice of combination): `x-vapi-signature: <hex HMAC-SHA256(secret,
///   "<timestamp>.<body>")>` with `x-vapi-timestamp: <unix ms>`, or over the body alone without a
///   timestamp. Vapi's other two schemes send the secret itself: `x-vapi-secret: <secret>` or
///   `Authorization: Bearer <secret>`.
/// - Bland: `X-Webhook-Signature: <hex HMAC-SHA256(signing secret, body)>`.
public enum WebhookSigner {
    /// How a Vapi server URL authenticates its requests.
    public enum VapiScheme: Sendable {
        case sharedSecret
        case bearer
        case hmac(timestamped: Bool)
    }

    /// The headers that authenticate `body` as sent by Retell at `unixMillis`.
    public static func retell(body: [UInt8], apiKey: String, unixMillis: Int64) -> [(name: String, value: String)] {
        let timestamp = String(unixMillis)
        let digest = Crypto.hmacSHA256Hex(key: Array(apiKey.utf8), message: body + Array(timestamp.utf8))
        return [("x-retell-signature", "v=\(timestamp),d=\(digest)")]
    }

    /// The headers that authenticate `body` as sent by Vapi with `scheme`.
    public static func vapi(body: [UInt8], secret: String, scheme: VapiScheme, unixMillis: Int64) -> [(name: String, value: String)] {
        switch scheme {
        case .sharedSecret:
            return [("x-vapi-secret", secret)]
        case .bearer:
            return [("Authorization", "Bearer \(secret)")]
        case .hmac(let timestamped):
            guard timestamped else {
                return [("x-vapi-signature", Crypto.hmacSHA256Hex(key: Array(secret.utf8), message: body))]
            }
            let timestamp = String(unixMillis)
            let digest = Crypto.hmacSHA256Hex(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + body)
            return [("x-vapi-signature", digest), ("x-vapi-timestamp", timestamp)]
        }
    }

    /// The headers that authenticate `body` as sent by Bland.
    public static func bland(body: [UInt8], secret: String) -> [(name: String, value: String)] {
        [("X-Webhook-Signature", Crypto.hmacSHA256Hex(key: Array(secret.utf8), message: body))]
    }

    /// The headers for `provider`, with each provider's usual scheme (Vapi: timestamped HMAC).
    /// `key` is the Retell API key, or the Vapi / Bland webhook secret.
    public static func sign(_ provider: Provider, body: [UInt8], key: String, unixMillis: Int64) -> [(name: String, value: String)] {
        switch provider {
        case .retell: retell(body: body, apiKey: key, unixMillis: unixMillis)
        case .vapi: vapi(body: body, secret: key, scheme: .hmac(timestamped: true), unixMillis: unixMillis)
        case .bland: bland(body: body, secret: key)
        }
    }
}
