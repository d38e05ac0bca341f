import Foundation
import SwitchboardCore
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// Every provider answer that is not success, mapped the same way for every provider and operation.
@Suite struct ProviderFailureTests {
    /// The failure for `response` to a create-call request at `provider`.
    static func failure(_ provider: Provider, _ response: ProviderResponse, connection: ProviderConnection? = nil) -> ProviderFailure? {
        let connection = connection ?? Fixtures.connection(provider, secret: "whsec_TOPSECRET")
        return Fixtures.failure { try ProviderAdapters.adapter(for: provider).parseCreatedCall(response, connection: connection) }
    }

    @Test func status4xxWithJSONMessage_badGatewayQuotingProvider() {
        for provider in Provider.allCases {
            for (body, quoted) in [
                (#"{"message":"Invalid to_number"}"#, "Invalid to_number"), (#"{"error":"bad agent"}"#, "bad agent"),
                (#"{"error":{"message":"nested reason","code":7}}"#, "nested reason"), (#"{"detail":"x"}"#, "x"),
                (#"{"errors":[{"message":"first"}]}"#, "first"), (#"{"message":["a list"]}"#, "a list"), (#"{"other":1}"#, nil),
            ] as [(String, String?)] {
                let failure = ProviderFailureTests.failure(provider, .json(400, body))
                #expect(failure?.kind == .status(400, providerMessage: quoted), "\(provider) \(body)")
                #expect(failure?.httpStatus == 502)
                #expect(failure?.code == "provider_error")
                #expect(failure?.providerStatus == 400)
                #expect(failure?.message.contains("answered 400") == true)
            }
        }
    }

    @Test func status4xxNonJSON_quotesTheTextShortened() throws {
        let unauthorized = try #require(ProviderFailureTests.failure(.retell, ProviderResponse(status: 401, body: Array("Unauthorized\r\n".utf8))))
        #expect(unauthorized.kind == .status(401, providerMessage: "Unauthorized"))
        #expect(unauthorized.message.contains("api_key"))
        let html = "<html><body>" + String(repeating: "Bad Gateway ", count: 100) + "</body></html>"
        let long = try #require(ProviderFailureTests.failure(.vapi, ProviderResponse(status: 404, body: Array(html.utf8))))
        guard case .status(404, let text?) = long.kind else { Issue.record("\(long)"); return }
        #expect(text.count == ProviderAnswer.maxMessageLength + 1)
        #expect(text.hasSuffix("…"))
        let binary = try #require(ProviderFailureTests.failure(.bland, ProviderResponse(status: 400, body: [0xFF, 0xFE, 0x00, 0x41])))
        #expect(binary.httpStatus == 502)
    }

    @Test func status5xx_badGateway() {
        for status in [500, 502, 503, 504] {
            let failure = ProviderFailureTests.failure(.bland, ProviderResponse(status: status))
            #expect(failure?.kind == .status(status, providerMessage: nil))
            #expect(failure?.httpStatus == 502)
            #expect(failure?.message.contains("try again later") == true)
        }
        // A redirect is not followed, and not success either.
        #expect(ProviderFailureTests.failure(.retell, ProviderResponse(status: 302, headers: ["Location": "https://elsewhere"]))?.providerStatus == 302)
    }

    @Test func rateLimited_badGatewayKeepingRetryAfterForTheClient() {
        let withHeader = ProviderFailureTests.failure(.vapi, .json(429, #"{"message":"slow down"}"#, headers: ["Retry-After": "30"]))
        #expect(withHeader?.kind == .rateLimited(retryAfterSeconds: 30, providerMessage: "slow down"))
        // SPEC §3: a failed provider is 502/504; the provider's 429 is in provider_status.
        #expect(withHeader?.httpStatus == 502)
        #expect(withHeader?.providerStatus == 429)
        #expect(withHeader?.retryAfterSeconds == 30)
        #expect(withHeader?.code == "provider_rate_limited")
        #expect(withHeader?.message.contains("retry after 30 s") == true)
        let without = ProviderFailureTests.failure(.retell, ProviderResponse(status: 429))
        #expect(without?.kind == .rateLimited(retryAfterSeconds: nil, providerMessage: nil))
        #expect(without?.message.contains("retry later") == true)
        #expect(ProviderAnswer.retryAfter(["retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"]) == nil)
        #expect(ProviderAnswer.retryAfter(["Retry-After": " 5 "]) == 5)
        #expect(ProviderAnswer.retryAfter(["Retry-After": "999999999"]) == 86_400)
        #expect(ProviderAnswer.retryAfter(["Retry-After": "-1"]) == nil)
    }

    @Test func garbageOrWrongShapeOnSuccess_badGateway() {
        for provider in Provider.allCases {
            for body in ["<html>ok</html>", #"{"id":"#, "null", #"{"unexpected":true}"#, #"{"call_id":{"nested":1},"id":[1],"status":"success"}"#] {
                let failure = ProviderFailureTests.failure(provider, .json(provider == .bland ? 200 : 201, body))
                #expect(failure?.code == "provider_bad_answer", "\(provider) \(body)")
                #expect(failure?.httpStatus == 502)
            }
        }
    }

    @Test func transportKinds_mapToGatewayStatuses() {
        func status(_ kind: ProviderFailure.Kind) -> Int { ProviderFailure(provider: .retell, operation: .createCall, kind: kind).httpStatus }
        #expect(status(.timeout(seconds: 10)) == 504)
        #expect(status(.unreachable(detail: "connection refused")) == 502)
        #expect(status(.truncatedAnswer(detail: "cut")) == 502)
        #expect(status(.incompleteListing(detail: "loop")) == 502)
        #expect(status(.invalidRequest(detail: "x")) == 422)
        let timeout = ProviderFailure(provider: .vapi, operation: .createCall, kind: .timeout(seconds: 2.5))
        #expect(timeout.code == "provider_timeout")
    }

    /// A provider that answers late (or unreadably) may have acted all the same: a call may be
    /// ringing, so the message must not say nothing happened, and must say how not to dial twice.
    @Test func unclearAnswers_sayTheCallMayHaveBeenPlaced() {
        let timeout = ProviderFailure(provider: .vapi, operation: .createCall, kind: .timeout(seconds: 2.5))
        #expect(
            timeout.message
                == "vapi failed to create a call: no answer within 2.5 s; the call may have been placed all the same: check vapi's call list before retrying, so that nobody is dialled twice")
        for kind in [ProviderFailure.Kind.malformedAnswer(detail: "x"), .truncatedAnswer(detail: "x")] {
            let call = ProviderFailure(provider: .retell, operation: .createCall, kind: kind)
            #expect(call.message.contains("may have been placed") && !call.message.contains("nothing was changed"), "\(call.message)")
            let push = ProviderFailure(provider: .retell, operation: .pushAssignment, kind: kind)
            #expect(push.message.contains("may have been applied") && !push.message.contains("nothing was changed"), "\(push.message)")
        }
        let listing = ProviderFailure(provider: .bland, operation: .listNumbers, kind: .timeout(seconds: 10))
        #expect(listing.message == "bland failed to list numbers: no answer within 10 s; try again later")
    }

    @Test func noMessageOrDescription_containsTheAPIKeyOrSecret() throws {
        let key = Fixtures.apiKey
        let secret = "whsec_TOPSECRET"
        let echoes = [
            #"{"message":"invalid api key \#(key)"}"#, "Bearer \(key) rejected", #"{"error":"secret \#(secret) is wrong"}"#,
            String(repeating: "x", count: 190) + key,
        ]
        var texts: [String] = []
        for provider in Provider.allCases {
            for body in echoes {
                for status in [400, 401, 429, 500] {
                    let failure = try #require(ProviderFailureTests.failure(provider, ProviderResponse(status: status, body: Array(body.utf8))))
                    texts += [failure.message, failure.description, String(describing: failure), String(reflecting: failure)]
                }
                let refused = Fixtures.failure {
                    try BlandAdapter().parseCreatedCall(.json(200, #"{"status":"error","message":"\#(body.replacingOccurrences(of: "\"", with: "'"))"}"#),
                        connection: Fixtures.connection(.bland, secret: secret))
                }
                texts.append(try #require(refused).message)
            }
            let connection = Fixtures.connection(provider, secret: secret)
            let adapter = ProviderAdapters.adapter(for: provider)
            let request = try adapter.listNumbersRequest(connection: connection, cursor: nil)
            var dumped = ""
            dump(request, to: &dumped)
            texts += [request.description, String(reflecting: request), dumped]
            #expect(request.headers.description.contains(key))  // the header itself carries it, as it must
        }
        for text in texts {
            #expect(!text.contains(key), "\(text)")
            #expect(!text.contains(secret), "\(text)")
            #expect(!text.contains("key_SECRET"), "\(text)")
        }
    }

    @Test func webhookErrors_neverEchoPresentedCredentials() {
        let presented = "vapi_secret_guess_123"
        let error = Fixtures.webhookError {
            _ = try VapiAdapter().receive(
                headers: Fixtures.headers([("x-vapi-secret", presented)]), body: Fixtures.vapiBody, connection: Fixtures.vapi, nowMillis: Fixtures.now)
        }
        #expect(error != nil)
        #expect(error?.message.contains(presented) == false)
        #expect(error?.message.contains(Fixtures.vapiSecret) == false)
        let bearer = Fixtures.webhookError {
            _ = try VapiAdapter().receive(
                headers: Fixtures.headers([("Authorization", "Token \(presented)")]), body: Fixtures.vapiBody, connection: Fixtures.vapi, nowMillis: Fixtures.now)
        }
        #expect(bearer?.description.contains(presented) == false)
        // Retell signs with the API key itself: no refusal may quote it.
        let retell = RetellAdapter()
        for headers in [
            Fixtures.headers([("x-retell-signature", "v=1732500000000,d=\(String(repeating: "0", count: 64))")]),
            Fixtures.headers([("x-retell-signature", Fixtures.retellKey)]), Fixtures.headers([]),
        ] {
            let error = Fixtures.webhookError {
                _ = try retell.receive(headers: headers, body: Fixtures.retellBody, connection: Fixtures.retell, nowMillis: Fixtures.now)
            }
            #expect(error != nil)
            #expect(error?.description.contains(Fixtures.retellKey) == false)
        }
    }
}
