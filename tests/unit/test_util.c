/*
 * test_util: strbuf, vec, path, atomic writes, child, sha256, lock, kerr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/child.h"
#include "util/kerr.h"
#include "util/lock.h"
#include "util/path.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kiln-test-util.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	struct kerr e;
	return path_rm_rf(tmpdir, &e);
}

static void
test_strbuf(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	assert_string_equal(sb.buf, "");
	strbuf_addstr(&sb, "  hello");
	strbuf_addch(&sb, ' ');
	strbuf_addf(&sb, "%d%s", 42, "  \n");
	assert_string_equal(sb.buf, "  hello 42  \n");
	strbuf_trim(&sb);
	assert_string_equal(sb.buf, "hello 42");
	assert_int_equal(sb.len, 8);
	for (int i = 0; i < 10000; i++)
		strbuf_addch(&sb, 'x');
	assert_int_equal(sb.len, 10008);
	assert_int_equal(strlen(sb.buf), 10008);
	strbuf_reset(&sb);
	strbuf_add_json_escaped(&sb, "a\"b\\c\n\x01");
	assert_string_equal(sb.buf, "a\\\"b\\\\c\\n\\u0001");
	size_t len;
	char *p = strbuf_detach(&sb, &len);
	assert_int_equal(len, strlen(p));
	assert_string_equal(sb.buf, "");
	free(p);
	strbuf_release(&sb);
}

static void
test_vec(void **state)
{
	VEC(int) v = VEC_INIT;

	for (int i = 0; i < 1000; i++)
		vec_push(&v, i * 2);
	assert_int_equal(v.n, 1000);
	assert_int_equal(v.v[999], 1998);
	vec_free(&v);
	assert_null(v.v);
	assert_int_equal(v.n, 0);

	/* vec_free_all: every owned element freed (ASan sees leaks), reset. */
	VEC(char *) names = VEC_INIT;
	for (int i = 0; i < 20; i++)
		vec_push(&names, xasprintf("name-%d", i));
	vec_free_all(&names, free);
	assert_null(names.v);
	assert_int_equal(names.n, 0);
}

static void
test_readlink(void **state)
{
	struct kerr e;
	char *link = xasprintf("%s/rl", tmpdir);
	char *file = xasprintf("%s/rl-file", tmpdir);
	struct strbuf want = STRBUF_INIT;
	char *got;

	(void)state;
	/* Longer than the helper's first buffer: it grows. */
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&want, "dir/");
	strbuf_addstr(&want, "target");
	assert_int_equal(symlink(want.buf, link), 0);
	got = path_readlink(link, &e);
	assert_non_null(got);
	assert_string_equal(got, want.buf);
	free(got);

	assert_int_equal(path_write_atomic(file, "x", 1, 0644, &e), 0);
	assert_null(path_readlink(file, &e));
	assert_non_null(strstr(e.msg, file));
	assert_non_null(strstr(e.msg, "Invalid argument"));
	unlink(link);
	unlink(file);
	strbuf_release(&want);
	free(file);
	free(link);
}

static void
test_path_join_normalize(void **state)
{
	char *p;

	p = path_join("/a/b/", "/c");
	assert_string_equal(p, "/a/b/c");
	free(p);
	p = path_join("/", "x");
	assert_string_equal(p, "/x");
	free(p);
	p = path_normalize("/a/./b//../c/");
	assert_string_equal(p, "/a/c");
	free(p);
	p = path_normalize("a/b/../../c");
	assert_string_equal(p, "c");
	free(p);
	assert_null(path_normalize("a/../.."));
	assert_null(path_normalize("/.."));
	assert_true(path_is_under("/usr/local/bin", "/usr/local"));
	assert_true(path_is_under("/usr/local", "/usr/local/"));
	assert_false(path_is_under("/usr/localx", "/usr/local"));
	assert_true(path_is_under("/etc", "/"));
}

static void
test_mkdir_rm(void **state)
{
	struct kerr e;
	char *deep = xasprintf("%s/a/b/c", tmpdir);
	char *file = xasprintf("%s/a/b/f", tmpdir);
	char *top = xasprintf("%s/a", tmpdir);

	assert_int_equal(path_mkdir_p(deep, 0755, &e), 0);
	assert_true(path_is_dir(deep));
	assert_int_equal(path_write_atomic(file, "x", 1, 0600, &e), 0);
	/* A symlink inside must be removed, not followed. */
	char *outside = xasprintf("%s/keep", tmpdir);
	char *link = xasprintf("%s/a/link", tmpdir);
	assert_int_equal(path_write_atomic(outside, "k", 1, 0644, &e), 0);
	assert_int_equal(symlink(tmpdir, link), 0);
	assert_int_equal(path_rm_rf(top, &e), 0);
	assert_false(path_exists(top));
	assert_true(path_exists(outside));
	assert_int_equal(path_rm_rf(top, &e), 0);	/* missing is fine */
	/* mkdir -p through a file fails and says so */
	char *bad = xasprintf("%s/keep/sub", tmpdir);
	assert_int_equal(path_mkdir_p(bad, 0755, &e), -1);
	assert_non_null(strstr(e.msg, "keep"));
	free(bad); free(deep); free(file); free(top); free(outside); free(link);
}

