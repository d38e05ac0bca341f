/// The two HTTP versions the parser accepts (RFC 9112 §2.3).
///
/// Anything else that looks like `HTTP/x.y` is refused with 505, so there is nothing else to
/// represent; responses are always sent as HTTP/1.1 (RFC 9110 §6.2).
public enum HTTPVersion: Hashable, Sendable, CustomStringConvertible {
    case http10
    case http11

    /// "HTTP/1.0" or "HTTP/1.1".
    public var description: String {
        switch self {
        case .http10: "HTTP/1.0"
        case .http11: "HTTP/1.1"
        }
    }
}
