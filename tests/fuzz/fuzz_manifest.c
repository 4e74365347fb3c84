/*
 * fuzz_manifest: the manifest parser must never crash, hang or leak, and
 * its own output must parse back to the same output (emit is canonical).
 */
#include "pkg/manifest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pkg_manifest *
again(const struct strbuf *sb)
{
	struct kerr e;
	struct pkg_manifest *m = pkg_manifest_parse(sb->buf, sb->len, "fuzz", &e);

	if (m == NULL)
		abort();	/* our own output must parse */
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kerr e;
	struct pkg_manifest *m = pkg_manifest_parse((const char *)data, size, "fuzz", &e);
	struct pkg_manifest *m2, *m3;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, c = STRBUF_INIT;

	if (m == NULL)
		return 0;
	(void)pkg_manifest_validate(m, &e);
	pkg_manifest_emit(m, PKG_EMIT_COMPACT, &c);
	pkg_manifest_emit(m, PKG_EMIT_FULL, &a);
	m2 = again(&a);
	strbuf_reset(&a);
	pkg_manifest_emit(m2, PKG_EMIT_FULL, &a);
	m3 = again(&a);
	pkg_manifest_emit(m3, PKG_EMIT_FULL, &b);
	if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
		abort();
	pkg_manifest_free(m);
	pkg_manifest_free(m2);
	pkg_manifest_free(m3);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&c);
	return 0;
}
