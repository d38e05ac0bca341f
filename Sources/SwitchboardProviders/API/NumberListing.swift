public import SwitchboardCore

/// A provider's complete number listing, gathered page by page (SPEC rule 9 needs the whole truth).
public struct NumberListingResult: Sendable, Equatable {
    public var numbers: [ListedNumber]
    /// Entries that were not E.164 numbers: not fatal, reported.
    public var skipped: [SkippedNumber]
    /// How many pages it took.
    public var pages: Int

    public init(numbers: [ListedNumber], skipped: [SkippedNumber], pages: Int) {
        self.numbers = numbers
        self.skipped = skipped
        self.pages = pages
    }
}

/// Follows a listing's pagination as a pure state machine: give it each answer (or the transport's
/// failure) and it says what to send next, or the final result. No sockets and no clock, so every
/// path is testable with values. It never returns part of a listing as success: any page failure,
/// a cursor seen before (the provider would loop), or more than `maxPages` pages ends it with a
/// failure instead.
public struct NumberListing: Sendable {
    public static let defaultMaxPages = 100

    /// What to do next.
    public enum Step: Sendable, Equatable {
        case send(ProviderRequest)
        case finished(NumberListingResult)
        case failed(ProviderFailure)
    }

    private enum Phase: Sendable {
        case ready
        case awaiting
        case done
    }

    private let adapter: any ProviderAdapter
    private let connection: ProviderConnection
    private let maxPages: Int
    private var phase = Phase.ready
    private var cursors: Set<String> = []
    private var numbers: [ListedNumber] = []
    private var skipped: [SkippedNumber] = []
    private var pages = 0

    public init(adapter: any ProviderAdapter, connection: ProviderConnection, maxPages: Int = NumberListing.defaultMaxPages) {
        self.adapter = adapter
        self.connection = connection
        self.maxPages = max(1, maxPages)
    }

    /// The first request.
    public mutating func start() -> Step {
        guard case .ready = phase else { return fail(.incompleteListing(detail: "the listing was started twice")) }
        return request(cursor: nil)
    }

    /// The answer to the last request sent, or the transport's failure for it.
    public mutating func receive(_ outcome: Result<ProviderResponse, ProviderFailure>) -> Step {
        guard case .awaiting = phase else { return fail(.incompleteListing(detail: "an answer arrived with no request outstanding")) }
        let response: ProviderResponse
        switch outcome {
        case .failure(let failure):
            phase = .done
            return .failed(failure)
        case .success(let value):
            response = value
        }
        let page: NumberPage
        do {
            page = try adapter.parseNumberPage(response, connection: connection)
        } catch {
            phase = .done
            return .failed(error)
        }
        pages += 1
        numbers += page.numbers
        skipped += page.skipped
        guard let next = page.nextCursor else {
            phase = .done
            return .finished(NumberListingResult(numbers: numbers, skipped: skipped, pages: pages))
        }
        guard !cursors.contains(next) else {
            return fail(.incompleteListing(detail: "page \(pages) repeated the cursor '\(next.prefix(64))' of an earlier page"))
        }
        guard pages < maxPages else {
            return fail(.incompleteListing(detail: "more than \(maxPages) pages"))
        }
        return request(cursor: next)
    }

    private mutating func request(cursor: String?) -> Step {
        do {
            let request = try adapter.listNumbersRequest(connection: connection, cursor: cursor)
            if let cursor { cursors.insert(cursor) }
            phase = .awaiting
            return .send(request)
        } catch {
            phase = .done
            return .failed(error)
        }
    }

    private mutating func fail(_ kind: ProviderFailure.Kind) -> Step {
        phase = .done
        return .failed(ProviderFailure(provider: connection.provider, operation: .listNumbers, kind: kind))
    }
}
