import SwitchboardCrypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The admin token (SPEC §3/§4): `SWITCHBOARD_ADMIN_TOKEN` if set; otherwise the one in
/// `DATA/admin-token`, created on first start with mode 0600.
enum AdminToken {
    struct Source {
        var token: String
        /// Where it came from, for the log (never the token itself).
        var origin: String
    }

    static func load(dataDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Source {
        if let token = environment["SWITCHBOARD_ADMIN_TOKEN"] {
            guard token.utf8.count >= 16, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ServiceError("SWITCHBOARD_ADMIN_TOKEN must be at least 16 visible ASCII characters without spaces")
            }
            return Source(token: token, origin: "environment variable SWITCHBOARD_ADMIN_TOKEN")
        }
        let path = dataDirectory + "/admin-token"
        if let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.utf8.count >= 16 else { throw ServiceError("\(path) does not hold a token: delete it to have a new one generated") }
            return Source(token: token, origin: path)
        }
        let token = "sbadmin_" + Crypto.randomHex(bytes: 24)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw ServiceError("cannot create \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0 else { throw ServiceError("cannot write \(path)") }
        return Source(token: token, origin: path + " (generated now, mode 0600)")
    }
}

/// A start-up problem, said so that an operator knows what to do.
public struct ServiceError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
