// Every system call the store makes goes through this file (STYLE.md habit 2):
// EINTR is retried, short writes are continued, and a failure becomes a
// `SystemError` naming the call, the errno and the path, so an operator reading
// the log knows which file and which operation failed.

import Glibc  // Linux only, like the rest of the server (epoll).

/// A failed system call: which call, its errno, and the path it was working on.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call's name, e.g. `"fsync"`.
    public let call: String
    /// The errno it failed with.
    public let errno: Int32
    /// The file or directory involved, when there is one.
    public let path: String?

    public init(call: String, errno: Int32, path: String? = nil) {
        self.call = call
        self.errno = errno
        self.path = path
    }

    /// `strerror` text for `errno`, e.g. "No space left on device".
    public var message: String {
        guard let text = strerror(errno) else { return "unknown error" }
        return String(cString: text)
    }

    public var description: String {
        if let path {
            return "\(call)(\(path)) failed: \(message) (errno \(errno))"
        }
        return "\(call) failed: \(message) (errno \(errno))"
    }
}

/// What `fstat`/`stat` report that the store needs.
public struct FileStatus: Equatable, Sendable {
    public let size: Int
    public let isDirectory: Bool
    public let isRegularFile: Bool
}

/// The one syscall wrapper. Functions throw `SystemError`; none returns -1.
public enum Syscall {
    /// Runs `body` until it returns something other than -1 with errno EINTR.
    @inline(__always)
    static func retryingEINTR<Result: BinaryInteger>(
        _ call: String, path: String?, _ body: () -> Result
    ) throws -> Result {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(call: call, errno: code, path: path)
        }
    }

    // MARK: Files

    /// `open(2)`; `O_CLOEXEC` is always added so descriptors never leak into children.
    public static func open(_ path: String, flags: Int32, permissions: UInt32 = 0o644) throws -> Int32 {
        try retryingEINTR("open", path: path) {
            Glibc.open(path, flags | O_CLOEXEC, mode_t(permissions))
        }
    }

    /// `close(2)`. Not retried on EINTR: on Linux the descriptor is released even
    /// then, and a retry could close a descriptor another thread just opened.
    public static func close(_ fd: Int32, path: String? = nil) throws {
        if Glibc.close(fd) == -1 {
            let code = errno
            if code == EINTR { return }
            throw SystemError(call: "close", errno: code, path: path)
        }
    }

    /// Writes every byte of `bytes`, continuing after short writes.
    public static func write(_ fd: Int32, all bytes: UnsafeRawBufferPointer, path: String? = nil) throws {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = try retryingEINTR("write", path: path) { Glibc.write(fd, base, remaining) }
            if written == 0 {
                // A regular file never does this; treat it as a full disk rather than spin.
                throw SystemError(call: "write", errno: EIO, path: path)
            }
            base += written
            remaining -= written
        }
    }

    /// Writes every byte of `bytes` at `offset`, continuing after short writes.
    public static func pwrite(
        _ fd: Int32, all bytes: UnsafeRawBufferPointer, at offset: Int, path: String? = nil
    ) throws {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        var position = offset
        while remaining > 0 {
            let written = try retryingEINTR("pwrite", path: path) {
                Glibc.pwrite(fd, base, remaining, off_t(position))
            }
            if written == 0 { throw SystemError(call: "pwrite", errno: EIO, path: path) }
            base += written
            remaining -= written
            position += written
        }
    }

    /// One `read(2)`; returns the byte count, 0 at end of file.
    public static func read(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String? = nil
    ) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try retryingEINTR("read", path: path) { Glibc.read(fd, base, buffer.count) }
    }

    /// One `pread(2)`; returns the byte count, 0 at end of file.
    public static func pread(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String? = nil
    ) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try retryingEINTR("pread", path: path) { Glibc.pread(fd, base, buffer.count, off_t(offset)) }
    }

    /// Reads from `offset` to end of file with `pread`, in as few calls as the
    /// kernel allows: one allocation sized by `fstat`, grown only if the file grew.
    public static func readToEnd(_ fd: Int32, from offset: Int = 0, path: String? = nil) throws -> [UInt8] {
        let expected = max(0, try fileStatus(fd, path: path).size - offset)
        var result = try [UInt8](unsafeUninitializedCapacity: expected) { buffer, initialized in
            var filled = 0
            while filled < expected {
                let count = try pread(
                    fd, into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[filled...]),
                    at: offset + filled, path: path)
                if count == 0 { break }
                filled += count
                initialized = filled
            }
            initialized = filled
        }
        // The file may have grown since fstat; keep reading until end of file.
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while result.count == expected {
            let count = try chunk.withUnsafeMutableBytes {
                try pread(fd, into: $0, at: offset + result.count, path: path)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[..<count])
        }
        return result
    }

    /// `fsync(2)`: data and all metadata.
    public static func fsync(_ fd: Int32, path: String? = nil) throws {
        _ = try retryingEINTR("fsync", path: path) { Glibc.fsync(fd) }
    }

    /// `fdatasync(2)`: data and the metadata needed to read it back (including the
    /// file size), skipping timestamps. Enough for appends to an existing file.
    public static func fdatasync(_ fd: Int32, path: String? = nil) throws {
        _ = try retryingEINTR("fdatasync", path: path) { Glibc.fdatasync(fd) }
    }

    /// `ftruncate(2)`.
    public static func ftruncate(_ fd: Int32, length: Int, path: String? = nil) throws {
        _ = try retryingEINTR("ftruncate", path: path) { Glibc.ftruncate(fd, off_t(length)) }
    }

    /// Where `lseek` may measure from.
    public enum SeekOrigin: Sendable {
        case start, current, end
    }

    /// `lseek(2)`; returns the new offset.
    @discardableResult
    public static func lseek(_ fd: Int32, offset: Int, from origin: SeekOrigin, path: String? = nil) throws -> Int {
        let whence: Int32
        switch origin {
        case .start: whence = SEEK_SET
        case .current: whence = SEEK_CUR
        case .end: whence = SEEK_END
        }
        return Int(try retryingEINTR("lseek", path: path) { Glibc.lseek(fd, off_t(offset), whence) })
    }

    /// `fstat(2)`.
    public static func fileStatus(_ fd: Int32, path: String? = nil) throws -> FileStatus {
        var info = stat()
        _ = try retryingEINTR("fstat", path: path) { Glibc.fstat(fd, &info) }
        return FileStatus(info)
    }

    /// `stat(2)`; `nil` when nothing exists at `path`.
    public static func fileStatus(path: String) throws -> FileStatus? {
        var info = stat()
        while stat(path, &info) == -1 {
            let code = errno
            if code == EINTR { continue }
            if code == ENOENT { return nil }
            throw SystemError(call: "stat", errno: code, path: path)
        }
        return FileStatus(info)
    }

    // MARK: Names and directories

    /// `rename(2)`: atomically replaces `destination` within one file system.
    public static func rename(_ source: String, to destination: String) throws {
        _ = try retryingEINTR("rename", path: "\(source) -> \(destination)") { Glibc.rename(source, destination) }
    }

    /// `unlink(2)`.
    public static func unlink(_ path: String) throws {
        _ = try retryingEINTR("unlink", path: path) { Glibc.unlink(path) }
    }

    /// `mkdir(2)`. With `ignoreExisting`, an existing directory is not an error.
    public static func mkdir(_ path: String, permissions: UInt32 = 0o755, ignoreExisting: Bool = false) throws {
        while Glibc.mkdir(path, mode_t(permissions)) == -1 {
            let code = errno
            if code == EINTR { continue }
            if code == EEXIST, ignoreExisting, try fileStatus(path: path)?.isDirectory == true { return }
            throw SystemError(call: "mkdir", errno: code, path: path)
        }
    }

    /// Names in `directory` (without `.` and `..`), via `opendir`/`readdir`.
    public static func listDirectory(_ directory: String) throws -> [String] {
        guard let stream = opendir(directory) else {
            throw SystemError(call: "opendir", errno: errno, path: directory)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw SystemError(call: "readdir", errno: errno, path: directory) }
                return names
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    /// Makes the directory entries in `directory` durable: after creating, renaming
    /// or removing a file, its name is only crash-safe once the *directory* is
    /// fsynced (STYLE.md trap: Foundation's `.atomic` skips this).
    public static func fsyncDirectory(_ directory: String) throws {
        let fd = try open(directory, flags: O_RDONLY | O_DIRECTORY)
        defer { try? close(fd, path: directory) }
        do {
            try fsync(fd, path: directory)
        } catch let error as SystemError where error.errno == EINVAL {
            // The file system cannot sync directories (some network and FUSE file
            // systems); there is nothing more we can do, and it is not a failure.
        }
    }
}

extension FileStatus {
    init(_ info: stat) {
        let type = info.st_mode & S_IFMT
        self.init(size: Int(info.st_size), isDirectory: type == S_IFDIR, isRegularFile: type == S_IFREG)
    }
}

extension Syscall {
    /// The directory part of `path` ("." for a bare name), for fsyncing a file's parent.
    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}
