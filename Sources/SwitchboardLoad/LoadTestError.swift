/// A load-test problem a person can fix: a bad argument, a data set that cannot be made, a
/// target that cannot be reached. The message says what was wrong and what to do.
public struct LoadTestError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
