/// Our answer to an inbound call as the provider reads it (`ProviderAdapter.readAnswer`): what a
/// load test or a test playing the provider checks.
public enum WebhookAnswer: Equatable, Sendable {
    /// Routed to the provider's agent id; Retell's answer also carries our agent id in its metadata.
    case routed(providerAgentID: [UInt8], switchboardAgentID: [UInt8]?)
    /// Refused; Bland's answer says why.
    case refused(reason: [UInt8]?)
    case malformed(String)

    /// A JSON string's UTF-8, or nil for any other value.
    public static func utf8(_ value: JSONValue) -> [UInt8]? {
        value.withStringUTF8 { Array($0) }
    }
}
