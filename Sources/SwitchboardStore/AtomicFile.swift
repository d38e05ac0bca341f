// Replacing a file so that after a crash at any instant it holds either the old
// content or the new content, never a mix:
//
//   1. create `<path>.tmp-<random>` in the same directory (same file system, so
//      the rename below is atomic)
//   2. write the new content to it
//   3. fsync it: the content is on disk before the name can point at it
//   4. rename it over `<path>`: atomic replacement (POSIX rename(2))
//   5. fsync the directory: the rename itself is on disk
//
// Foundation's `.atomic` writing skips step 5 and can fall back to a non-atomic
// write (STYLE.md trap), so the store does it by hand. A crash before step 4
// leaves a stray temporary file, which `cleanUpTemporaries(in:)` removes at
// start-up.

import Glibc

/// The steps of `AtomicFile.write`, in order, for fault injection.
public enum AtomicWriteStep: String, CaseIterable, Sendable {
    case createTemp
    case writeTemp
    case syncTemp
    case rename
    case syncDirectory

    /// The system call the step makes, for the simulated error.
    var call: String {
        switch self {
        case .createTemp: "open"
        case .writeTemp: "write"
        case .syncTemp: "fsync"
        case .rename: "rename"
        case .syncDirectory: "fsync"
        }
    }
}

/// Fault injection for `AtomicFile.write`: asked before each step what to do.
public struct AtomicWriteFaults: Sendable {
    public enum Action: Sendable {
        /// Do the step normally.
        case proceed
        /// The step's system call fails with `errno`; `write` cleans up as it would
        /// for a real failure and throws the `SystemError`.
        case fail(errno: Int32)
        /// The process dies just before the step (for `writeTemp`: halfway through
        /// the write, leaving a torn temporary file). Nothing is cleaned up; `write`
        /// throws `SimulatedCrash` and the files are exactly as the crash left them.
        case crash
    }

    public var action: @Sendable (AtomicWriteStep) -> Action

    public init(action: @escaping @Sendable (AtomicWriteStep) -> Action) {
        self.action = action
    }

    /// No faults.
    public static let none = AtomicWriteFaults { _ in .proceed }

    /// Fail `step` with `errno` (EIO by default).
    public static func fail(at step: AtomicWriteStep, errno: Int32 = 5 /* EIO */) -> AtomicWriteFaults {
        AtomicWriteFaults { $0 == step ? .fail(errno: errno) : .proceed }
    }

    /// Simulate a crash at `step`.
    public static func crash(at step: AtomicWriteStep) -> AtomicWriteFaults {
        AtomicWriteFaults { $0 == step ? .crash : .proceed }
    }
}

/// Thrown by `AtomicFile.write` when `AtomicWriteFaults` simulated a crash.
public struct SimulatedCrash: Error, Equatable, Sendable, CustomStringConvertible {
    public let step: AtomicWriteStep
    public init(step: AtomicWriteStep) { self.step = step }
    public var description: String { "simulated crash at \(step.rawValue)" }
}

/// Crash-safe whole-file replacement.
public enum AtomicFile {
    /// The marker in temporary names: `<name>.tmp-<16 hex digits>`.
    public static let temporaryMarker = ".tmp-"

    /// Replaces (or creates) the file at `path` with `bytes`: write temporary, fsync,
    /// rename, fsync directory. Throws `SystemError`; on a failure before the
    /// rename, `path` is untouched and the temporary file is removed.
    public static func write(
        _ bytes: [UInt8], to path: String, permissions: UInt32 = 0o644, faults: AtomicWriteFaults = .none
    ) throws {
        try bytes.withUnsafeBytes { try write($0, to: path, permissions: permissions, faults: faults) }
    }

    /// `write(_:to:)` for bytes in a buffer.
    public static func write(
        _ bytes: UnsafeRawBufferPointer, to path: String, permissions: UInt32 = 0o644,
        faults: AtomicWriteFaults = .none
    ) throws {
        let directory = Syscall.parentDirectory(of: path)
        let temporary = path + temporaryMarker + hex(UInt64.random(in: .min ... .max))

        /// Asks the hook about `step`: returns normally to proceed, throws otherwise.
        /// The callers' `catch` blocks clean up after a `.fail` but not after a crash.
        func check(_ step: AtomicWriteStep) throws {
            switch faults.action(step) {
            case .proceed:
                return
            case .crash:
                if step == .writeTemp { throw TornWrite() }
                throw SimulatedCrash(step: step)
            case .fail(let errno):
                throw SystemError(call: step.call, errno: errno, path: step == .syncDirectory ? directory : temporary)
            }
        }

        try check(.createTemp)
        let file = try DurableFile(path: temporary, mode: .createNew, permissions: permissions)
        do {
            do {
                try check(.writeTemp)
            } catch is TornWrite {
                try file.write(all: UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count / 2)]))
                throw SimulatedCrash(step: .writeTemp)
            }
            try file.write(all: bytes)
            try check(.syncTemp)
            try file.sync()
            try file.close()
            try check(.rename)
            try Syscall.rename(temporary, to: path)
        } catch let crash as SimulatedCrash {
            try? file.close()  // the kernel closes a dead process's descriptors too
            throw crash
        } catch {
            try? file.close()
            try? Syscall.unlink(temporary)
            throw error
        }

        // The new content is in place; only its durability is left. A failure here
        // means a crash could still bring back the old file: report it.
        try check(.syncDirectory)
        try Syscall.fsyncDirectory(directory)
    }

    /// Marks a crash in the middle of the temporary file's write.
    private struct TornWrite: Error {}

    /// Removes leftover `*.tmp-*` files (from a crash during `write`) in `directory`
    /// and fsyncs it. Returns the names removed, for the start-up log.
    @discardableResult
    public static func cleanUpTemporaries(in directory: String) throws -> [String] {
        let leftovers = try Syscall.listDirectory(directory).filter { $0.contains(temporaryMarker) }.sorted()
        guard !leftovers.isEmpty else { return [] }
        for name in leftovers {
            try Syscall.unlink(directory + "/" + name)
        }
        try Syscall.fsyncDirectory(directory)
        return leftovers
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
