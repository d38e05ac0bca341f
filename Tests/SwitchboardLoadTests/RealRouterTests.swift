import Foundation
import SwitchboardServer
import Testing

@testable import SwitchboardLoad

/// The harness against the real router (RouterService in-process on 127.0.0.1 port 0, over a data
/// directory `loadtest seed` would write): every answer in every kind is right, writes included.
/// The connections' base_url is a closed loopback port: the router's pushes fail locally, nothing
/// leaves the machine.
@Suite(.serialized) struct RealRouterTests {
    @Test func harness_realRouterWithWrites_zeroErrors() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sb-load-router-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let dataSet = try DataSet(DataSetSpec(numbers: 2000, seed: 21, accounts: 2, providersURL: "http://127.0.0.1:9"))
        try dataSet.seed(at: data)
        let token = "load-test-admin-token-0123456789"
        try token.write(toFile: data + "/admin-token", atomically: false, encoding: .utf8)
        chmod(data + "/admin-token", 0o600)
        var options = RouterService.Options()
        options.port = 0
        options.data = data
        options.threads = 1
        options.syncInterval = .seconds(3600)
        let service = RouterService(options: options)
        try service.start()
        defer { service.stop() }

        var configuration = LoadConfiguration()
        configuration.port = service.boundPort!
        configuration.connections = 4
        configuration.threads = 1
        configuration.warmup = 0.2
        configuration.duration = 1
        configuration.timeout = 1
        configuration.adminToken = token
        configuration.mix = TrafficMix(weights: [.webhookRetell: 2, .webhookVapi: 1, .webhookBland: 1, .callerID: 1])
        configuration.writeRate = 50
        configuration.writeConnections = 2
        let result = try LoadTest(configuration: configuration, dataSet: dataSet).run()
        #expect(result.totalErrors == 0, "\(LoadReport.text(result))")
        #expect(result.warmupErrors == 0, "\(LoadReport.text(result))")
        for kind in RequestKind.allCases {
            #expect(result.statistics(kind).correct > 0, "no correct \(kind): \(LoadReport.text(result))")
        }
        #expect(result.restoreErrors == 0)
        #expect(!result.restoreIncomplete)
    }
}
