/*
 * fuzz_ucl: the UCL reader must never crash, hang or leak, and whatever it
 * accepts must survive a JSON round trip unchanged.
 */
#include "util/ucl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kerr e;
	struct uv *v = uv_parse((const char *)data, size, &e);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	if (v == NULL)
		return 0;
	uv_emit_json(v, &a, false);
	struct uv *w = uv_parse(a.buf, a.len, &e);
	if (w == NULL)
		abort();	/* our own output must parse */
	uv_emit_json(w, &b, false);
	if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
		abort();
	uv_free(w);
	uv_free(v);
	strbuf_release(&a);
	strbuf_release(&b);
	return 0;
}
