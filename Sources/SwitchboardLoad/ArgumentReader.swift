/// Reads `--name value` and `--name=value` options for one subcommand. Every problem names the
/// argument and what to do; the command turns it into exit status 64 (EX_USAGE).
struct ArgumentReader {
    private(set) var values: [String: String] = [:]
    private(set) var flags: Set<String> = []
    let command: String

    /// `valued`: options that take a value; `switches`: options that do not.
    init(_ arguments: [String], command: String, valued: Set<String>, switches: Set<String> = []) throws(LoadTestError) {
        self.command = command
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw LoadTestError("unexpected argument '\(argument)' for \(command): options start with --; see \(command) --help")
            }
            var name = String(argument.dropFirst(2))
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if switches.contains(name) {
                guard inline == nil else { throw LoadTestError("option --\(name) takes no value") }
                flags.insert(name)
                continue
            }
            guard valued.contains(name) else { throw LoadTestError("unknown option '--\(name)' for \(command): see \(command) --help") }
            guard values[name] == nil else { throw LoadTestError("option --\(name) is given twice") }
            if let inline {
                values[name] = inline
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw LoadTestError("option --\(name) needs a value")
                }
                values[name] = arguments[index]
                index += 1
            }
        }
    }

    func string(_ name: String) -> String? { values[name] }

    func has(_ name: String) -> Bool { flags.contains(name) || values[name] != nil }

    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(LoadTestError) -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text.replacingUnderscores), range.contains(value) else {
            throw LoadTestError("--\(name): '\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func unsigned(_ name: String, default fallback: UInt64) throws(LoadTestError) -> UInt64 {
        guard let text = values[name] else { return fallback }
        guard let value = UInt64(text.replacingUnderscores) else { throw LoadTestError("--\(name): '\(text)' is not a non-negative whole number") }
        return value
    }

    func number(_ name: String, default fallback: Double, in range: ClosedRange<Double>, unit: String) throws(LoadTestError) -> Double {
        guard let text = values[name] else { return fallback }
        guard let value = Double(text.replacingUnderscores), value.isFinite, range.contains(value) else {
            throw LoadTestError("--\(name): '\(text)' is not \(unit) from \(Format.fixed(range.lowerBound, 3)) to \(Format.fixed(range.upperBound, 0))")
        }
        return value
    }

    /// `a=1,b=2` into weights by name; names must come from `names`.
    func weights<Key: Hashable>(_ name: String, names: [String: Key]) throws(LoadTestError) -> [Key: Double]? {
        guard let text = values[name] else { return nil }
        var weights: [Key: Double] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let key = names[String(pair[0])], let weight = Double(pair[1]), weight.isFinite, weight >= 0 else {
                throw LoadTestError("--\(name): '\(part)' is not name=weight with a name among \(names.keys.sorted().joined(separator: ", ")) and a weight of at least 0")
            }
            guard weights[key] == nil else { throw LoadTestError("--\(name): '\(pair[0])' is given twice") }
            weights[key] = weight
        }
        guard weights.values.contains(where: { $0 > 0 }) else { throw LoadTestError("--\(name): at least one weight must be above 0") }
        return weights
    }
}

extension String {
    /// `100_000` reads as `100000`.
    fileprivate var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
