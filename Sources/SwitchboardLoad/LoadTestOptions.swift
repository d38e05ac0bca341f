import Glibc
import SwitchboardCore

/// The options `seed`, `run` and `sweep` share, read into a `DataSetSpec` and a `LoadConfiguration`.
enum LoadTestOptions {
    static let dataSetOptions: Set<String> = ["numbers", "seed", "accounts", "number-mix", "provider-mix", "idle-agents", "providers-url"]
    static let runOptions: Set<String> = dataSetOptions.union([
        "target", "connections", "threads", "duration", "warmup", "timeout", "mix", "writes", "write-connections",
        "reassign-share", "admin-token", "pool", "json", "svg", "request-seed",
    ])

    static let switches: Set<String> = ["quiet", "no-restore", "ceiling"]

    static func dataSetSpec(_ reader: ArgumentReader) throws(LoadTestError) -> DataSetSpec {
        guard reader.has("numbers") else {
            throw LoadTestError("\(reader.command) needs --numbers N: the size of the data set (the same N for seed and run)")
        }
        var spec = DataSetSpec(numbers: try reader.integer("numbers", default: 0, in: 1...DataSetSpec.maxNumbers))
        spec.seed = try reader.unsigned("seed", default: 1)
        spec.accounts = try reader.integer("accounts", default: Swift.min(4, spec.numbers), in: 1...DataSetSpec.maxAccounts)
        let categories = Dictionary(uniqueKeysWithValues: NumberCategory.allCases.map { ($0.name, $0) })
        if let weights = try reader.weights("number-mix", names: categories) { spec.categoryWeights = weights }
        let providers = Dictionary(uniqueKeysWithValues: Provider.allCases.map { ($0.name, $0) })
        if let weights = try reader.weights("provider-mix", names: providers) { spec.providerWeights = weights }
        spec.idleAgentShare = try reader.number("idle-agents", default: spec.idleAgentShare, in: 0...1, unit: "a share of routed numbers")
        if let url = reader.string("providers-url") { spec.providersURL = url }
        try spec.validate()
        return spec
    }

    static func configuration(_ reader: ArgumentReader) throws(LoadTestError) -> LoadConfiguration {
        var configuration = LoadConfiguration()
        if let target = reader.string("target") {
            let (host, port) = try hostAndPort(target)
            configuration.host = host
            configuration.port = port
        }
        configuration.connections = try reader.integer("connections", default: configuration.connections, in: 1...LoadConfiguration.maxConnections)
        configuration.threads = try reader.integer("threads", default: Swift.min(configuration.threads, configuration.connections), in: 1...LoadConfiguration.maxThreads)
        configuration.duration = try reader.number("duration", default: configuration.duration, in: 0.001...86_400, unit: "seconds")
        configuration.warmup = try reader.number("warmup", default: configuration.warmup, in: 0...3600, unit: "seconds")
        configuration.timeout = try reader.number("timeout", default: configuration.timeout, in: 0.001...600, unit: "seconds")
        if let text = reader.string("mix") {
            do { configuration.mix = try TrafficMix(parsing: text) } catch { throw LoadTestError("--\(error.message)") }
        }
        configuration.writeRate = try reader.number("writes", default: 0, in: 0...100_000, unit: "writes per second")
        configuration.writeConnections = try reader.integer("write-connections", default: configuration.writeConnections, in: 1...256)
        configuration.reassignShare = try reader.number("reassign-share", default: configuration.reassignShare, in: 0...1, unit: "a share")
        configuration.poolSize = try reader.integer("pool", default: configuration.poolSize, in: 1...1_000_000)
        configuration.seed = try reader.unsigned("request-seed", default: configuration.seed)
        configuration.restoreAfterRun = !reader.has("no-restore")
        configuration.ceiling = reader.has("ceiling")
        configuration.adminToken = reader.string("admin-token") ?? getenv("SWITCHBOARD_ADMIN_TOKEN").map { String(cString: $0) }
        try configuration.validate()
        return configuration
    }

    /// `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`.
    static func hostAndPort(_ text: String) throws(LoadTestError) -> (String, UInt16) {
        let problem = LoadTestError("--target: '\(text)' is not HOST:PORT with a numeric address (127.0.0.1:8080, [::1]:8080)")
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else { throw problem }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw problem }
        return (host, port)
    }
}
