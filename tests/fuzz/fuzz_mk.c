/*
 * fuzz_mk: the Makefile evaluator must never crash, hang or leak on any
 * input, and expanding every variable it defined must terminate.
 */
#include "mk/mk.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
expand_one(const char *name, const char *raw, void *arg)
{
	struct mk *m = arg;
	struct strbuf sb = STRBUF_INIT;
	struct kerr e;

	(void)raw;
	mk_value(m, name, &sb, &e);
	strbuf_release(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kerr e;
	struct mk *m = mk_new("/nonexistent-fuzz", "fuzz", NULL);

	if (mk_parse_string(m, "fuzz/Makefile", (const char *)data, size, &e) == 0)
		mk_foreach(m, expand_one, m);
	mk_free(m);
	return 0;
}
