/*
 * test_pkgsolve: the client's planner: dependency order, upgrades by
 * version and repo priority, missing dependencies, delete with dependents,
 * autoremove of orphaned automatic chains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkg/solve.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pkg_manifest *mans[16];
static int nmans;

static struct pkg_manifest *
man(const char *name, const char *version, const char *deps)
{
	struct pkg_manifest *m = pkg_manifest_new();
	char buf[128], *save = NULL;

	m->name = xstrdup(name);
	m->version = xstrdup(version);
	snprintf(buf, sizeof(buf), "%s", deps);
	for (char *d = strtok_r(buf, " ", &save); d; d = strtok_r(NULL, " ", &save))
		pkg_manifest_add_dep(m, d, "test/x", "1.0");
	mans[nmans++] = m;
	return m;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < nmans; i++)
		pkg_manifest_free(mans[i]);
	nmans = 0;
	return 0;
}

static void
add(solve_universe *u, const char *repo, int prio, struct pkg_manifest *m)
{
	struct solve_cand c = { m, repo, prio };

	vec_push(u, c);
}

static void
test_install_order(void **state)
{
	solve_universe u = VEC_INIT;
	solve_installed in = VEC_INIT;
	solve_jobs j = VEC_INIT;
	struct kerr e;
	char *names[] = { "app" };

	(void)state;
	add(&u, "r", 0, man("app", "1.0", "libb liba"));
	add(&u, "r", 0, man("libb", "2.0", "liba"));
	add(&u, "r", 0, man("liba", "1.0", ""));
	add(&u, "r", 0, man("liba", "1.5", ""));
	assert_int_equal(solve_install(&u, &in, names, 1, &j, &e), 0);
	assert_int_equal(j.n, 3);
	assert_string_equal(j.v[0].name, "liba");
	assert_string_equal(j.v[0].cand->m->version, "1.5");
	assert_true(j.v[0].automatic);
	assert_string_equal(j.v[1].name, "libb");
	assert_string_equal(j.v[2].name, "app");
	assert_false(j.v[2].automatic);
	vec_free(&j);

	char *missing[] = { "nope" };
	assert_int_equal(solve_install(&u, &in, missing, 1, &j, &e), -1);
	assert_string_equal(e.msg, "nope: not found in any repository");
	vec_free(&j);
	vec_free(&u);
}

static void
test_missing_dep_and_cycle(void **state)
{
	solve_universe u = VEC_INIT;
	solve_installed in = VEC_INIT;
	solve_jobs j = VEC_INIT;
	struct kerr e;
	char *names[] = { "a" }, *cyc[] = { "x" };

	(void)state;
	add(&u, "r", 0, man("a", "1", "gone"));
	add(&u, "r", 0, man("x", "1", "y"));
	add(&u, "r", 0, man("y", "1", "x"));
	assert_int_equal(solve_install(&u, &in, names, 1, &j, &e), -1);
	assert_string_equal(e.msg, "a: dependency gone not found in any repository");
	vec_free(&j);
	assert_int_equal(solve_install(&u, &in, cyc, 1, &j, &e), 0);
	assert_int_equal(j.n, 2);
	assert_string_equal(j.v[0].name, "y");
	assert_string_equal(j.v[1].name, "x");
	vec_free(&j);
	vec_free(&u);
}

static void
test_upgrade_priority(void **state)
{
	solve_universe u = VEC_INIT;
	solve_installed in = VEC_INIT;
	solve_jobs j = VEC_INIT;
	struct kerr e;
	pkg_strv appdeps = VEC_INIT, none = VEC_INIT;

	(void)state;
	pkg_strv_push(&appdeps, "lib");
	struct solve_inst a = { "app", "1.0", false, &appdeps };
	struct solve_inst l = { "lib", "1.0", true, &none };
	vec_push(&in, a);
	vec_push(&in, l);
	add(&u, "low", 0, man("app", "3.0", "lib new"));
	add(&u, "high", 10, man("app", "2.0", "lib new"));
	add(&u, "low", 0, man("lib", "1.0_1", ""));
	add(&u, "low", 0, man("new", "1", ""));
	assert_int_equal(solve_upgrade(&u, &in, NULL, 0, &j, &e), 0);
	/* lib 1.0_1 > 1.0: upgraded first; new: installed; app from "high". */
	assert_int_equal(j.n, 3);
	assert_string_equal(j.v[0].name, "lib");
	assert_int_equal(j.v[0].action, SOLVE_UPGRADE);
	assert_true(j.v[0].automatic);
	assert_string_equal(j.v[1].name, "new");
	assert_int_equal(j.v[1].action, SOLVE_INSTALL);
	assert_string_equal(j.v[2].name, "app");
	assert_string_equal(j.v[2].cand->repo, "high");
	assert_string_equal(j.v[2].old_version, "1.0");
	vec_free(&j);
	/* Nothing newer: nothing to do. */
	char *names[] = { "lib" };
	solve_universe u2 = VEC_INIT;
	add(&u2, "r", 0, man("lib", "0.9", ""));
	assert_int_equal(solve_upgrade(&u2, &in, names, 1, &j, &e), 0);
	assert_int_equal(j.n, 0);
	vec_free(&u2);
	vec_free(&u);
	vec_free(&in);
	pkg_strv_free(&appdeps);
}

static void
test_delete_autoremove(void **state)
{
	solve_installed in = VEC_INIT;
	solve_jobs j = VEC_INIT;
	struct kerr e;
	pkg_strv d_app = VEC_INIT, d_mid = VEC_INIT, none = VEC_INIT;

	(void)state;
	pkg_strv_push(&d_app, "mid");
	pkg_strv_push(&d_mid, "base");
	struct solve_inst app = { "app", "1", false, &d_app };
	struct solve_inst mid = { "mid", "1", true, &d_mid };
	struct solve_inst base = { "base", "1", true, &none };
	struct solve_inst solo = { "solo", "1", false, &none };
	vec_push(&in, app);
	vec_push(&in, mid);
	vec_push(&in, base);
	vec_push(&in, solo);

	char *del[] = { "base" };
	assert_int_equal(solve_delete(&in, del, 1, &j, &e), 0);
	assert_int_equal(j.n, 3);
	assert_string_equal(j.v[0].name, "app");
	assert_string_equal(j.v[1].name, "mid");
	assert_string_equal(j.v[2].name, "base");
	vec_free(&j);

	assert_int_equal(solve_autoremove(&in, &j, &e), 0);
	assert_int_equal(j.n, 0);	/* app needs the chain */
	vec_free(&j);
	in.v[0].name = "app-gone";	/* pretend app was deleted ... */
	in.v[0].deps = &none;
	assert_int_equal(solve_autoremove(&in, &j, &e), 0);
	assert_int_equal(j.n, 2);	/* ... then mid and base go */
	assert_string_equal(j.v[0].name, "mid");
	assert_string_equal(j.v[1].name, "base");
	vec_free(&j);

	char *unknown[] = { "zzz" };
	assert_int_equal(solve_delete(&in, unknown, 1, &j, &e), -1);
	assert_string_equal(e.msg, "zzz: not installed");
	vec_free(&j);
	vec_free(&in);
	pkg_strv_free(&d_app);
	pkg_strv_free(&d_mid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_install_order, teardown),
		cmocka_unit_test_teardown(test_missing_dep_and_cycle, teardown),
		cmocka_unit_test_teardown(test_upgrade_priority, teardown),
		cmocka_unit_test_teardown(test_delete_autoremove, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
