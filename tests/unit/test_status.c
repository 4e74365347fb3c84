/*
 * test_status: the snapshot is valid JSON with every port's state, phase
 * and cause, the builder slots and counts; the ETA follows expectations;
 * status_write leaves status.json and index.html and no temporary files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "status.h"
#include "util/path.h"
#include "util/ucl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
test_snapshot(void **state)
{
	struct status st;
	struct strbuf sb = STRBUF_INIT;
	struct kerr e;
	struct uv *v, *ports, *b;
	char dir[] = "/tmp/kiln-test-status.XXXXXX";

	assert_non_null(mkdtemp(dir));
	status_init(&st, "main", "default", "2026-01-01_00h00m00s", dir, 2, 1000);
	size_t a = status_add(&st, "devel/a", "a-1.0", 10, "new");
	size_t bb = status_add(&st, "devel/b", "b-1.0", 20, "Makefile changed");
	size_t c = status_add(&st, "devel/c", "c-1.0", 30, NULL);
	size_t d = status_add(&st, "devel/d", "d-1.0", 40, NULL);
	/* Nothing running: all queued work over 2 slots. */
	assert_true(status_eta(&st, 1000) == 50);
	status_set(&st, a, ST_BUILDING, "configure", NULL, 0, 1000);
	status_set(&st, bb, ST_BUILDING, "build", NULL, 1, 1000);
	status_set(&st, a, ST_FAILED, "configure", NULL, -1, 1004);
	status_set(&st, c, ST_SKIPPED, NULL, "devel/a", -1, 1004);
	status_set(&st, d, ST_IGNORED, NULL, "marked BROKEN", -1, 1004);
	assert_int_equal(st.counts[ST_BUILDING], 1);
	assert_int_equal(st.slots[0].port, -1);
	assert_int_equal(st.slots[1].port, (long)bb);
	/* b expected 20 s, 5 s in: 15 s left. */
	assert_true(status_eta(&st, 1005) == 15);

	assert_int_equal(status_write(&st, 1005, &e), 0);
	char *p = path_join(dir, "status.json");
	assert_int_equal(path_read(p, &sb, &e), 0);
	v = uv_parse(sb.buf, sb.len, &e);
	assert_non_null(v);
	assert_string_equal(uv_get_str(v, "state"), "running");
	assert_int_equal(uv_get_int(uv_get(v, "counts"), "failed", -1), 1);
	assert_int_equal(uv_get_int(uv_get(v, "counts"), "total", -1), 4);
	assert_int_equal(uv_get_int(v, "eta", -1), 15);
	ports = uv_get(v, "ports");
	assert_int_equal(ports->u.arr.n, 4);
	assert_string_equal(uv_get_str(ports->u.arr.v[0], "state"), "failed");
	assert_string_equal(uv_get_str(ports->u.arr.v[0], "phase"), "configure");
	assert_string_equal(uv_get_str(ports->u.arr.v[2], "cause"), "devel/a");
	assert_string_equal(uv_get_str(ports->u.arr.v[1], "reason"), "Makefile changed");
	b = uv_get(v, "builders");
	assert_int_equal(b->u.arr.n, 2);
	assert_string_equal(uv_get_str(b->u.arr.v[0], "state"), "idle");
	assert_string_equal(uv_get_str(b->u.arr.v[1], "origin"), "devel/b");
	assert_string_equal(uv_get_str(b->u.arr.v[1], "phase"), "build");
	uv_free(v);

	char *html = path_join(dir, "index.html");
	assert_true(path_exists(html));
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dp);
	assert_int_equal(n, 2);

	strbuf_reset(&sb);
	status_render(&st, 1005, &sb);
	assert_non_null(strstr(sb.buf, "failed 1"));
	assert_non_null(strstr(sb.buf, "[02] devel/b"));
	assert_non_null(strstr(sb.buf, "ETA 15s"));
	strbuf_reset(&sb);
	status_event_line(&st, c, 1005, &sb);
	assert_non_null(strstr(sb.buf, "skipped devel/c: depends on devel/a"));

	free(html);
	free(p);
	strbuf_release(&sb);
	status_free(&st);
	assert_int_equal(path_rm_rf(dir, &e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
