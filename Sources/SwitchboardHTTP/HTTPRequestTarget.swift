/// A request target split into path and query (RFC 9112 §3.2.1 origin-form: `absolute-path
/// [ "?" query ]`), with helpers to decode path segments and query parameters.
///
/// The parts stay percent-encoded until asked for, so routing can match raw segments cheaply and
/// only the segments a handler uses are decoded.
public struct HTTPRequestTarget: Hashable, Sendable {
    /// One decoded query parameter.
    public struct QueryItem: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Everything before the first `?`, still encoded, e.g. `/v1/accounts/%2B1415/numbers`.
    public let path: Substring
    /// Everything after the first `?`, still encoded; nil when there is no `?`.
    public let query: Substring?

    /// Splits `target` at the first `?`. Request targets carry no fragment (RFC 9112 §3.2), so a
    /// `#` is left as data.
    public init(_ target: String) {
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = target[..<mark]
            query = target[target.utf8.index(after: mark)...]
        } else {
            path = target[...]
            query = nil
        }
    }

    /// The decoded path segments: `/v1/accounts/a%2Fb/` → `["v1", "accounts", "a/b", ""]`.
    ///
    /// The leading `/` is dropped and `/` alone has no segments; a trailing or doubled `/` gives an
    /// empty segment, so routes can tell `/x` from `/x/`. Segments are split before decoding, so an
    /// encoded `%2F` stays inside its segment. `+` is not a space in a path.
    public func pathSegments() throws(PercentDecodingError) -> [String] {
        var rest = path
        if rest.utf8.first == UInt8(ascii: "/") { rest = rest.dropFirst() }
        if rest.isEmpty { return [] }
        var segments: [String] = []
        // Split on bytes, not Characters: a combining mark after `/` must not hide the separator.
        for segment in rest.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            segments.append(try PercentDecoding.decode(rest[segment.startIndex..<segment.endIndex], plusAsSpace: false))
        }
        return segments
    }

    /// The decoded query parameters in order, `application/x-www-form-urlencoded` style: split on
    /// `&`, then at the first `=`; `+` is a space. Empty pieces (`a=1&&b=2`) are skipped; a name
    /// without `=` has the value "".
    public func queryItems() throws(PercentDecodingError) -> [QueryItem] {
        guard let query else { return [] }
        var items: [QueryItem] = []
        for bytes in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let piece = query[bytes.startIndex..<bytes.endIndex]
            let name: Substring
            let value: Substring
            if let equals = piece.utf8.firstIndex(of: UInt8(ascii: "=")) {
                name = piece[..<equals]
                value = piece[piece.utf8.index(after: equals)...]
            } else {
                name = piece
                value = ""
            }
            items.append(
                QueryItem(
                    name: try PercentDecoding.decode(name, plusAsSpace: true),
                    value: try PercentDecoding.decode(value, plusAsSpace: true)))
        }
        return items
    }

    /// The decoded value of the first query parameter called `name` (compared after decoding,
    /// case-sensitively), or nil.
    public func queryValue(named name: String) throws(PercentDecodingError) -> String? {
        try queryItems().first { $0.name == name }?.value
    }
}
