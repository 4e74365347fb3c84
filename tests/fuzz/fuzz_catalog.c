/*
 * fuzz_catalog: the catalog reader (archive with signature members, the
 * packagesite.yaml lines, the data object) and meta.conf.  Must never
 * crash, hang or leak.  The first byte picks the path.
 */
#include "pkg/repo.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
drop(struct pkg_manifest *m, void *arg, struct kerr *e)
{
	pkg_manifest_free(m);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkg_trust t = { PKG_SIG_NONE, NULL, NULL };
	struct strbuf out = STRBUF_INIT;
	struct pkg_repo_meta meta;
	struct kerr e;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		(void)pkg_catalog_parse(p, n, PKG_CATALOG_LINES, "fuzz", drop, NULL, &e);
		break;
	case 1:
		(void)pkg_catalog_parse(p, n, PKG_CATALOG_DATA, "fuzz", drop, NULL, &e);
		break;
	case 2:
		if (pkg_catalog_read_mem(p, n, "fuzz", "data", &t, &out, &e) == 0)
			(void)pkg_catalog_parse(out.buf, out.len, PKG_CATALOG_DATA, "fuzz",
			    drop, NULL, &e);
		if (pkg_catalog_read_mem(p, n, "fuzz", "packagesite.yaml", &t, &out, &e) == 0)
			(void)pkg_catalog_parse(out.buf, out.len, PKG_CATALOG_LINES, "fuzz",
			    drop, NULL, &e);
		break;
	case 3:
		(void)pkg_repo_meta_parse(p, n, "fuzz", &meta, &e);
		pkg_repo_meta_free(&meta);
		break;
	}
	strbuf_release(&out);
	return 0;
}
