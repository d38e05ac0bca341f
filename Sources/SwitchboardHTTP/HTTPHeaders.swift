/// Header fields as name/value pairs, in the order received, names as sent.
///
/// Order and duplicates are kept because they carry meaning (RFC 9110 §5.3: field lines with the
/// same name combine in order). Lookups compare names ASCII case-insensitively over the UTF-8 bytes,
/// without lowercasing copies: a header section has a few dozen fields, so a linear scan with an
/// early length check beats building a dictionary per request.
///
/// Storage: every field's name and value bytes back to back in one array, and where each field
/// starts and ends in another. The parser appends a field as two byte copies, with no String made
/// and no UTF-8 validation per field: a request's whole header section costs two allocations.
/// Strings are made only for the fields a handler asks for by their String API; byte-level readers
/// (`single(lowercaseName:)`, `withFieldBytes`) make none.
public struct HTTPHeaders: Hashable, Sendable, RandomAccessCollection, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    /// One field line.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Where one field sits in `bytes`: its name is `nameStart..<nameEnd`, its value
    /// `nameEnd..<valueEnd`.
    struct Span: Hashable, Sendable {
        var nameStart: UInt32
        var nameEnd: UInt32
        var valueEnd: UInt32
    }

    private var bytes: [UInt8] = []
    private var spans: [Span] = []

    public init() {}

    public init(_ fields: [Field]) {
        for field in fields { append(name: field.name, value: field.value) }
    }

    /// `["Content-Type": "application/json"]`; order and repeated names are kept.
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { append(name: name, value: value) }
    }

    /// The fields in order, as Strings.
    public var fields: [Field] { Array(self) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { spans.count }

    public subscript(position: Int) -> Field {
        let span = spans[position]
        return bytes.withUnsafeBufferPointer { bytes in
            Field(
                name: String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(span.nameStart)..<Int(span.nameEnd)]), as: UTF8.self),
                // obs-text that is not UTF-8 becomes U+FFFD here; framing was read from the bytes.
                value: String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(span.nameEnd)..<Int(span.valueEnd)]), as: UTF8.self))
        }
    }

    /// The first value of the field `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        first(named: name)
    }

    /// The first value of the field `name` (case-insensitive), or nil.
    public func first(named name: String) -> String? {
        firstPosition(named: name).map { self[$0].value }
    }

    /// Every value of the field `name` (case-insensitive), in order.
    public func values(named name: String) -> [String] {
        positions(named: name).map { self[$0].value }
    }

    /// Whether a field `name` (case-insensitive) is present.
    public func contains(name: String) -> Bool {
        firstPosition(named: name) != nil
    }

    /// What a lookup of a field that may appear only once found.
    public enum SingleField: Equatable, Sendable {
        case absent
        case one(String)
        /// The field appears more than once.
        case repeated
    }

    /// The field `lowercaseName` (a lowercase ASCII literal, compared case-insensitively over the
    /// bytes), for fields that must appear at most once. Only the value found becomes a String.
    public func single(lowercaseName: StaticString) -> SingleField {
        withSingle(lowercaseName: lowercaseName) { found in
            switch found {
            case .absent: .absent
            case .repeated: .repeated
            case .one(let value): .one(String(decoding: value, as: UTF8.self))
            }
        }
    }

    /// What a byte-level lookup of a field that may appear only once found.
    public enum SingleFieldBytes {
        case absent
        /// The value's bytes, valid only inside the closure they are passed to.
        case one(UnsafeBufferPointer<UInt8>)
        case repeated
    }

    /// As `single(lowercaseName:)`, handing the value's bytes to `body` instead of making a String.
    public func withSingle<Result, Failure: Error>(
        lowercaseName: StaticString, _ body: (SingleFieldBytes) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try bytes.withUnsafeBufferPointer { bytes throws(Failure) in
            var found: Span?
            for span in spans {
                let name = UnsafeBufferPointer(rebasing: bytes[Int(span.nameStart)..<Int(span.nameEnd)])
                guard HTTPByte.equalsIgnoringCase(name, lowercase: lowercaseName) else { continue }
                guard found == nil else { return try body(.repeated) }
                found = span
            }
            guard let found else { return try body(.absent) }
            return try body(.one(UnsafeBufferPointer(rebasing: bytes[Int(found.nameEnd)..<Int(found.valueEnd)])))
        }
    }

    /// Calls `body` with each field's name and value bytes, in order; no String is made.
    public func withFieldBytes<Failure: Error>(
        _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws(Failure) -> Void
    ) throws(Failure) {
        try bytes.withUnsafeBufferPointer { bytes throws(Failure) in
            for span in spans {
                try body(
                    UnsafeBufferPointer(rebasing: bytes[Int(span.nameStart)..<Int(span.nameEnd)]),
                    UnsafeBufferPointer(rebasing: bytes[Int(span.nameEnd)..<Int(span.valueEnd)]))
            }
        }
    }

    public mutating func append(name: String, value: String) {
        var name = name
        var value = value
        name.withUTF8 { name in value.withUTF8 { value in append(name: name, value: value) } }
    }

    /// Appends a field from its bytes (the parsers' path: two copies, no String; the client's
    /// response parser in SwitchboardPosix uses it too).
    package mutating func append(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let nameStart = UInt32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: name)
        let nameEnd = UInt32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: value)
        spans.append(Span(nameStart: nameStart, nameEnd: nameEnd, valueEnd: UInt32(truncatingIfNeeded: bytes.count)))
    }

    /// Removes every field `name` (case-insensitive).
    public mutating func remove(name: String) {
        let removed = Set(positions(named: name))
        guard !removed.isEmpty else { return }
        self = HTTPHeaders(enumerated().filter { !removed.contains($0.offset) }.map(\.element))
    }

    /// Room for `minimumCapacity` fields (and typical bytes for them) without growing.
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        spans.reserveCapacity(minimumCapacity)
        bytes.reserveCapacity(minimumCapacity * 32)
    }

    /// Room for `fields` fields and `bytes` bytes of names and values (the parsers know both).
    package mutating func reserveCapacity(fields: Int, bytes count: Int) {
        spans.reserveCapacity(fields)
        bytes.reserveCapacity(count)
    }

    /// "Name: value" lines, for logs and test failures.
    public var description: String {
        map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// Positions of the fields named `name` (case-insensitive), compared over the bytes.
    private func positions(named name: String) -> [Int] {
        spans.indices.filter { nameEquals(at: $0, name) }
    }

    /// The first field named `name`, found without building an array (the per-request look-up).
    private func firstPosition(named name: String) -> Int? {
        spans.indices.first { nameEquals(at: $0, name) }
    }

    private func nameEquals(at position: Int, _ name: String) -> Bool {
        var name = name
        let span = spans[position]
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { bytes in
                HTTPByte.equalsIgnoringCase(UnsafeBufferPointer(rebasing: bytes[Int(span.nameStart)..<Int(span.nameEnd)]), wanted)
            }
        }
    }

    // Equal when the same fields come in the same order, byte for byte, whatever the storage.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        guard lhs.spans.count == rhs.spans.count else { return false }
        return lhs.bytes.withUnsafeBufferPointer { left in
            rhs.bytes.withUnsafeBufferPointer { right in
                zip(lhs.spans, rhs.spans).allSatisfy { a, b in
                    a.nameEnd - a.nameStart == b.nameEnd - b.nameStart && a.valueEnd - a.nameEnd == b.valueEnd - b.nameEnd
                        && left[Int(a.nameStart)..<Int(a.valueEnd)].elementsEqual(right[Int(b.nameStart)..<Int(b.valueEnd)])
                }
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(spans.count)
        withFieldBytes { name, value in
            hasher.combine(bytes: UnsafeRawBufferPointer(name))
            hasher.combine(name.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(value))
        }
    }
}
