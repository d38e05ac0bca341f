/// An incremental HTTP/1.1 request parser (RFC 9112): a pure state machine with no I/O.
///
/// The connection layer feeds it whatever bytes a read returned and pulls actions until it says
/// `.needMoreBytes`:
///
/// ```swift
/// parser.feed(readBytes)
/// loop: while true {
///     switch parser.next() {
///     case .needMoreBytes: break loop
///     case .sendContinue: write "HTTP/1.1 100 Continue\r\n\r\n" (HTTPResponseEncoder.encodeContinue)
///     case .request(let request): answer it; if !request.keepAlive, close after the response
///     case .failed(let error): answer error.status with Connection: close, then close
///     }
/// }
/// ```
///
/// Pipelined requests come out one after another from one buffer, so answering them in the order
/// they come out answers them in order (RFC 9112 §9.3.2). Call `next()` again only once the previous
/// request's response is queued, so that a `.sendContinue` for the next request cannot overtake it.
///
/// Choices where the RFCs allow several (each is refused with a status, then the connection closes):
/// - Lines must end in CRLF. A bare LF is refused (400 `bare_lf`) although RFC 9112 §2.2 allows
///   accepting it: parsers that disagree on line ends are how requests get smuggled.
/// - A bare CR anywhere in the head or a chunk line is refused (400 `bare_cr`, RFC 9112 §2.2).
/// - `Transfer-Encoding: gzip, chunked` is well framed but undecodable: 501 (RFC 9112 §6.1).
///   `chunked, gzip`, `identity`, `gzip` alone: chunked is not final, so 400 (RFC 9112 §6.3).
/// - Repeated identical Content-Length values (`5, 5` or two lines of `5`) are accepted as one
///   (RFC 9110 §8.6); differing values are refused (400).
/// - Transfer-Encoding with Content-Length is refused (400), not resolved in favour of TE.
/// - Expectations other than 100-continue are ignored (RFC 9110 §10.1.1 permits 417, not required).
/// - `.sendContinue` is surfaced for every HTTP/1.1 request with `Expect: 100-continue` and a body,
///   even if the body has already arrived (RFC 9110 §10.1.1 lets the server omit it then, but
///   sending it is always correct), so the output does not depend on how the bytes were split.
///
/// After a request with `keepAlive == false` the parser is closed: further bytes are dropped and
/// `next()` returns `.needMoreBytes` (RFC 9112 §9.6: no further requests may be processed). After a
/// failure it stays failed and returns the same error.
///
/// Cost: the buffer grows by bulk appends; lines are found with memchr and scanning resumes where
/// it stopped, so feeding one byte at a time is still linear; strings are made once per method,
/// target, field name and field value; a body is copied once, from the buffer into its array.
public struct HTTPRequestParser: Sendable {
    /// What the connection layer should do next.
    public enum Action: Hashable, Sendable {
        /// Read more bytes and `feed` them.
        case needMoreBytes
        /// The head is complete, the client sent `Expect: 100-continue` and waits for a `100 Continue`
        /// before sending the body. The body follows as `.request`.
        case sendContinue(HTTPRequestHead)
        /// A complete request.
        case request(HTTPRequest)
        /// The request is malformed or over a limit: answer `error.status` and close.
        case failed(HTTPParseError)
    }

    enum Phase: Sendable {
        case requestLine
        case headerLines
        case fixedBody(HTTPRequestHead, remaining: Int)
        case chunkSize(HTTPRequestHead)
        case chunkData(HTTPRequestHead, remaining: Int)
        case chunkDataEnd(HTTPRequestHead)
        case trailers(HTTPRequestHead)
        case closed
        case failed(HTTPParseError)
    }

    /// The outcome of looking for the end of the current line.
    enum LineScan {
        /// `lf` is the index of the line's LF in `buffer`.
        case complete(lf: Int)
        /// No LF yet; `pending` bytes of the line are buffered.
        case incomplete(pending: Int)
    }

    public let limits: HTTPLimits

