import Foundation
import SwitchboardClient
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import SwitchboardServer

/// SPEC §4: the admin token comes from `SWITCHBOARD_ADMIN_TOKEN`, or else from DIR/admin-token,
/// created with mode 0600; the log says where, never what. Each test starts the real router
/// (RouterService on port 0) over a temporary data directory, with the environment given to it.
@Suite(.serialized) struct AdminTokenIntegrationTests {
    final class Started {
        let data: String
        let capture = LogCapture()
        let service: RouterService

        init(environment: [String: String], data existing: String? = nil) throws {
            data = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-admin-\(UUID().uuidString)").path
            var options = RouterService.Options()
            options.port = 0
            options.data = data
            options.threads = 1
            options.environment = environment
            options.log = capture.log
            service = RouterService(options: options)
        }

        func client(token: String) throws -> SwitchboardClient {
            try SwitchboardClient(server: "http://127.0.0.1:\(try #require(service.boundPort))", token: token, timeout: 10)
        }

        func stop(removeData: Bool = true) {
            service.stop()
            if removeData { try? FileManager.default.removeItem(atPath: data) }
        }
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    @Test func withoutVariable_createsFileMode0600AndLogsItsPath() throws {
        let router = try Started(environment: ["HOME": "/nonexistent"])
        defer { router.stop() }
        try router.service.start()
        let path = router.data + "/admin-token"
        #expect(Self.mode(path) == 0o600)
        let token = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.utf8.count >= 16)
        #expect(try router.client(token: token).accounts().map(\.id) == ["default"], "the file's token is the admin token")

        let line = try #require(router.capture.events("admin_token").first, "\(router.capture.text)")
        #expect(line["source"] as? String == "generated" && line["path"] as? String == path && line["mode"] as? String == "0600")
        #expect(!router.capture.text.contains(token), "the token is never logged")

        // The next start reads the same file, and says so.
        router.stop(removeData: false)
        let again = try Started(environment: [:], data: router.data)
        defer { again.stop(removeData: false) }
        try again.service.start()
        #expect(try again.client(token: token).accounts().map(\.id) == ["default"])
        let reread = try #require(again.capture.events("admin_token").first)
        #expect(reread["source"] as? String == "file" && reread["path"] as? String == path)
        #expect(!again.capture.text.contains(token))
    }

    @Test func withVariable_usedWithoutFileAndNeverEchoed() throws {
        let token = "env-admin-token-7c0ffee-0123456789"
        let router = try Started(environment: ["SWITCHBOARD_ADMIN_TOKEN": token])
        defer { router.stop() }
        try router.service.start()
        #expect(!FileManager.default.fileExists(atPath: router.data + "/admin-token"), "no file is needed or made")
        #expect(try router.client(token: token).accounts().map(\.id) == ["default"])
        #expect(throws: ClientError.self) { try router.client(token: "some-other-token-0123456789").accounts() }
        let line = try #require(router.capture.events("admin_token").first, "\(router.capture.text)")
        #expect(line["source"] as? String == "environment" && line["variable"] as? String == "SWITCHBOARD_ADMIN_TOKEN")
        #expect(line["path"] == nil)
        #expect(!router.capture.text.contains(token) && !router.capture.text.contains("7c0ffee"), "never echoed:\n\(router.capture.text)")
    }

    @Test func withVariableTooShort_refusedSayingWhatToDo() throws {
        let router = try Started(environment: ["SWITCHBOARD_ADMIN_TOKEN": "tiny-tok"])
        defer { router.stop() }
        #expect {
            try router.service.start()
        } throws: { error in
            let message = "\(error)"
            return message.contains("SWITCHBOARD_ADMIN_TOKEN") && message.contains("at least 16") && message.contains("unset it")
                && message.contains("openssl rand") && !message.contains("tiny-tok")
        }
        #expect(router.service.boundPort == nil, "refused before listening")
        #expect(!FileManager.default.fileExists(atPath: router.data + "/admin-token"))
        #expect(!router.capture.text.contains("tiny-tok"))

        // A value with a space is refused the same way.
        let spaced = try Started(environment: ["SWITCHBOARD_ADMIN_TOKEN": "long enough but has spaces"])
        defer { spaced.stop() }
        #expect {
            try spaced.service.start()
        } throws: { error in
            "\(error)".contains("visible ASCII only") && !"\(error)".contains("has spaces")
        }
    }
}
