/*
 * test_daemon: the queue keeps jobs in submission order and never twice;
 * taking, finishing and requeueing move a job's record as daemon.h says;
 * a job left "running" by a dead daemon is queued again at start;
 * schedules parse (and bad ones are refused naming the schedule) and fall
 * due once per interval.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "conf.h"
#include "daemon.h"
#include "util/path.h"
#include "util/ucl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[] = "/tmp/kiln-test-daemon.XXXXXX";
static struct conf conf;

static int
setup(void **state)
{
	(void)state;
	strcpy(dir + strlen(dir) - 6, "XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	conf_init(&conf);
	conf_apply_defaults(&conf);
	conf_set(&conf, "BASEFS", dir, "test");
	return 0;
}

static int
teardown(void **state)
{
	struct kerr e;

	(void)state;
	conf_free(&conf);
	return path_rm_rf(dir, &e);
}

static char *
queue(const char *origin, bool *dup)
{
	struct daemon_job j;
	struct kerr e;
	char *id = NULL;

	daemon_job_init(&j);
	j.jail = strdup("main");
	j.ports = strdup("t");
	vec_push(&j.origins, strdup(origin));
	assert_int_equal(daemon_enqueue(&conf, &j, &id, dup, &e), 0);
	daemon_job_free(&j);
	return id;
}

static void
test_queue_order(void **state)
{
	struct daemon_job j;
	struct kerr e;
	bool dup;
	char *a = queue("cat/a", &dup), *b, *again;

	(void)state;
	assert_false(dup);
	b = queue("cat/b", &dup);
	assert_false(dup);
	again = queue("cat/a", &dup);
	assert_true(dup);
	assert_string_equal(again, a);
	assert_true(strcmp(a, b) < 0);

	assert_int_equal(daemon_take(&conf, 100, &j, &e), 1);
	assert_string_equal(j.id, a);
	assert_string_equal(j.state, "running");
	assert_int_equal(j.started, 100);
	/* a running job is not queued: the same targets may queue again */
	free(again);
	again = queue("cat/a", &dup);
	assert_false(dup);
	assert_int_equal(daemon_finish(&conf, &j, 3, 200, &e), 0);
	assert_string_equal(j.state, "failed");
	daemon_job_free(&j);

	assert_int_equal(daemon_take(&conf, 300, &j, &e), 1);
	assert_string_equal(j.id, b);
	daemon_job_free(&j);
	assert_int_equal(daemon_take(&conf, 300, &j, &e), 1);
	assert_string_equal(j.id, again);
	daemon_job_free(&j);
	assert_int_equal(daemon_take(&conf, 300, &j, &e), 0);
	/* a file that is not a job is put aside, not a stop for the queue */
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/daemon/queue/20000101-000000-1-000000.json", dir);
		assert_int_equal(path_write_atomic(path, "{ no", 4, 0644, &e), 0);
		free(again);
		again = queue("cat/c", &dup);
		assert_int_equal(daemon_take(&conf, 400, &j, &e), 1);
		assert_string_equal(j.id, again);
		daemon_job_free(&j);
		strcat(path, ".bad");
		assert_true(path_exists(path));
		/* nor may a file name another job's files through its id */
		snprintf(path, sizeof(path), "%s/daemon/queue/20000101-000000-1-000001.json", dir);
		const char *evil = "{\"id\": \"../../x\", \"jail\": \"j\", "
		    "\"ports\": \"p\", \"all\": true}";
		assert_int_equal(path_write_atomic(path, evil, strlen(evil), 0644, &e), 0);
		assert_int_equal(daemon_take(&conf, 500, &j, &e), 0);
		strcat(path, ".bad");
		assert_true(path_exists(path));
	}
	free(a);
	free(b);
	free(again);
}

