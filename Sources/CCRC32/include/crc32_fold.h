#ifndef COLLAB_CRC32_FOLD_H
#define COLLAB_CRC32_FOLD_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has the carry-less multiply (PCLMULQDQ) and SSE4.1 that
/// `collab_crc32_fold` needs.
int collab_crc32_fold_available(void);

/// CRC-32 (IEEE, reflected, as zlib's `crc32`) of `length` bytes, a multiple of 16 and at
/// least 64, continuing `crc` (a finished CRC, 0 to start). Only call when
/// `collab_crc32_fold_available()`.
uint32_t collab_crc32_fold(uint32_t crc, const uint8_t *bytes, size_t length);

#endif
