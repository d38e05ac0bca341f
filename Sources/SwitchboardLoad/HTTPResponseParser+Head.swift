extension HTTPResponseParser {
    /// One line of the head; true when it is the blank line that ends it.
    mutating func parseHeadLine(from start: Int, to end: Int) throws(ResponseParseError) -> Bool {
        if headLines == 0 {
            try parseStatusLine(from: start, to: end)
            headLines = 1
            return false
        }
        if start == end { return true }
        headLines += 1
        try parseField(from: start, to: end)
        return false
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]` (RFC 9112 §4). The reason phrase is ignored, and may be
    /// missing altogether (some servers drop the SP before an empty one).
    private mutating func parseStatusLine(from start: Int, to end: Int) throws(ResponseParseError) {
        let prefix: [UInt8] = Array("HTTP/1.".utf8)
        guard end - start >= 12, buffer[start..<start + 7].elementsEqual(prefix) else { throw .malformedStatusLine }
        let minor = buffer[start + 7]
        guard minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1"), buffer[start + 8] == UInt8(ascii: " ") else {
            throw .malformedStatusLine
        }
        var status = 0
        for index in start + 9..<start + 12 {
            let digit = buffer[index] &- UInt8(ascii: "0")
            guard digit < 10 else { throw .malformedStatusLine }
            status = status * 10 + Int(digit)
        }
        guard status >= 100, end == start + 12 || buffer[start + 12] == UInt8(ascii: " ") else { throw .malformedStatusLine }
        current = Head(status: status, keepAlive: false)
        http10 = minor == UInt8(ascii: "0")
        contentLength = nil
        chunked = false
        otherTransferCoding = false
        connectionClose = false
        connectionKeepAlive = false
    }

    /// `name: OWS value OWS` (RFC 9112 §5). Only the framing fields are read.
    private mutating func parseField(from start: Int, to end: Int) throws(ResponseParseError) {
        guard let colon = buffer[start..<end].firstIndex(of: UInt8(ascii: ":")), colon > start else {
            throw .malformedHeader("a header line has no field name and colon")
        }
        // No whitespace between the name and the colon (RFC 9112 §5.1: reject, a smuggling vector).
        guard !buffer[start..<colon].contains(where: { $0 == 0x20 || $0 == 0x09 }) else {
            throw .malformedHeader("whitespace inside a header field name")
        }
        var valueStart = colon + 1
        var valueEnd = end
        while valueStart < valueEnd, buffer[valueStart] == 0x20 || buffer[valueStart] == 0x09 { valueStart += 1 }
        while valueEnd > valueStart, buffer[valueEnd - 1] == 0x20 || buffer[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let name = buffer[start..<colon]
        if equalsIgnoringCase(name, "content-length") {
            try readContentLength(buffer[valueStart..<valueEnd])
        } else if equalsIgnoringCase(name, "transfer-encoding") {
            for token in tokens(buffer[valueStart..<valueEnd]) {
                // Only the last coding decides the framing (RFC 9112 §6.3 rule 4).
                chunked = equalsIgnoringCase(token, "chunked")
                if !chunked { otherTransferCoding = true }
            }
            if !chunked { otherTransferCoding = true }
        } else if equalsIgnoringCase(name, "connection") {
            for token in tokens(buffer[valueStart..<valueEnd]) {
                if equalsIgnoringCase(token, "close") { connectionClose = true }
                if equalsIgnoringCase(token, "keep-alive") { connectionKeepAlive = true }
            }
        }
    }

    /// Digits only; a list of equal values is the same value (RFC 9110 §8.6), anything else is an error.
    private mutating func readContentLength(_ value: ArraySlice<UInt8>) throws(ResponseParseError) {
        let parts = tokens(value)
        guard !parts.isEmpty else { throw .invalidContentLength }
        for part in parts {
            guard part.count <= 18, part.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { throw .invalidContentLength }
            let length = part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            if let earlier = contentLength, earlier != length { throw .invalidContentLength }
            contentLength = length
        }
    }

    /// After the blank line: decides how the body is framed (RFC 9112 §6.3). A response without a
    /// body is complete at once; an interim (1xx) one is skipped.
    mutating func beginBody() throws(ResponseParseError) -> Action? {
        headLines = 0
        headBytes = 0
        body.removeAll(keepingCapacity: true)
        current.keepAlive = !connectionClose && (!http10 || connectionKeepAlive)
        let status = current.status
        if status == 101 { throw .unsupportedStatus(status) }
        if status < 200 {
            state = .head
            return nil
        }
        if status == 204 || status == 304 {
            state = .head
            startLine()
            return .response(current)
        }
        if chunked || otherTransferCoding {
            // Transfer-Encoding overrides Content-Length (rule 3); a non-chunked coding runs to the close.
            if chunked {
                state = .chunkSize
            } else {
                current.keepAlive = false
                state = .untilClose
            }
            return nil
        }
        if let length = contentLength {
            guard length <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
            if length == 0 {
                state = .head
                startLine()
                return .response(current)
            }
            state = .fixed(remaining: length)
            return nil
        }
        current.keepAlive = false
        state = .untilClose
        return nil
    }

    /// `1*HEXDIG [ BWS ; ext ]` (RFC 9112 §7.1); extensions are ignored.
    func chunkSize(from start: Int, to end: Int) throws(ResponseParseError) -> Int {
        var size = 0
        var digits = 0
        var index = start
        while index < end {
            let byte = buffer[index] | 0x20
            let value: Int
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                value = Int(byte - UInt8(ascii: "0"))
            } else if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f") {
                value = Int(byte - UInt8(ascii: "a")) + 10
            } else {
                break
            }
            size = size << 4 | value
            digits += 1
            guard digits <= 15 else { throw .malformedChunk("a chunk size has more than 15 hex digits") }
            index += 1
        }
        guard digits > 0 else { throw .malformedChunk("a chunk line does not start with its size in hex") }
        while index < end, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 }
        guard index == end || buffer[index] == UInt8(ascii: ";") else { throw .malformedChunk("a chunk size is followed by something other than an extension") }
        return size
    }

    /// Comma-separated list elements, trimmed, empty ones dropped (RFC 9110 §5.6.1).
    private func tokens(_ value: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        value.split(separator: UInt8(ascii: ",")).map { element in
            var slice = element
            while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
            while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
            return slice
        }.filter { !$0.isEmpty }
    }

    private func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            var index = 0
            for byte in bytes {
                let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                guard folded == expected[index] else { return false }
                index += 1
            }
            return true
        }
    }
}

/// Why a response could not be read. The connection is closed after one: its framing is lost.
enum ResponseParseError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformedStatusLine
    case malformedHeader(String)
    case invalidContentLength
    case headTooLarge(limit: Int)
    case bodyTooLarge(limit: Int)
    case malformedChunk(String)
    case truncated
    case unsupportedStatus(Int)

    var description: String {
        switch self {
        case .malformedStatusLine: "the status line is not HTTP/1.x followed by a three-digit status"
        case .malformedHeader(let detail): "malformed header: \(detail)"
        case .invalidContentLength: "Content-Length is not one non-negative decimal number"
        case .headTooLarge(let limit): "the response head is over \(limit) bytes"
        case .bodyTooLarge(let limit): "the response body is over \(limit) bytes"
        case .malformedChunk(let detail): "malformed chunked body: \(detail)"
        case .truncated: "the connection closed in the middle of a response"
        case .unsupportedStatus(let status): "status \(status) (protocol switch) is not expected from this server"
        }
    }
}
