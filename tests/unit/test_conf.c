/*
 * test_conf: kiln.conf syntax, references, defaults, origins, errors with
 * FILE:LINE, sizes, and poudriere's sample configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "conf.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kiln-test-conf.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	struct kerr e;
	return path_rm_rf(tmpdir, &e);
}

static char *
write_conf(const char *name, const char *text)
{
	struct kerr e;
	char *p = xasprintf("%s/%s", tmpdir, name);

	assert_int_equal(path_write_atomic(p, text, strlen(text), 0644, &e), 0);
	return p;
}

static void
test_syntax_and_origins(void **state)
{
	struct conf c;
	struct kerr e;
	char *p = write_conf("a.conf",
	    "# comment\n"
	    "\n"
	    "BASEFS=/srv/kiln   # trailing comment\n"
	    "export USE_TMPFS=\"wrkdir data\"\n"
	    "DISTFILES_CACHE=${BASEFS}/dist\n"
	    "PKG_REPO_SIGNING_KEY='/etc/ssl/${NOT}.key'\n"
	    "MAX_MEMORY=4\n"
	    "MAX_MEMORY_rust=12G\n");

	conf_init(&c);
	assert_int_equal(conf_read_file(&c, p, &e), 0);
	conf_apply_defaults(&c);
	assert_string_equal(conf_get(&c, "BASEFS"), "/srv/kiln");
	assert_string_equal(conf_get(&c, "USE_TMPFS"), "wrkdir data");
	assert_string_equal(conf_get(&c, "DISTFILES_CACHE"), "/srv/kiln/dist");
	assert_string_equal(conf_get(&c, "PKG_REPO_SIGNING_KEY"), "/etc/ssl/${NOT}.key");
	/* defaults follow BASEFS */
	assert_string_equal(conf_get(&c, "POUDRIERE_DATA"), "/srv/kiln/data");
	assert_string_equal(conf_origin(&c, "POUDRIERE_DATA"), "default");
	char *where = xasprintf("%s:3", p);
	assert_string_equal(conf_origin(&c, "BASEFS"), where);
	assert_string_equal(conf_get_for(&c, "MAX_MEMORY", "rust"), "12G");
	assert_string_equal(conf_get_for(&c, "MAX_MEMORY", "zsh"), "4");
	assert_int_equal(c.warnings.n, 0);
	assert_true(conf_get_int(&c, "PARALLEL_JOBS", 0) >= 1);
	free(where);
	conf_free(&c);
	free(p);
}

static void
test_unknown_key_warns(void **state)
{
	struct conf c;
	struct kerr e;
	char *p = write_conf("b.conf", "BASEFS=/x\nNO_SUCH_KEY=1\n");

	conf_init(&c);
	assert_int_equal(conf_read_file(&c, p, &e), 0);
	assert_int_equal(c.warnings.n, 1);
	assert_non_null(strstr(c.warnings.v[0], "b.conf:2: unknown key NO_SUCH_KEY"));
	conf_free(&c);
	free(p);
}

static void
expect_error(const char *text, const char *msg)
{
	struct conf c;
	struct kerr e;
	char *p = write_conf("bad.conf", text);
	char *want = xasprintf("%s%s", p, msg);

	conf_init(&c);
	assert_int_equal(conf_read_file(&c, p, &e), -1);
	if (strncmp(e.msg, want, strlen(want)) != 0)
		fail_msg("got '%s', want prefix '%s'", e.msg, want);
	conf_free(&c);
	free(want);
	free(p);
}

static void
test_errors_name_file_and_line(void **state)
{
	expect_error("BASEFS=/x\nthis is not an assignment\n", ":2: expected KEY=value");
	expect_error("\n\nBAD KEY=1\n", ":3: 'BAD KEY' is not a valid key name");
	expect_error("A=\"open\n", ":1: unterminated double quote");
	expect_error("A='open\n", ":1: unterminated single quote");
	expect_error("A=one two\n", ":1: unexpected text after the value");
	expect_error("A=${B\n", ":1: unterminated ${");
}

static void
test_poudriere_sample_loads(void **state)
{
	struct conf c;
	struct kerr e;
	char *p = write_conf("poudriere.conf",
	    "ZPOOL=zroot\n"
	    "ZROOTFS=/poudriere\n"
	    "FREEBSD_HOST=https://download.FreeBSD.org\n"
	    "RESOLV_CONF=/etc/resolv.conf\n"
	    "BASEFS=/usr/local/poudriere\n"
	    "USE_TMPFS=yes\n"
	    "MAX_MEMORY=4\n"
	    "MAX_FILES=2048\n"
	    "DISTFILES_CACHE=/usr/ports/distfiles\n"
	    "PARALLEL_JOBS=8\n");

	conf_init(&c);
	assert_int_equal(conf_read_file(&c, p, &e), 0);
	conf_apply_defaults(&c);
	assert_int_equal(c.warnings.n, 0);
	assert_int_equal(conf_get_int(&c, "PARALLEL_JOBS", 0), 8);
	assert_true(conf_get_bool(&c, "USE_TMPFS"));
	uint64_t bytes;
	assert_int_equal(conf_parse_size(conf_get(&c, "MAX_MEMORY"), 1ULL << 30, &bytes), 0);
	assert_int_equal(bytes, 4ULL << 30);
	conf_free(&c);
	free(p);
}

static void
test_sizes(void **state)
{
	uint64_t n;

	assert_int_equal(conf_parse_size("512M", 1, &n), 0);
	assert_int_equal(n, 512ULL << 20);
	assert_int_equal(conf_parse_size("2GiB", 1, &n), 0);
	assert_int_equal(n, 2ULL << 30);
	assert_int_equal(conf_parse_size("1.5g", 1, &n), 0);
	assert_int_equal(n, 3ULL << 29);
	assert_int_equal(conf_parse_size("100", 1024, &n), 0);
	assert_int_equal(n, 102400);
	assert_int_equal(conf_parse_size("12Q", 1, &n), -1);
	assert_int_equal(conf_parse_size("", 1, &n), -1);
	assert_int_equal(conf_parse_size("-1", 1, &n), -1);
}

static void
test_paths(void **state)
{
	struct conf c;

	conf_init(&c);
	conf_set(&c, "BASEFS", "/b", "option -B");
	conf_apply_defaults(&c);
	char *p = conf_path(&c, "jails/%s", "main");
	assert_string_equal(p, "/b/jails/main");
	assert_string_equal(conf_get(&c, "DISTFILES_CACHE"), "/b/distfiles");
	free(p);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax_and_origins),
		cmocka_unit_test(test_unknown_key_warns),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_poudriere_sample_loads),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_paths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
