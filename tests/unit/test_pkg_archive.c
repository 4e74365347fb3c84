/*
 * test_pkg_archive: packages written by kiln read back in every
 * compression; safe extraction with commit and abort; and every refusal
 * rule of archive.h on hand-crafted hostile archives, each leaving the
 * root exactly as it was (empty); and packages whose bytes do not depend
 * on the number of threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkg/archive.h"
#include "pkg/checksum.h"
#include "pkg/create.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/kiln-test-archive.XXXXXX";

static void
put(const char *rel, const char *content, mode_t mode)
{
	char *p = path_join(tmpdir, rel);
	char *slash = strrchr(p, '/');
	struct kerr e;

	*slash = '\0';
	assert_int_equal(path_mkdir_p(p, 0755, &e), 0);
	*slash = '/';
	assert_int_equal(path_write_atomic(p, content, strlen(content), mode, &e), 0);
	free(p);
}

static int
setup(void **state)
{
	struct kerr e;
	char *p;

	if (mkdtemp(tmpdir) == NULL)
		return -1;
	put("stage/usr/local/bin/hello", "#!/bin/sh\necho hello\n", 0755);
	put("stage/usr/local/share/doc/hello/README", "read me\n", 0644);
	p = path_join(tmpdir, "stage/usr/local/bin/hi");
	if (symlink("hello", p) < 0)
		return -1;
	free(p);
	p = path_join(tmpdir, "stage/usr/local/bin/hello2");
	char *q = path_join(tmpdir, "stage/usr/local/bin/hello");
	if (link(q, p) < 0)
		return -1;
	free(p);
	free(q);
	put("meta/+MANIFEST", "name: hello\nversion: \"1.0\"\norigin: misc/hello\n"
	    "comment: hi\nmaintainer: me@example.org\nwww: \"https://example.org\"\n"
	    "prefix: /usr/local\nabi: \"FreeBSD:15:amd64\"\ndesc: \"say hello\"\n", 0644);
	put("plist", "bin/hello\nbin/hello2\nbin/hi\nshare/doc/hello/README\n"
	    "@dir share/doc/hello\n", 0644);
	(void)e;
	return 0;
}

static int
teardown(void **state)
{
	struct kerr e;

	path_rm_rf(tmpdir, &e);
	return 0;
}

static char *
make_pkg(enum pkg_compress c, const char *sub)
{
	struct pkg_create_req r;
	char *stage = path_join(tmpdir, "stage"), *meta = path_join(tmpdir, "meta");
	char *plist = path_join(tmpdir, "plist"), *out = path_join(tmpdir, sub);
	char *pkg = NULL;
	struct kerr e;

	pkg_create_req_init(&r);
	r.stagedir = stage;
	r.metadir = meta;
	r.plist = plist;
	r.outdir = out;
	r.wo.compress = c;
	if (pkg_create(&r, &pkg, NULL, &e) < 0)
		fail_msg("%s", e.msg);
	free(stage);
	free(meta);
	free(plist);
	free(out);
	return pkg;
}

static char *
fresh_root(const char *name)
{
	char *p = path_join(tmpdir, name);
	struct kerr e;

	path_rm_rf(p, &e);
	assert_int_equal(path_mkdir_p(p, 0755, &e), 0);
	return p;
}

static size_t
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void
test_round_trip_all_compressions(void **state)
{
	enum pkg_compress cs[] = { PKG_COMPRESS_ZSTD, PKG_COMPRESS_XZ,
		PKG_COMPRESS_GZIP, PKG_COMPRESS_BZIP2, PKG_COMPRESS_NONE };

	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		char *sub = xasprintf("out-%zu", i);
		char *pkg = make_pkg(cs[i], sub);
		struct pkg_archive *a;
		pkg_strv names = VEC_INIT;
		struct kerr e;
		const struct pkg_manifest *m;

		if (pkg_archive_open(pkg, 0, &a, &e) < 0)
			fail_msg("%s", e.msg);
		m = pkg_archive_manifest(a);
		assert_string_equal(m->name, "hello");
		assert_int_equal(m->files.n, 4);
		/* hardlinked bytes count once */
		assert_int_equal(m->flatsize, 21 + 8);
		assert_true(pkg_archive_compact_raw(a)->len > 0);
		assert_int_equal(pkg_archive_list(a, &names, &e), 0);
		assert_int_equal(names.n, 5);
		assert_string_equal(names.v[0], "/usr/local/bin/hello");
		assert_string_equal(names.v[4], "/usr/local/share/doc/hello/");
		pkg_strv_free(&names);
		pkg_archive_close(a);
		free(pkg);
		free(sub);
	}
}

