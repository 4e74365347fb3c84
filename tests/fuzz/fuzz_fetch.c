/*
 * fuzz_fetch: fetch.c's distinfo and Cargo.lock readers must never crash,
 * hang or leak on any input; every accepted SHA256 is 64 hex digits.
 */
#include "fetch.h"
#include "util/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct distinfo d;
	struct strbuf out = STRBUF_INIT;
	struct kerr e;

	distinfo_init(&d);
	if (distinfo_parse(&d, "distinfo", text, &e) == 0)
		for (size_t i = 0; i < d.entries.n; i++)
			if (d.entries.v[i].sha256 && strlen(d.entries.v[i].sha256) != 64)
				abort();
	distinfo_free(&d);
	(void)fetch_cargo_crates("Cargo.lock", text, &out, &e);
	strbuf_release(&out);
	free(text);
	return 0;
}
