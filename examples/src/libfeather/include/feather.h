/*
 * feather.h: libfeather, small and fast checksums for configuration and
 * state files (CRC-32 as in zlib/PNG, FNV-1a 64) plus a hex formatter.
 * No allocation, no global state: every function is thread-safe.
 */
#ifndef FEATHER_H
#define FEATHER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FEATHER_VERSION_MAJOR 1
#define FEATHER_VERSION_MINOR 2
#define FEATHER_VERSION_PATCH 0

/* The library's version as "MAJOR.MINOR.PATCH" (static storage). */
const char *feather_version(void);

/*
 * CRC-32 (IEEE 802.3 polynomial, reflected, as zlib's crc32()): pass 0 as
 * crc for the first block and the previous result for the next ones.
 * feather_crc32(0, "123456789", 9) == 0xcbf43926.
 */
uint32_t feather_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * FNV-1a 64-bit hash; pass FEATHER_FNV64_INIT as h for the first block.
 */
#define FEATHER_FNV64_INIT UINT64_C(0xcbf29ce484222325)
uint64_t feather_fnv1a64(uint64_t h, const void *buf, size_t len);

/*
 * Writes len bytes of buf as lower-case hex plus a NUL into dst (dstlen
 * bytes).  Returns the number of hex digits written (2 * len), or 0 and
 * writes nothing when dst is too small.
 */
size_t feather_hex(char *dst, size_t dstlen, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* FEATHER_H */
