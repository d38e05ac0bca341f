public import SwitchboardCore

/// The bodies each provider posts to a webhook URL (providers.md), built as bytes by its adapter:
/// for the simulator, the load-test harness and the tests that play the provider. Field order and
/// spacing follow the documented examples; the router must not depend on either.
public enum WebhookBodies {
    /// An inbound call to `to` from `from`, as `provider` announces it. `callID` and (for Vapi)
    /// `phoneNumberID` are the provider's own ids; `unixMillis` is Vapi's message timestamp.
    public static func inboundCall(
        _ provider: Provider, to: E164, from: String, callID: String, phoneNumberID: String = "", unixMillis: Int64 = 0
    ) -> [UInt8] {
        ProviderAdapters.adapter(for: provider).inboundCallBody(to: to, from: from, callID: callID, phoneNumberID: phoneNumberID, unixMillis: unixMillis)
    }

    /// An event that is not an inbound call (the call ended), which the router acknowledges.
    public static func callEnded(_ provider: Provider, callID: String) -> [UInt8] {
        ProviderAdapters.adapter(for: provider).callEndedBody(callID: callID)
    }

    /// `text` as the inside of a JSON string (RFC 8259 §7).
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