static void
test_extract_commit_and_abort(void **state)
{
	char *pkg = make_pkg(PKG_COMPRESS_ZSTD, "out");
	char *root = fresh_root("root");
	struct pkg_archive *a;
	struct pkg_extract x;
	struct kerr e;
	struct stat st, st2;
	char *p;
	char buf[64];

	/* abort: nothing stays */
	assert_int_equal(pkg_archive_open(pkg, 0, &a, &e), 0);
	if (pkg_archive_extract(a, root, NULL, &x, &e) < 0)
		fail_msg("%s", e.msg);
	p = path_join(root, "usr/local/bin/hello");
	assert_int_equal(lstat(p, &st), -1);	/* not yet in place */
	pkg_extract_abort(&x);
	pkg_extract_free(&x);
	pkg_archive_close(a);
	assert_int_equal(count_entries(root), 0);

	/* commit: everything in place with modes and links */
	assert_int_equal(pkg_archive_open(pkg, 0, &a, &e), 0);
	assert_int_equal(pkg_archive_extract(a, root, NULL, &x, &e), 0);
	assert_int_equal(pkg_extract_commit(&x, &e), 0);
	pkg_extract_free(&x);
	pkg_archive_close(a);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	free(p);
	p = path_join(root, "usr/local/bin/hello2");
	assert_int_equal(lstat(p, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	free(p);
	p = path_join(root, "usr/local/bin/hi");
	assert_int_equal(readlink(p, buf, sizeof(buf)), 5);
	free(p);
	p = path_join(root, "usr/local/share/doc/hello");
	assert_true(path_is_dir(p));
	free(p);
	free(root);
	free(pkg);
}

/* --- hostile archives -------------------------------------------------- */

struct ent {
	const char *name;
	mode_t type;		/* AE_IFREG, AE_IFLNK, AE_IFDIR, AE_IFCHR, AE_IFIFO */
	const char *data;	/* content or symlink target */
	const char *hardlink;
	const char *uname;	/* NULL: root */
};

static char *
craft(const char *manifest, const struct ent *ents, size_t n)
{
	char *path = path_join(tmpdir, "evil.pkg");
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();

	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_none(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	archive_entry_set_pathname(ae, "+MANIFEST");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, (la_int64_t)strlen(manifest));
	archive_write_header(a, ae);
	archive_write_data(a, manifest, strlen(manifest));
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, ents[i].name);
		archive_entry_set_filetype(ae, ents[i].type);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_uname(ae, ents[i].uname ? ents[i].uname : "root");
		archive_entry_set_gname(ae, ents[i].uname ? ents[i].uname : "wheel");
		if (ents[i].hardlink)
			archive_entry_set_hardlink(ae, ents[i].hardlink);
		if (ents[i].type == AE_IFLNK)
			archive_entry_set_symlink(ae, ents[i].data);
		if (ents[i].type == AE_IFCHR)
			archive_entry_set_rdev(ae, makedev(1, 3));
		if (ents[i].type == AE_IFREG && ents[i].data && !ents[i].hardlink)
			archive_entry_set_size(ae, (la_int64_t)strlen(ents[i].data));
		archive_write_header(a, ae);
		if (ents[i].type == AE_IFREG && ents[i].data && !ents[i].hardlink)
			archive_write_data(a, ents[i].data, strlen(ents[i].data));
	}
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(ae);
	return path;
}

#define MHEAD "{\"name\":\"evil\",\"version\":\"1\",\"origin\":\"x/evil\",\"prefix\":\"/usr/local\",\"files\":{"

static void
expect_refused(const char *manifest, const struct ent *ents, size_t n,
    const char *want, bool confine)
{
	char *pkg = craft(manifest, ents, n);
	char *root = fresh_root("evilroot");
	struct pkg_archive *a;
	struct pkg_extract x;
	struct pkg_extract_opts o;
	struct kerr e;

	pkg_extract_opts_init(&o);
	o.confine_prefix = confine;
	if (pkg_archive_open(pkg, 0, &a, &e) < 0)
		fail_msg("open: %s", e.msg);
	if (pkg_archive_extract(a, root, &o, &x, &e) == 0)
		fail_msg("accepted an archive that should fail with '%s'", want);
	if (strstr(e.msg, want) == NULL)
		fail_msg("got '%s', want '%s'", e.msg, want);
	assert_int_equal(x.items.n, 0);
	pkg_archive_close(a);
	/* nothing written, nothing left behind */
	assert_int_equal(count_entries(root), 0);
	free(root);
	free(pkg);
}

