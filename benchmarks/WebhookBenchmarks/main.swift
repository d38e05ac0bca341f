// WebhookBenchmarks: the inbound hot path without sockets. A signed Retell webhook, as bytes off
// the wire, through the server's own parser, the webhook endpoint (authenticate, decode, look up,
// answer, record) and the response encoder; beside the same parser and encoder answering a fixed
// 200 (what nginx does), measured in the same run. Release builds only.
//
//   swift run -c release WebhookBenchmarks [--numbers N] [--runs R]
import BenchmarkSupport
import CAllocationCounter
import Foundation
import SwitchboardCore
import SwitchboardHTTP
import SwitchboardPosix
import SwitchboardProviders
import SwitchboardServer

if _isDebugAssertConfiguration() {
    print("WebhookBenchmarks is a DEBUG build: figures are meaningless. Run: swift run -c release WebhookBenchmarks")
    exit(1)
}

var numbers = 100_000
var runs = 7
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--numbers": numbers = Int(arguments.popFirst() ?? "") ?? numbers
    case "--runs": runs = Int(arguments.popFirst() ?? "") ?? runs
    default:
        print("usage: WebhookBenchmarks [--numbers N] [--runs R]")
        exit(64)
    }
}

// A directory: one account, Retell connected, every number assigned to its own agent.
let key = "key_bench_retell_0123456789"
let directory = Directory()
let account = try Identifier("acme")
_ = try directory.createAccount(id: account, name: "Acme")
try directory.putProvider(ProviderConnection(account: account, provider: .retell, apiKey: key))
var image = directory.image()
for index in 0..<numbers {
    let agent = try Identifier("agent-\(index)")
    image.agents.append(AgentSpec(account: account, id: agent, name: "Agent \(index)", provider: .retell, providerAgentID: "agent_\(index)", status: .active))
    let number = E164(key: 1_415_000_0000 + UInt64(index))!
    image.numbers.append(NumberImage(spec: NumberSpec(account: account, number: number, provider: .retell, providerNumberID: number.description, status: .active, agentID: agent), lastSyncedAt: nil))
}
let loaded = try Directory.load(image)
let endpoint = WebhookEndpoint(directory: loaded, metrics: Metrics(lanes: 2), events: EventLog(lanes: 2), clock: { Timestamp.now })

// Requests as a provider sends them: 4,096 different numbers, signed now (valid for 5 minutes).
let millis = Timestamp.now.milliseconds
let requests: [[UInt8]] = (0..<4096).map { index in
    let number = E164(key: 1_415_000_0000 + UInt64((index &* 7919) % numbers))!
    let body = WebhookBodies.inboundCall(.retell, to: number, from: "+12137771234", callID: "c")
    let signature = WebhookSigner.retell(body: body, apiKey: key, unixMillis: millis)[0].value
    let head = "POST /webhooks/retell/acme HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nx-retell-signature: \(signature)\r\nContent-Length: \(body.count)\r\n\r\n"
    return Array(head.utf8) + body
}
let encoder = HTTPResponseEncoder()
let fixedBody = Array(#"{"call_inbound":{}}"#.utf8)

/// Parses one request from `bytes` with a fresh parser (as a new keep-alive request would be).
@inline(__always)
func parse(_ bytes: [UInt8]) -> HTTPRequest {
    var parser = HTTPRequestParser()
    parser.feed(bytes)
    guard case .request(let request) = parser.next() else { fatalError("benchmark request did not parse") }
    return request
}

let perRun = 200_000

func fixed200(requests perRun: Int = perRun) -> Double {
    var sink = 0
    var output: [UInt8] = []
    output.reserveCapacity(512)
    let start = monotonicNanoseconds()
    for index in 0..<perRun {
        let request = parse(requests[index & 4095])
        output.removeAll(keepingCapacity: true)
        try? encoder.encode(status: .ok, headers: ["Content-Type": "application/json"], body: fixedBody, keepAlive: request.keepAlive, into: &output)
        sink &+= output.count
    }
    precondition(sink > 0)
    return Double(monotonicNanoseconds() - start) / Double(perRun)
}

func webhook(requests perRun: Int = perRun) -> Double {
    var sink = 0
    var output: [UInt8] = []
    output.reserveCapacity(512)
    let start = monotonicNanoseconds()
    for index in 0..<perRun {
        let request = parse(requests[index & 4095])
        guard case .respond(let response) = endpoint.handle(request, lane: 0, started: Metrics.now()) else { fatalError("webhook deferred") }
        output.removeAll(keepingCapacity: true)
        try? encoder.encode(status: response.status, headers: response.headers, body: response.body, keepAlive: request.keepAlive, into: &output)
        sink &+= output.count
    }
    precondition(sink > 0)
    return Double(monotonicNanoseconds() - start) / Double(perRun)
}

// Check the answers before timing anything.
guard case .respond(let check) = endpoint.handle(parse(requests[0]), lane: 0, started: Metrics.now()), check.status.code == 200,
    String(decoding: check.body, as: UTF8.self).contains("override_agent_id")
else {
    print("the webhook endpoint did not route the benchmark request")
    exit(1)
}

print("# WebhookBenchmarks\n")
print("\(numbers) numbers, signed Retell webhooks (4,096 distinct), \(perRun) requests a run, \(runs) runs after a warm-up, one thread")
let samples = measureInterleaved(runs: runs, [Contender(name: "fixed 200", run: { fixed200() }), Contender(name: "webhook", run: { webhook() })])
var table = Table("path", "min ns/request", "median ns/request", "vs fixed 200 (median)")
table.add("parse + fixed 200 + encode", fixed(samples[0].min, 0), fixed(samples[0].median, 0), "1.00x")
table.add("parse + webhook + encode", fixed(samples[1].min, 0), fixed(samples[1].median, 0), times(samples[1].median / samples[0].median))
print(table.render())
print("\nwebhook handler alone (median difference): \(fixed(samples[1].median - samples[0].median, 0)) ns per request")

// Heap allocations per request on each path (this thread, one pass over every distinct request),
// counted by the malloc interposer linked into this benchmark. The parser here is new for each
// request, so its buffer's allocation counts every time (a connection's parser keeps it).
func allocationsPerRequest(_ path: (Int) -> Double) -> Double {
    let before = csb_thread_allocations()
    _ = path(4096)
    return Double(csb_thread_allocations() - before) / 4096
}
let fixedAllocations = allocationsPerRequest { fixed200(requests: $0) }
let webhookAllocations = allocationsPerRequest { webhook(requests: $0) }
print("heap allocations per request: parse + fixed 200 + encode \(fixed(fixedAllocations, 1)); parse + webhook + encode \(fixed(webhookAllocations, 1))")
