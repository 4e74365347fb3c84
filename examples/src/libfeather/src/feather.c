/*
 * feather.c: the implementation of feather.h.  The CRC-32 table is built
 * at compile time as a constant so the library has no initialisation step.
 */
#include "feather.h"

#define FEATHER_STR2(x) #x
#define FEATHER_STR(x) FEATHER_STR2(x)

/* One table entry: 8 rounds of the reflected polynomial 0xedb88320. */
#define R(c) (((c) >> 1) ^ (0xedb88320u & (0u - ((c) & 1u))))
#define E(n) R(R(R(R(R(R(R(R((uint32_t)(n)))))))))
#define E4(n) E(n), E(n + 1), E(n + 2), E(n + 3)
#define E16(n) E4(n), E4(n + 4), E4(n + 8), E4(n + 12)
#define E64(n) E16(n), E16(n + 16), E16(n + 32), E16(n + 48)

static const uint32_t crc_table[256] = {
	E64(0), E64(64), E64(128), E64(192)
};

const char *
feather_version(void)
{
	return FEATHER_STR(FEATHER_VERSION_MAJOR) "."
	    FEATHER_STR(FEATHER_VERSION_MINOR) "."
	    FEATHER_STR(FEATHER_VERSION_PATCH);
}

uint32_t
feather_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	crc = ~crc;
	while (len-- > 0)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint64_t
feather_fnv1a64(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len-- > 0) {
		h ^= *p++;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

size_t
feather_hex(char *dst, size_t dstlen, const void *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = buf;
	size_t i;

	if (len > (SIZE_MAX - 1) / 2 || dstlen < 2 * len + 1)
		return 0;
	for (i = 0; i < len; i++) {
		dst[2 * i] = digits[p[i] >> 4];
		dst[2 * i + 1] = digits[p[i] & 0xf];
	}
	dst[2 * len] = '\0';
	return 2 * len;
}