static void
test_refusals(void **state)
{
	char *sum = pkg_cksum_buf(PKG_CKSUM_SHA256_HEX, "ok\n", 3);
	char *m;

	{	/* .. in a member name */
		struct ent ents[] = { { "/usr/local/../../etc/passwd", AE_IFREG, "x", NULL, NULL } };
		expect_refused(MHEAD "\"/usr/local/../../etc/passwd\":\"\"}}", ents, 1,
		    "not a normalised path", false);
	}
	{	/* .. climbing out of / */
		struct ent ents[] = { { "/../../etc/passwd", AE_IFREG, "x", NULL, NULL } };
		expect_refused(MHEAD "\"/../../etc/passwd\":\"\"}}", ents, 1,
		    "not a normalised path", false);
	}
	{	/* relative member */
		struct ent ents[] = { { "usr/local/x", AE_IFREG, "x", NULL, NULL } };
		expect_refused(MHEAD "\"usr/local/x\":\"\"}}", ents, 1,
		    "not an absolute path", false);
	}
	{	/* symlink escaping the root, relative */
		struct ent ents[] = { { "/usr/local/l", AE_IFLNK, "../../../../etc", NULL, NULL } };
		expect_refused(MHEAD "\"/usr/local/l\":\"\"}}", ents, 1,
		    "points outside the root", false);
	}
	{	/* absolute symlink escaping */
		struct ent ents[] = { { "/usr/local/l", AE_IFLNK, "/../../etc/shadow", NULL, NULL } };
		expect_refused(MHEAD "\"/usr/local/l\":\"\"}}", ents, 1,
		    "points outside the root", false);
	}
	{	/* writing through a symlink of the same package */
		struct ent ents[] = {
			{ "/usr/local/d/x", AE_IFREG, "x", NULL, NULL },
		};
		/* A root that already holds a symlink pointing out of it. */
		char *pkg = craft(MHEAD "\"/usr/local/d/x\":\"\"}}", ents, 1);
		char *root = fresh_root("evilroot");
		char *dir = path_join(root, "usr/local"), *ln = path_join(root, "usr/local/d");
		char *out = path_join(tmpdir, "outside");
		struct pkg_archive *a;
		struct pkg_extract x;
		struct kerr e;

		assert_int_equal(path_mkdir_p(dir, 0755, &e), 0);
		assert_int_equal(path_mkdir_p(out, 0755, &e), 0);
		assert_int_equal(symlink(out, ln), 0);
		assert_int_equal(pkg_archive_open(pkg, 0, &a, &e), 0);
		assert_int_equal(pkg_archive_extract(a, root, NULL, &x, &e), -1);
		assert_non_null(strstr(e.msg, "refusing to write through symlink"));
		assert_int_equal(count_entries(out), 0);
		pkg_archive_close(a);
		free(pkg);
		free(root);
		free(dir);
		free(ln);
		free(out);
	}
	{	/* a file below a symlink of the same package */
		struct ent ents[] = {
			{ "/usr/local/d", AE_IFLNK, "/etc", NULL, NULL },
			{ "/usr/local/d/x", AE_IFREG, "x", NULL, NULL },
		};
		expect_refused(MHEAD "\"/usr/local/d\":\"\",\"/usr/local/d/x\":\"\"}}",
		    ents, 2, "a file or symlink of the package", false);
	}
	{	/* device node */
		struct ent ents[] = { { "/usr/local/null", AE_IFCHR, NULL, NULL, NULL } };
		expect_refused(MHEAD "\"/usr/local/null\":\"\"}}", ents, 1,
		    "refused type", false);
	}
	{	/* fifo */
		struct ent ents[] = { { "/usr/local/fifo", AE_IFIFO, NULL, NULL, NULL } };
		expect_refused(MHEAD "\"/usr/local/fifo\":\"\"}}", ents, 1,
		    "refused type", false);
	}
	{	/* hardlink to something outside the package */
		struct ent ents[] = { { "/usr/local/h", AE_IFREG, NULL, "/etc/shadow", NULL } };
		expect_refused(MHEAD "\"/usr/local/h\":\"\"}}", ents, 1,
		    "does not point to a file of this package", false);
	}
	{	/* member not in the manifest */
		struct ent ents[] = { { "/usr/local/extra", AE_IFREG, "x", NULL, NULL } };
		expect_refused(MHEAD "\"/usr/local/other\":\"\"}}", ents, 1,
		    "is not in the manifest", false);
	}
	{	/* checksum mismatch */
		struct ent ents[] = { { "/usr/local/f", AE_IFREG, "tampered\n", NULL, NULL } };
		m = xasprintf(MHEAD "\"/usr/local/f\":\"%s\"}}", sum);
		expect_refused(m, ents, 1, "checksum mismatch", false);
		free(m);
	}
	{	/* a file listed but missing */
		struct ent ents[] = { { "/usr/local/f", AE_IFREG, "ok\n", NULL, NULL } };
		m = xasprintf(MHEAD "\"/usr/local/f\":\"%s\",\"/usr/local/g\":\"\"}}", sum);
		expect_refused(m, ents, 1, "missing from the archive", false);
		free(m);
	}
	{	/* the same member twice */
		struct ent ents[] = { { "/usr/local/f", AE_IFREG, "ok\n", NULL, NULL },
			{ "/usr/local/f", AE_IFREG, "ok\n", NULL, NULL } };
		expect_refused(MHEAD "\"/usr/local/f\":\"\"}}", ents, 2, "appears twice", false);
	}
	{	/* outside the prefix when confined */
		struct ent ents[] = { { "/etc/rc.conf", AE_IFREG, "x", NULL, NULL } };
		expect_refused(MHEAD "\"/etc/rc.conf\":\"\"}}", ents, 1,
		    "outside the prefix", true);
	}
	{	/* the good case of the same helper extracts */
		struct ent ents[] = { { "/usr/local/f", AE_IFREG, "ok\n", NULL, NULL } };
		char *root = fresh_root("goodroot");
		struct pkg_archive *a;
		struct pkg_extract x;
		struct kerr e;

		m = xasprintf(MHEAD "\"/usr/local/f\":\"%s\"}}", sum);
		char *pkg = craft(m, ents, 1);
		assert_int_equal(pkg_archive_open(pkg, 0, &a, &e), 0);
		if (pkg_archive_extract(a, root, NULL, &x, &e) < 0)
			fail_msg("%s", e.msg);
		assert_int_equal(pkg_extract_commit(&x, &e), 0);
		pkg_extract_free(&x);
		pkg_archive_close(a);
		free(pkg);
		free(m);
		free(root);
	}
	free(sum);
}

