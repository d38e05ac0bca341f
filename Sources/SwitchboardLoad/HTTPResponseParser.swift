/// An incremental HTTP/1.1 response parser (RFC 9112) for the harness's client: feed it bytes as
/// they arrive, ask for the next response; "need more bytes" is a normal answer (STYLE.md habit 4).
/// Handles Content-Length and chunked bodies, keep-alive and `Connection: close`, HTTP/1.0, 1xx
/// interim answers, and bodies that end at the close. It reads only the three header fields
/// framing depends on, and nothing is allocated per response once the buffers have grown.
struct HTTPResponseParser {
    struct Limits: Hashable, Sendable {
        /// Status line and header fields together.
        var maxHeadBytes = 16 * 1024
        var maxBodyBytes = 1024 * 1024
    }

    struct Head: Hashable, Sendable {
        var status: Int
        /// Whether the connection may carry another request after this response.
        var keepAlive: Bool
    }

    enum Action: Hashable {
        case needMore
        /// A whole response; its body is in `body` until the next call.
        case response(Head)
    }

    enum State: Hashable {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        /// No length given: the body is everything until the server closes (RFC 9112 §6.3 rule 8).
        case untilClose
    }

    let limits: Limits
    var buffer: [UInt8] = []
    /// The first byte not yet consumed.
    var position = 0
    /// Where the search for the end of the current line resumes, and where that line began.
    var scan = 0
    var lineStart = 0
    var state = State.head
    var current = Head(status: 0, keepAlive: false)
    /// Head lines read so far for the response in progress (0: the status line is next) and their bytes.
    var headLines = 0
    var headBytes = 0
    /// Framing fields of the head in progress.
    var contentLength: Int?
    var chunked = false
    var otherTransferCoding = false
    var http10 = false
    var connectionClose = false
    var connectionKeepAlive = false
    var body: [UInt8] = []

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes of a response have arrived and it is not complete.
    var isMidResponse: Bool { state != .head || position < buffer.count }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Forgets everything: the connection was closed and a new one starts clean.
    mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        body.removeAll(keepingCapacity: true)
        position = 0
        scan = 0
        lineStart = 0
        state = .head
        headLines = 0
        headBytes = 0
    }

    /// Drops consumed bytes, cheaply when everything was consumed (the usual case: one response
    /// per read).
    private mutating func compact() {
        guard position > 0 else { return }
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if position >= 64 * 1024 {
            buffer.removeFirst(position)
        } else {
            return
        }
        scan -= position
        lineStart -= position
        position = 0
    }

    /// The next complete response, or `.needMore`.
    mutating func next() throws(ResponseParseError) -> Action {
        while true {
            switch state {
            case .head:
                guard let line = try findLineEnd(limit: limits.maxHeadBytes, isHead: true) else { return .needMore }
                guard try parseHeadLine(from: line.start, to: line.end) else { continue }
                if let action = try beginBody() { return action }
            case .fixed(let remaining):
                let take = Swift.min(remaining, buffer.count - position)
                body.append(contentsOf: buffer[position..<position + take])
                position += take
                if take == remaining { return complete() }
                state = .fixed(remaining: remaining - take)
                return .needMore
            case .chunkSize:
                guard let line = try findLineEnd(limit: 1024, isHead: false) else { return .needMore }
                let size = try chunkSize(from: line.start, to: line.end)
                if size == 0 {
                    state = .trailers
                } else {
                    guard body.count + size <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let take = Swift.min(remaining, buffer.count - position)
                body.append(contentsOf: buffer[position..<position + take])
                position += take
                guard take == remaining else {
                    state = .chunkData(remaining: remaining - take)
                    return .needMore
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                // The CRLF after a chunk's data (RFC 9112 §7.1); a bare LF is accepted (§2.2).
                guard position < buffer.count else { return .needMore }
                if buffer[position] == HTTPResponseParser.lf {
                    position += 1
                } else {
                    guard buffer[position] == HTTPResponseParser.cr else { throw .malformedChunk("no CRLF after the chunk data") }
                    guard position + 1 < buffer.count else { return .needMore }
                    guard buffer[position + 1] == HTTPResponseParser.lf else { throw .malformedChunk("no CRLF after the chunk data") }
                    position += 2
                }
                startLine()
                state = .chunkSize
            case .trailers:
                guard let line = try findLineEnd(limit: limits.maxHeadBytes, isHead: false) else { return .needMore }
                if line.start == line.end { return complete() }
            case .untilClose:
                let available = buffer.count - position
                guard body.count + available <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
                body.append(contentsOf: buffer[position...])
                position = buffer.count
                return .needMore
            }
        }
    }

    /// The server closed the connection: a body that runs to the close is complete now; a
    /// response cut anywhere else is an error. nil when nothing was pending.
    mutating func finish() throws(ResponseParseError) -> Head? {
        switch state {
        case .untilClose:
            _ = try next()
            let head = current
            state = .head
            return head
        case .head where position == buffer.count:
            return nil
        default:
            throw .truncated
        }
    }

    private mutating func complete() -> Action {
        state = .head
        startLine()
        return .response(current)
    }

    mutating func startLine() {
        scan = position
        lineStart = position
    }

    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")

    /// Finds the LF ending the line that starts at `lineStart` and consumes the line; returns
    /// where its content starts and ends (before the CR, if any). More than `limit` bytes (of the
    /// whole head, for head lines) without one is an error.
    private mutating func findLineEnd(limit: Int, isHead: Bool) throws(ResponseParseError) -> (start: Int, end: Int)? {
        let found: Int? = buffer.withUnsafeBufferPointer { bytes in
            var index = scan
            while index < bytes.count {
                if bytes[index] == HTTPResponseParser.lf { return index }
                index += 1
            }
            return nil
        }
        let consumedBefore = isHead ? headBytes : 0
        guard let newline = found else {
            scan = buffer.count
            if consumedBefore + buffer.count - lineStart > limit {
                throw isHead ? .headTooLarge(limit: limit) : .malformedChunk("a chunk line is longer than \(limit) bytes")
            }
            return nil
        }
        if consumedBefore + newline + 1 - lineStart > limit {
            throw isHead ? .headTooLarge(limit: limit) : .malformedChunk("a chunk line is longer than \(limit) bytes")
        }
        let start = lineStart
        let end = newline > start && buffer[newline - 1] == HTTPResponseParser.cr ? newline - 1 : newline
        if isHead { headBytes += newline + 1 - start }
        position = newline + 1
        startLine()
        return (start, end)
    }

}
