/*
 * test_pkgdb: the installed-package database: add/get round trip, one
 * owner per file, reverse dependencies, config checksums, the txn marker,
 * rollback, delete cascading to files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkg/db.h"
#include "util/path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[] = "/tmp/kiln-pkgdb.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	struct kerr e;

	(void)state;
	return path_rm_rf(tmpdir, &e);
}

static struct pkg_manifest *
man(const char *name, const char *version, const char *file, const char *dep)
{
	struct kerr e;
	char json[1024];

	snprintf(json, sizeof(json), "{\"name\":\"%s\",\"version\":\"%s\","
	    "\"origin\":\"t/%s\",\"comment\":\"c\",\"prefix\":\"/usr/local\","
	    "\"deps\":{%s%s%s},\"options\":{\"X\":\"on\"},"
	    "\"files\":{\"%s\":{\"sum\":\"1$00\",\"perm\":\"0644\"}},"
	    "\"config\":[\"%s\"]}", name, version, name, dep ? "\"" : "",
	    dep ? dep : "", dep ? "\":{\"origin\":\"t/x\",\"version\":\"1\"}" : "",
	    file, file);
	struct pkg_manifest *m = pkg_manifest_parse(json, strlen(json), name, &e);
	if (m == NULL)
		fail_msg("%s", e.msg);
	return m;
}

static void
test_roundtrip(void **state)
{
	struct kerr e;
	bool missing, automatic;
	struct pkgdb *db;
	pkgdb_rows rows = VEC_INIT;
	pkg_strv rd = VEC_INIT;
	pkg_kvv conf = VEC_INIT;
	struct pkg_manifest *a = man("liba", "1.0", "/usr/local/lib/a", NULL);
	struct pkg_manifest *b = man("app", "2.0", "/usr/local/bin/app", "liba");
	struct pkg_manifest *c = man("thief", "1", "/usr/local/lib/a", NULL);

	(void)state;
	assert_null(pkgdb_open(tmpdir, false, &missing, &e));
	assert_true(missing);
	db = pkgdb_open(tmpdir, true, &missing, &e);
	assert_non_null(db);
	assert_int_equal(pkgdb_begin(db, &e), 0);
	pkg_kv_set(&conf, "/usr/local/lib/a", "1$00");
	assert_int_equal(pkgdb_add(db, a, true, "r", &conf, &e), 0);
	assert_int_equal(pkgdb_add(db, b, false, "r", NULL, &e), 0);
	assert_int_equal(pkgdb_mark_txn(db, "t1", &e), 0);
	assert_int_equal(pkgdb_commit(db, &e), 0);
	assert_true(pkgdb_txn_committed(db, "t1"));
	assert_false(pkgdb_txn_committed(db, "t0"));

	/* A file has one owner. */
	assert_int_equal(pkgdb_begin(db, &e), 0);
	assert_int_equal(pkgdb_add(db, c, false, "r", NULL, &e), -1);
	assert_string_equal(e.msg, "/usr/local/lib/a: already owned by liba-1.0");
	pkgdb_rollback(db);

	char *owner = pkgdb_file_owner(db, "/usr/local/bin/app");
	assert_string_equal(owner, "app-2.0");
	free(owner);
	struct pkg_manifest *g = pkgdb_get(db, "liba", &automatic, &e);
	assert_non_null(g);
	assert_true(automatic);
	assert_string_equal(g->files.v[0].path, "/usr/local/lib/a");
	pkg_manifest_free(g);
	assert_null(pkgdb_get(db, "nope", NULL, &e));
	assert_string_equal(e.msg, "");
	assert_int_equal(pkgdb_rdeps(db, "liba", &rd, &e), 0);
	assert_int_equal(rd.n, 1);
	assert_string_equal(rd.v[0], "app");
	char *sum = pkgdb_config_sum(db, "/usr/local/lib/a");
	assert_string_equal(sum, "1$00");
	free(sum);

	/* Delete cascades. */
	assert_int_equal(pkgdb_begin(db, &e), 0);
	assert_int_equal(pkgdb_remove(db, "liba", &e), 0);
	assert_int_equal(pkgdb_commit(db, &e), 0);
	assert_null(pkgdb_file_owner(db, "/usr/local/lib/a"));
	assert_null(pkgdb_config_sum(db, "/usr/local/lib/a"));
	assert_int_equal(pkgdb_list(db, &rows, &e), 0);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.v[0].name, "app");
	assert_false(rows.v[0].automatic);
	pkgdb_rows_free(&rows);
	pkg_strv_free(&rd);
	free(conf.v[0].key);
	free(conf.v[0].value);
	vec_free(&conf);
	pkgdb_close(db);
	pkg_manifest_free(a);
	pkg_manifest_free(b);
	pkg_manifest_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
