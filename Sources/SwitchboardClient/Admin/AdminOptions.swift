import Foundation

/// What every admin command shares: where the router is, which token to send, which account to
/// act on, and whether to print the server's JSON instead of a table.
public struct AdminOptions: Equatable, Sendable {
    public static let defaultServer = "http://127.0.0.1:8080"
    public static let defaultData = "./switchboard-data"

    /// `--server URL`; nil falls back to `SWITCHBOARD_SERVER`, then `defaultServer`.
    public var server: String?
    /// `--token TOKEN`; nil falls back to `SWITCHBOARD_TOKEN`, `SWITCHBOARD_ADMIN_TOKEN`, then the
    /// file `data/admin-token`.
    public var token: String?
    /// `--data DIR`: where to look for the admin token file (the router's data directory).
    public var data: String = AdminOptions.defaultData
    /// `--account A`.
    public var account: String = "default"
    /// `--json`: print the server's JSON.
    public var json = false
    /// Seconds each request may take.
    public var timeout: Double = SwitchboardClient.defaultTimeout

    public init() {}

    /// The server URL to use and where it came from (for an error that names it).
    public func resolvedServer(environment: [String: String]) -> (url: String, origin: String) {
        if let server { return (server, "--server") }
        if let value = environment["SWITCHBOARD_SERVER"], !value.isEmpty { return (value, "SWITCHBOARD_SERVER") }
        return (Self.defaultServer, "the default server")
    }

    /// The token to send and where it came from; nil when there is none anywhere. The file is read
    /// only when neither the flag nor the environment gives one.
    public func resolvedToken(environment: [String: String]) -> (token: String, origin: String)? {
        if let token { return (token, "--token") }
        for name in ["SWITCHBOARD_TOKEN", "SWITCHBOARD_ADMIN_TOKEN"] {
            if let value = environment[name], !value.isEmpty { return (value, name) }
        }
        let path = (data.hasSuffix("/") ? String(data.dropLast()) : data) + "/admin-token"
        // The router writes the file mode 0600: it is readable only by the user that runs it.
        guard let contents = FileManager.default.contents(atPath: path) else { return nil }
        let token = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : (token, path)
    }

    /// A client for these options, or the usage error that says which setting is wrong.
    public func client(environment: [String: String]) throws(AdminUsageError) -> SwitchboardClient {
        let (server, serverOrigin) = resolvedServer(environment: environment)
        guard let (token, tokenOrigin) = resolvedToken(environment: environment) else {
            throw AdminUsageError(
                "no token: pass --token TOKEN, set SWITCHBOARD_TOKEN (or SWITCHBOARD_ADMIN_TOKEN), or give --data DIR of the router whose DIR/admin-token you may read (looked in \(data))"
            )
        }
        do {
            return try SwitchboardClient(server: server, token: token, timeout: timeout)
        } catch {
            let reason = error.description
            throw AdminUsageError(reason.contains("token") ? "the token from \(tokenOrigin) is not usable: \(reason)" : "\(serverOrigin): \(reason)")
        }
    }
}

/// A command line that names a bad argument or setting (exit 64, EX_USAGE).
public struct AdminUsageError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
