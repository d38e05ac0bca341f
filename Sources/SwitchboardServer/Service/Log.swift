import Foundation
import SwitchboardCore

#if canImport(Glibc)
import Glibc
#endif

/// Structured logs: one JSON object a line, one line per event, written to a sink (stderr unless
/// the router was given another).
///
/// ```
/// {"at":"2026-11-25T10:00:00.000Z","level":"info","event":"number_assigned","account":"acme",…}
/// ```
///
/// Callers pass only what may be shown: never a token, an API key or a webhook secret (SPEC §1).
/// State changes, lifecycle, sync and push outcomes are logged; webhooks and reads are not (the
/// hot path does not log: `/metrics` and the event log count those).
///
/// A value, not a global: each `RouterService` has its own (`RouterService.Options.log`), so a test
/// captures one router's lines without touching any shared setting.
public struct Log: Sendable {
    /// Receives each complete line, newline included; called from any thread, one call a line.
    public typealias Sink = @Sendable (_ line: [UInt8]) -> Void

    private let sink: Sink?

    public init(sink: @escaping Sink) {
        self.sink = sink
    }

    private init(disabled: Void) {
        sink = nil
    }

    /// Standard error, each line in one `write(2)` (lines from several threads do not interleave
    /// on a pipe for lines under PIPE_BUF, 4 KiB).
    public static let standardError = Log(sink: Log.writeToStandardError)

    /// Discards everything: for embedded uses that narrate themselves (the demo).
    public static let disabled = Log(disabled: ())

    public func info(_ event: String, _ fields: KeyValuePairs<String, String?> = [:]) { write("info", event, fields) }
    public func warning(_ event: String, _ fields: KeyValuePairs<String, String?> = [:]) { write("warning", event, fields) }
    public func error(_ event: String, _ fields: KeyValuePairs<String, String?> = [:]) { write("error", event, fields) }

    /// `{"at","level","event", fields…}`; a nil field is written as null (the API's convention).
    func write(_ level: String, _ event: String, _ fields: KeyValuePairs<String, String?>) {
        guard let sink else { return }
        var writer = JSONWriter(capacity: 160)
        writer.beginObject()
        writer.member("at", Timestamp.now.rfc3339Milliseconds)
        writer.member("level", level)
        writer.member("event", event)
        for (key, value) in fields {
            writer.separateForDynamicKey()
            writer.bytes.append(contentsOf: JSONWriter.quotedKey(key))
            writer.optionalString(value)
        }
        writer.endObject()
        // JSONWriter escapes every control byte, so the only newline is this one.
        writer.bytes.append(UInt8(ascii: "\n"))
        sink(writer.bytes)
    }

    @Sendable static func writeToStandardError(_ line: [UInt8]) {
        line.withUnsafeBytes { buffer in
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
