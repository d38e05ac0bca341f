import Foundation
import SwitchboardClient
import Testing

@testable import SwitchboardServer

/// What the HTTP layer answers by itself (malformed, oversized, too slow, over the cap) shows in
/// `/metrics`; absolute-form and asterisk-form targets reach routing as RFC 9112 §3.2 says.
@Suite(.serialized) struct HTTPLayerIntegrationTests {
    /// `/metrics` read over a connection of its own (so no client's keep-alive connection is left to
    /// time out and be counted), as `series → value`.
    static func metrics(port: UInt16) throws -> [String: Double] {
        let answer = try RawConnection.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(RawConnection.status(answer) == 200, "\(answer.prefix(200))")
        var series: [String: Double] = [:]
        for line in answer.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            series[String(line[..<space])] = value
        }
        return series
    }

    static func refused(_ status: Int) -> String { "switchboard_http_refused_total{status=\"\(status)\"}" }

    @Test func metrics_malformedOversizedHeaderAndOversizedBody_countedByStatus() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let port = router.port
        let malformed = try RawConnection.exchange(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
        #expect(RawConnection.status(malformed) == 400 && malformed.contains("invalid_header_name"), "\(malformed)")
        let bigHead = "GET /v1/accounts HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n"
        let headTooLarge = try RawConnection.exchange(port: port, bigHead)
        #expect(RawConnection.status(headTooLarge) == 431 && headTooLarge.contains("header_too_large"), "\(headTooLarge.prefix(300))")
        // Announced, not sent: refused before any body byte is read.
        let bigBody = "POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(router.adminToken)\r\nContent-Length: 2000000\r\n\r\n"
        let bodyTooLarge = try RawConnection.exchange(port: port, bigBody)
        #expect(RawConnection.status(bodyTooLarge) == 413 && bodyTooLarge.contains("body_too_large"), "\(bodyTooLarge)")

        let series = try Self.metrics(port: port)
        #expect(series[Self.refused(400)] == 1)
        #expect(series[Self.refused(431)] == 1)
        #expect(series[Self.refused(413)] == 1)
        for status in [408, 414, 501, 503, 505] { #expect(series[Self.refused(status)] == 0, "\(status) is present, and zero") }
        // None of them reached a route (the scrape itself is counted once it is answered).
        let routed = series.filter { $0.key.hasPrefix("switchboard_http_requests_total{") }
        #expect(routed.isEmpty, "\(routed)")
        #expect(series["switchboard_http_connections_accepted_total"] == 4)
    }

    @Test func metrics_requestTimeoutAndIdleTimeout_counted() throws {
        let router = try IntegrationRouter(configure: { options in
            options.headerTimeout = .milliseconds(300)
            options.idleTimeout = .milliseconds(300)
        })
        defer { router.stop() }
        let partial = try RawConnection(port: router.port)
        partial.send("GET /healthz HTTP/1.1\r\nHost: x")
        let timedOut = partial.readToClose()
        #expect(timedOut.hasPrefix("HTTP/1.1 408 Request Timeout\r\n") && timedOut.contains("request_timeout"), "\(timedOut)")

        let idle = try RawConnection(port: router.port)
        idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(RawConnection.status(idle.readResponse()) == 200)
        let started = Date()
        #expect(idle.readToClose().isEmpty, "closed without another answer")
        #expect(Date().timeIntervalSince(started) < 4, "closed by the idle timeout, not the read timeout")

        let silent = try RawConnection(port: router.port)
        #expect(silent.readToClose().isEmpty, "a connection that sends nothing is closed without an answer")

        let series = try Self.metrics(port: router.port)
        #expect(series[Self.refused(408)] == 1)
        #expect(series[#"switchboard_http_timeouts_total{kind="header"}"#] == 2)
        #expect(series[#"switchboard_http_timeouts_total{kind="idle"}"#] == 1)
        #expect(series[#"switchboard_http_timeouts_total{kind="write"}"#] == 0)
    }

    @Test func absoluteFormTarget_routedByPathAndQuery() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let request = "GET http://127.0.0.1:\(router.port)/v1/accounts/acme/numbers?assigned=true&limit=1 HTTP/1.1\r\n"
            + "Host: elsewhere.example\r\nAuthorization: Bearer \(IntegrationRouter.acmeToken)\r\nConnection: close\r\n\r\n"
        let answer = try RawConnection.exchange(port: router.port, request)
        #expect(RawConnection.status(answer) == 200, "\(answer)")
        let body = try #require(answer.range(of: "\r\n\r\n")).upperBound
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answer[body...].utf8)) as? [String: Any])
        let numbers = (json["numbers"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? String }
        #expect(numbers == ["+14155550100"], "the query was applied: assigned, one per page")
        #expect(json["next_cursor"] as? String == "+14155550100")

        // A write by absolute-form is routed the same way.
        let put = #"{"agent_id":"sales"}"#
        let assign = "PUT http://router.local/v1/accounts/acme/numbers/%2B14155550101/agent HTTP/1.1\r\nHost: router.local\r\n"
            + "Authorization: Bearer \(IntegrationRouter.acmeToken)\r\nContent-Length: \(put.utf8.count)\r\nConnection: close\r\n\r\n\(put)"
        #expect(RawConnection.status(try RawConnection.exchange(port: router.port, assign)) == 200)
        #expect(try router.acme.number(account: "acme", number: "+14155550101").agentID == "sales")
    }

    @Test func asteriskFormTarget_onlyForOptions() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let options = try RawConnection.exchange(port: router.port, "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(RawConnection.status(options) == 204, "\(options)")
        #expect(options.contains("\r\nAllow: GET, POST, PUT, DELETE\r\n"), "\(options)")
        for method in ["GET", "POST", "DELETE"] {
            let refused = try RawConnection.exchange(port: router.port, "\(method) * HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(RawConnection.status(refused) == 400 && refused.contains("asterisk_target_not_options"), "\(method): \(refused)")
        }
        let authority = try RawConnection.exchange(port: router.port, "GET router.local:80 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(RawConnection.status(authority) == 400 && authority.contains("invalid_target_form"), "\(authority)")
        #expect(try Self.metrics(port: router.port)[Self.refused(400)] == 4)
    }
}
