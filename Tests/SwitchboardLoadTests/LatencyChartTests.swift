import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import SwitchboardLoad

/// Collects element names and text while Foundation's XMLParser reads a document.
final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var text = ""
    var failure: (any Error)?

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append(name)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, parseErrorOccurred error: any Error) {
        failure = error
    }
}

@Suite struct LatencyChartTests {
    static func parse(_ svg: String) -> (ok: Bool, collector: ElementCollector) {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = ElementCollector()
        parser.delegate = collector
        return (parser.parse(), collector)
    }

    static func result() -> LoadResult {
        var result = LoadResult(
            mode: .openLoop(ratePerSecond: 1000), connections: 8, threads: 2, warmupSeconds: 1, durationSeconds: 2,
            target: "127.0.0.1:1", dataSetNumbers: 10, dataSetSeed: 1, writeRate: 0)
        var random = SplitMix64(seed: 3)
        for kind in [RequestKind.webhookRetell, .callerID, .assign] {
            var statistics = KindStatistics()
            for _ in 0..<5000 {
                statistics.latency.record(UInt64(random.below(900_000)) + 20_000)
                statistics.correct += 1
                statistics.sent += 1
            }
            statistics.latency.record(1_500_000_000)  // one stall
            result.kinds[kind] = statistics
        }
        return result
    }

    @Test func percentilePlot_isWellFormedSVGWithOneLinePerKindAndAll() {
        let svg = LatencyChart.percentilePlot(Self.result(), title: "A <title> & \"quotes\"")
        let (ok, collector) = Self.parse(svg)
        #expect(ok, "\(String(describing: collector.failure))")
        #expect(collector.elements.first == "svg")
        #expect(collector.elements.filter { $0 == "polyline" }.count == 4)
        #expect(!collector.elements.contains("script"))
        #expect(collector.text.contains("A <title> & \"quotes\""))
        #expect(collector.text.contains("99.9%"))
        #expect(collector.text.contains("webhook_retell"))
        #expect(svg.contains(#"xmlns="http://www.w3.org/2000/svg""#))
    }

    @Test func percentilePlot_emptyResult_isStillWellFormed() {
        let empty = LoadResult(
            mode: .closedLoop, connections: 1, threads: 1, warmupSeconds: 0, durationSeconds: 1, target: "x", dataSetNumbers: 1,
            dataSetSeed: 1, writeRate: 0)
        #expect(Self.parse(LatencyChart.percentilePlot(empty)).ok)
    }

    @Test func sweepPlot_isWellFormedWithAPointPerRate() {
        let points = (1...5).map { step in
            SweepPoint(
                targetRate: Double(step) * 1000, achieved: Double(step) * 990, p50: UInt64(step) * 50_000,
                p99: UInt64(step * step) * 200_000, errors: 0, unsent: 0)
        }
        let (ok, collector) = Self.parse(LatencyChart.sweepPlot(points))
        #expect(ok)
        #expect(collector.elements.filter { $0 == "circle" }.count == 10)
        #expect(collector.elements.filter { $0 == "polyline" }.count == 2)
        #expect(collector.text.contains("5000/s"))
    }

    @Test func report_json_isValidAndCarriesThePercentiles() throws {
        let json = LoadReport.json(Self.result())
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let overall = object?["overall"] as? [String: Any]
        let latency = overall?["latency_us"] as? [String: Any]
        #expect(object?["mode"] as? String == "open_loop")
        #expect((latency?["max"] as? Double) == 1_500_000)
        #expect((latency?["p50"] as? Double).map { $0 > 300 && $0 < 600 } == true)
        #expect((object?["kinds"] as? [String: Any])?.keys.sorted() == ["assign", "caller_id", "webhook_retell"])
        let text = LoadReport.text(Self.result())
        #expect(text.contains("p99.9"))
        #expect(text.contains("webhook_retell"))
    }
}
