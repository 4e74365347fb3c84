/*
 * test_buildlog: writes arrive in order; past the cap output is dropped
 * with one line saying so; the footer is written anyway; a child writing
 * to buildlog_fd lands in the same file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "buildlog.h"
#include "util/child.h"
#include "util/path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
test_cap(void **state)
{
	char dir[] = "/tmp/kiln-test-blog.XXXXXX";
	char path[128];
	struct kerr e;
	struct strbuf sb = STRBUF_INIT;
	struct buildlog *bl;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);

	bl = buildlog_open(path, 0, &e);
	assert_non_null(bl);
	buildlog_printf(bl, "header\n");
	char *argv[] = { "/bin/sh", "-c", "echo from-child; echo err >&2", NULL };
	struct child c;
	child_init(&c, argv, NULL);
	c.out_fd = c.err_fd = buildlog_fd(bl);
	assert_int_equal(child_run(&c, &e), 0);
	buildlog_printf(bl, "after\n");
	assert_int_equal(buildlog_close(bl, "footer\n", &e), 0);
	assert_int_equal(path_read(path, &sb, &e), 0);
	assert_string_equal(sb.buf, "header\nfrom-child\nerr\nafter\nfooter\n");

	bl = buildlog_open(path, 10, &e);
	assert_non_null(bl);
	for (int i = 0; i < 100; i++)
		buildlog_printf(bl, "line %d\n", i);
	assert_int_equal(buildlog_close(bl, "=> ended: failed\n", &e), 0);
	strbuf_reset(&sb);
	assert_int_equal(path_read(path, &sb, &e), 0);
	assert_true(strncmp(sb.buf, "line 0\nlin", 10) == 0);
	assert_non_null(strstr(sb.buf, "log truncated"));
	assert_null(strstr(sb.buf, "line 99"));
	assert_non_null(strstr(sb.buf, "=> ended: failed\n"));
	assert_true(sb.len < 200);
	strbuf_release(&sb);
	assert_int_equal(path_rm_rf(dir, &e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
