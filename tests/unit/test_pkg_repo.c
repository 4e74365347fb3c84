/*
 * test_pkg_repo: meta.conf parsing, catalog parsing (lines and data) with
 * its refusals, a write/verify round trip through pkg_repo_create and
 * pkg_repo_load, and the ABI helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkg/abi.h"
#include "pkg/repo.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static void
test_meta(void **state)
{
	struct pkg_repo_meta m;
	struct kerr e;
	const char *ok = "version = 2;\npacking_format = \"txz\";\nmanifests = \"ps.yaml\";\n";

	assert_int_equal(pkg_repo_meta_parse(ok, strlen(ok), "meta", &m, &e), 0);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.packing_format, PKG_COMPRESS_XZ);
	assert_string_equal(m.manifests, "ps.yaml");
	assert_string_equal(m.data, "data");
	assert_string_equal(m.data_archive, "data");
	pkg_repo_meta_free(&m);
	assert_int_equal(pkg_repo_meta_parse("version = 3;", 12, "meta", &m, &e), -1);
	assert_non_null(strstr(e.msg, "unsupported meta version 3"));
	pkg_repo_meta_free(&m);
	assert_int_equal(pkg_repo_meta_parse("packing_format = tzst;", 22, "meta", &m, &e), -1);
	pkg_repo_meta_free(&m);
	assert_int_equal(pkg_repo_meta_parse("version = 2; data = \"../x\";", 27, "meta", &m, &e), -1);
	assert_non_null(strstr(e.msg, "not a plain file name"));
	pkg_repo_meta_free(&m);
	assert_int_equal(pkg_repo_meta_parse("version = 2; packing_format = rar;", 34, "meta", &m, &e), -1);
	pkg_repo_meta_free(&m);
}

static int
collect(struct pkg_manifest *m, void *arg, struct kerr *e)
{
	int *n = arg;

	(*n)++;
	pkg_manifest_free(m);
	return 0;
}

static void
test_catalog_parse(void **state)
{
	const char *lines =
	    "{\"name\":\"a\",\"version\":\"1\",\"origin\":\"x/a\",\"path\":\"All/a-1.pkg\"}\n"
	    "\n"
	    "{\"name\":\"b\",\"version\":\"2\",\"origin\":\"x/b\",\"repopath\":\"All/b-2.pkg\"}\n";
	const char *data = "{\"groups\":[],\"expired_packages\":[],\"packages\":["
	    "{\"name\":\"a\",\"version\":\"1\",\"repopath\":\"All/a-1.pkg\"}]}";
	struct kerr e;
	int n = 0;

	assert_int_equal(pkg_catalog_parse(lines, strlen(lines), PKG_CATALOG_LINES,
	    "ps", collect, &n, &e), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(pkg_catalog_parse(data, strlen(data), PKG_CATALOG_DATA,
	    "data", collect, &n, &e), 0);
	assert_int_equal(n, 1);
	{
		const char *bad = "{\"name\":\"a\",\"version\":\"1\",\"repopath\":\"../../etc/passwd\"}\n";
		assert_int_equal(pkg_catalog_parse(bad, strlen(bad), PKG_CATALOG_LINES,
		    "ps", collect, &n, &e), -1);
		assert_non_null(strstr(e.msg, "ps:1: a: path '../../etc/passwd' leaves the repository"));
	}
	{
		const char *bad = "{\"name\":\"a\",\"version\":\"1\",\"repopath\":\"/etc/passwd\"}\n";
		assert_int_equal(pkg_catalog_parse(bad, strlen(bad), PKG_CATALOG_LINES,
		    "ps", collect, &n, &e), -1);
	}
	{
		const char *bad = "{\"name\":\"a\",\"version\":\"1\"}\n";
		assert_int_equal(pkg_catalog_parse(bad, strlen(bad), PKG_CATALOG_LINES,
		    "ps", collect, &n, &e), -1);
		assert_non_null(strstr(e.msg, "no path/repopath"));
	}
	{
		const char *bad = "{\"packages\":{}}";
		assert_int_equal(pkg_catalog_parse(bad, strlen(bad), PKG_CATALOG_DATA,
		    "data", collect, &n, &e), -1);
		assert_non_null(strstr(e.msg, "no \"packages\" array"));
	}
	{
		const char *bad = "{\"packages\":[{\"name\":\"a\",\"version\":\"1\",\"flatsize\":\"x\",\"path\":\"a\"}]}";
		assert_int_equal(pkg_catalog_parse(bad, strlen(bad), PKG_CATALOG_DATA,
		    "data", collect, &n, &e), -1);
		assert_non_null(strstr(e.msg, "data: packages[0]: key 'flatsize'"));
	}
}

static void
test_catalog_archive_errors(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct pkg_trust t = { PKG_SIG_NONE, NULL, NULL };
	struct kerr e;

	assert_int_equal(pkg_catalog_read_mem("garbage", 7, "x.pkg", "data", &t, &out, &e), -1);
	assert_int_equal(pkg_catalog_read("/nonexistent/data.pkg", "data", &t, &out, &e), -1);
	strbuf_release(&out);
}

static void
test_sigmode(void **state)
{
	enum pkg_sigmode m;
	struct kerr e;

	assert_int_equal(pkg_sigmode_parse("PUBKEY", &m, &e), 0);
	assert_int_equal(m, PKG_SIG_PUBKEY);
	assert_int_equal(pkg_sigmode_parse("fingerprints", &m, &e), 0);
	assert_int_equal(pkg_sigmode_parse("none", &m, &e), 0);
	assert_int_equal(pkg_sigmode_parse("maybe", &m, &e), -1);
}

static void
test_abi(void **state)
{
	char *a;

	a = pkg_abi_make("FreeBSD", "15.0-RELEASE", "amd64");
	assert_string_equal(a, "FreeBSD:15:amd64");
	free(a);
	a = pkg_abi_make("FreeBSD", "14.2", "x86_64");
	assert_string_equal(a, "FreeBSD:14:amd64");
	free(a);
	a = pkg_abi_make("Linux", "6.1.0-13-amd64", "x86_64");
	assert_string_equal(a, "Linux:6.1:x86_64");
	free(a);
	a = pkg_abi_make("Linux", "3.2", "amd64");
	assert_string_equal(a, "Linux:3.2:x86_64");
	free(a);
	a = pkg_abi_legacy("FreeBSD:15:amd64");
	assert_string_equal(a, "freebsd:15:x86:64");
	free(a);
	a = pkg_abi_legacy("FreeBSD:14:armv7");
	assert_string_equal(a, "freebsd:14:armv7:32:el:eabi:hardfp");
	free(a);
	a = pkg_abi_legacy("Linux:3.2:x86_64");
	assert_string_equal(a, "linux:3.2:x86:64");
	free(a);
	assert_null(pkg_abi_legacy("nonsense"));
	assert_true(pkg_abi_match("FreeBSD:15:amd64", "FreeBSD:15:amd64"));
	assert_true(pkg_abi_match("freebsd:15:amd64", "FreeBSD:15:amd64"));
	assert_true(pkg_abi_match("FreeBSD:15:*", "FreeBSD:15:amd64"));
	assert_true(pkg_abi_match("FreeBSD:*", "FreeBSD:15:amd64"));
	assert_false(pkg_abi_match("FreeBSD:14:amd64", "FreeBSD:15:amd64"));
	assert_false(pkg_abi_match("Linux:3.2:x86_64", "FreeBSD:15:amd64"));
	a = pkg_abi_host();
	assert_non_null(strchr(a, ':'));
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_catalog_parse),
		cmocka_unit_test(test_catalog_archive_errors),
		cmocka_unit_test(test_sigmode),
		cmocka_unit_test(test_abi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
