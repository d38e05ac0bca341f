/// The request-target's form (RFC 9112 §3.2), decided once per request so that everything after
/// the parser routes by a path.
extension HTTPRequestParser {
    /// The target to hand on: origin-form (`/path?query`) as sent; absolute-form
    /// (`http://host/path?query`) reduced to its path and query; `*` for OPTIONS only.
    ///
    /// - origin-form (§3.2.1) is the usual case and costs one byte comparison.
    /// - absolute-form (§3.2.2): "a server MUST accept the absolute-form in requests", meant for
    ///   proxies but sent to origin servers too. The origin server uses the target's host and
    ///   ignores Host; we serve one host, so only the path and query matter. The scheme must be
    ///   http or https (RFC 9110 §4.2); an empty host must be rejected (§4.2.1) and userinfo is
    ///   treated as an error (§4.2.4: it is used to disguise the authority).
    /// - asterisk-form (§3.2.4) is only for a server-wide OPTIONS.
    /// - authority-form (§3.2.3) is only for CONNECT, which we do not implement; like any other
    ///   target that is none of the above (`v1/x`, `?a`), it is a 400.
    static func routableTarget(_ target: String, method: String) throws(HTTPParseError) -> String {
        let bytes = target.utf8
        if bytes.first == UInt8(ascii: "/") { return target }
        if bytes.count == 1 && bytes.first == UInt8(ascii: "*") {
            guard method == "OPTIONS" else { throw .asteriskTargetNotOptions }
            return target
        }
        return try originForm(ofAbsolute: target)
    }

    /// `http://authority/path?query` → `/path?query` (`/` when the path is empty, RFC 9112 §3.2.1:
    /// "If the target URI's path component is empty, the client MUST send "/" as the path").
    private static func originForm(ofAbsolute target: String) throws(HTTPParseError) -> String {
        let bytes = target.utf8
        // The scheme is case-insensitive (RFC 3986 §3.1); ASCII letters only, so `| 0x20` lowers.
        var schemeEnd = bytes.startIndex
        while schemeEnd != bytes.endIndex, HTTPByte.isAlpha(bytes[schemeEnd]) { bytes.formIndex(after: &schemeEnd) }
        let scheme = bytes[bytes.startIndex..<schemeEnd].map { $0 | 0x20 }
        guard scheme.elementsEqual("http".utf8) || scheme.elementsEqual("https".utf8) else { throw .invalidTargetForm }
        let rest = target[schemeEnd...]
        guard rest.utf8.starts(with: "://".utf8) else { throw .invalidTargetForm }
        let authorityStart = rest.utf8.index(rest.startIndex, offsetBy: 3)
        let afterScheme = target[authorityStart...]
        let authorityEnd =
            afterScheme.utf8.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? afterScheme.endIndex
        let authority = target.utf8[authorityStart..<authorityEnd]
        guard !authority.isEmpty, !authority.contains(UInt8(ascii: "@")) else { throw .invalidTargetForm }
        let pathAndQuery = target[authorityEnd...]
        return pathAndQuery.utf8.first == UInt8(ascii: "/") ? String(pathAndQuery) : "/" + pathAndQuery
    }
}
