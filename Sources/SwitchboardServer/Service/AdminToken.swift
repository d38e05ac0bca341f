import SwitchboardCrypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The admin token (SPEC §3/§4): `SWITCHBOARD_ADMIN_TOKEN` if set; otherwise the one in
/// `DATA/admin-token`, created on first start with mode 0600.
enum AdminToken {
    static let variable = "SWITCHBOARD_ADMIN_TOKEN"
    static let minimumLength = 16

    struct Source {
        enum Origin: Equatable {
            case environment
            case file(path: String)
            /// Created now, mode 0600.
            case generated(path: String)
        }

        var token: String
        var origin: Origin

        /// The `admin_token` log line's fields: where the token came from, never the token.
        var logFields: KeyValuePairs<String, String?> {
            switch origin {
            case .environment: ["source": "environment", "variable": AdminToken.variable]
            case .file(let path): ["source": "file", "path": path]
            case .generated(let path): ["source": "generated", "path": path, "mode": "0600"]
            }
        }
    }

    /// The token from the environment, if the variable is set; a bad one is refused before the
    /// router binds or loads anything, with what to do. The message never quotes the value.
    static func fromEnvironment(_ environment: [String: String]) throws -> Source? {
        guard let token = environment[variable] else { return nil }
        let length = token.utf8.count
        guard length >= minimumLength else {
            throw ServiceError(
                "\(variable) is too short (\(length) characters): set it to at least \(minimumLength) visible ASCII characters "
                    + "(for example `openssl rand -hex 24`), or unset it to have the router generate one in DATA/admin-token")
        }
        guard token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ServiceError(
                "\(variable) contains a space, a control or a non-ASCII character: use visible ASCII only "
                    + "(for example `openssl rand -hex 24`), or unset it to have the router generate one in DATA/admin-token")
        }
        return Source(token: token, origin: .environment)
    }

    /// The token in `DATA/admin-token`, created (mode 0600, fsynced) if there is none.
    static func fromFile(dataDirectory: String) throws -> Source {
        let path = dataDirectory + "/admin-token"
        if let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.utf8.count >= minimumLength else { throw ServiceError("\(path) does not hold a token: delete it to have a new one generated") }
            return Source(token: token, origin: .file(path: path))
        }
        let token = "sbadmin_" + Crypto.randomHex(bytes: 24)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ServiceError("cannot create \(path): \(String(cString: strerror(errno)))") }
        // 0600 whatever the umask says.
        let private_ = fchmod(descriptor, 0o600)
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard private_ == 0, written == bytes.count, synced == 0 else { throw ServiceError("cannot write \(path)") }
        // The file's name is durable too: a crash now must not bring a different token next start.
        let directory = open(dataDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
        return Source(token: token, origin: .generated(path: path))
    }
}

/// A start-up problem, said so that an operator knows what to do.
public struct ServiceError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
