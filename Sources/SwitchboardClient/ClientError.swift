/// Why a call to the management API failed: the server refused it (status, the API's error code and
/// message, SPEC §3), or no answer came back (the server is unreachable, too slow, or answered
/// something that is not the API's JSON).
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server answered with an error: `{"error":{"code":…,"message":…}}` and its status.
    case api(status: Int, code: String, message: String)
    /// Nothing listens at the server's address (connection refused, unknown host).
    case unreachable(server: String, reason: String)
    /// No complete answer within the per-request timeout.
    case timedOut(server: String, seconds: Double)
    /// The connection failed another way (reset, closed before an answer).
    case transport(server: String, reason: String)
    /// An answer came back but it is not what the API promises (not JSON, a missing field).
    case invalidAnswer(status: Int, reason: String)
    /// A sync started but was still running when the wait ran out.
    case stillRunning(String, seconds: Double)
    /// The client was set up wrongly (a base URL that is not http(s)://host[:port], say).
    case invalidConfiguration(String)

    /// The HTTP status of a refusal or of an answer that could not be read; nil when none came.
    public var status: Int? {
        switch self {
        case .api(let status, _, _), .invalidAnswer(let status, _): status
        default: nil
        }
    }

    /// The API's error code (`unknown_number`, `forbidden`, …) of a refusal.
    public var code: String? {
        if case .api(_, let code, _) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case .api(let status, let code, let message):
            "\(code) (HTTP \(status)): \(message)"
        case .unreachable(let server, let reason):
            "cannot reach \(server) (\(reason)): is `switchboard serve` running at \(server)?"
        case .timedOut(let server, let seconds):
            "no answer from \(server) within \(Self.seconds(seconds)): the server is busy or stuck; retry, or raise the timeout"
        case .transport(let server, let reason):
            "the connection to \(server) failed (\(reason)): retry, and check the server's log"
        case .invalidAnswer(let status, let reason):
            "the server's answer (HTTP \(status)) is not the API's JSON (\(reason)): is the URL a Switchboard router?"
        case .stillRunning(let what, let seconds):
            "\(what) was still running after \(Self.seconds(seconds)): see its result later with GET …/sync (`switchboard sync --no-wait` shows it)"
        case .invalidConfiguration(let reason):
            reason
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
