/*
 * fuzz_elf: elf_deps_parse (PT_INTERP, DT_NEEDED) on arbitrary bytes must
 * never crash, read out of bounds or leak.
 */
#include "image/elf.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_deps d;
	struct kerr e;

	if (elf_deps_parse(data, size, "fuzz", &d, &e) == 0)
		elf_deps_free(&d);
	return 0;
}
