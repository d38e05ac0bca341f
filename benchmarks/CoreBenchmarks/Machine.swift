import BenchmarkSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the process and the machine report about themselves (Linux `/proc`).
enum Machine {
    /// The whole of a small text file such as `/proc/self/statm`, or nil.
    static func readText(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static var pageSize: Int { sysconf(Int32(_SC_PAGESIZE)) }

    /// Resident set size in bytes (second field of `/proc/self/statm`, in pages).
    static func residentBytes() -> Int {
        guard let statm = readText("/proc/self/statm") else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * pageSize
    }

    /// Hands free heap memory back to the kernel, so an RSS delta counts what is held, not what the
    /// allocator keeps around from earlier (or transient) allocations.
    /// (glibc's `malloc_trim`, which the Glibc module does not import: looked up at run time.)
    static func trimHeap() {
        typealias MallocTrim = @convention(c) (Int) -> Int32
        // RTLD_DEFAULT is a null handle on glibc.
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }

    static var onlineCPUs: Int { sysconf(Int32(_SC_NPROCESSORS_ONLN)) }

    /// `MemTotal` from `/proc/meminfo`, as written there ("24684084 kB").
    static var memoryTotal: String {
        guard let meminfo = readText("/proc/meminfo") else { return "unknown" }
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            return line.dropFirst("MemTotal:".count).trimmingSpaces()
        }
        return "unknown"
    }

    static var cpuModel: String {
        guard let cpuinfo = readText("/proc/cpuinfo") else { return "unknown" }
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingSpaces() }
        }
        return "unknown"
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
