import SwitchboardHTTP
import Testing

/// What the parser produced, in order: the verifier compares these lists.
enum ParserOutput: Hashable, CustomStringConvertible {
    case sendContinue(HTTPRequestHead)
    case request(HTTPRequest)
    case failed(HTTPParseError)

    var description: String {
        switch self {
        case .sendContinue(let head): "continue(\(head.method) \(head.target))"
        case .request(let request):
            "request(\(request.method) \(request.target) body=\(request.body.count) keepAlive=\(request.keepAlive))"
        case .failed(let error): "failed(\(error.code))"
        }
    }
}

/// Like swift-nio's ByteToMessageDecoderVerifier: feeds the same bytes whole, one byte at a time,
/// split in two at every position, and in seeded random pieces, and checks that every way gives the
/// same outputs. Returns the outputs of the whole feed.
enum ParserVerifier {
    /// Feeds `chunks` in order, draining the parser after each; stops at the first failure.
    static func run(_ chunks: [ArraySlice<UInt8>], limits: HTTPLimits = HTTPLimits()) -> [ParserOutput] {
        var parser = HTTPRequestParser(limits: limits)
        var outputs: [ParserOutput] = []
        for chunk in chunks {
            chunk.withUnsafeBytes { parser.feed($0) }
            drain: while true {
                switch parser.next() {
                case .needMoreBytes:
                    break drain
                case .sendContinue(let head):
                    outputs.append(.sendContinue(head))
                case .request(let request):
                    outputs.append(.request(request))
                case .failed(let error):
                    outputs.append(.failed(error))
                    return outputs
                }
            }
        }
        return outputs
    }

    /// Verifies every way of cutting `input`; `everySplit` can be turned off for very large inputs.
    @discardableResult
    static func verify(
        _ input: [UInt8],
        limits: HTTPLimits = HTTPLimits(),
        everySplit: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [ParserOutput] {
        let whole = run([input[...]], limits: limits)

        let bytewise = run(input.indices.map { input[$0...$0] }, limits: limits)
        #expect(bytewise == whole, "byte by byte differs from whole", sourceLocation: sourceLocation)

        if everySplit {
            for cut in 0...input.count {
                let split = run([input[..<cut], input[cut...]], limits: limits)
                if split != whole {
                    Issue.record("split at \(cut) gives \(split), whole gives \(whole)", sourceLocation: sourceLocation)
                    break
                }
            }
        }

        var random = SplitMix64(seed: UInt64(input.count))
        for round in 0..<20 {
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < input.count {
                let length = Int(random.next() % 17) + 1
                let end = min(start + length, input.count)
                chunks.append(input[start..<end])
                start = end
            }
            let pieces = run(chunks, limits: limits)
            if pieces != whole {
                Issue.record("random pieces round \(round) differ", sourceLocation: sourceLocation)
                break
            }
        }
        return whole
    }

    static func verify(
        _ text: String,
        limits: HTTPLimits = HTTPLimits(),
        everySplit: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [ParserOutput] {
        verify(Array(text.utf8), limits: limits, everySplit: everySplit, sourceLocation: sourceLocation)
    }

    /// The requests of a verified input that must parse without error.
    static func requests(
        _ text: String,
        limits: HTTPLimits = HTTPLimits(),
        everySplit: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [HTTPRequest] {
        let outputs = verify(text, limits: limits, everySplit: everySplit, sourceLocation: sourceLocation)
        return outputs.compactMap {
            switch $0 {
            case .request(let request): return request
            case .failed(let error):
                Issue.record("unexpected failure \(error)", sourceLocation: sourceLocation)
                return nil
            case .sendContinue: return nil
            }
        }
    }

    /// The error a verified input ends in, or nil (recorded as an issue) if it does not fail.
    static func failure(
        _ text: String,
        limits: HTTPLimits = HTTPLimits(),
        everySplit: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> HTTPParseError? {
        failure(Array(text.utf8), limits: limits, everySplit: everySplit, sourceLocation: sourceLocation)
    }

    static func failure(
        _ input: [UInt8],
        limits: HTTPLimits = HTTPLimits(),
        everySplit: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> HTTPParseError? {
        let outputs = verify(input, limits: limits, everySplit: everySplit, sourceLocation: sourceLocation)
        guard case .failed(let error) = outputs.last else {
            Issue.record("expected a failure, got \(outputs)", sourceLocation: sourceLocation)
            return nil
        }
        return error
    }
}

/// A tiny deterministic generator, so random splits are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
