import Glibc

/// A failed system call: which call and the errno it failed with.
public struct PosixError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The call's name, e.g. `"bind"`.
    public let call: String
    /// The errno it failed with.
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// `strerror` text for `errno`, e.g. "Address already in use".
    public var message: String {
        guard let text = strerror(errno) else { return "unknown error" }
        return String(cString: text)
    }

    public var description: String { "\(call) failed: \(message) (errno \(errno))" }
}

/// Configuration that cannot work, found before any socket is opened.
public struct HTTPServerConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
