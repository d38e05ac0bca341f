/// The message body: Content-Length bytes, or the chunked coding (RFC 9112 §6, §7.1).
extension HTTPRequestParser {
    /// Copies whatever part of the body has arrived, in one bulk append per call.
    mutating func readFixedBody(_ head: HTTPRequestHead, remaining: Int) -> Action? {
        let take = min(buffer.count - readIndex, remaining)
        if take == 0 { return .needMoreBytes }
        body.append(contentsOf: buffer[readIndex..<(readIndex + take)])
        readIndex += take
        if take == remaining { return complete(head) }
        phase = .fixedBody(head, remaining: remaining - take)
        return .needMoreBytes
    }

    /// `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1). A zero size starts the trailer section.
    mutating func readChunkSizeLine(_ head: HTTPRequestHead) throws(HTTPParseError) -> Action? {
        let maxRaw = limits.maxChunkLineLength + 1
        switch scanLine() {
        case .incomplete(let pending):
            if pending > maxRaw { throw .chunkLineTooLong }
            return .needMoreBytes
        case .complete(let lf):
            if lf - readIndex > maxRaw { throw .chunkLineTooLong }
            let content = try lineContent(endingAt: lf)
            let size = try buffer.withUnsafeBufferPointer { bytes throws(HTTPParseError) in
                try Self.parseChunkSizeLine(UnsafeBufferPointer(rebasing: bytes[content]))
            }
            readIndex = lf + 1
            if size == 0 {
                sectionBytes = 0
                sectionFields = 0
                phase = .trailers(head)
                return nil
            }
            // Checked per chunk, before its data is read, so the body never exceeds the limit.
            if size > limits.maxBodyBytes - body.count { throw .bodyTooLarge }
            phase = .chunkData(head, remaining: size)
            return nil
        }
    }

    mutating func readChunkData(_ head: HTTPRequestHead, remaining: Int) -> Action? {
        let take = min(buffer.count - readIndex, remaining)
        if take == 0 { return .needMoreBytes }
        body.append(contentsOf: buffer[readIndex..<(readIndex + take)])
        readIndex += take
        phase = take == remaining ? .chunkDataEnd(head) : .chunkData(head, remaining: remaining - take)
        return nil
    }

    /// The CRLF after chunk data. Anything else means the chunk size lied about the data, which is
    /// exactly the disagreement smuggling relies on, so it is refused.
    mutating func readChunkDataEnd(_ head: HTTPRequestHead) throws(HTTPParseError) -> Action? {
        let available = buffer.count - readIndex
        if available == 0 { return .needMoreBytes }
        guard buffer[readIndex] == HTTPByte.cr else { throw .invalidChunkTerminator }
        if available == 1 { return .needMoreBytes }
        guard buffer[readIndex + 1] == HTTPByte.lf else { throw .invalidChunkTerminator }
        readIndex += 2
        phase = .chunkSize(head)
        return nil
    }

    /// `trailer-section = *( field-line CRLF )` then CRLF (RFC 9112 §7.1.2). Trailer fields are
    /// checked like header fields and bounded by the header limits, then dropped: nothing here
    /// needs them, and §7.1.2 forbids merging them into the header section blindly.
    mutating func readTrailerLine(_ head: HTTPRequestHead) throws(HTTPParseError) -> Action? {
        guard let content = try readFieldSectionLine() else { return .needMoreBytes }
        if content.isEmpty { return complete(head) }
        _ = try buffer.withUnsafeBufferPointer { bytes throws(HTTPParseError) in
            try Self.parseFieldLine(UnsafeBufferPointer(rebasing: bytes[content]))
        }
        return nil
    }

    /// Parses `chunk-size [ chunk-ext ]`: 1 to 16 hex digits (leading zeros count; more digits
    /// could only be padding or overflow, and refusing them bounds the work), a value that fits in
    /// an Int, then optionally `BWS ";"` and an extension (RFC 9112 §7.1.1) that is accepted and
    /// ignored, provided it holds no control characters.
    static func parseChunkSizeLine(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> Int {
        let count = line.count
        var index = 0
        var size: UInt64 = 0
        while index < count, let digit = HTTPByte.hexValue(line[index]) {
            if index == 16 { throw .invalidChunkSize }
            size = size << 4 | UInt64(digit)
            index += 1
        }
        guard index > 0, size <= UInt64(Int.max) else { throw .invalidChunkSize }
        if index == count { return Int(size) }

        // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
        while index < count, HTTPByte.isWhitespace(line[index]) { index += 1 }
        guard index < count, line[index] == HTTPByte.semicolon else { throw .invalidChunkSize }
        for position in index..<count where !HTTPByte.isFieldValueByte(line[position]) {
            throw .invalidChunkExtension
        }
        return Int(size)
    }
}
