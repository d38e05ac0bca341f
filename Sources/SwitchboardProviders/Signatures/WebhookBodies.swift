public import SwitchboardCore

/// The bodies each provider posts to a webhook URL (providers.md), built as bytes: for the
/// simulator, the load-test harness and the tests that play the provider. Field order and spacing
/// follow the documented examples; the router must not depend on either.
public enum WebhookBodies {
    /// An inbound call to `to` from `from`, as `provider` announces it. `callID` and (for Vapi)
    /// `phoneNumberID` are the provider's own ids; `unixMillis` is Vapi's message timestamp.
    public static func inboundCall(
        _ provider: Provider, to: E164, from: String, callID: String, phoneNumberID: String = "", unixMillis: Int64 = 0
    ) -> [UInt8] {
        let from = escaped(from), callID = escaped(callID), phoneNumberID = escaped(phoneNumberID)
        switch provider {
        case .retell:
            return Array(#"{"event":"call_inbound","call_inbound":{"from_number":"\#(from)","to_number":"\#(to)"}}"#.utf8)
        case .vapi:
            return Array(
                (#"{"message":{"type":"assistant-request","call":{"id":"\#(callID)","type":"inboundPhoneCall","phoneNumberId":"\#(phoneNumberID)"},"#
                    + #""phoneNumber":{"id":"\#(phoneNumberID)","number":"\#(to)"},"customer":{"number":"\#(from)"},"timestamp":\#(unixMillis)}}"#).utf8)
        case .bland:
            return Array(#"{"event":"call.inbound","call_id":"\#(callID)","to":"\#(to)","from":"\#(from)","inbound":true}"#.utf8)
        }
    }

    /// An event that is not an inbound call (the call ended), which the router acknowledges.
    public static func callEnded(_ provider: Provider, callID: String) -> [UInt8] {
        let callID = escaped(callID)
        switch provider {
        case .retell:
            return Array(#"{"event":"call_ended","call":{"call_id":"\#(callID)","call_status":"ended"}}"#.utf8)
        case .vapi:
            return Array(#"{"message":{"type":"end-of-call-report","call":{"id":"\#(callID)"},"endedReason":"customer-ended-call"}}"#.utf8)
        case .bland:
            return Array(#"{"call_id":"\#(callID)","status":"completed","completed":true}"#.utf8)
        }
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
