// A cache-line prefetch, which Swift cannot spell: `__builtin_prefetch` (GCC and Clang, any
// architecture; a hint the processor may ignore). Start-up's bulk load uses it to overlap the
// cache misses of many hash-table look-ups (`AgentTable.prefetch`).

#ifndef CSWITCHBOARD_PREFETCH_H
#define CSWITCHBOARD_PREFETCH_H

/// Starts loading the cache line holding `address` for reading; never faults.
static inline void csb_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