static void
test_requeue_and_recover(void **state)
{
	struct daemon_job j, k;
	daemon_jobs q = VEC_INIT, r = VEC_INIT;
	struct kerr e;
	bool dup;
	char *a = queue("cat/a", &dup), *b = queue("cat/b", &dup);
	int n;

	(void)state;
	/* a stopping daemon puts its job back at the head of the queue */
	assert_int_equal(daemon_take(&conf, 10, &j, &e), 1);
	assert_int_equal(daemon_requeue(&conf, &j, &e), 0);
	daemon_job_free(&j);
	assert_int_equal(daemon_take(&conf, 20, &j, &e), 1);
	assert_string_equal(j.id, a);
	/* a dead daemon leaves it "running": the next one queues it again */
	assert_int_equal(daemon_recover(&conf, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(daemon_list(&conf, &q, &r, 20, &e), 0);
	assert_int_equal(q.n, 2);
	assert_string_equal(q.v[0].id, a);
	assert_string_equal(q.v[1].id, b);
	assert_int_equal(r.n, 0);
	daemon_jobs_free(&q);
	daemon_jobs_free(&r);
	assert_int_equal(daemon_recover(&conf, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(daemon_take(&conf, 30, &k, &e), 1);
	assert_string_equal(k.id, a);
	assert_int_equal(daemon_finish(&conf, &k, 0, 40, &e), 0);
	assert_int_equal(daemon_list(&conf, &q, &r, 20, &e), 0);
	assert_int_equal(q.n, 1);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].state, "done");
	assert_int_equal(r.v[0].exit, 0);
	daemon_jobs_free(&q);
	daemon_jobs_free(&r);
	/* a record that is not a job neither stops a start nor a listing */
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/daemon/jobs/20000101-000000-0-1-0.json", dir);
		assert_int_equal(path_write_atomic(path, "[", 1, 0644, &e), 0);
		assert_int_equal(daemon_recover(&conf, &n, &e), 0);
		assert_int_equal(n, 0);
		assert_int_equal(daemon_list(&conf, &q, &r, 20, &e), 0);
		assert_int_equal(r.n, 1);
		strcat(path, ".bad");
		assert_true(path_exists(path));
		daemon_jobs_free(&q);
		daemon_jobs_free(&r);
	}
	daemon_job_free(&j);
	daemon_job_free(&k);
	free(a);
	free(b);
}

static void
write_file(const char *name, const char *text, char *path, size_t len)
{
	struct kerr e;

	snprintf(path, len, "%s/%s", dir, name);
	assert_int_equal(path_write_atomic(path, text, strlen(text), 0644, &e), 0);
}

static void
refused(const char *text, const char *want)
{
	daemon_scheds s = VEC_INIT;
	struct kerr e;
	char path[512];

	write_file("bad.ucl", text, path, sizeof(path));
	assert_int_equal(daemon_sched_load(path, &s, &e), -1);
	if (strstr(e.msg, want) == NULL)
		fail_msg("got '%s', want '%s'", e.msg, want);
	assert_int_equal(s.n, 0);
}

static void
test_schedules(void **state)
{
	daemon_scheds s = VEC_INIT;
	daemon_jobs q = VEC_INIT, r = VEC_INIT;
	struct kerr e;
	char path[512];
	int n;

	(void)state;
	assert_int_equal(daemon_parse_interval("90"), 90);
	assert_int_equal(daemon_parse_interval("15m"), 900);
	assert_int_equal(daemon_parse_interval("6h"), 21600);
	assert_int_equal(daemon_parse_interval("1d"), 86400);
	assert_int_equal(daemon_parse_interval("1w"), -1);
	assert_int_equal(daemon_parse_interval("h"), -1);
	assert_int_equal(daemon_parse_interval("5mm"), -1);
	assert_int_equal(daemon_parse_interval("0"), -1);

	write_file("s.ucl", "nightly { jail = main; ports = t; every = 1d; all = yes; }\n"
	    "colibri { jail = main; ports = t; every = \"6h\"; origins = [\"sysutils/colibri\"]; }\n",
	    path, sizeof(path));
	assert_int_equal(daemon_sched_load(path, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].name, "nightly");
	assert_true(s.v[0].all);
	assert_int_equal(s.v[0].every, 86400);
	assert_string_equal(s.v[1].origins.v[0], "sysutils/colibri");

	/* never run: both due; again at once: none; after 6 h only colibri */
	assert_int_equal(daemon_sched_tick(&conf, &s, 1000, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(daemon_sched_tick(&conf, &s, 1001, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(daemon_list(&conf, &q, &r, 20, &e), 0);
	assert_int_equal(q.n, 2);
	assert_string_equal(q.v[0].by, "schedule:nightly");
	daemon_jobs_free(&q);
	daemon_jobs_free(&r);
	/* still queued: falling due again adds nothing */
	assert_int_equal(daemon_sched_tick(&conf, &s, 1000 + 21600, &n, &e), 0);
	assert_int_equal(n, 0);
	/* a state file that cannot be read: every schedule falls due again */
	write_file("daemon/schedules.state", "{ broken", path, sizeof(path));
	assert_int_equal(daemon_sched_tick(&conf, &s, 1000 + 21601, &n, &e), 0);
	assert_int_equal(n, 0);	/* (their jobs are still queued) */
	assert_int_equal(daemon_sched_tick(&conf, &s, 1000 + 21602, &n, &e), 0);
	daemon_scheds_free(&s);

	refused("x { jail = main; ports = t; every = 1h; }\n", "schedule x: needs all = yes or origins");
	refused("x { jail = main; every = 1h; all = yes; }\n", "schedule x: needs jail and ports");
	refused("x { jail = main; ports = t; all = yes; }\n", "schedule x: needs every");
	refused("x { jail = main; ports = t; every = 5s; all = yes; }\n", "at least 10 seconds");
	refused("x { jail = main; ports = t; every = 1h; all = yes; origins = [a/b]; }\n",
	    "give all or origins, not both");
	refused("x = 3\n", "schedule x: want a { ... } block");
	refused("x { jail = main; ports = t; every = 1h; origin = [a/b]; }\n",
	    "schedule x: unknown key \"origin\"");
	refused("x { jail = main; ports = t; every = 1h; all = yes; vmtest { expect = [ok]; } }\n",
	    "schedule x: vmtest needs an iso or initramfs image step");
	refused("x { jail = main\n", "bad.ucl:");
}

static void
request(const char *json, const char *want)
{
	struct kerr e;
	struct uv *o = uv_parse(json, strlen(json), &e);
	struct daemon_job j;
	int rc;

	assert_non_null(o);
	rc = daemon_job_from_request(o, &j, &e);
	if (want == NULL && rc < 0)
		fail_msg("%s: %s", json, e.msg);
	if (want && (rc == 0 || strstr(e.msg, want) == NULL))
		fail_msg("%s: got '%s', want '%s'", json, rc == 0 ? "ok" : e.msg, want);
	daemon_job_free(&j);
	uv_free(o);
}

static void
test_requests(void **state)
{
	(void)state;
	request("{\"jail\": \"j\", \"ports\": \"p\", \"all\": true}", NULL);
	request("{\"jail\": \"j\", \"ports\": \"p\", \"origins\": [\"a/b\"], "
	    "\"image\": {\"type\": \"iso\", \"packages\": [\"b\"], \"overlay\": \"/ov\"}, "
	    "\"vmtest\": {\"expect\": [\"ok$\"], \"fail\": [], \"timeout\": 60}}", NULL);
	request("[1]", "want a JSON object");
	request("{\"jail\": 1, \"ports\": \"p\", \"all\": true}", "must be strings");
	request("{\"jail\": \"j\", \"ports\": \"p\", \"all\": true, \"x\": 1}",
	    "request: unknown key \"x\"");
	request("{\"jail\": \"j\", \"ports\": \"p\", \"origins\": [1]}",
	    "origins: want an array of strings");
	request("{\"jail\": \"j\", \"ports\": \"p\", \"all\": true, "
	    "\"image\": {\"type\": \"qcow2\", \"packages\": [\"b\"]}}",
	    "image: type must be iso, initramfs or tar");
	request("{\"jail\": \"j\", \"ports\": \"p\", \"all\": true, "
	    "\"image\": {\"type\": \"iso\", \"packages\": []}}",
	    "image: packages must list at least one package name");
	request("{\"jail\": \"j\", \"ports\": \"p\", \"all\": true, "
	    "\"image\": {\"type\": \"iso\", \"packages\": [\"b\"], \"overlay\": \"rel\"}}",
	    "image: overlay must be an absolute path");
	request("{\"jail\": \"j\", \"ports\": \"p\", \"all\": true, "
	    "\"image\": {\"type\": \"tar\", \"packages\": [\"b\"]}, \"vmtest\": {\"expect\": [\"x\"]}}",
	    "vmtest needs an iso or initramfs image step");
	request("{\"jail\": \"j\", \"ports\": \"p\", \"all\": true, "
	    "\"image\": {\"type\": \"iso\", \"packages\": [\"b\"]}, \"vmtest\": {\"expect\": []}}",
	    "vmtest: expect must list at least one");
	request("{\"jail\": \"j\", \"ports\": \"p\", \"all\": true, "
	    "\"image\": {\"type\": \"iso\", \"packages\": [\"b\"]}, "
	    "\"vmtest\": {\"expect\": [\"x\"], \"timeout\": 0}}", "vmtest: timeout must be seconds");
	request("{\"jail\": \"j\", \"ports\": \"p\", \"all\": true, "
	    "\"image\": {\"type\": \"iso\", \"packages\": [\"b\"], \"size\": 3}}",
	    "request: unknown key \"size\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requeue_and_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schedules, setup, teardown),
		cmocka_unit_test(test_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
