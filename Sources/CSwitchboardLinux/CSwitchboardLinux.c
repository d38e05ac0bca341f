// accept4, pipe2 and sched_getaffinity are GNU extensions.
#define _GNU_SOURCE

#include "CSwitchboardLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

// Constants as data: the kernel headers define several of them as enum members behind
// self-referencing macros (`#define EPOLLIN EPOLLIN`), which Swift's importer cannot read.
const uint32_t CSB_EPOLLIN = EPOLLIN;
const uint32_t CSB_EPOLLOUT = EPOLLOUT;
const uint32_t CSB_EPOLLERR = EPOLLERR;
const uint32_t CSB_EPOLLHUP = EPOLLHUP;
const uint32_t CSB_EPOLLRDHUP = EPOLLRDHUP;
const int CSB_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int CSB_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int CSB_EPOLL_CTL_DEL = EPOLL_CTL_DEL;

const int CSB_SOL_SOCKET = SOL_SOCKET;
const int CSB_SO_REUSEADDR = SO_REUSEADDR;
const int CSB_SO_RCVBUF = SO_RCVBUF;
const int CSB_SO_SNDBUF = SO_SNDBUF;
const int CSB_IPPROTO_TCP = IPPROTO_TCP;
const int CSB_TCP_NODELAY = TCP_NODELAY;
const int CSB_MSG_NOSIGNAL = MSG_NOSIGNAL;
const int CSB_SHUT_WR = SHUT_WR;

int csb_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int csb_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = events;
    event.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &event);
}

int csb_epoll_wait(int epfd, csb_epoll_event *events, int max_events, int timeout_ms) {
    struct epoll_event raw[CSB_EPOLL_MAX_EVENTS];
    if (max_events > CSB_EPOLL_MAX_EVENTS) max_events = CSB_EPOLL_MAX_EVENTS;
    int count = epoll_wait(epfd, raw, max_events, timeout_ms);
    // The copy touches no errno, so a -1 result still carries epoll_wait's errno.
    for (int i = 0; i < count; i++) {
        events[i].events = raw[i].events;
        events[i].data = raw[i].data.u64;
    }
    return count;
}

int csb_eventfd(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

int csb_timerfd_create(void) {
    return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

int csb_timerfd_arm(int fd, uint64_t deadline_ns) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = (time_t)(deadline_ns / 1000000000u);
    spec.it_value.tv_nsec = (long)(deadline_ns % 1000000000u);
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

int csb_stream_socket(int domain) {
    return socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int csb_accept(int fd, struct sockaddr_storage *address, socklen_t *length) {
    return accept4(fd, (struct sockaddr *)address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int csb_setsockopt_int(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof value);
}

int csb_available_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

void csb_set_current_thread_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = '\0';
    pthread_setname_np(pthread_self(), truncated);
}

// MARK: memory

int csb_malloc_trim(void) {
    return malloc_trim(0);
}

// MARK: counters

void csb_counter_add(int64_t *counter, int64_t value) {
    __atomic_fetch_add(counter, value, __ATOMIC_RELAXED);
}

int64_t csb_counter_load(const int64_t *counter) {
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

// MARK: signals

// Which pipe each signal is forwarded to; -1 for none. Written by threads, read inside the
// handler: a lock-free atomic int is async-signal-safe to read there, and unlike a volatile
// sig_atomic_t ThreadSanitizer understands it. Written before the handler is installed.
// The range initialiser is a GNU extension that both GCC and Clang accept.
static _Atomic int forward_fd[NSIG] = {[0 ... NSIG - 1] = -1};

static void forward_signal(int signo) {
    int saved = errno;
    if (signo > 0 && signo < NSIG) {
        int fd = atomic_load_explicit(&forward_fd[signo], memory_order_relaxed);
        if (fd >= 0) {
            unsigned char byte = (unsigned char)signo;
            // Non-blocking: if the pipe is full a signal is already pending for the reader anyway.
            ssize_t ignored = write(fd, &byte, 1);
            (void)ignored;
        }
    }
    errno = saved;
}

int csb_signal_pipe(int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) == -1) return -1;
    int flags = fcntl(fds[1], F_GETFL);
    if (flags == -1 || fcntl(fds[1], F_SETFL, flags | O_NONBLOCK) == -1) {
        int saved = errno;
        close(fds[0]);
        close(fds[1]);
        errno = saved;
        return -1;
    }
    return 0;
}

int csb_signal_forward(int signo, int write_fd) {
    if (signo <= 0 || signo >= NSIG) {
        errno = EINVAL;
        return -1;
    }
    atomic_store_explicit(&forward_fd[signo], write_fd, memory_order_relaxed);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = forward_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(signo, &action, NULL) == -1) return -1;
    // A process inherits its parent thread's signal mask: started from a thread that blocks
    // SIGTERM (a Dispatch worker, a supervisor's helper), the signal would stay pending forever.
    // Unblock it here; threads started after this one inherit the unblocked mask.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    int error = pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    if (error != 0) {
        errno = error;
        return -1;
    }
    return 0;
}

int csb_signal_default(int signo) {
    if (signo <= 0 || signo >= NSIG) {
        errno = EINVAL;
        return -1;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    int result = sigaction(signo, &action, NULL);
    atomic_store_explicit(&forward_fd[signo], -1, memory_order_relaxed);
    return result;
}

int csb_signal_ignore(int signo) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    return sigaction(signo, &action, NULL);
}

// CRC-32C in hardware: SSE4.2's CRC32 instruction computes exactly the Castagnoli CRC, eight bytes
// an instruction (the software slicing-by-8 loop does eight table look-ups for those). Compiled
// for SSE4.2 in this one function only, and called only after the CPU said it has it.
#if defined(__x86_64__)
#include <nmmintrin.h>

int csb_crc32c_hardware(void) { return __builtin_cpu_supports("sse4.2") ? 1 : 0; }

__attribute__((target("sse4.2"))) uint32_t csb_crc32c_update(uint32_t crc, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    uint64_t wide = crc;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        wide = _mm_crc32_u64(wide, word);
        p += 8;
        count -= 8;
    }
    uint32_t narrow = (uint32_t)wide;
    while (count > 0) {
        narrow = _mm_crc32_u8(narrow, *p++);
        count--;
    }
    return narrow;
}
#else
int csb_crc32c_hardware(void) { return 0; }

uint32_t csb_crc32c_update(uint32_t crc, const void *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return crc;  // never called: csb_crc32c_hardware() is 0
}
#endif