    /// Bytes received and not yet consumed start at `readIndex`.
    var buffer: [UInt8] = []
    var readIndex = 0
    /// How many bytes after `readIndex` are known to hold no LF, so a rescan starts after them.
    var scanned = 0
    var phase = Phase.requestLine
    var emptyLinesSkipped = 0
    /// Bytes and field lines of the header (or trailer) section so far, for the limits.
    var sectionBytes = 0
    var sectionFields = 0
    var builder = HTTPHeadBuilder()
    /// The body being collected; kept outside `phase` so appending never copies it.
    var body: [UInt8] = []

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Appends received bytes. Bytes after a failure or after the last request of a closing
    /// connection are dropped.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard acceptsBytes, !bytes.isEmpty else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes; see `feed(_:)` for raw buffers.
    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Whether part of a request has been received and not yet completed, for the connection layer's
    /// timeouts and for deciding whether an EOF cut a request short.
    public var isMidRequest: Bool {
        switch phase {
        case .requestLine: readIndex < buffer.count
        case .closed, .failed: false
        default: true
        }
    }

    /// The next action; `.needMoreBytes` when the buffered bytes hold no further complete event.
    public mutating func next() -> Action {
        while true {
            do {
                if let action = try step() { return action }
            } catch {
                phase = .failed(error)
                buffer = []
                readIndex = 0
                return .failed(error)
            }
        }
    }

    /// Advances by one phase; nil when progress was made and the loop should go on.
    private mutating func step() throws(HTTPParseError) -> Action? {
        switch phase {
        case .requestLine: return try readRequestLine()
        case .headerLines: return try readHeaderLine()
        case .fixedBody(let head, let remaining): return readFixedBody(head, remaining: remaining)
        case .chunkSize(let head): return try readChunkSizeLine(head)
        case .chunkData(let head, let remaining): return readChunkData(head, remaining: remaining)
        case .chunkDataEnd(let head): return try readChunkDataEnd(head)
        case .trailers(let head): return try readTrailerLine(head)
        case .closed: return .needMoreBytes
        case .failed(let error): return .failed(error)
        }
    }

    private var acceptsBytes: Bool {
        switch phase {
        case .closed, .failed: false
        default: true
        }
    }

    /// Drops consumed bytes. Cheap when everything was consumed (the common case between requests);
    /// otherwise it moves the unconsumed tail down only once at least half the buffer is consumed,
    /// so each byte is moved a bounded number of times.
    private mutating func compact() {
        if readIndex == buffer.count {
            // A large body can leave a large allocation behind; give it back rather than keep it
            // for the life of an idle keep-alive connection.
            if buffer.capacity > 64 * 1024 {
                buffer = []
            } else {
                buffer.removeAll(keepingCapacity: true)
            }
            readIndex = 0
        } else if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    /// Looks for the LF ending the line that starts at `readIndex`, resuming after what was
    /// already scanned.
    mutating func scanLine() -> LineScan {
        let from = readIndex + scanned
        let lf = buffer.withUnsafeBufferPointer { bytes in
            HTTPByte.firstIndex(of: HTTPByte.lf, in: bytes, range: from..<bytes.count)
        }
        if let lf {
            scanned = 0
            return .complete(lf: lf)
        }
        scanned = buffer.count - readIndex
        return .incomplete(pending: scanned)
    }

    /// The content of the line ending at `lf`, without its CRLF, after checking the line ending.
    ///
    /// Callers check length limits before calling this, so that the error for a line that is both
    /// too long and malformed does not depend on whether its LF had arrived yet.
    func lineContent(endingAt lf: Int) throws(HTTPParseError) -> Range<Int> {
        // RFC 9112 §2.2: we require CRLF; a bare LF is refused (see the type's documentation).
        guard lf > readIndex, buffer[lf - 1] == HTTPByte.cr else { throw .bareLF }
        let content = readIndex..<(lf - 1)
        let hasCR = buffer.withUnsafeBufferPointer { bytes in
            HTTPByte.firstIndex(of: HTTPByte.cr, in: bytes, range: content) != nil
        }
        // RFC 9112 §2.2: a bare CR must be refused or replaced; refusing avoids ambiguity.
        if hasCR { throw .bareCR }
        return content
    }

    /// Emits the finished request and gets ready for the next one (or closes).
    mutating func complete(_ head: HTTPRequestHead) -> Action {
        let request = HTTPRequest(head: head, body: body)
        body = []
        emptyLinesSkipped = 0
        if head.keepAlive {
            phase = .requestLine
            // Between requests is when the buffer is usually empty: reset it (and release a large
            // allocation) now rather than when the next read arrives, which may be much later.
            if readIndex == buffer.count { compact() }
        } else {
            phase = .closed
            buffer = []
            readIndex = 0
        }
        return .request(request)
    }
}
