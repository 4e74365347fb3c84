/*
 * fuzz_pkg_catalog: what the package client reads from a repository
 * before trusting it: meta.conf, the catalog archive (tar members,
 * signature lookup) and the catalog text in both forms (packagesite.yaml
 * lines and the data object), plus the client's repository files.  None
 * of them may crash, hang or leak; every manifest the catalog parser
 * accepts must survive an emit/parse round trip.
 * The first input byte picks the reader; the rest is its input.
 */
#include "pkg/repo.h"
#include "pkg/repoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	switch (data[0] % 5) {
	case 0:
		pkg_catalog_parse(p, n, PKG_CATALOG_LINES, "fuzz", roundtrip, NULL, &e);
		break;
	case 1:
		pkg_catalog_parse(p, n, PKG_CATALOG_DATA, "fuzz", roundtrip, NULL, &e);
		break;
	case 2: {
		struct pkg_repo_meta m;

		pkg_repo_meta_parse(p, n, "fuzz", &m, &e);
		pkg_repo_meta_free(&m);
		break;
	}
	case 3: {
		struct pkg_trust t = { PKG_SIG_NONE, NULL, NULL };
		struct strbuf out = STRBUF_INIT;

		pkg_catalog_read_mem(p, n, "fuzz", "data", &t, &out, &e);
		strbuf_release(&out);
		break;
	}
	default: {
		/* The client's repo files go through a file (FILE:LINE errors). */
		char path[] = "/tmp/kiln-fuzz-repoconf.XXXXXX";
		int fd = mkstemp(path);
		struct repoconf_set s;

		if (fd < 0)
			return 0;
		if (write(fd, p, n) == (ssize_t)n) {
			repoconf_set_init(&s);
			if (repoconf_load_file(&s, path, "FreeBSD:15:amd64", &e) == 0)
				repoconf_validate(&s, &e);
			repoconf_set_free(&s);
		}
		close(fd);
		unlink(path);
	}
	}
	return 0;
}
