/*
 * test_plist: every built-in keyword, sticky and per-line attributes,
 * script snippets, unknown keywords and missing files refused with
 * file:line, and the report of staged files no line names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkg/plist.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/kiln-test-plist.XXXXXX";

static void
put(const char *rel)
{
	char *p = path_join(dir, rel);
	char *slash = strrchr(p, '/');
	struct kerr e;

	*slash = '\0';
	assert_int_equal(path_mkdir_p(p, 0755, &e), 0);
	*slash = '/';
	assert_int_equal(path_write_atomic(p, "x", 1, 0644, &e), 0);
	free(p);
}

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	put("usr/local/bin/a");
	put("usr/local/bin/sh2");
	put("usr/local/etc/a.conf.sample");
	put("usr/local/etc/b.conf");
	put("usr/local/share/info/a.info");
	put("usr/local/share/a/x");
	put("usr/local/share/a/y");
	put("usr/local/lib/liba.so.1");
	put("opt/other/z");
	put("usr/local/share/stray");
	return 0;
}

static int
teardown(void **state)
{
	struct kerr e;

	path_rm_rf(dir, &e);
	return 0;
}

static const char plist[] =
    "@comment a test list\n"
    "bin/a\n"
    "\n"
    "@shell bin/sh2\n"
    "@sample etc/a.conf.sample\n"
    "@config etc/b.conf\n"
    "@info share/info/a.info\n"
    "@mode 0600\n"
    "@owner www\n"
    "@group www\n"
    "share/a/x\n"
    "@mode\n"
    "@owner\n"
    "@group\n"
    "@(root,operator,0640) share/a/y\n"
    "@dir share/a\n"
    "lib/liba.so.1\n"
    "@ldconfig\n"
    "@preexec echo pre %D\n"
    "@postexec echo post %F %f %B\n"
    "@preunexec echo preun\n"
    "@postunexec echo postun\n"
    "@rmtry etc/a.cache\n"
    "@cwd /opt/other\n"
    "z\n"
    "@cwd\n";

static void
test_all_keywords(void **state)
{
	struct pkg_manifest *m = pkg_manifest_new();
	pkg_strv unlisted = VEC_INIT;
	struct pkg_file *f;
	struct kerr e;

	if (pkg_plist_parse(plist, strlen(plist), "pl", dir, m, &unlisted, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(m->prefix, "/usr/local");
	assert_int_equal(m->files.n, 9);
	assert_non_null(pkg_manifest_file(m, "/usr/local/bin/a"));
	assert_non_null(pkg_manifest_file(m, "/usr/local/etc/a.conf.sample"));
	assert_non_null(pkg_manifest_file(m, "/opt/other/z"));
	f = pkg_manifest_file(m, "/usr/local/share/a/x");
	assert_int_equal(f->perm, 0600);
	assert_string_equal(f->uname, "www");
	assert_string_equal(f->gname, "www");
	f = pkg_manifest_file(m, "/usr/local/share/a/y");
	assert_int_equal(f->perm, 0640);
	assert_string_equal(f->uname, "root");
	assert_string_equal(f->gname, "operator");
	f = pkg_manifest_file(m, "/usr/local/lib/liba.so.1");
	assert_int_equal(f->perm, PKG_PERM_UNSET);
	assert_null(f->uname);
	assert_int_equal(m->config.n, 1);
	assert_string_equal(m->config.v[0], "/usr/local/etc/b.conf");
	assert_int_equal(m->dirs.n, 1);
	assert_string_equal(m->dirs.v[0].path, "/usr/local/share/a");
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_PRE_INSTALL], "echo pre /usr/local"));
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_POST_INSTALL],
	    "echo post lib/liba.so.1 liba.so.1 /usr/local/lib"));
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_POST_INSTALL], "/usr/local/etc/a.conf'"));
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_POST_INSTALL], "etc/shells"));
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_POST_INSTALL], "indexinfo"));
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_POST_INSTALL], "ldconfig"));
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_PRE_DEINSTALL], "echo preun"));
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_PRE_DEINSTALL], "cmp -s"));
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_POST_DEINSTALL], "echo postun"));
	assert_non_null(strstr(m->scripts[PKG_SCRIPT_POST_DEINSTALL], "a.cache"));
	assert_int_equal(unlisted.n, 1);
	assert_string_equal(unlisted.v[0], "/usr/local/share/stray");
	pkg_strv_free(&unlisted);
	pkg_manifest_free(m);
}

static void
expect_error(const char *text, const char *want)
{
	struct pkg_manifest *m = pkg_manifest_new();
	struct kerr e;

	if (pkg_plist_parse(text, strlen(text), "pkg-plist", dir, m, NULL, &e) == 0)
		fail_msg("accepted: %s", text);
	if (strstr(e.msg, want) == NULL)
		fail_msg("got '%s', want '%s'", e.msg, want);
	pkg_manifest_free(m);
}

static void
test_errors(void **state)
{
	expect_error("bin/a\n@frobnicate x\n", "pkg-plist:2: unknown keyword '@frobnicate'");
	expect_error("bin/a\nbin/missing\n", "pkg-plist:2: /usr/local/bin/missing: not in the stage");
	expect_error("bin/a\nbin/a\n", "pkg-plist:2: /usr/local/bin/a: listed twice");
	expect_error("@dir share/nothere\n", "pkg-plist:1: /usr/local/share/nothere: directory not in");
	expect_error("@mode 99x\n", "pkg-plist:1: bad mode '99x'");
	expect_error("@(root,wheel bin/a\n", "unclosed '('");
	expect_error("@sample bin/a\n", "does not end in .sample");
	expect_error("../../../etc/passwd\n", "climbs above /");
	expect_error("@dir\n", "@dir needs an argument");
	expect_error("@exec\n@dirrm share/a\n", "pkg-plist:2: unknown keyword '@dirrm'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_keywords),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
