/*
 * fuzz_elfabi: the ELF ABI-note reader (jail.c) reads files from jail
 * trees that may come from anywhere; it must never crash, hang or leak,
 * and what it accepts must look like pkg's OS:VERSION:ARCH.
 */
#include "jail.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kerr e;
	char *abi = NULL, *arch = NULL;

	if (jail_abi_elf(data, size, &abi, &arch, &e) == 0) {
		if (strncmp(abi, "Linux:", 6) != 0 && strncmp(abi, "FreeBSD:", 8) != 0)
			abort();
		if (!strstr(abi, arch))
			abort();
		free(abi);
		free(arch);
	}
	return 0;
}
