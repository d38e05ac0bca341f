import SwitchboardCore
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// Listing requests, page parsing and the pagination driver, per provider.
@Suite struct NumberListingTests {
    static let retell = Fixtures.connection(.retell)
    static let vapi = Fixtures.connection(.vapi)
    static let bland = Fixtures.connection(.bland)

    /// Drives a listing with `answers` (one per request) and returns the requests and the end.
    static func drive(_ connection: ProviderConnection, maxPages: Int = 100, _ answers: [Result<ProviderResponse, ProviderFailure>])
        -> (requests: [ProviderRequest], end: NumberListing.Step)
    {
        var listing = NumberListing(adapter: ProviderAdapters.adapter(for: connection.provider), connection: connection, maxPages: maxPages)
        var requests: [ProviderRequest] = []
        var step = listing.start()
        var remaining = answers[...]
        while case .send(let request) = step {
            requests.append(request)
            guard let answer = remaining.popFirst() else { break }
            step = listing.receive(answer)
        }
        return (requests, step)
    }

    static func retellPage(_ numbers: [String], key: String?) -> Result<ProviderResponse, ProviderFailure> {
        let items = numbers.map { #"{"phone_number":"\#($0)","phone_number_type":"retell-twilio","inbound_agent_id":null,"nickname":"n"}"# }
        let pagination = key.map { #","pagination_key":"\#($0)""# } ?? ""
        return .success(.json(200, #"{"items":[\#(items.joined(separator: ","))]\#(pagination)}"#))
    }

    static func vapiEntries(_ count: Int, from start: Int, createdAt: (Int) -> String) -> String {
        let entries = (start..<(start + count)).map { index in
            #"{"id":"pn-\#(index)","number":"+1415555\#(String(format4(index)))","provider":"twilio","assistantId":null,"createdAt":"\#(createdAt(index))"}"#
        }
        return "[" + entries.joined(separator: ",") + "]"
    }

    static func format4(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    static func timestamp(_ index: Int) -> String {
        "2024-01-01T00:\(format4(index / 60).suffix(2)):\(format4(index % 60).suffix(2)).000Z"
    }

    // MARK: Requests

    @Test func request_retell_firstAndNextPage() throws {
        let adapter = RetellAdapter()
        let first = try adapter.listNumbersRequest(connection: NumberListingTests.retell, cursor: nil)
        #expect(first.method == .get)
        #expect(first.url == "https://api.retellai.com/v2/list-phone-numbers?limit=1000")
        #expect(first.headers["authorization"] == "Bearer \(Fixtures.apiKey)")
        #expect(first.body == nil)
        let next = try adapter.listNumbersRequest(connection: NumberListingTests.retell, cursor: "k/+= 1")
        #expect(next.url == "https://api.retellai.com/v2/list-phone-numbers?limit=1000&pagination_key=k%2F%2B%3D%201")
    }

    @Test func request_vapi_pagesByCreatedAt() throws {
        let adapter = VapiAdapter()
        #expect(try adapter.listNumbersRequest(connection: NumberListingTests.vapi, cursor: nil).url == "https://api.vapi.ai/phone-number?limit=1000")
        let next = try adapter.listNumbersRequest(connection: NumberListingTests.vapi, cursor: "2024-01-01T00:00:00.000Z")
        #expect(next.url == "https://api.vapi.ai/phone-number?limit=1000&createdAtGt=2024-01-01T00%3A00%3A00.000Z")
        #expect(next.headers["Authorization"] == "Bearer \(Fixtures.apiKey)")
    }

    @Test func request_bland_bareKeyHeader() throws {
        let request = try BlandAdapter().listNumbersRequest(connection: NumberListingTests.bland, cursor: nil)
        #expect(request.url == "https://api.bland.ai/v1/inbound")
        #expect(request.headers.fields.first == HTTPHeaders.Field(name: "authorization", value: Fixtures.apiKey))
    }

    @Test func request_baseURL_overridesDefaultAndIsChecked() throws {
        let simulator = Fixtures.connection(.retell, baseURL: "http://127.0.0.1:9999/retell//")
        #expect(try RetellAdapter().listNumbersRequest(connection: simulator, cursor: nil).url == "http://127.0.0.1:9999/retell/v2/list-phone-numbers?limit=1000")
        for bad in ["ftp://x", "http://", "https://user:pw@host", "http://h/?x=1", "http://h/a b", "api.retellai.com", "http://h#f"] {
            let failure = Fixtures.failure { try RetellAdapter().listNumbersRequest(connection: Fixtures.connection(.retell, baseURL: bad), cursor: nil) }
            #expect(failure?.httpStatus == 422, "\(bad)")
            #expect(failure?.message.contains("base_url") == true, "\(bad)")
        }
    }

    @Test func request_unsafeAPIKey_refusedWithoutShowingIt() {
        for key in ["", "key with space", "key\r\nX-Injected: 1"] {
            let failure = Fixtures.failure { try VapiAdapter().listNumbersRequest(connection: Fixtures.connection(.vapi, apiKey: key), cursor: nil) }
            #expect(failure?.code == "provider_request_invalid")
            if !key.isEmpty { #expect(failure?.description.contains(key) == false) }
        }
    }

    // MARK: Retell

    @Test func listing_retellThreePages_followsPaginationKeys() throws {
        let (requests, end) = NumberListingTests.drive(NumberListingTests.retell, [
            NumberListingTests.retellPage(["+14155550001", "+14155550002"], key: "p2"),
            NumberListingTests.retellPage(["+14155550003"], key: "p3"),
            NumberListingTests.retellPage(["+14155550004"], key: nil),
        ])
        #expect(requests.map(\.url) == [
            "https://api.retellai.com/v2/list-phone-numbers?limit=1000",
            "https://api.retellai.com/v2/list-phone-numbers?limit=1000&pagination_key=p2",
            "https://api.retellai.com/v2/list-phone-numbers?limit=1000&pagination_key=p3",
        ])
        guard case .finished(let result) = end else { Issue.record("\(end)"); return }
        #expect(result.pages == 3)
        #expect(result.numbers.map(\.number.description) == ["+14155550001", "+14155550002", "+14155550003", "+14155550004"])
        #expect(result.numbers.map(\.providerNumberID) == ["+14155550001", "+14155550002", "+14155550003", "+14155550004"])
        #expect(result.skipped.isEmpty)
    }

    @Test func listing_retellBareArray_accepted() {
        let (_, end) = NumberListingTests.drive(NumberListingTests.retell, [.success(.json(200, #"[{"phone_number":"+14157774444"}]"#))])
        #expect(end == .finished(NumberListingResult(numbers: [ListedNumber(number: Fixtures.e164("+14157774444"), providerNumberID: "+14157774444")], skipped: [], pages: 1)))
    }

    @Test func listing_repeatedCursor_failsWithoutPartialResult() {
        let (requests, end) = NumberListingTests.drive(NumberListingTests.retell, [
            NumberListingTests.retellPage(["+14155550001"], key: "p2"),
            NumberListingTests.retellPage(["+14155550002"], key: "p3"),
            NumberListingTests.retellPage(["+14155550003"], key: "p2"),
            NumberListingTests.retellPage([], key: nil),
        ])
        #expect(requests.count == 3)
        guard case .failed(let failure) = end else { Issue.record("\(end)"); return }
        #expect(failure.code == "provider_listing_incomplete")
        #expect(failure.httpStatus == 502)
        #expect(failure.message.contains("repeated the cursor 'p2'"))
    }

    @Test func listing_pageFailureMidway_failsWithoutPartialResult() {
        let timeout = ProviderFailure(provider: .retell, operation: .listNumbers, kind: .timeout(seconds: 10))
        let (_, midTimeout) = NumberListingTests.drive(NumberListingTests.retell, [NumberListingTests.retellPage(["+14155550001"], key: "p2"), .failure(timeout)])
        #expect(midTimeout == .failed(timeout))
        let (_, midError) = NumberListingTests.drive(NumberListingTests.retell, [
            NumberListingTests.retellPage(["+14155550001"], key: "p2"), .success(.json(503, #"{"error":"maintenance"}"#)),
        ])
        guard case .failed(let failure) = midError else { Issue.record("\(midError)"); return }
        #expect(failure.kind == .status(503, providerMessage: "maintenance"))
        let (_, truncated) = NumberListingTests.drive(NumberListingTests.retell, [.success(.json(200, #"{"items":[{"phone_number":"+1415"#))])
        guard case .failed(let garbage) = truncated else { Issue.record("\(truncated)"); return }
        #expect(garbage.code == "provider_bad_answer")
    }

    @Test func listing_tooManyPages_fails() {
        let pages = (1...5).map { NumberListingTests.retellPage(["+1415555000\($0)"], key: "p\($0 + 1)") }
        let (requests, end) = NumberListingTests.drive(NumberListingTests.retell, maxPages: 3, pages)
        #expect(requests.count == 3)
        guard case .failed(let failure) = end else { Issue.record("\(end)"); return }
        #expect(failure.kind == .incompleteListing(detail: "more than 3 pages"))
    }

    @Test func listing_nonE164Entries_skippedAndCounted() {
        let body = #"{"items":[{"phone_number":"+14155550001"},{"phone_number":"555-CALL"},{"phone_number":"+0123"},{"nickname":"sip only"},{"phone_number":"1 (415) 555-0002"}]}"#
        let (_, end) = NumberListingTests.drive(NumberListingTests.retell, [.success(.json(200, body))])
        guard case .finished(let result) = end else { Issue.record("\(end)"); return }
        #expect(result.numbers.map(\.number.description) == ["+14155550001"])
        #expect(result.skipped.count == 4)
        #expect(result.skipped.map(\.listed) == ["555-CALL", "+0123", nil, "1 (415) 555-0002"])
        #expect(result.skipped[0].reason.contains("letter"))
        #expect(result.skipped[3].reason.contains("E.164 form"))
    }

    @Test func parse_retellWrongShapes_malformed() {
        let bodies = [
            #"{"numbers":[]}"#, #"{"items":{}}"#, #"{"items":[1]}"#, #"{"items":[{"phone_number":14155550001}]}"#,
            #"{"items":[],"pagination_key":""}"#, #"{"items":[],"pagination_key":5}"#, #""ok""#, "<html>oops</html>", "",
        ]
        for body in bodies {
            let failure = Fixtures.failure { try RetellAdapter().parseNumberPage(.json(200, body), connection: NumberListingTests.retell) }
            #expect(failure?.code == "provider_bad_answer", "\(body)")
            #expect(failure?.httpStatus == 502)
        }
    }

    // MARK: Vapi

    @Test func listing_vapiFullPages_continueAfterNewestCreatedAt() throws {
        let first = NumberListingTests.vapiEntries(1000, from: 0, createdAt: NumberListingTests.timestamp)
        let second = NumberListingTests.vapiEntries(2, from: 1000, createdAt: NumberListingTests.timestamp)
        let (requests, end) = NumberListingTests.drive(NumberListingTests.vapi, [.success(.json(200, first)), .success(.json(200, second))])
        #expect(requests.count == 2)
        #expect(requests[1].url == "https://api.vapi.ai/phone-number?limit=1000&createdAtGt=" + ProviderEndpoint.percentEncoded(NumberListingTests.timestamp(999)))
        guard case .finished(let result) = end else { Issue.record("\(end)"); return }
        #expect(result.numbers.count == 1002)
        #expect(result.numbers[0] == ListedNumber(number: Fixtures.e164("+14155550000"), providerNumberID: "pn-0"))
        #expect(result.pages == 2)
    }

    @Test func listing_vapiFullPageWithoutProgress_fails() {
        let page = NumberListingTests.vapiEntries(1000, from: 0) { _ in "2024-01-01T00:00:00.000Z" }
        let (_, end) = NumberListingTests.drive(NumberListingTests.vapi, [.success(.json(200, page)), .success(.json(200, page))])
        guard case .failed(let failure) = end else { Issue.record("\(end)"); return }
        #expect(failure.code == "provider_listing_incomplete")
    }

    @Test func parse_vapiEntries_skipsSIPAndRequiresIDs() throws {
        let body = #"[{"id":"pn-1","number":"+14155550123","createdAt":"x"},{"id":"pn-2","sipUri":"sip:a@b","number":null},{"id":"pn-3","number":"12"}]"#
        let page = try VapiAdapter().parseNumberPage(.json(200, body), connection: NumberListingTests.vapi)
        #expect(page.numbers == [ListedNumber(number: Fixtures.e164("+14155550123"), providerNumberID: "pn-1")])
        #expect(page.skipped.map(\.providerNumberID) == ["pn-2", "pn-3"])
        #expect(page.nextCursor == nil)
        for bad in [#"{"items":[]}"#, #"[{"number":"+14155550123"}]"#, #"[{"id":"","number":"+14155550123"}]"#, #"[{"id":"a b","number":"+14155550123"}]"#] {
            #expect(Fixtures.failure { try VapiAdapter().parseNumberPage(.json(200, bad), connection: NumberListingTests.vapi) }?.code == "provider_bad_answer", "\(bad)")
        }
        let fullWithoutDates = "[" + (0..<1000).map { #"{"id":"pn-\#($0)","number":"+1415555\#(NumberListingTests.format4($0))"}"# }.joined(separator: ",") + "]"
        #expect(Fixtures.failure { try VapiAdapter().parseNumberPage(.json(200, fullWithoutDates), connection: NumberListingTests.vapi) }?.message.contains("createdAt") == true)
    }

    // MARK: Bland

    @Test func listing_bland_onePage() {
        let body = #"{"inbound_numbers":[{"phone_number":"+14155550123","created_at":"2024-01-01","pathway_id":null},{"phone_number":"4155550124"},{"phone_number":"+14155550125","agent_id":"a1"}]}"#
        let (requests, end) = NumberListingTests.drive(NumberListingTests.bland, [.success(.json(200, body))])
        #expect(requests.count == 1)
        guard case .finished(let result) = end else { Issue.record("\(end)"); return }
        // "4155550124" has no +: it could be national (US) or country code 4…, so it is skipped.
        #expect(result.numbers.map(\.number.description) == ["+14155550123", "+14155550125"])
        #expect(result.skipped.map(\.listed) == ["4155550124"])
        #expect(Fixtures.failure { try BlandAdapter().parseNumberPage(.json(200, #"[{"phone_number":"+14155550123"}]"#), connection: NumberListingTests.bland) }?.code
            == "provider_bad_answer")
    }

    // MARK: Driver misuse

    @Test func listing_answerWithoutRequest_fails() {
        var listing = NumberListing(adapter: RetellAdapter(), connection: NumberListingTests.retell)
        guard case .failed(let failure) = listing.receive(.success(.json(200, "[]"))) else { Issue.record("accepted"); return }
        #expect(failure.code == "provider_listing_incomplete")
        var started = NumberListing(adapter: RetellAdapter(), connection: NumberListingTests.retell)
        _ = started.start()
        guard case .failed = started.start() else { Issue.record("started twice"); return }
    }
}
