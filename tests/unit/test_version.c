/*
 * test_version: every pair of tests/unit/data/version-pairs.txt (checked
 * against pkg 2.8.4) compares as pkg does, in both directions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char
flip(char c)
{
	return c == '<' ? '>' : c == '>' ? '<' : '=';
}

static void
test_pairs_file(void **state)
{
	const char *src = getenv("KILN_SRCDIR");
	char path[4096], line[512];
	FILE *f;
	int n = 0;

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/tests/unit/data/version-pairs.txt", src);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char a[128], b[128], want[8];

		if (line[0] == '#' || sscanf(line, "%127s %127s %7s", a, b, want) != 3)
			continue;
		if (version_cmp_char(a, b) != want[0])
			fail_msg("%s %s: got %c, want %c", a, b, version_cmp_char(a, b), want[0]);
		if (version_cmp_char(b, a) != flip(want[0]))
			fail_msg("%s %s (reversed): got %c", b, a, version_cmp_char(b, a));
		n++;
	}
	fclose(f);
	assert_int_equal(n, 41);
}

static void
test_more(void **state)
{
	assert_int_equal(version_cmp("hello-1.0", "hello-1.0_1"), -1);
	assert_int_equal(version_cmp("1.0+", "1.0"), 0);
	assert_int_equal(version_cmp("1.0+1", "1.0"), 1);
	assert_int_equal(version_cmp("", ""), 0);
	assert_int_equal(version_cmp("99999999999999999999999", "1"), 1);
	assert_true(version_match("5.20_3", ">=", "5.20_3"));
	assert_false(version_match("5.20", ">=", "5.20_3"));
	assert_true(version_match("5.20", "<", "5.20_3"));
	assert_true(version_match("1", "", "2"));
	assert_false(version_match("1", "~", "2"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_file),
		cmocka_unit_test(test_more),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
