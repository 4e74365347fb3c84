/*
 * test_graph: the metadata cache's change detection.  A tree of three
 * ports is loaded again after each kind of change; the counts of
 * evaluated ports say whether the change was seen.  Covers in-place
 * same-size edits of each file, files/ entries added and removed, the
 * options file, a restored mtime, a touch, ports added and removed,
 * partial runs keeping other records, and the racy-clean rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "graph.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmp[256];
static char tree[300], cachedir[300], optdir[300];

struct counts {
	unsigned evaluated, cached, rehashed;
	bool written;
	char pkg_b[64];		/* cat/b's pkgname */
	char sig_b[SHA256_HEX_LEN + 1];
};

static struct counts
load_opts(char *const *origins, size_t n, bool coarse)
{
	struct port_env env = { 0 };
	struct graph g;
	struct kerr e;
	struct counts c = { 0 };
	struct graph_node *b;

	env.arch = "amd64";
	env.options_dir = optdir;
	graph_init(&g, tree, &env, cachedir, 2);
	g.coarse_times = coarse;
	if (graph_load(&g, origins, n, &e) < 0)
		fail_msg("graph_load: %s", e.msg);
	c.evaluated = g.evaluated;
	c.cached = g.cached;
	c.rehashed = g.rehashed;
	c.written = g.cache_written;
	if ((b = graph_find(&g, "cat/b")) != NULL && b->pkgname) {
		snprintf(c.pkg_b, sizeof(c.pkg_b), "%s", b->pkgname);
		snprintf(c.sig_b, sizeof(c.sig_b), "%s", b->sig);
	}
	graph_free(&g);
	return c;
}

static struct counts
load(void)
{
	return load_opts(NULL, 0, false);
}

static char *
tpath(const char *rel)
{
	return xasprintf("%s/%s", tree, rel);
}

static void
put(const char *rel, const char *text)
{
	struct kerr e;
	char *p = tpath(rel), *d = xstrdup(p);

	*strrchr(d, '/') = '\0';
	assert_int_equal(path_mkdir_p(d, 0755, &e), 0);
	assert_int_equal(path_write_atomic(p, text, strlen(text), 0644, &e), 0);
	free(d);
	free(p);
}

/* Replace from by to (same length) inside the file, in place: same inode,
 * same size, only the bytes change. */
static void
edit(const char *rel, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	char *p = tpath(rel), *at;
	int fd;

	assert_int_equal(strlen(from), strlen(to));
	assert_int_equal(strbuf_read_file(&sb, p), 0);
	at = strstr(sb.buf, from);
	if (at == NULL)
		fail_msg("%s: no '%s' in it", rel, from);
	fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, to, strlen(to), at - sb.buf), (ssize_t)strlen(to));
	close(fd);
	strbuf_release(&sb);
	free(p);
}

static const char mk_a[] =
	"PORTNAME=a\nPORTVERSION=1.0\nCATEGORIES=cat\nCOMMENT=a\n"
	"BUILD_DEPENDS=b:cat/b\nOPTIONS_DEFINE=FOO\n.include <bsd.port.mk>\n";
static const char mk_b[] =
	"PORTNAME=b\nPORTVERSION=1.0\nCATEGORIES=cat\nCOMMENT=b\n"
	".include <bsd.port.mk>\n";
static const char mk_c[] =
	"PORTNAME=c\nPORTVERSION=3\nCATEGORIES=cat\nCOMMENT=c\n"
	".include <bsd.port.mk>\n";
static const char distinfo_b[] =
	"TIMESTAMP = 1700000000\n"
	"SHA256 (b-1.0.tar.gz) = "
	"0000000000000000000000000000000000000000000000000000000000000001\n"
	"SIZE (b-1.0.tar.gz) = 1234\n";

/* The tree's one cache file; caller frees. */
static char *
cache_file(void)
{
	DIR *d = opendir(cachedir);
	struct dirent *de;
	char *f = NULL;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "graph-", 6) == 0)
			f = xasprintf("%s/%s", cachedir, de->d_name);
	closedir(d);
	assert_non_null(f);
	return f;
}

/* A warm run over a settled tree: nothing evaluated, nothing written. */
static void
test_unchanged(void **state)
{
	struct counts c;
	char *cf = cache_file();
	struct stat before, after;

	(void)state;
	assert_int_equal(stat(cf, &before), 0);
	c = load();
	assert_int_equal(stat(cf, &after), 0);
	assert_int_equal(c.evaluated, 0);
	assert_int_equal(c.cached, 3);
	assert_int_equal(c.rehashed, 0);
	assert_false(c.written);
	/* the file is not rewritten: same inode, same mtime */
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	free(cf);
}

