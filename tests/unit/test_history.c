/*
 * test_history: records survive reopening; estimates are the median of the
 * last five successful durations and their peak memory; failures and other
 * origins do not count; an unknown origin has no estimate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "history.h"
#include "util/path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
test_estimates(void **state)
{
	char dir[] = "/tmp/kiln-test-hist.XXXXXX";
	char path[256];
	struct history *h;
	struct kerr e;
	double d;
	uint64_t m;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/history.sqlite", dir);
	h = history_open(path, &e);
	assert_non_null(h);
	assert_int_equal(history_estimate(h, "devel/none", &d, &m), 0);
	/* Old runs first: only the last five successful ones count. */
	assert_int_equal(history_record(h, "devel/a", "a-1", 1000, 1, true, &e), 0);
	assert_int_equal(history_record(h, "devel/a", "a-1", 10, 100, true, &e), 0);
	assert_int_equal(history_record(h, "devel/a", "a-1", 30, 300, true, &e), 0);
	assert_int_equal(history_record(h, "devel/a", "a-1", 20, 200, true, &e), 0);
	assert_int_equal(history_record(h, "devel/a", "a-1", 50, 50, true, &e), 0);
	assert_int_equal(history_record(h, "devel/a", "a-1", 40, 400, true, &e), 0);
	assert_int_equal(history_record(h, "devel/a", "a-1", 9999, 9999, false, &e), 0);
	assert_int_equal(history_record(h, "devel/b", "b-1", 7, 0, true, &e), 0);
	history_close(h);

	h = history_open(path, &e);
	assert_non_null(h);
	assert_int_equal(history_estimate(h, "devel/a", &d, &m), 1);
	assert_true(d == 30);
	assert_int_equal(m, 400);
	assert_int_equal(history_estimate(h, "devel/b", &d, &m), 1);
	assert_true(d == 7);
	assert_int_equal(m, 0);
	history_close(h);
	assert_int_equal(path_rm_rf(dir, &e), 0);
}

static void
test_open_error(void **state)
{
	struct kerr e;

	assert_null(history_open("/nonexistent/dir/history.sqlite", &e));
	assert_non_null(strstr(e.msg, "/nonexistent/dir/history.sqlite"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_estimates),
		cmocka_unit_test(test_open_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
