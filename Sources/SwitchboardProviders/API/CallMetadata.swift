/// A call's metadata: a JSON object passed through to the provider as the client sent it. Held as
/// validated bytes, so any JSON values survive (not only strings) and nothing is re-encoded.
public struct CallMetadata: Sendable, Equatable {
    /// The largest metadata object accepted (providers cap it too; this keeps requests small).
    public static let maxBytes = 16 * 1024

    /// Why bytes cannot be metadata.
    public enum Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        case json(JSONError)
        case notAnObject
        case tooLarge(limit: Int)

        public var description: String {
            switch self {
            case .json(let error): "metadata is \(error)"
            case .notAnObject: "metadata must be a JSON object, e.g. {\"crm_id\":\"42\"}"
            case .tooLarge(let limit): "metadata is larger than \(limit) bytes: send less"
            }
        }
    }

    /// The object's JSON bytes.
    public let json: [UInt8]

    public static let empty = CallMetadata(trusted: Array("{}".utf8))

    private init(trusted json: [UInt8]) {
        self.json = json
    }

    /// Metadata from a JSON object's bytes, validated.
    public init(jsonObject bytes: [UInt8]) throws(Invalid) {
        guard bytes.count <= CallMetadata.maxBytes else { throw .tooLarge(limit: CallMetadata.maxBytes) }
        let root: JSONValue
        do { root = try JSONDocument(validating: bytes).root } catch { throw .json(error) }
        guard root.kind == .object else { throw .notAnObject }
        json = Array(root.rawBytes)
    }

    /// Metadata of string values, keys in sorted order.
    public init(_ strings: [String: String]) throws(Invalid) {
        var out = JSONOutput()
        out.raw("{")
        for (position, key) in strings.keys.sorted().enumerated() {
            if position > 0 { out.raw(",") }
            out.string(key)
            out.raw(":")
            out.string(strings[key] ?? "")
        }
        out.raw("}")
        guard out.bytes.count <= CallMetadata.maxBytes else { throw .tooLarge(limit: CallMetadata.maxBytes) }
        json = out.bytes
    }
}
