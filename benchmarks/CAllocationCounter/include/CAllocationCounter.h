#ifndef SWITCHBOARD_ALLOCATION_COUNTER_H
#define SWITCHBOARD_ALLOCATION_COUNTER_H
// Counts heap allocations of the calling thread, for the benchmarks that claim "no allocation on
// the hot path". Linking this target into an executable replaces malloc and friends for the whole
// process (the executable's definitions take precedence over libc's, for the Swift runtime too);
// each one counts, then calls glibc's own implementation. Benchmark executables only.

/// Heap allocations (malloc, calloc, realloc, aligned allocations) made by this thread so far.
unsigned long csb_thread_allocations(void);

#endif