static void
test_chown_r(void **state)
{
	struct kerr e;
	char *top = xasprintf("%s/own", tmpdir), *sub = xasprintf("%s/own/d/e", tmpdir);
	char *file = xasprintf("%s/own/d/f", tmpdir), *link = xasprintf("%s/own/l", tmpdir);
	char *outside = xasprintf("%s/outside", tmpdir);
	struct stat st;

	if (geteuid() != 0)
		skip();	/* giving files away needs root */
	assert_int_equal(path_mkdir_p(sub, 0755, &e), 0);
	assert_int_equal(path_write_atomic(file, "x", 1, 0644, &e), 0);
	assert_int_equal(path_write_atomic(outside, "o", 1, 0644, &e), 0);
	assert_int_equal(symlink(outside, link), 0);
	assert_int_equal(path_chown_r(top, 4321, 4322, &e), 0);
	const char *const mine[] = { top, sub, file, link };
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
		assert_int_equal(lstat(mine[i], &st), 0);
		assert_int_equal(st.st_uid, 4321);
		assert_int_equal(st.st_gid, 4322);
	}
	/* The symlink itself changed hands, never what it points to. */
	assert_int_equal(stat(outside, &st), 0);
	assert_int_equal(st.st_uid, 0);
	char *missing = xasprintf("%s/none", tmpdir);
	assert_int_equal(path_chown_r(missing, 1, 1, &e), -1);
	assert_non_null(strstr(e.msg, "none"));
	free(missing); free(top); free(sub); free(file); free(link); free(outside);
}

static void
test_resolve_in(void **state)
{
	struct kerr e;
	char *root = xasprintf("%s/rroot", tmpdir);
	char *p, *want;

	(void)state;
	assert_int_equal(path_mkdir_p(root, 0755, &e), 0);
	p = xasprintf("%s/usr/lib", root);
	assert_int_equal(path_mkdir_p(p, 0755, &e), 0);
	free(p);
	p = xasprintf("%s/usr/lib/libz.so.1.3", root);
	assert_int_equal(path_write_atomic(p, "z", 1, 0644, &e), 0);
	free(p);
	/* relative link, absolute link (against root), a link to a dir. */
	p = xasprintf("%s/usr/lib/libz.so.1", root);
	assert_int_equal(symlink("libz.so.1.3", p), 0);
	free(p);
	p = xasprintf("%s/lib", root);
	assert_int_equal(symlink("/usr/lib", p), 0);
	free(p);
	p = xasprintf("%s/loop", root);
	assert_int_equal(symlink("loop", p), 0);
	free(p);

	want = xasprintf("%s/usr/lib/libz.so.1.3", root);
	p = path_resolve_in(root, "/lib/libz.so.1");
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
	/* ".." never climbs out of root. */
	p = path_resolve_in(root, "/../../lib/./libz.so.1");
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
	free(want);
	assert_null(path_resolve_in(root, "/lib/missing.so"));
	assert_null(path_resolve_in(root, "/loop"));
	free(root);
}

static void
test_atomic_write(void **state)
{
	struct kerr e;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char *p = xasprintf("%s/atomic", tmpdir);
	struct atomic_file af;

	assert_int_equal(path_write_atomic(p, "old", 3, 0644, &e), 0);
	/* An aborted streamed write leaves the old file and no temporary. */
	assert_int_equal(atomic_file_open(&af, p, 0644, &e), 0);
	assert_int_equal(write_full(af.fd, "partial", 7), 0);
	char *tmp = xstrdup(af.tmp);
	atomic_file_abort(&af);
	assert_false(path_exists(tmp));
	assert_int_equal(path_read(p, &sb, &e), 0);
	assert_string_equal(sb.buf, "old");
	strbuf_reset(&sb);
	assert_int_equal(atomic_file_open(&af, p, 0600, &e), 0);
	assert_int_equal(write_full(af.fd, "new", 3), 0);
	assert_int_equal(atomic_file_commit(&af, &e), 0);
	assert_int_equal(path_read(p, &sb, &e), 0);
	assert_string_equal(sb.buf, "new");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Failure names the path. */
	assert_int_equal(path_write_atomic("/nonexistent/dir/x", "a", 1, 0644, &e), -1);
	assert_non_null(strstr(e.msg, "/nonexistent/dir/x"));
	strbuf_release(&sb);
	free(tmp);
	free(p);
}

