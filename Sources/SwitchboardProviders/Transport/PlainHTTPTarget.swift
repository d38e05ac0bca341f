/// An `http://` URL at a numeric host (or `localhost`), split for the client; nil for anything the
/// pooled client does not take (another scheme, a name to resolve, user info, a byte that is not
/// ASCII).
///
/// Parsed over the URL's UTF-8 bytes, because every push parses one: the same split as a parse over
/// Characters, at a fraction of its cost (Character iteration, lowercased copies and Foundation's
/// substring search were a tenth of a push thread's time). A URL with a byte that is not ASCII goes
/// to the fallback transport instead: the adapters percent-encode every path segment and refuse a
/// base URL that is not visible ASCII, so none reaches here, and bytes are only Characters for ASCII.
struct PlainHTTPTarget: Equatable {
    /// Where a connection goes, and what the pool keeps idle connections by.
    struct Origin: Hashable {
        var host: String
        var port: UInt16
    }

    /// Lowercase.
    var host: String
    var port: UInt16
    /// The request target: path and query, at least "/" (the fragment is not sent).
    var path: String

    var origin: Origin { Origin(host: host, port: port) }

    init(host: String, port: UInt16, path: String) {
        self.host = host
        self.port = port
        self.path = path
    }

    init?(_ url: String) {
        var url = url
        guard let target = url.withUTF8({ PlainHTTPTarget.parse($0) }) else { return nil }
        self = target
    }

    private static func parse(_ url: UnsafeBufferPointer<UInt8>) -> PlainHTTPTarget? {
        let scheme: StaticString = "http://"
        let prefix = scheme.utf8CodeUnitCount
        guard url.count > prefix, url.allSatisfy({ $0 < 0x80 }) else { return nil }
        for offset in 0..<prefix where lowercased(url[offset]) != scheme.utf8Start[offset] { return nil }
        // RFC 3986 §3.2: the authority ends at the first "/", "?" or "#".
        var authorityEnd = prefix
        while authorityEnd < url.count, url[authorityEnd] != UInt8(ascii: "/"), url[authorityEnd] != UInt8(ascii: "?"),
            url[authorityEnd] != UInt8(ascii: "#")
        {
            authorityEnd += 1
        }
        guard authorityEnd > prefix, !url[prefix..<authorityEnd].contains(UInt8(ascii: "@")) else { return nil }
        var hostRange = prefix..<authorityEnd
        var port: UInt16 = 80
        if url[prefix] == UInt8(ascii: "[") {
            // An IP literal (§3.2.2), then an optional ":port".
            guard let close = url[hostRange].firstIndex(of: UInt8(ascii: "]")) else { return nil }
            if close + 1 < authorityEnd {
                guard url[close + 1] == UInt8(ascii: ":"), let value = parsePort(url[(close + 2)..<authorityEnd]) else { return nil }
                port = value
            }
            hostRange = (prefix + 1)..<close
        } else if let colon = url[hostRange].lastIndex(of: UInt8(ascii: ":")) {
            guard let value = parsePort(url[(colon + 1)..<authorityEnd]) else { return nil }
            port = value
            hostRange = prefix..<colon
        }
        let hostBytes = url[hostRange].lazy.map(lowercased)
        guard hostBytes.elementsEqual("localhost".utf8) || isNumeric(hostBytes) else { return nil }
        var pathEnd = authorityEnd
        while pathEnd < url.count, url[pathEnd] != UInt8(ascii: "#") { pathEnd += 1 }
        var path = String(decoding: UnsafeBufferPointer(rebasing: url[authorityEnd..<pathEnd]), as: UTF8.self)
        if path.isEmpty || url[authorityEnd] == UInt8(ascii: "?") { path = "/" + path }
        // Short hosts (up to 15 bytes: every IPv4 address) make a String without an allocation.
        let host = String(unsafeUninitializedCapacity: hostRange.count) { buffer in
            _ = buffer.initialize(fromContentsOf: hostBytes)
            return hostRange.count
        }
        return PlainHTTPTarget(host: host, port: port, path: path)
    }

    /// A port from 1 to 65535, as `UInt16(text)` reads it (an optional "+", then decimal digits).
    private static func parsePort(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> UInt16? {
        var digits = text[...]
        if digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            guard value <= Int(UInt16.max) else { return nil }
        }
        return value > 0 ? UInt16(value) : nil
    }

    /// A dotted IPv4 address (four decimal parts of one to three digits, each at most 255) or an
    /// IPv6 address (hex digits, colons, dots, and at least one colon). Lowercase ASCII bytes.
    static func isNumeric(_ host: some Collection<UInt8>) -> Bool {
        var dots = 0
        var digits = 0
        var value = 0
        var dotted = true
        for byte in host {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, value <= 255 else { dotted = false; break }
                dots += 1
                digits = 0
                value = 0
            } else if isDigit(byte), digits < 3 {
                digits += 1
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            } else {
                dotted = false
                break
            }
        }
        if dotted, dots == 3, digits > 0, value <= 255 { return true }
        return host.contains(UInt8(ascii: ":"))
            && host.allSatisfy { isDigit($0) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
