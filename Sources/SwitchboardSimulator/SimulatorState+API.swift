import SwitchboardCore

extension SimulatorState {
    /// Runs a read of the request's account under the lock.
    func reading<Value>(_ request: APIRequest, _ body: (inout AccountBook) -> Value) throws(APIFailure) -> Value {
        try changing(request) { book, _ in body(&book) }
    }

    /// Runs a change of the request's account under the lock; `body` records what it did in the
    /// store (calls, number changes) in the same critical section, so records and state agree.
    func changing<Value>(
        _ request: APIRequest, _ body: (inout AccountBook, inout Store) throws(APIFailure) -> Value
    ) throws(APIFailure) -> Value {
        let outcome: Result<Value, APIFailure>
        do {
            outcome = try withAccount(provider: request.provider, apiKey: request.account.apiKey) {
                (book, store) throws(SimulatorError) -> Result<Value, APIFailure> in
                do throws(APIFailure) {
                    return .success(try body(&book, &store))
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            // The account was removed after the request authenticated.
            throw APIFailure(401, "the API key is not valid (its account no longer exists)")
        }
        return try outcome.get()
    }
}

/// Listing entries whose numbers are not E.164, for the `nonE164Numbers` fault: a word, a
/// number with a leading zero after +, and one with 16 digits.
enum BogusNumbers {
    static let texts = ["not-a-number", "+0445550100", "+1415555012345678"]

    static func entries(for provider: Provider) -> [SimulatorJSON] {
        texts.map { text in
            switch provider {
            case .retell:
                .fields([
                    "phone_number": .string(text), "phone_number_type": .string("retell-twilio"), "inbound_agent_id": .null,
                    "outbound_agent_id": .null, "nickname": .null, "last_modification_timestamp": .integer(1_703_413_636_133),
                ])
            case .vapi:
                .fields([
                    "id": .string("00000000-0000-4000-8000-00000000000\(text.utf8.count % 10)"), "number": .string(text),
                    "provider": .string("twilio"), "assistantId": .null, "name": .null, "status": .string("active"),
                    "createdAt": .string("2024-01-01T00:00:00.000Z"), "updatedAt": .string("2024-01-01T00:00:00.000Z"),
                ])
            case .bland:
                .fields([
                    "phone_number": .string(text), "created_at": .string("2024-01-01T00:00:00.000Z"), "pathway_id": .null,
                    "webhook": .null,
                ])
            }
        }
    }
}

extension Array {
    /// The first index whose element satisfies `isAfter`, for an array partitioned by it (all
    /// elements failing it come first): a binary search.
    func partitioningIndex(where isAfter: (Element) -> Bool) -> Int {
        partitionPoint(count: count) { isAfter(self[$0]) }
    }
}

/// The first index in `0..<count` for which `isAfter` holds, when it holds for every index after
/// that one and none before: a binary search.
func partitionPoint(count: Int, _ isAfter: (Int) -> Bool) -> Int {
    var low = 0
    var high = count
    while low < high {
        let middle = low + (high - low) / 2
        if isAfter(middle) { high = middle } else { low = middle + 1 }
    }
    return low
}
