import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardServer

@Suite struct MetricsTests {
    @Test func counterArray_concurrentAddsOnEveryLane_sumExactly() {
        let counters = CounterArray(count: 10, lanes: 3)
        let group = DispatchGroup()
        for thread in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                // Thread 3 writes lane 3, which is out of range: it counts in the last lane.
                for _ in 0..<10_000 { counters.add(7, lane: thread) }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 10) == .success)
        #expect(counters.total(7) == 40_000)
        #expect(counters.total(6) == 0)
        #expect(counters.total(8) == 0)
    }

    @Test func render_countsRequestsByRouteAndStatus_andWebhooksByOutcome() {
        let metrics = Metrics(lanes: 2)
        metrics.recordRequest(route: 5, status: 200, started: Metrics.now(), lane: 0)
        metrics.recordRequest(route: 5, status: 200, started: nil, lane: 1)
        metrics.recordRequest(route: 5, status: 418, started: nil, lane: 1)
        metrics.recordWebhook(.vapi, .refusedUnassigned, lane: 0)
        let text = metrics.render(directory: Directory())
        #expect(text.contains(#"switchboard_http_requests_total{route="/v1/accounts/{a}/numbers",status="200"} 2"#))
        #expect(text.contains(#"switchboard_http_requests_total{route="/v1/accounts/{a}/numbers",status="other"} 1"#))
        #expect(text.contains("switchboard_http_request_duration_seconds_count 1"))
        #expect(text.contains(#"switchboard_http_request_duration_seconds_bucket{le="+Inf"} 1"#))
        #expect(text.contains(#"switchboard_webhooks_total{provider="vapi",outcome="refused",reason="unassigned"} 1"#))
        #expect(!text.contains(#"provider="retell""#))
    }

    @Test func routePatterns_everyRouteHasItsOwnIndex() {
        let routes: [Route] = [
            .healthz, .readyz, .metrics, .accounts, .provider(account: "a", provider: "retell"), .numbers(account: "a"),
            .availableNumbers(account: "a"), .number(account: "a", number: "1"), .numberAgent(account: "a", number: "1"),
            .diagnosis(account: "a", number: "1"), .agents(account: "a"), .agent(account: "a", id: "x"), .callerID(account: "a", id: "x"),
            .events(account: "a"),
        ]
        for route in routes { #expect(Route.patterns[route.metricIndex] == route.pattern) }
        #expect(Set(routes.map(\.metricIndex)).count == routes.count)
    }
}
