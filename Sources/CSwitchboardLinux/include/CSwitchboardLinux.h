// The few Linux interfaces Glibc's Swift overlay does not import, or imports awkwardly:
// epoll (its event struct is packed on x86-64), eventfd, accept4/SOCK_NONBLOCK (GNU extensions),
// the CPU affinity count, an async-signal-safe signal forwarder, relaxed atomic counters, and
// CRC-32C through the SSE4.2 instruction.
//
// Everything here is a thin wrapper: it returns what the syscall returns and leaves errno as the
// syscall set it, so the Swift side (SwitchboardPosix's `Posix` wrapper) retries EINTR and turns
// failures into errors in one place (STYLE.md habit 2).

#ifndef CSWITCHBOARD_LINUX_H
#define CSWITCHBOARD_LINUX_H

#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

// MARK: epoll

/// `struct epoll_event` without the packing: on x86-64 the kernel's struct is
/// `__attribute__((packed))` (12 bytes, a 64-bit field at offset 4), which Swift cannot lay out
/// faithfully. `csb_epoll_wait` copies into this natural layout.
typedef struct {
    uint32_t events;
    uint64_t data;
} csb_epoll_event;

/// Most events `csb_epoll_wait` returns at once; larger `max_events` are clamped.
#define CSB_EPOLL_MAX_EVENTS 256

extern const uint32_t CSB_EPOLLIN;
extern const uint32_t CSB_EPOLLOUT;
extern const uint32_t CSB_EPOLLERR;
extern const uint32_t CSB_EPOLLHUP;
extern const uint32_t CSB_EPOLLRDHUP;
extern const int CSB_EPOLL_CTL_ADD;
extern const int CSB_EPOLL_CTL_MOD;
extern const int CSB_EPOLL_CTL_DEL;

/// `epoll_create1(EPOLL_CLOEXEC)`.
int csb_epoll_create(void);
/// `epoll_ctl` with the event built from `events` and `data` (level-triggered).
int csb_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// `epoll_wait` into the unpacked layout; at most `CSB_EPOLL_MAX_EVENTS` events.
int csb_epoll_wait(int epfd, csb_epoll_event *events, int max_events, int timeout_ms);

// MARK: eventfd

/// `eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)`: a counter a thread bumps to wake an epoll loop.
int csb_eventfd(void);

// MARK: timerfd

/// `timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)`: a descriptor epoll waits on that
/// fires at a nanosecond deadline (epoll_wait's own timeout is whole milliseconds, too coarse for
/// the load-test harness's open-loop schedule).
int csb_timerfd_create(void);
/// Arms `fd` to fire once at `deadline_ns`, absolute on CLOCK_MONOTONIC; 0 disarms it.
int csb_timerfd_arm(int fd, uint64_t deadline_ns);

// MARK: sockets

/// `socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)`.
int csb_stream_socket(int domain);
/// `accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC)`: one call instead of
/// accept + two fcntls, and no window in which the descriptor could leak into a child.
int csb_accept(int fd, struct sockaddr_storage *address, socklen_t *length);
/// Sets an int-valued socket option; `level`/`name` come from the constants below.
int csb_setsockopt_int(int fd, int level, int name, int value);

extern const int CSB_SOL_SOCKET;
extern const int CSB_SO_REUSEADDR;
extern const int CSB_SO_RCVBUF;
extern const int CSB_SO_SNDBUF;
extern const int CSB_IPPROTO_TCP;
extern const int CSB_TCP_NODELAY;
extern const int CSB_MSG_NOSIGNAL;
extern const int CSB_SHUT_WR;

// MARK: counters

/// Adds `value` to the counter at `counter` atomically, relaxed (no ordering: a metric publishes
/// nothing else). Swift's `Atomic` cannot live in raw memory, and metrics want arrays of them.
void csb_counter_add(int64_t *counter, int64_t value);
/// Reads the counter at `counter` atomically, relaxed.
int64_t csb_counter_load(const int64_t *counter);

// MARK: memory

/// `malloc_trim(0)`: returns freed heap to the system (after start-up, whose decoded snapshot is
/// garbage once the state is built). Returns 1 if memory was released.
int csb_malloc_trim(void);

// MARK: processes and signals

/// CPUs this process may run on (sched_getaffinity), at least 1: honours taskset and cpusets,
/// unlike sysconf(_SC_NPROCESSORS_ONLN).
int csb_available_cpus(void);

/// Names the calling thread (at most 15 bytes are kept), for `top -H` and debuggers.
void csb_set_current_thread_name(const char *name);

/// `pipe2(fds, O_CLOEXEC)` with the write end (fds[1]) also `O_NONBLOCK`, so a signal handler
/// writing to it can never block.
int csb_signal_pipe(int fds[2]);
/// Installs a handler for `signo` that writes the signal number as one byte to `write_fd`
/// (async-signal-safe: only write(2), errno preserved). SA_RESTART is set. Also unblocks
/// `signo` in the calling thread's mask (a mask inherited blocked would hold the signal forever).
int csb_signal_forward(int signo, int write_fd);
/// Restores the default disposition of `signo` and stops forwarding it.
int csb_signal_default(int signo);
/// Ignores `signo` (used for SIGPIPE).
int csb_signal_ignore(int signo);

/// Whether the CPU has the SSE4.2 CRC32 instruction (CRC-32C in hardware); 0 elsewhere.
int csb_crc32c_hardware(void);
/// Runs the CRC-32C register `crc` over `count` bytes with the CPU's CRC32 instruction (no
/// initial or final inversion: the caller's convention). Only when `csb_crc32c_hardware()`.
uint32_t csb_crc32c_update(uint32_t crc, const void *bytes, size_t count);

#endif