static void
test_child_capture(void **state)
{
	struct kerr e;
	struct strbuf out = STRBUF_INIT;
	char *argv[] = { "sh", "-c", "echo \"$FOO\"; echo err >&2; exit 3", NULL };
	char *env[] = { "PATH=/usr/bin:/bin", "FOO=bar", NULL };
	struct strbuf err = STRBUF_INIT;
	struct child c;

	child_init(&c, argv, env);
	c.out = &out;
	c.err = &err;
	assert_int_equal(child_run(&c, &e), 0);
	assert_int_equal(child_exit_code(&c), 3);
	assert_string_equal(out.buf, "bar\n");
	assert_string_equal(err.buf, "err\n");
	strbuf_reset(&out);
	/* The environment is explicit: nothing is inherited. */
	char *argv2[] = { "/usr/bin/env", NULL };
	char *env2[] = { "ONLY=1", NULL };
	assert_int_equal(child_capture(argv2, env2, &out, &e), 0);
	assert_string_equal(out.buf, "ONLY=1\n");
	/* Failure messages carry stderr. */
	assert_int_equal(child_capture(argv, env, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "exited 3"));
	assert_non_null(strstr(e.msg, "err"));
	/* Unknown programs are reported, not run. */
	char *argv3[] = { "no-such-program-kiln", NULL };
	assert_int_equal(child_capture(argv3, env, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "not found"));
	strbuf_release(&out);
	strbuf_release(&err);
}

static void
test_child_timeout_kills_group(void **state)
{
	struct kerr e;
	char *pidfile = xasprintf("%s/grandchild.pid", tmpdir);
	char *script = xasprintf("sleep 30 & echo $! > %s; wait", pidfile);
	char *argv[] = { "sh", "-c", script, NULL };
	char *env[] = { "PATH=/usr/bin:/bin", NULL };
	struct strbuf sb = STRBUF_INIT;
	struct child c;

	child_init(&c, argv, env);
	c.timeout_ms = 300;
	assert_int_equal(child_run(&c, &e), 0);
	assert_true(c.timed_out);
	assert_int_equal(child_exit_code(&c), 124);
	assert_int_equal(path_read(pidfile, &sb, &e), 0);
	pid_t gc = atoi(sb.buf);
	assert_true(gc > 0);
	/* The grandchild was in the group and must be gone (or a zombie of init). */
	int alive = 1;
	for (int i = 0; i < 100 && alive; i++) {
		char st[256];
		struct strbuf stat = STRBUF_INIT;
		snprintf(st, sizeof(st), "/proc/%d/stat", gc);
		if (strbuf_read_file(&stat, st) < 0 || strstr(stat.buf, ") Z ") != NULL)
			alive = 0;
		strbuf_release(&stat);
		if (alive)
			usleep(20000);
	}
	assert_int_equal(alive, 0);
	strbuf_release(&sb);
	free(script);
	free(pidfile);
}

static void
test_sha256(void **state)
{
	struct kerr e;
	char hex[SHA256_HEX_LEN + 1];
	uint64_t size;
	char *p = xasprintf("%s/abc", tmpdir);

	sha256_buf_hex("abc", 3, hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(path_write_atomic(p, "abc", 3, 0644, &e), 0);
	assert_int_equal(sha256_file_hex(p, hex, &size, &e), 0);
	assert_int_equal(size, 3);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(sha256_file_hex("/nonexistent", hex, NULL, &e), -1);
	free(p);
}

static void
test_lock(void **state)
{
	struct kerr e;
	struct lock a, b;
	char *p = xasprintf("%s/locks/area.lock", tmpdir);

	assert_int_equal(lock_take(&a, p, "test one", false, &e), 0);
	/* A second open file description conflicts even in one process. */
	assert_int_equal(lock_take(&b, p, "test two", false, &e), -1);
	assert_non_null(strstr(e.msg, "in use by pid"));
	assert_non_null(strstr(e.msg, "test one"));
	lock_release(&a);
	assert_int_equal(lock_take(&b, p, "test two", false, &e), 0);
	lock_release(&b);
	free(p);
}

static void
test_kerr(void **state)
{
	struct kerr e;

	assert_int_equal(kerr_set(&e, "x %d", 1), -1);
	kerr_prefix(&e, "file:%d", 3);
	assert_string_equal(e.msg, "file:3: x 1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_vec),
		cmocka_unit_test(test_path_join_normalize),
		cmocka_unit_test(test_mkdir_rm),
		cmocka_unit_test(test_readlink),
		cmocka_unit_test(test_resolve_in),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_child_capture),
		cmocka_unit_test(test_child_timeout_kills_group),
		cmocka_unit_test(test_chown_r),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_kerr),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
