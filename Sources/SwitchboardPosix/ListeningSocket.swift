import CSwitchboardLinux

/// Opens the server's listening socket.
enum ListeningSocket {
    /// A non-blocking TCP socket bound to `address` and listening; returns it with the bound port
    /// (the kernel's choice when `address` has port 0).
    static func open(address: SocketAddress, backlog: Int32) throws(PosixError) -> (fd: Int32, port: UInt16) {
        let fd = try Posix.streamSocket(domain: address.family)
        do {
            // Restarting must not fail while the previous process's connections sit in TIME_WAIT.
            try Posix.setOption(fd, level: CSB_SOL_SOCKET, name: CSB_SO_REUSEADDR, value: 1)
            try Posix.bind(fd, to: address)
            try Posix.listen(fd, backlog: backlog)
            return (fd, try Posix.localAddress(fd).port)
        } catch {
            Posix.close(fd)
            throw error
        }
    }
}
