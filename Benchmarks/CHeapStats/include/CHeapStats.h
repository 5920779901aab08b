#ifndef CHEAPSTATS_H
#define CHEAPSTATS_H
#include <stddef.h>

/// Bytes glibc's allocator has handed out and not had back (mallinfo2().uordblks).
size_t collab_heap_bytes_in_use(void);

#endif
