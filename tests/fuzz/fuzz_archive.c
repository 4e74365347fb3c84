/*
 * fuzz_archive: bytes fed as a .pkg through the reader and the safe
 * extractor.  Must never crash, hang or leak; whatever is extracted under
 * temporary names must be gone after abort, leaving the root empty.
 */
#include "pkg/archive.h"
#include "util/path.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *root;

static void
cleanup(void)
{
	if (root)
		rmdir(root);
}

static bool
empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool r = true;

	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = false;
	closedir(d);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkg_archive *a = NULL;
	struct pkg_extract x;
	struct pkg_extract_opts o;
	pkg_strv names = VEC_INIT;
	struct kerr e;

	if (root == NULL) {
		char tmpl[] = "/tmp/kiln-fuzz-archive.XXXXXX";

		if (mkdtemp(tmpl) == NULL)
			abort();
		root = strdup(tmpl);
		atexit(cleanup);
	}
	if (pkg_archive_open_mem(data, size, "fuzz", 0, &a, &e) == 0) {
		(void)pkg_archive_list(a, &names, &e);
		pkg_strv_free(&names);
		pkg_archive_close(a);
	}
	if (pkg_archive_open_mem(data, size, "fuzz", PKG_OPEN_COMPACT, &a, &e) == 0)
		pkg_archive_close(a);
	if (pkg_archive_open_mem(data, size, "fuzz", 0, &a, &e) == 0) {
		pkg_extract_opts_init(&o);
		o.set_owner = false;
		if (pkg_archive_extract(a, root, &o, &x, &e) == 0) {
			pkg_extract_abort(&x);
			pkg_extract_free(&x);
		}
		pkg_archive_close(a);
		if (!empty(root))
			abort();	/* abort (or a refusal) must leave nothing */
	}
	return 0;
}
