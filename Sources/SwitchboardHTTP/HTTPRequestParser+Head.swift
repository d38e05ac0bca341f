/// The message head: request line and header field lines (RFC 9112 §2–§5).
extension HTTPRequestParser {
    mutating func readRequestLine() throws(HTTPParseError) -> Action? {
        // The line's raw length (before the LF) may be the limit plus its CR.
        let maxRaw = limits.maxRequestLineLength + 1
        switch scanLine() {
        case .incomplete(let pending):
            if pending > maxRaw { throw .requestLineTooLong }
            return .needMoreBytes
        case .complete(let lf):
            if lf - readIndex > maxRaw { throw .requestLineTooLong }
            let content = try lineContent(endingAt: lf)
            readIndex = lf + 1
            if content.isEmpty {
                // RFC 9112 §2.2: empty lines before the request line are ignored, up to a bound.
                emptyLinesSkipped += 1
                if emptyLinesSkipped > limits.maxLeadingEmptyLines { throw .tooManyEmptyLines }
                return nil
            }
            let line = try buffer.withUnsafeBufferPointer { bytes throws(HTTPParseError) in
                try Self.parseRequestLine(UnsafeBufferPointer(rebasing: bytes[content]))
            }
            let target = try Self.routableTarget(line.target, method: line.method)
            builder.start(method: line.method, target: target, version: line.version)
            phase = .headerLines
            sectionBytes = 0
            sectionFields = 0
            return nil
        }
    }

    mutating func readHeaderLine() throws(HTTPParseError) -> Action? {
        guard let content = try readFieldSectionLine() else { return .needMoreBytes }
        if content.isEmpty { return try finishHead() }
        try buffer.withUnsafeBufferPointer { bytes throws(HTTPParseError) in
            let line = UnsafeBufferPointer(rebasing: bytes[content])
            let (name, value) = try Self.parseFieldLine(line)
            let nameBytes = UnsafeBufferPointer(rebasing: line[name])
            let valueBytes = UnsafeBufferPointer(rebasing: line[value])
            // Kept as bytes (no String per field); the framing fields are read from the same bytes.
            try builder.add(name: nameBytes, value: valueBytes, meaning: HTTPFieldMeaning.interpret(name: nameBytes, value: valueBytes))
        }
        return nil
    }

    /// Reads one line of a header or trailer section, enforcing the section's byte and field
    /// limits. Returns nil when the line is not complete yet, the content range otherwise (empty
    /// for the section's final empty line).
    mutating func readFieldSectionLine() throws(HTTPParseError) -> Range<Int>? {
        switch scanLine() {
        case .incomplete(let pending):
            // The line will be at least `pending` bytes plus its LF.
            if sectionBytes + pending + 1 > limits.maxHeaderBytes { throw .headerTooLarge }
            return nil
        case .complete(let lf):
            let lineBytes = lf + 1 - readIndex
            if sectionBytes + lineBytes > limits.maxHeaderBytes { throw .headerTooLarge }
            let content = try lineContent(endingAt: lf)
            sectionBytes += lineBytes
            readIndex = lf + 1
            if !content.isEmpty {
                sectionFields += 1
                if sectionFields > limits.maxHeaderCount { throw .tooManyHeaders }
            }
            return content
        }
    }

    /// The head is complete: decide framing and move to the body, or emit a body-less request.
    private mutating func finishHead() throws(HTTPParseError) -> Action? {
        let (head, framing) = try builder.finish(limits: limits)
        switch framing {
        case .none:
            return complete(head)
        case .length(let length):
            // Reserve what is announced, but not more than a modest amount up front: a client
            // that announces a large body and sends nothing should not cost its full size.
            body.reserveCapacity(min(length, 64 * 1024))
            phase = .fixedBody(head, remaining: length)
        case .chunked:
            phase = .chunkSize(head)
        }
        return head.expectContinue ? .sendContinue(head) : nil
    }

    /// `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3), with exactly one SP
    /// between the parts: we do not take the §3 option of splitting on any whitespace.
    static func parseRequestLine(
        _ line: UnsafeBufferPointer<UInt8>
    ) throws(HTTPParseError) -> (method: String, target: String, version: HTTPVersion) {
        let count = line.count
        var index = 0
        while index < count, HTTPByte.isTchar(line[index]) { index += 1 }
        guard index < count, line[index] == HTTPByte.sp, index > 0 else {
            if index < count, !HTTPByte.isWhitespace(line[index]) { throw .invalidMethod }
            throw .invalidRequestLine
        }
        let method = 0..<index
        index += 1

        let targetStart = index
        while index < count, HTTPByte.isTargetByte(line[index]) { index += 1 }
        guard index < count, line[index] == HTTPByte.sp, index > targetStart else {
            if index < count, line[index] != HTTPByte.sp { throw .invalidTarget }
            throw .invalidRequestLine
        }
        let target = targetStart..<index
        index += 1

        // RFC 9112 §2.3: HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive.
        let version = UnsafeBufferPointer(rebasing: line[index...])
        guard version.count == 8, version.starts(with: "HTTP/".utf8), HTTPByte.isDigit(version[5]),
            version[6] == UInt8(ascii: "."), HTTPByte.isDigit(version[7])
        else { throw .invalidVersion }
        let parsed: HTTPVersion
        switch (version[5], version[7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "1")): parsed = .http11
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): parsed = .http10
        default: throw .unsupportedVersion
        }
        return (
            String(decoding: UnsafeBufferPointer(rebasing: line[method]), as: UTF8.self),
            String(decoding: UnsafeBufferPointer(rebasing: line[target]), as: UTF8.self),
            parsed
        )
    }

    /// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5). Returns the ranges of the
    /// name and of the value with OWS trimmed; `line` is non-empty and holds no CR or LF.
    static func parseFieldLine(
        _ line: UnsafeBufferPointer<UInt8>
    ) throws(HTTPParseError) -> (name: Range<Int>, value: Range<Int>) {
        // RFC 9112 §5.2: a line starting with whitespace is obs-fold (or, right after the request
        // line, whitespace that §2.2 says to reject). We refuse it rather than unfold it.
        if HTTPByte.isWhitespace(line[0]) { throw .obsoleteLineFolding }
        let count = line.count
        var index = 0
        while index < count, HTTPByte.isTchar(line[index]) { index += 1 }
        guard index < count, line[index] == HTTPByte.colon, index > 0 else {
            // RFC 9112 §5.1: whitespace between name and colon MUST be refused with 400.
            var next = index
            while next < count, HTTPByte.isWhitespace(line[next]) { next += 1 }
            if index > 0, next > index, next < count, line[next] == HTTPByte.colon {
                throw .whitespaceBeforeColon
            }
            throw .invalidHeaderName
        }
        let name = 0..<index
        index += 1
        var end = count
        while index < end, HTTPByte.isWhitespace(line[index]) { index += 1 }
        while end > index, HTTPByte.isWhitespace(line[end - 1]) { end -= 1 }
        for position in index..<end where !HTTPByte.isFieldValueByte(line[position]) {
            throw .invalidHeaderValue
        }
        return (name, index..<end)
    }
}
