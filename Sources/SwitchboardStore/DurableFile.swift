// An owned file descriptor with the handful of operations durable storage needs.
// All I/O goes through `Syscall`; the descriptor is closed exactly once, by
// `close()` or on deinit.

import Glibc
import Synchronization

/// An open file: write all, sync, truncate, size, read whole file.
///
/// Sendable without `@unchecked`: the only mutable state is the descriptor, held in
/// an `Atomic` so that `close()` (from any thread, any number of times) closes it
/// exactly once. Concurrent writes from several threads are not ordered by this
/// type; the journal writer only writes from its flusher thread.
public final class DurableFile: Sendable {
    /// How to open the file.
    public enum Mode: Sendable {
        /// Existing file, read only.
        case read
        /// Existing file, write only, every write at the end (`O_APPEND`).
        case append
        /// New file that must not exist yet (`O_CREAT | O_EXCL`), write only, appending.
        case createNew
        /// Existing file, read and write, positioned at the start.
        case readWrite
        /// Create or empty the file (`O_CREAT | O_TRUNC`), write only.
        case createOrTruncate
    }

    /// The path it was opened with, for error messages.
    public let path: String
    private let fd: Atomic<Int32>

    /// Opens `path`; throws `SystemError` (e.g. ENOENT, EEXIST).
    public init(path: String, mode: Mode, permissions: UInt32 = 0o644) throws {
        let flags: Int32
        switch mode {
        case .read: flags = O_RDONLY
        case .append: flags = O_WRONLY | O_APPEND
        case .createNew: flags = O_WRONLY | O_APPEND | O_CREAT | O_EXCL
        case .readWrite: flags = O_RDWR
        case .createOrTruncate: flags = O_WRONLY | O_CREAT | O_TRUNC
        }
        self.path = path
        self.fd = Atomic(try Syscall.open(path, flags: flags, permissions: permissions))
    }

    deinit {
        let descriptor = fd.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { try? Syscall.close(descriptor, path: path) }
    }

    /// The descriptor, or -1 after `close()`.
    public var descriptor: Int32 { fd.load(ordering: .acquiring) }

    private func open() throws -> Int32 {
        let descriptor = fd.load(ordering: .acquiring)
        guard descriptor >= 0 else { throw SystemError(call: "use after close", errno: EBADF, path: path) }
        return descriptor
    }

    /// Writes every byte (continuing after short writes).
    public func write(all bytes: UnsafeRawBufferPointer) throws {
        try Syscall.write(open(), all: bytes, path: path)
    }

    /// Writes every byte (continuing after short writes).
    public func write(all bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write(all: $0) }
    }

    /// `fsync`: file data and metadata reach the device.
    public func sync() throws {
        try Syscall.fsync(open(), path: path)
    }

    /// `fdatasync`: file data and the size reach the device (not timestamps).
    public func syncData() throws {
        try Syscall.fdatasync(open(), path: path)
    }

    /// Cuts (or extends with zeros) the file to `length` bytes. Does not sync.
    public func truncate(to length: Int) throws {
        try Syscall.ftruncate(open(), length: length, path: path)
    }

    /// The current size in bytes (`fstat`).
    public var size: Int {
        get throws { try Syscall.fileStatus(open(), path: path).size }
    }

    /// The whole file, read from offset 0 regardless of the current position.
    public func readAll() throws -> [UInt8] {
        try Syscall.readToEnd(open(), from: 0, path: path)
    }

    /// Up to `count` bytes from `offset` (fewer at end of file).
    public func read(count: Int, at offset: Int) throws -> [UInt8] {
        let descriptor = try open()
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var filled = 0
            while filled < count {
                let n = try Syscall.pread(
                    descriptor,
                    into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[filled...]),
                    at: offset + filled, path: path)
                if n == 0 { break }
                filled += n
                initialized = filled
            }
            initialized = filled
        }
    }

    /// Closes the descriptor. Later calls do nothing; later I/O throws EBADF.
    public func close() throws {
        let descriptor = fd.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { try Syscall.close(descriptor, path: path) }
    }

    /// Reads the whole file at `path`.
    public static func readAll(path: String) throws -> [UInt8] {
        try DurableFile(path: path, mode: .read).readAll()
    }
}
