/*
 * fuzz_pkgclient: what the package client parses that fuzz_catalog does
 * not already cover: its repository files (repoconf, FILE:LINE errors)
 * and the round trip of every catalog entry it accepts (emitted again and
 * re-parsed, as the client stores full manifests in its database).
 * Must never crash, hang or leak.  The first byte picks the reader:
 * 0 catalog lines, 1 catalog data object, 2 repository file.
 */
#include "pkg/repo.h"
#include "pkg/repoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
roundtrip(struct pkg_manifest *m, void *arg, struct kerr *e)
{
	struct strbuf a = STRBUF_INIT;
	struct pkg_manifest *m2;

	(void)arg;
	pkg_manifest_emit(m, PKG_EMIT_COMPACT, &a);
	m2 = pkg_manifest_parse(a.buf, a.len, "emitted", e);
	if (m2 == NULL)
		abort();	/* our own output must parse */
	if (strcmp(m2->name, m->name) != 0 || strcmp(m2->version, m->version) != 0)
		abort();
	pkg_manifest_free(m2);
	pkg_manifest_free(m);
	strbuf_release(&a);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kerr e;
	const char *p = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		pkg_catalog_parse(p, n, PKG_CATALOG_LINES, "fuzz", roundtrip, NULL, &e);
		break;
	case 1:
		pkg_catalog_parse(p, n, PKG_CATALOG_DATA, "fuzz", roundtrip, NULL, &e);
		break;
	default: {
		struct repoconf_set s;

		repoconf_set_init(&s);
		if (repoconf_load_mem(&s, p, n, "fuzz.conf", "FreeBSD:15:amd64",
		    &e) == 0)
			repoconf_validate(&s, &e);
		repoconf_set_free(&s);
	}
	}
	return 0;
}
