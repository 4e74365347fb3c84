/* test_feather.c: known-answer tests for libfeather (run by ctest). */
#include <stdio.h>
#include <string.h>

#include "feather.h"

static int failures;

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "FAIL: %s\n", what);
		failures++;
	}
}

int
main(void)
{
	const char *s = "123456789";
	char hex[9];
	unsigned char bytes[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint32_t c;

	check(strcmp(feather_version(), "1.2.0") == 0, "version");
	check(feather_crc32(0, s, 9) == 0xcbf43926u, "crc32 check value");
	check(feather_crc32(0, "", 0) == 0, "crc32 of nothing");
	c = feather_crc32(0, s, 4);
	check(feather_crc32(c, s + 4, 5) == 0xcbf43926u, "crc32 in two parts");
	check(feather_fnv1a64(FEATHER_FNV64_INIT, "a", 1) ==
	    UINT64_C(0xaf63dc4c8601ec8c), "fnv1a64 of a");
	check(feather_fnv1a64(FEATHER_FNV64_INIT, "", 0) == FEATHER_FNV64_INIT,
	    "fnv1a64 of nothing");
	check(feather_hex(hex, sizeof(hex), bytes, 4) == 8 &&
	    strcmp(hex, "deadbeef") == 0, "hex");
	check(feather_hex(hex, 8, bytes, 4) == 0, "hex refuses a short buffer");
	if (failures == 0)
		printf("libfeather: all tests passed\n");
	return failures != 0;
}