static void
test_makefile_same_size(void **state)
{
	struct counts c;

	(void)state;
	edit("cat/b/Makefile", "PORTVERSION=1.0", "PORTVERSION=2.0");
	c = load();
	assert_int_equal(c.evaluated, 1);
	assert_string_equal(c.pkg_b, "b-2.0");
	/* the edited port is racy now: its contents are hashed, not evaluated */
	c = load();
	assert_int_equal(c.evaluated, 0);
	assert_string_equal(c.pkg_b, "b-2.0");
	edit("cat/b/Makefile", "PORTVERSION=2.0", "PORTVERSION=1.0");
	c = load();
	assert_int_equal(c.evaluated, 1);
	assert_string_equal(c.pkg_b, "b-1.0");
}

static void
test_distinfo_same_size(void **state)
{
	(void)state;
	edit("cat/b/distinfo", "= 1234", "= 4321");
	assert_int_equal(load().evaluated, 1);
}

static void
test_patch_same_size(void **state)
{
	(void)state;
	edit("cat/b/files/patch-main.c", "+new", "+NEW");
	assert_int_equal(load().evaluated, 1);
}

static void
test_files_add_remove(void **state)
{
	char *p = tpath("cat/b/files/patch-extra.c");

	(void)state;
	put("cat/b/files/patch-extra.c", "--- a\n+++ b\n");
	assert_int_equal(load().evaluated, 1);
	/* the new file is watched from now on */
	edit("cat/b/files/patch-extra.c", "+++ b", "+++ c");
	assert_int_equal(load().evaluated, 1);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(load().evaluated, 1);
	free(p);
	/* the same at the top of the port directory */
	p = tpath("cat/b/pkg-message");
	put("cat/b/pkg-message", "hello\n");
	assert_int_equal(load().evaluated, 1);
	edit("cat/b/pkg-message", "hello", "HELLO");
	assert_int_equal(load().evaluated, 1);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(load().evaluated, 1);
	free(p);
}

static void
test_options_file(void **state)
{
	struct kerr e;
	char *d = xasprintf("%s/cat_a", optdir), *f = xasprintf("%s/options", d);
	const char *set = "OPTIONS_FILE_SET+=FOO\n", *unset = "OPTIONS_FILE_SET+=BAR\n";

	(void)state;
	assert_int_equal(path_mkdir_p(d, 0755, &e), 0);
	assert_int_equal(path_write_atomic(f, set, strlen(set), 0644, &e), 0);
	assert_int_equal(load().evaluated, 1);
	/* same size, in place */
	{
		int fd = open(f, O_WRONLY);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, unset, strlen(unset)), (ssize_t)strlen(unset));
		close(fd);
	}
	assert_int_equal(load().evaluated, 1);
	assert_int_equal(unlink(f), 0);
	assert_int_equal(load().evaluated, 1);
	free(d);
	free(f);
}

/*
 * A file added long before the next run (outside the racy window): that
 * run must read the directory again (its stamp changed) and watch the
 * new file from then on, so a later same-size edit of it is seen.
 */
static void
test_added_file_watched(void **state)
{
	char *p = tpath("cat/c/files/patch-late.c");

	(void)state;
	put("cat/c/files/patch-late.c", "--- a\n+++ b\n");
	sleep(GRAPH_RACY_SECONDS + 1);
	assert_int_equal(load().evaluated, 1);
	edit("cat/c/files/patch-late.c", "+++ b", "+++ c");
	assert_int_equal(load().evaluated, 1);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(load().evaluated, 1);
	free(p);
}

/* cp -p / touch -d: the old mtime put back after an edit; ctime tells. */
static void
test_mtime_restored(void **state)
{
	char *p = tpath("cat/a/Makefile");
	struct stat st;
	struct timespec ts[2];

	(void)state;
	assert_int_equal(stat(p, &st), 0);
	edit("cat/a/Makefile", "COMMENT=a", "COMMENT=A");
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	assert_int_equal(load().evaluated, 1);
	free(p);
}

/* A touch changes the stat data, not the contents: hashed, not evaluated. */
static void
test_touch(void **state)
{
	char *p = tpath("cat/c/Makefile");
	struct counts c;

	(void)state;
	load();	/* settle racy records of earlier tests */
	assert_int_equal(utimensat(AT_FDCWD, p, NULL, 0), 0);
	c = load();
	assert_int_equal(c.evaluated, 0);
	assert_true(c.rehashed >= 1);
	free(p);
}

