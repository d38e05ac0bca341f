import SwitchboardProviders
import Testing

/// The signer against digests computed independently (Python's hmac module) for the same inputs.
@Suite struct WebhookSignerTests {
    static let body = Array(#"{"event":"call_inbound","call_inbound":{"from_number":"+12137771234","to_number":"+12137771235"}}"#.utf8)
    static let millis: Int64 = 1_732_500_000_000

    static func headers(_ pairs: [(name: String, value: String)]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { ($0.name, $0.value) })
    }

    @Test func retell_signsBodyThenTimestamp() {
        let signed = WebhookSignerTests.headers(WebhookSigner.retell(body: WebhookSignerTests.body, apiKey: "key_retell_test", unixMillis: WebhookSignerTests.millis))
        #expect(signed == ["x-retell-signature": "v=1732500000000,d=5e043c4eb1b9dc378e4d11c319308a804db691c92a2e6428a9f67c4f5345bb5c"])
    }

    @Test func vapi_hmacWithTimestamp_signsTimestampDotBody() {
        let signed = WebhookSignerTests.headers(
            WebhookSigner.vapi(body: WebhookSignerTests.body, secret: "vapi_secret", scheme: .hmac(timestamped: true), unixMillis: WebhookSignerTests.millis))
        #expect(signed == ["x-vapi-signature": "1713b04f669660537d970d9834877eb24e6e1c09eba9a9fe758bfa36ae3e2115", "x-vapi-timestamp": "1732500000000"])
    }

    @Test func vapi_otherSchemes() {
        let body = WebhookSignerTests.body
        #expect(WebhookSignerTests.headers(WebhookSigner.vapi(body: body, secret: "vapi_secret", scheme: .hmac(timestamped: false), unixMillis: 0))
            == ["x-vapi-signature": "60ef9ac008ccb346b76c767a2f457e1e0b2052137c1b210c4994a17f3a2a0a96"])
        #expect(WebhookSignerTests.headers(WebhookSigner.vapi(body: body, secret: "s3", scheme: .sharedSecret, unixMillis: 0)) == ["x-vapi-secret": "s3"])
        #expect(WebhookSignerTests.headers(WebhookSigner.vapi(body: body, secret: "s3", scheme: .bearer, unixMillis: 0)) == ["Authorization": "Bearer s3"])
    }

    @Test func bland_signsBody() {
        #expect(WebhookSignerTests.headers(WebhookSigner.bland(body: WebhookSignerTests.body, secret: "bland_secret"))
            == ["X-Webhook-Signature": "b9084f05cc53d9e49dfa19b47a87a75b0c853128f98e02daa7423513c2abcb4c"])
    }
}
