/*
 * fuzz_cargolock: fetch.c's Cargo.lock reader (fetch_cargo_crates, what
 * `kiln cargo-crates` runs) must never crash, hang or leak on any input,
 * and on failure must say why.  distinfo is fuzzed by fuzz_distinfo (the
 * port model owns the one distinfo parser).
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
	struct strbuf out = STRBUF_INIT;
	struct kerr e;

	e.msg[0] = '\0';
	if (fetch_cargo_crates("Cargo.lock", text, &out, &e) < 0 &&
	    e.msg[0] == '\0')
		abort();
	strbuf_release(&out);
	free(text);
	return 0;
}
