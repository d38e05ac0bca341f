/// A small JSON writer for the reports (RFC 8259): objects, arrays, strings, numbers, in the order
/// written, so a report diffs cleanly between runs.
struct JSONText {
    private(set) var text = ""
    /// Per open container: whether the next item needs a comma before it.
    private var needsComma = [false]
    /// A key was just written: its value follows without a comma.
    private var afterKey = false

    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    mutating func beginObject(_ key: String? = nil) {
        if let key { self.key(key) }
        separate()
        text += "{"
        needsComma.append(false)
    }

    mutating func endObject() {
        needsComma.removeLast()
        text += "}"
    }

    mutating func beginArray(_ key: String? = nil) {
        if let key { self.key(key) }
        separate()
        text += "["
        needsComma.append(false)
    }

    mutating func endArray() {
        needsComma.removeLast()
        text += "]"
    }

    private mutating func key(_ name: String) {
        separate()
        text += JSONText.quoted(name) + ":"
        afterKey = true
    }

    private mutating func value(_ literal: String) {
        separate()
        text += literal
    }

    mutating func member(_ name: String, _ value: String?) {
        key(name)
        self.value(value.map(JSONText.quoted) ?? "null")
    }

    mutating func member(_ name: String, _ value: Double) {
        key(name)
        self.value(JSONText.number(value))
    }

    mutating func member(_ name: String, _ value: UInt64) {
        key(name)
        self.value(String(value))
    }

    mutating func member(_ name: String, _ value: Int) {
        key(name)
        self.value(String(value))
    }

    mutating func member(_ name: String, _ value: Bool) {
        key(name)
        self.value(value ? "true" : "false")
    }

    mutating func element(_ value: UInt64) { self.value(String(value)) }
    mutating func element(_ value: String) { self.value(JSONText.quoted(value)) }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return Format.fixed(value, 3)
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
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
        return out + "\""
    }
}
