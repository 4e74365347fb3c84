/*
 * test_publish: a generation is built in .building (a hard-link copy of
 * the published one), published by switching .latest, old generations
 * are pruned to the keep count, the top-level names follow .latest, and
 * an interrupted .building is resumed as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "publish.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
put(const char *dir, const char *rel, const char *data)
{
	struct kerr e;
	char *p = path_join(dir, rel);
	char *d = xstrdup(p);

	*strrchr(d, '/') = '\0';
	assert_int_equal(path_mkdir_p(d, 0755, &e), 0);
	assert_int_equal(path_write_atomic(p, data, strlen(data), 0644, &e), 0);
	free(d);
	free(p);
}

static char *
slurp(const char *dir, const char *rel)
{
	struct strbuf sb = STRBUF_INIT;
	struct kerr e;
	char *p = path_join(dir, rel);
	int r = path_read(p, &sb, &e);

	free(p);
	if (r < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

static int
count_gens(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".real_", 6) == 0)
			n++;
	closedir(d);
	return n;
}

static void
test_generations(void **state)
{
	char dir[] = "/tmp/kiln-test-publish.XXXXXX";
	struct kerr e;
	char *b = NULL, *s;
	bool resumed;

	assert_non_null(mkdtemp(dir));
	assert_null(publish_latest(dir));

	/* First generation. */
	assert_int_equal(publish_prepare(dir, &b, &resumed, &e), 0);
	assert_false(resumed);
	put(b, "All/a-1.pkg", "a1");
	put(b, "meta.conf", "m1");
	assert_int_equal(publish_commit(dir, 100, 1, &e), 0);
	s = slurp(dir, "All/a-1.pkg");
	assert_string_equal(s, "a1");
	free(s);
	free(b);

	/* Second: a-1 carried over by hard link, a-2 replaces nothing old. */
	assert_int_equal(publish_prepare(dir, &b, &resumed, &e), 0);
	s = slurp(b, "All/a-1.pkg");
	assert_string_equal(s, "a1");
	free(s);
	put(b, "All/b-1.pkg", "b1");
	put(b, "meta.conf", "m2");
	/* Meanwhile the published repository is untouched. */
	s = slurp(dir, "meta.conf");
	assert_string_equal(s, "m1");
	free(s);
	assert_null(slurp(dir, "All/b-1.pkg"));
	free(b);

	/* Interrupted: the next prepare resumes .building as it was. */
	assert_int_equal(publish_prepare(dir, &b, &resumed, &e), 0);
	assert_true(resumed);
	s = slurp(b, "All/b-1.pkg");
	assert_string_equal(s, "b1");
	free(s);
	assert_int_equal(publish_commit(dir, 200, 1, &e), 0);
	s = slurp(dir, "meta.conf");
	assert_string_equal(s, "m2");
	free(s);
	s = slurp(dir, ".real_100/meta.conf");
	assert_string_equal(s, "m1");
	free(s);
	assert_int_equal(count_gens(dir), 2);
	free(b);

	/* Third: keep 1 old one: .real_100 goes. */
	assert_int_equal(publish_prepare(dir, &b, &resumed, &e), 0);
	assert_int_equal(publish_commit(dir, 300, 1, &e), 0);
	assert_int_equal(count_gens(dir), 2);
	assert_null(slurp(dir, ".real_100/meta.conf"));
	s = publish_latest(dir);
	assert_non_null(strstr(s, ".real_300"));
	free(s);
	free(b);

	/* Same second twice: unique names. */
	assert_int_equal(publish_prepare(dir, &b, &resumed, &e), 0);
	assert_int_equal(publish_commit(dir, 300, -1, &e), 0);
	s = publish_latest(dir);
	assert_non_null(strstr(s, ".real_300.1"));
	free(s);
	free(b);
	assert_int_equal(path_rm_rf(dir, &e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
