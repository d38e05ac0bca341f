/// Header fields as name/value pairs, in the order received, names as sent.
///
/// Order and duplicates are kept because they carry meaning (RFC 9110 §5.3: field lines with the
/// same name combine in order). Lookups compare names ASCII case-insensitively over the UTF-8 bytes,
/// without lowercasing copies: a header section has a few dozen fields, so a linear scan with an
/// early length check beats building a dictionary per request.
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

    /// The fields in order.
    public private(set) var fields: [Field]

    public init() {
        fields = []
    }

    public init(_ fields: [Field]) {
        self.fields = fields
    }

    /// `["Content-Type": "application/json"]`; order and repeated names are kept.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }

    public subscript(position: Int) -> Field {
        fields[position]
    }

    /// The first value of the field `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        first(named: name)
    }

    /// The first value of the field `name` (case-insensitive), or nil.
    public func first(named name: String) -> String? {
        for field in fields where HTTPByte.equalsIgnoringCase(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value of the field `name` (case-insensitive), in order.
    public func values(named name: String) -> [String] {
        fields.lazy.filter { HTTPByte.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// What a lookup of a field that may appear only once found.
    public enum SingleField: Equatable, Sendable {
        case absent
        case one(String)
        /// The field appears more than once.
        case repeated
    }

    /// The field `lowercaseName` (a lowercase ASCII literal, compared case-insensitively over the
    /// bytes, no String made for the comparison), for fields that must appear at most once.
    public func single(lowercaseName: StaticString) -> SingleField {
        var found: String?
        for field in fields {
            var name = field.name
            let matches = name.withUTF8 { HTTPByte.equalsIgnoringCase($0, lowercase: lowercaseName) }
            guard matches else { continue }
            guard found == nil else { return .repeated }
            found = field.value
        }
        return found.map(SingleField.one) ?? .absent
    }

    /// Whether a field `name` (case-insensitive) is present.
    public func contains(name: String) -> Bool {
        fields.contains { HTTPByte.equalsIgnoringCase($0.name, name) }
    }

    public mutating func append(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Removes every field `name` (case-insensitive).
    public mutating func remove(name: String) {
        fields.removeAll { HTTPByte.equalsIgnoringCase($0.name, name) }
    }

    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        fields.reserveCapacity(minimumCapacity)
    }

    /// "Name: value" lines, for logs and test failures.
    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }
}
