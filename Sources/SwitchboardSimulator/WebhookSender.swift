import Dispatch
import Foundation
public import SwitchboardCore
public import SwitchboardPosix
public import SwitchboardProviders

/// Plays a provider towards a router: builds a webhook body (`WebhookBodies`), signs it as the
/// provider does (`WebhookSigner`: Retell with the account's API key, Vapi and Bland with the
/// webhook secret), and POSTs it as `application/json` to
/// `http://HOST:PORT/webhooks/{provider}/{account}` over a real socket, with a timeout.
///
/// Blocking: call it from a thread (tests do), or use the async forms, which run the exchange on
/// a Dispatch worker.
public struct WebhookSender: Sendable {
    public let host: String
    public let port: UInt16
    /// For connect, send and the whole response together.
    public var timeout: Duration

    public init(host: String = "127.0.0.1", port: UInt16, timeout: Duration = .seconds(5)) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    /// How the webhook is signed.
    public enum Signature: Sendable {
        /// The provider's usual scheme (Vapi: HMAC over `"<timestamp>.<body>"`) with this key.
        case provider(key: String)
        /// Vapi with a given scheme (shared secret, bearer, HMAC with or without timestamp).
        case vapi(secret: String, scheme: WebhookSigner.VapiScheme)
        /// No signature header at all (to see a router refuse it).
        case none
    }

    /// The signature `account` uses: its API key at Retell, its webhook secret at Vapi and Bland
    /// (`.none` when it has none).
    public static func signature(for account: SimulatorAccount) -> Signature {
        account.webhookSigningKey.map { Signature.provider(key: $0) } ?? .none
    }

    /// Posts an inbound call to `to` from `from`. `account` is the router's account id (the last
    /// path segment); `phoneNumberID` is Vapi's id for the called number.
    public func sendInboundCall(
        _ provider: Provider, account: String, signature: Signature, to: E164, from: String = "+12137771234",
        callID: String = WebhookSender.newCallID(), phoneNumberID: String = "",
        unixMillis: Int64 = WebhookSender.nowMillis()
    ) throws(HTTPExchangeError) -> HTTPExchangeResponse {
        let body = WebhookBodies.inboundCall(
            provider, to: to, from: from, callID: callID, phoneNumberID: phoneNumberID, unixMillis: unixMillis)
        return try send(provider, account: account, body: body, signature: signature, unixMillis: unixMillis)
    }

    /// Posts a call-ended event, which a router acknowledges without routing.
    public func sendCallEnded(
        _ provider: Provider, account: String, signature: Signature, callID: String,
        unixMillis: Int64 = WebhookSender.nowMillis()
    ) throws(HTTPExchangeError) -> HTTPExchangeResponse {
        try send(
            provider, account: account, body: WebhookBodies.callEnded(provider, callID: callID), signature: signature,
            unixMillis: unixMillis)
    }

    /// Signs `body` and posts it. `extraHeaders` go after the signature (a test may add a second,
    /// conflicting one); `contentType` nil sends none.
    public func send(
        _ provider: Provider, account: String, body: [UInt8], signature: Signature,
        unixMillis: Int64 = WebhookSender.nowMillis(), contentType: String? = "application/json",
        extraHeaders: [(name: String, value: String)] = []
    ) throws(HTTPExchangeError) -> HTTPExchangeResponse {
        var headers = Self.signatureHeaders(provider, body: body, signature: signature, unixMillis: unixMillis)
        if let contentType { headers.insert(("Content-Type", contentType), at: 0) }
        headers += extraHeaders
        return try LoopbackHTTPClient.send(
            host: host, port: port, method: "POST", path: Self.path(provider, account: account), headers: headers,
            body: body, timeout: timeout)
    }

    /// The headers that sign `body` for `provider`.
    public static func signatureHeaders(_ provider: Provider, body: [UInt8], signature: Signature, unixMillis: Int64)
        -> [(name: String, value: String)]
    {
        switch signature {
        case .none: []
        case .provider(let key): WebhookSigner.sign(provider, body: body, key: key, unixMillis: unixMillis)
        case .vapi(let secret, let scheme): WebhookSigner.vapi(body: body, secret: secret, scheme: scheme, unixMillis: unixMillis)
        }
    }

    /// `/webhooks/{provider}/{account}`, the account id percent-encoded as a path segment.
    public static func path(_ provider: Provider, account: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = account.addingPercentEncoding(withAllowedCharacters: allowed) ?? account
        return "/webhooks/\(provider.name)/\(encoded)"
    }

    /// A fresh provider call id, `call_<uuid>`.
    public static func newCallID() -> String {
        "call_" + UUID().uuidString.lowercased()
    }

    public static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    // MARK: - Async

    /// `sendInboundCall`, run on a Dispatch worker so no cooperative thread blocks.
    public func sendInboundCall(
        _ provider: Provider, account: String, signature: Signature, to: E164, from: String = "+12137771234",
        callID: String = WebhookSender.newCallID(), phoneNumberID: String = "",
        unixMillis: Int64 = WebhookSender.nowMillis()
    ) async throws(HTTPExchangeError) -> HTTPExchangeResponse {
        try await offThread { () throws(HTTPExchangeError) in
            try sendInboundCall(
                provider, account: account, signature: signature, to: to, from: from, callID: callID,
                phoneNumberID: phoneNumberID, unixMillis: unixMillis)
        }
    }

    /// `send`, run on a Dispatch worker.
    public func send(
        _ provider: Provider, account: String, body: [UInt8], signature: Signature,
        unixMillis: Int64 = WebhookSender.nowMillis(), contentType: String? = "application/json"
    ) async throws(HTTPExchangeError) -> HTTPExchangeResponse {
        try await offThread { () throws(HTTPExchangeError) in
            try send(provider, account: account, body: body, signature: signature, unixMillis: unixMillis, contentType: contentType)
        }
    }

    private func offThread(
        _ work: @escaping @Sendable () throws(HTTPExchangeError) -> HTTPExchangeResponse
    ) async throws(HTTPExchangeError) -> HTTPExchangeResponse {
        let result: Result<HTTPExchangeResponse, HTTPExchangeError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(HTTPExchangeError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
