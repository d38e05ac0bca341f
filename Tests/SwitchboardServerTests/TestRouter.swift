import Foundation
import SwitchboardCore
import SwitchboardStore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import SwitchboardServer

/// A real router (RouterService on 127.0.0.1, port 0) over a temporary data directory seeded by
/// the test, and a bounded URLSession request helper.
final class TestRouter {
    let data: String
    let service: RouterService
    let port: UInt16
    let adminToken = "test-admin-token-0123456789abcdef"

    init(seed: (Directory) throws -> Void, configure: (inout RouterService.Options) -> Void = { _ in }) throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-router-\(UUID().uuidString)").path
        let directory = Directory()
        try seed(directory)
        try Store.seed(at: data, with: directory)
        try adminToken.write(toFile: data + "/admin-token", atomically: false, encoding: .utf8)
        chmod(data + "/admin-token", 0o600)
        var options = RouterService.Options()
        options.port = 0
        options.data = data
        options.threads = 2
        options.syncInterval = .seconds(3600)
        configure(&options)
        service = RouterService(options: options)
        try service.start()
        port = service.boundPort!
    }

    func stop() {
        service.stop()
        try? FileManager.default.removeItem(atPath: data)
    }

    struct Answer {
        var status: Int
        var headers: [String: String]
        var data: Data
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: data, as: UTF8.self) }
    }

    /// One request; `token` nil sends the admin token, "" sends none. Waits at most 15 s.
    func request(_ method: String, _ path: String, body: [UInt8]? = nil, token: String? = nil, headers: [(String, String)] = []) throws -> Answer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 15)
        request.httpMethod = method
        if let body { request.httpBody = Data(body) }
        let token = token ?? adminToken
        if !token.isEmpty { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let result = Locked<Answer?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            let http = response as? HTTPURLResponse
            var fields: [String: String] = [:]
            for (key, value) in http?.allHeaderFields ?? [:] { fields[String(describing: key).lowercased()] = String(describing: value) }
            result.withLock { $0 = Answer(status: http?.statusCode ?? -1, headers: fields, data: data ?? Data()) }
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 15) == .success, let answer = result.withLock({ $0 }) else { throw ServiceError("request timed out") }
        return answer
    }

    func request(_ method: String, _ path: String, json: String, token: String? = nil) throws -> Answer {
        try request(method, path, body: Array(json.utf8), token: token, headers: [("Content-Type", "application/json")])
    }
}
