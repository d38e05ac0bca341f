import SwitchboardCore
import Testing

@testable import SwitchboardSimulator

/// Many clients at once, and large accounts: the records stay consistent with what clients were
/// told, and paging a large account is not quadratic.
@Suite struct LoadTests {
    @Test func concurrentClients_everyCallAndChangeRecordedOnce() async throws {
        let fixture = try Fixture()
        let numbers = try fixture.addNumbers(.vapi, count: 8)
        let callIDs = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<64 {
                let number = numbers[index % numbers.count]
                group.addTask {
                    if index % 4 == 0 {
                        let reply = try await fixture.call(.vapi, "PATCH", "/phone-number/\(number.id)", body: #"{"assistantId":"asst_\#(index)"}"#)
                        #expect(reply.status == 200)
                        return nil
                    }
                    let reply = try await fixture.call(
                        .vapi, "POST", "/call",
                        body: #"{"assistantId":"a\#(index)","phoneNumberId":"\#(number.id)","customer":{"number":"+1213777\#(1000 + index)"}}"#)
                    #expect(reply.status == 201)
                    return reply.json?["id"]?.stringValue
                }
            }
            var ids: [String] = []
            for try await id in group { if let id { ids.append(id) } }
            return ids
        }
        #expect(callIDs.count == 48)
        let recorded = fixture.simulator.calls()
        #expect(Set(recorded.map(\.callID)) == Set(callIDs))
        #expect(fixture.simulator.numberChanges().count == 16)
        let sequences = fixture.simulator.requests().map(\.sequence)
        #expect(Set(sequences).count == 64)
    }

    @Test func largeAccount_pagesThroughTwentyThousandNumbersOnce() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, first: 14_150_000_000, count: 20_000)
        try fixture.addNumbers(.vapi, first: 14_150_000_000, count: 20_000)
        let started = ContinuousClock.now
        var retell = 0
        var key: String?
        var pages = 0
        repeat {
            let cursor = key.map { "&pagination_key=%2B\($0.dropFirst())" } ?? ""
            let json = try #require(try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=1000\(cursor)", timeout: 10).json)
            retell += json["items"]?.elements?.count ?? 0
            key = json["pagination_key"]?.stringValue
            pages += 1
        } while key != nil && pages < 30
        #expect(retell == 20_000)
        var vapi = Set<String>()
        var createdAt: String?
        pages = 0
        while pages < 30 {
            let query = "limit=1000" + (createdAt.map { "&createdAtGt=\($0)" } ?? "")
            let items = try #require(try await fixture.call(.vapi, "GET", "/phone-number?\(query)", timeout: 10).json?.elements)
            pages += 1
            items.compactMap { $0["id"]?.stringValue }.forEach { vapi.insert($0) }
            guard items.count == 1000 else { break }
            createdAt = items.last?["createdAt"]?.stringValue
        }
        #expect(vapi.count == 20_000)
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func recordLimit_keepsNewestAndCountsDropped() async throws {
        let simulator = ProviderSimulator(configuration: .init(recordLimit: 20))
        try simulator.start()
        defer { simulator.stop() }
        try simulator.createAccount(.bland, apiKey: "k")
        for _ in 0..<50 {
            _ = try await Client.send("GET", simulator.baseURL(.bland) + "/v1/inbound", headers: ["authorization": "k"])
        }
        let requests = simulator.requests()
        #expect(requests.count <= 20)
        #expect(requests.last?.sequence == 50)
        #expect(simulator.state.droppedRecords().requests + requests.count == 50)
    }
}
