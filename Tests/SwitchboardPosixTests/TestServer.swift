import Glibc
import SwitchboardHTTP
import Synchronization

@testable import SwitchboardPosix

/// Counts handler calls across threads.
final class CallCounter: Sendable {
    let value = Atomic<Int>(0)

    func increment() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

/// The routes the integration tests use:
/// - `GET /hello` → `hello`
/// - `POST /echo` → the request body
/// - `GET /slow/<ms>` → deferred: sleeps `ms` on the offload pool, then `slow <ms>`
/// - `GET /big/<bytes>` → that many bytes of `x`
/// - `GET /loop` → the index of the event loop that served it
/// - anything else → 404
struct TestRoutes: HTTPHandler {
    let calls = CallCounter()

    func handle(_ request: HTTPRequest, context: RequestContext) -> HandlerResult {
        calls.increment()
        let parts = request.target.split(separator: "/").map(String.init)
        switch (request.method, parts.first ?? "") {
        case ("GET", "hello"), ("HEAD", "hello"):
            return .respond(HTTPResponse(body: Array("hello".utf8)))
        case ("POST", "echo"):
            return .respond(HTTPResponse(body: request.body))
        case ("GET", "slow"):
            let milliseconds = parts.count > 1 ? UInt32(parts[1]) ?? 100 : 100
            return .deferred { writer in
                usleep(milliseconds * 1000)
                writer.respond(HTTPResponse(body: Array("slow \(milliseconds)".utf8)))
            }
        case ("GET", "big"):
            let bytes = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            return .respond(HTTPResponse(body: [UInt8](repeating: UInt8(ascii: "x"), count: bytes)))
        case ("GET", "loop"):
            return .respond(HTTPResponse(body: Array("\(context.connectionID >> 48)".utf8)))
        default:
            return .respond(HTTPResponse.error(status: .notFound, code: "not_found", message: "No such route."))
        }
    }
}

/// Starts a server on 127.0.0.1 port 0 with two loops, runs `body`, shuts it down.
func withServer(
    handler: any HTTPHandler = TestRoutes(),
    _ configure: (inout HTTPServer.Configuration) -> Void = { _ in },
    _ body: (HTTPServer, UInt16) throws -> Void
) throws {
    var configuration = HTTPServer.Configuration(port: 0, threads: 2, offloadThreads: 4)
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, handler: handler)
    try server.start()
    defer { server.shutdown(gracePeriod: .seconds(2)) }
    guard let port = server.boundPort else { throw TestClientError(description: "no bound port") }
    try body(server, port)
}

/// Raises the soft limit on open descriptors to the hard limit; returns the new soft limit.
func raiseDescriptorLimit() -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return Int(clamping: limit.rlim_cur)
}
