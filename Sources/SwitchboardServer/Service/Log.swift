import Foundation
import SwitchboardCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Structured logs: one JSON object a line on stderr, one line per event. Callers pass only what
/// may be shown: no tokens, no API keys.
public enum Log {
    /// Off for embedded uses that narrate themselves (the demo); on by default.
    private static let enabled = Atomic(true)

    public static var isEnabled: Bool {
        get { enabled.load(ordering: .relaxed) }
        set { enabled.store(newValue, ordering: .relaxed) }
    }

    public static func info(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { write("info", event, fields) }
    public static func error(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { write("error", event, fields) }

    static func write(_ level: String, _ event: String, _ fields: KeyValuePairs<String, String>) {
        guard isEnabled else { return }
        var writer = JSONWriter(capacity: 160)
        writer.beginObject()
        writer.member("at", Timestamp.now.rfc3339Milliseconds)
        writer.member("level", level)
        writer.member("event", event)
        for (key, value) in fields {
            writer.separateForDynamicKey()
            writer.bytes.append(contentsOf: JSONWriter.quotedKey(key))
            writer.string(value)
        }
        writer.endObject()
        writer.bytes.append(UInt8(ascii: "\n"))
        writer.bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