/* Owners come from ROOT/etc/passwd and ROOT/etc/group, not the host's. */
static void
test_owner_from_root(void **state)
{
	struct ent ents[] = { { "/usr/local/f", AE_IFREG, "ok\n", NULL, "kilnwww" },
		{ "/usr/local/g", AE_IFREG, "ok\n", NULL, "nosuchuser" } };
	char *pkg = craft(MHEAD "\"/usr/local/f\":\"\",\"/usr/local/g\":\"\"}}", ents, 2);
	char *root = fresh_root("ownroot");
	char *etc = path_join(root, "etc"), *pw = path_join(root, "etc/passwd");
	char *gr = path_join(root, "etc/group"), *f = path_join(root, "usr/local/f");
	char *g = path_join(root, "usr/local/g");
	struct pkg_extract_opts o;
	struct pkg_archive *a;
	struct pkg_extract x;
	struct kerr e;
	struct stat st;
	const char *p = "root:*:0:0::/:/bin/sh\nkilnwww:*:4242:4243::/:/bin/sh\n";
	const char *q = "wheel:*:0:\nkilnwww:*:4243:\n";

	if (geteuid() != 0) {
		skip();	/* chown needs root; `make check` runs as root */
	}
	assert_int_equal(path_mkdir_p(etc, 0755, &e), 0);
	assert_int_equal(path_write_atomic(pw, p, strlen(p), 0644, &e), 0);
	assert_int_equal(path_write_atomic(gr, q, strlen(q), 0644, &e), 0);
	pkg_extract_opts_init(&o);
	assert_true(o.set_owner);
	assert_int_equal(pkg_archive_open(pkg, 0, &a, &e), 0);
	if (pkg_archive_extract(a, root, &o, &x, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(pkg_extract_commit(&x, &e), 0);
	pkg_extract_free(&x);
	pkg_archive_close(a);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_uid, 4242);
	assert_int_equal(st.st_gid, 4243);
	assert_int_equal(stat(g, &st), 0);
	assert_int_equal(st.st_uid, 0);	/* unknown name: 0, as pkg does */
	free(pkg);
	free(root);
	free(etc);
	free(pw);
	free(gr);
	free(f);
	free(g);
}

static void
test_bad_metadata(void **state)
{
	struct pkg_archive *a;
	struct kerr e;
	struct ent ents[] = { { "/usr/local/f", AE_IFREG, "x", NULL, NULL } };
	char *pkg = craft("{\"name\": [1]}", ents, 1);

	assert_int_equal(pkg_archive_open(pkg, 0, &a, &e), -1);
	assert_non_null(strstr(e.msg, "+MANIFEST: key 'name'"));
	free(pkg);
	assert_int_equal(pkg_archive_open_mem("not a tar", 9, "junk", 0, &a, &e), -1);
	pkg = path_join(tmpdir, "missing.pkg");
	assert_int_equal(pkg_archive_open(pkg, 0, &a, &e), -1);
	free(pkg);
}

/* Write n bytes of word-like text (compressible, distinct per seed). */
static void
put_text(const char *rel, size_t n, unsigned seed)
{
	static const char *const words[] = { "alpha", "beta", "gamma", "delta",
		"epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu" };
	char *buf = xmalloc(n + 1);
	unsigned x = seed * 2654435761u + 1;
	size_t i = 0;

	while (i < n) {
		const char *w;

		x = x * 1103515245u + 12345u;
		w = words[(x >> 16) % 12];
		for (size_t k = 0; w[k] && i < n; k++)
			buf[i++] = w[k];
		if (i < n)
			buf[i++] = (x >> 8) % 7 == 0 ? '\n' : ' ';
	}
	buf[n] = '\0';
	put(rel, buf, 0644);
	free(buf);
}

/*
 * A package big enough for several zstd jobs (8 MiB each at level 3) and
 * for the hashing pool: its bytes are the same with 1 and 4 threads, and
 * every file's sum in the manifest is the sum of that file.
 */
static void
test_threads_same_bytes(void **state)
{
	struct strbuf plist = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	char *out[2] = { NULL, NULL };
	int threads[2] = { 1, 4 };
	char *stage = path_join(tmpdir, "big/stage");
	struct pkg_archive *pa;
	const struct pkg_manifest *m;
	struct kerr e;

	for (unsigned i = 0; i < 40; i++) {
		char *rel = xasprintf("big/stage/usr/local/share/big/f%02u", i);

		put_text(rel, (size_t)(i + 1) * 24 * 1024, i);
		strbuf_addf(&plist, "share/big/f%02u\n", i);
		free(rel);
	}
	put("big/plist", plist.buf, 0644);
	put("big/meta/+MANIFEST", "name: big\nversion: \"1\"\norigin: misc/big\n"
	    "comment: big\nmaintainer: me@example.org\nwww: \"https://example.org\"\n"
	    "prefix: /usr/local\nabi: \"FreeBSD:15:amd64\"\ndesc: \"big\"\n", 0644);
	for (int k = 0; k < 2; k++) {
		struct pkg_create_req r;
		char *meta = path_join(tmpdir, "big/meta");
		char *pl = path_join(tmpdir, "big/plist");
		char *od = xasprintf("%s/big/out%d", tmpdir, threads[k]);

		pkg_create_req_init(&r);
		r.stagedir = stage;
		r.metadir = meta;
		r.plist = pl;
		r.outdir = od;
		r.wo.threads = threads[k];
		r.wo.mtime = 1;
		if (pkg_create(&r, &out[k], NULL, &e) < 0)
			fail_msg("%s", e.msg);
		free(meta);
		free(pl);
		free(od);
	}
	assert_int_equal(path_read(out[0], &a, &e), 0);
	assert_int_equal(path_read(out[1], &b, &e), 0);
	assert_true(a.len > 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);

	if (pkg_archive_open(out[1], 0, &pa, &e) < 0)
		fail_msg("%s", e.msg);
	m = pkg_archive_manifest(pa);
	assert_int_equal(m->files.n, 40);
	for (size_t i = 0; i < m->files.n; i++) {
		char *src = path_join(stage, m->files.v[i].path);
		char *want = pkg_cksum_file(PKG_CKSUM_DEFAULT, src, NULL, &e);

		assert_non_null(want);
		assert_string_equal(m->files.v[i].sum, want);
		free(want);
		free(src);
	}
	pkg_archive_close(pa);
	strbuf_release(&plist);
	strbuf_release(&a);
	strbuf_release(&b);
	free(out[0]);
	free(out[1]);
	free(stage);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_all_compressions),
		cmocka_unit_test(test_extract_commit_and_abort),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_owner_from_root),
		cmocka_unit_test(test_bad_metadata),
		cmocka_unit_test(test_threads_same_bytes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
