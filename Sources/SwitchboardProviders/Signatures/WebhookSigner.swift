public import SwitchboardCore

/// Signs webhook bodies the way each provider does (providers.md), so that the simulator, the
/// load-test harness and the tests can play the provider. Each scheme lives in its adapter, beside
/// the `authenticate` that verifies it, and is tested against it:
/// - Retell: `x-retell-signature: v=<unix ms>,d=<hex HMAC-SHA256(API key, body ‖ decimal ms)>`.
/// - Vapi (HMAC credential, our choice of combination): `x-vapi-signature: <hex HMAC-SHA256(secret,
///   "<timestamp>.<body>")>` with `x-vapi-timestamp: <unix ms>`, or over the body alone without a
///   timestamp. Vapi's other two schemes send the secret itself: `x-vapi-secret: <secret>` or
///   `Authorization: Bearer <secret>`.
/// - Bland: `X-Webhook-Signature: <hex HMAC-SHA256(signing secret, body)>`.
public enum WebhookSigner {
    public typealias VapiScheme = VapiAdapter.Scheme

    /// The headers that authenticate `body` as sent by Retell at `unixMillis`.
    public static func retell(body: [UInt8], apiKey: String, unixMillis: Int64) -> [(name: String, value: String)] {
        RetellAdapter().signWebhook(body: body, key: apiKey, unixMillis: unixMillis)
    }

    /// The headers that authenticate `body` as sent by Vapi with `scheme`.
    public static func vapi(body: [UInt8], secret: String, scheme: VapiScheme, unixMillis: Int64) -> [(name: String, value: String)] {
        VapiAdapter.sign(body: body, secret: secret, scheme: scheme, unixMillis: unixMillis)
    }

    /// The headers that authenticate `body` as sent by Bland.
    public static func bland(body: [UInt8], secret: String) -> [(name: String, value: String)] {
        BlandAdapter().signWebhook(body: body, key: secret, unixMillis: 0)
    }

    /// The headers for `provider`, with each provider's usual scheme (Vapi: timestamped HMAC).
    /// `key` is the Retell API key, or the Vapi / Bland webhook secret.
    public static func sign(_ provider: Provider, body: [UInt8], key: String, unixMillis: Int64) -> [(name: String, value: String)] {
        ProviderAdapters.adapter(for: provider).signWebhook(body: body, key: key, unixMillis: unixMillis)
    }
}
