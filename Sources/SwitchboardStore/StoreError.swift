/// Why a data directory cannot be opened or written, said so that an operator knows what to do.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Another process holds the directory.
        case locked
        /// A file is damaged beyond the journal's torn tail.
        case corrupt
        /// A journal replays a change the rules refuse: the history does not fit together.
        case inconsistent
        /// The directory is not empty where an empty one is needed (import).
        case notEmpty
        /// The store was closed.
        case closed
    }

    public var kind: Kind
    public var path: String
    public var reason: String

    public init(_ kind: Kind, path: String, _ reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