static void
test_ports_added_removed(void **state)
{
	struct kerr e;
	char *d = tpath("cat/d");

	(void)state;
	put("cat/d/Makefile", "PORTNAME=d\nPORTVERSION=1\nCATEGORIES=cat\nCOMMENT=d\n"
	    ".include <bsd.port.mk>\n");
	assert_int_equal(load().evaluated, 1);
	assert_int_equal(path_rm_rf(d, &e), 0);
	{
		struct counts c = load();
		assert_int_equal(c.evaluated, 0);
		assert_int_equal(c.cached, 3);
		assert_true(c.written);	/* cat/d's record dropped */
	}
	free(d);
}

/* A run over some origins keeps the other ports' records. */
static void
test_partial_keeps_records(void **state)
{
	char *o[] = { "cat/c" };

	(void)state;
	assert_int_equal(load_opts(o, 1, false).cached, 1);
	edit("cat/c/Makefile", "PORTVERSION=3", "PORTVERSION=4");
	assert_int_equal(load_opts(o, 1, false).evaluated, 1);
	assert_int_equal(load().evaluated, 0);
}

/*
 * The racy-clean rule.  With timestamps cut to whole seconds (as on a
 * filesystem with 1 s granularity), an edit in the same second as the
 * run that recorded the file leaves size, mtime and ctime as recorded:
 * the sig cannot see it.  The record was written racy, so the contents
 * are hashed again and the edit is found.
 */
static void
test_racy_same_second(void **state)
{
	char *p = tpath("cat/b/Makefile");
	int tries;

	(void)state;
	for (tries = 0; tries < 10; tries++) {
		struct stat s1, s2;
		struct counts c1, c2;
		edit("cat/b/Makefile", "PORTVERSION=1.0", "PORTVERSION=5.0");
		c1 = load_opts(NULL, 0, true);
		assert_string_equal(c1.pkg_b, "b-5.0");
		assert_int_equal(stat(p, &s1), 0);
		edit("cat/b/Makefile", "PORTVERSION=5.0", "PORTVERSION=6.0");
		assert_int_equal(stat(p, &s2), 0);
		if (s1.st_mtim.tv_sec != s2.st_mtim.tv_sec ||
		    s1.st_ctim.tv_sec != s2.st_ctim.tv_sec) {
			/* crossed a second boundary: not the case under test */
			edit("cat/b/Makefile", "PORTVERSION=6.0", "PORTVERSION=1.0");
			continue;
		}
		c2 = load_opts(NULL, 0, true);
		/* the stat data alone could not tell ... */
		assert_string_equal(c1.sig_b, c2.sig_b);
		/* ... the racy rule did */
		assert_int_equal(c2.evaluated, 1);
		assert_string_equal(c2.pkg_b, "b-6.0");
		edit("cat/b/Makefile", "PORTVERSION=6.0", "PORTVERSION=1.0");
		break;
	}
	assert_true(tries < 10);
	free(p);
}

static int
setup(void **state)
{
	struct kerr e;
	struct counts c;

	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/kiln-test-graph.XXXXXX");
	if (mkdtemp(tmp) == NULL)
		return -1;
	snprintf(tree, sizeof(tree), "%s/tree", tmp);
	snprintf(cachedir, sizeof(cachedir), "%s/cache", tmp);
	snprintf(optdir, sizeof(optdir), "%s/options", tmp);
	if (path_mkdir_p(optdir, 0755, &e) < 0)
		return -1;
	put("cat/a/Makefile", mk_a);
	put("cat/b/Makefile", mk_b);
	put("cat/b/distinfo", distinfo_b);
	put("cat/b/pkg-descr", "b\n");
	put("cat/b/files/patch-main.c", "--- main.c\n+++ main.c\n-old\n+new\n");
	put("cat/c/Makefile", mk_c);
	c = load();
	if (c.evaluated != 3 || !c.written)
		return -1;
	/* let the tree age past the racy window; then settle the records */
	sleep(GRAPH_RACY_SECONDS + 1);
	c = load();
	return c.evaluated == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct kerr e;

	(void)state;
	return path_rm_rf(tmp, &e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_makefile_same_size),
		cmocka_unit_test(test_distinfo_same_size),
		cmocka_unit_test(test_patch_same_size),
		cmocka_unit_test(test_files_add_remove),
		cmocka_unit_test(test_options_file),
		cmocka_unit_test(test_added_file_watched),
		cmocka_unit_test(test_mtime_restored),
		cmocka_unit_test(test_touch),
		cmocka_unit_test(test_ports_added_removed),
		cmocka_unit_test(test_partial_keeps_records),
		cmocka_unit_test(test_racy_same_second),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
