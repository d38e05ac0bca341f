import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// The shared checks under every adapter's authentication.
@Suite struct WebhookSignatureTests {
    @Test func verifyHMAC_rfc4231TestCase2_accepted() throws {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let digest = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        try WebhookSignature.verifyHMAC(hexDigest: digest.utf8[...], key: "Jefe", message: Array("what do ya want for nothing?".utf8), header: "test")
        try WebhookSignature.verifyHMAC(hexDigest: digest.uppercased().utf8[...], key: "Jefe", message: Array("what do ya want for nothing?".utf8), header: "test")
        #expect(throws: WebhookError.credentialMismatch(header: "test")) {
            try WebhookSignature.verifyHMAC(hexDigest: digest.utf8[...], key: "Jeff", message: Array("what do ya want for nothing?".utf8), header: "test")
        }
    }

    @Test func compareDigest_exactly64HexDigitsEitherCase() {
        let mac = [UInt8](repeating: 0xAF, count: 32)
        func check(_ hex: String) -> WebhookSignature.DigestCheck {
            Array(hex.utf8).withUnsafeBufferPointer { digits in mac.withUnsafeBufferPointer { WebhookSignature.compare(hex: digits, with: $0) } }
        }
        #expect(check(String(repeating: "aF", count: 32)) == .match)
        #expect(check(String(repeating: "af", count: 31) + "ae") == .mismatch)
        #expect(check("0f" + String(repeating: "af", count: 31)) == .mismatch)
        #expect(check(String(repeating: "a", count: 63)) == .malformed)
        #expect(check(String(repeating: "a", count: 66)) == .malformed)
        #expect(check(String(repeating: "a", count: 62) + "g0") == .malformed)
        #expect(check(String(repeating: "a", count: 62) + " 0") == .malformed)
        #expect(check("") == .malformed)
    }

    @Test func verifySecret_exactMatchOnly() throws {
        try WebhookSignature.verifySecret("s3cret", secret: "s3cret", header: "h")
        for wrong in ["", "s3cre", "s3crett", "S3cret", " s3cret"] {
            #expect(throws: WebhookError.credentialMismatch(header: "h")) { try WebhookSignature.verifySecret(Substring(wrong), secret: "s3cret", header: "h") }
        }
    }

    @Test func timestamp_parsesDigitsOnlyAndChecksBothDirections() throws {
        #expect(try WebhookTimestamp.parseMillis("1732500000000".utf8[...], header: "h") == 1_732_500_000_000)
        for bad in ["", "-5", "1.5", "12a", "1234567890123456"] {
            #expect(throws: WebhookError.self) { try WebhookTimestamp.parseMillis(bad.utf8[...], header: "h") }
        }
        try WebhookTimestamp.check(1000, nowMillis: 1000 + WebhookTimestamp.toleranceMillis, header: "h")
        #expect(throws: WebhookError.self) { try WebhookTimestamp.check(0, nowMillis: WebhookTimestamp.toleranceMillis + 1, header: "h") }
        #expect(throws: WebhookError.self) { try WebhookTimestamp.check(WebhookTimestamp.toleranceMillis + 1, nowMillis: 0, header: "h") }
    }

    @Test func contentType_checks() throws {
        for accepted in ["application/json", "APPLICATION/JSON", "application/json;charset=utf-8", "application/json; charset=UTF8; boundary=x", "application/json;"] {
            try WebhookHeaderLookup.checkContentType(["Content-Type": accepted])
        }
        for refused in ["application/json, text/plain", "application/json-seq", "text/plain; application/json", "application/json; charset=utf-16", "json"] {
            #expect(throws: WebhookError.unsupportedMediaType(received: refused), "\(refused)") { try WebhookHeaderLookup.checkContentType(["Content-Type": refused]) }
        }
        var twice: HTTPHeaders = ["Content-Type": "application/json"]
        twice.append(name: "content-type", value: "application/json")
        #expect(throws: WebhookError.self) { try WebhookHeaderLookup.checkContentType(twice) }
        // What is quoted back is shortened and printable.
        let long = "text/" + String(repeating: "x", count: 300) + "\u{7}"
        let error = Fixtures.webhookError { try WebhookHeaderLookup.checkContentType(["Content-Type": long]) }
        guard case .unsupportedMediaType(let received?) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(received.count == 100)
    }

    @Test func errors_statusCodeAndMessageForEveryCase() {
        let cases: [(WebhookError, Int, String)] = [
            (.unsupportedMediaType(received: nil), 415, "unsupported_media_type"),
            (.missingCredentials(provider: .bland, expected: "X"), 401, "missing_signature"),
            (.malformedCredentials(header: "h", problem: "p"), 401, "malformed_signature"),
            (.credentialMismatch(header: "h"), 401, "invalid_signature"),
            (.timestampOutOfTolerance(header: "h", skewSeconds: 9), 401, "stale_timestamp"),
            (.credentialNotConfigured(provider: .vapi, field: "webhook_secret"), 401, "webhook_credentials_not_configured"),
            (.invalidJSON(JSONError(.unexpectedEnd, at: 3)), 400, "invalid_json"),
            (.invalidBody(field: "f", problem: "is missing"), 400, "invalid_webhook_body"),
            (.invalidPhoneNumber(field: "to", .empty), 400, "invalid_phone_number"),
        ]
        for (error, status, code) in cases {
            #expect(error.httpStatus == status)
            #expect(error.code == code)
            #expect(!error.message.isEmpty)
            #expect(error.description.hasPrefix(code))
        }
    }
}
