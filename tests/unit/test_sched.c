/*
 * test_sched: the bulk scheduler on a simulated clock: dependency order,
 * critical-path order, PRIORITY_BOOST, memory admission (including a job
 * bigger than the whole budget, which must run alone and not deadlock),
 * skip propagation naming the failed job, resume, ignored jobs, cycles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sched/sched.h"

#include <stdio.h>
#include <string.h>

#define GB (1024ULL * 1024 * 1024)

static void
test_dependency_order(void **state)
{
	struct sched s;
	struct kerr e;
	double start[3], span;

	sched_init(&s, 4, 0);
	size_t a = sched_add(&s, "a", 2, 0, false);
	size_t b = sched_add(&s, "b", 3, 0, false);
	size_t c = sched_add(&s, "c", 1, 0, false);
	sched_add_dep(&s, b, a);
	sched_add_dep(&s, c, b);
	assert_int_equal(sched_simulate(&s, NULL, NULL, &span, start, &e), 0);
	assert_true(start[a] == 0);
	assert_true(start[b] == 2);
	assert_true(start[c] == 5);
	assert_true(span == 6);
	assert_int_equal(s.counts[SCHED_DONE], 3);
	sched_free(&s);
}

/*
 * One slot, three ready jobs: the one heading the longest weighted chain
 * goes first even though it is short itself and has the highest id; with
 * chain-length priority the job with more (light) dependents wins instead.
 */
static void
test_critical_path_order(void **state)
{
	struct sched s;
	struct kerr e;

	sched_init(&s, 1, 0);
	size_t x = sched_add(&s, "x", 5, 0, false);
	size_t x1 = sched_add(&s, "x1", 1, 0, false);
	size_t x2 = sched_add(&s, "x2", 1, 0, false);
	size_t y = sched_add(&s, "y", 1, 0, false);
	size_t y1 = sched_add(&s, "y1", 50, 0, false);
	sched_add_dep(&s, x1, x);
	sched_add_dep(&s, x2, x1);
	sched_add_dep(&s, y1, y);
	assert_int_equal(sched_simulate(&s, NULL, NULL, NULL, NULL, &e), 0);
	assert_int_equal(s.jobs.v[y].order, 0);
	sched_free(&s);

	sched_init(&s, 1, 0);
	s.prio_mode = SCHED_PRIO_CHAIN_LENGTH;
	x = sched_add(&s, "x", 5, 0, false);
	x1 = sched_add(&s, "x1", 1, 0, false);
	x2 = sched_add(&s, "x2", 1, 0, false);
	y = sched_add(&s, "y", 1, 0, false);
	y1 = sched_add(&s, "y1", 50, 0, false);
	sched_add_dep(&s, x1, x);
	sched_add_dep(&s, x2, x1);
	sched_add_dep(&s, y1, y);
	assert_int_equal(sched_simulate(&s, NULL, NULL, NULL, NULL, &e), 0);
	assert_int_equal(s.jobs.v[x].order, 0);
	sched_free(&s);
}

/* A boosted job's whole dependency chain goes before heavier chains. */
static void
test_boost(void **state)
{
	struct sched s;
	struct kerr e;

	sched_init(&s, 1, 0);
	size_t heavy = sched_add(&s, "heavy", 100, 0, false);
	size_t dep = sched_add(&s, "dep", 1, 0, false);
	size_t boosted = sched_add(&s, "boosted", 1, 0, true);
	sched_add_dep(&s, boosted, dep);
	assert_int_equal(sched_simulate(&s, NULL, NULL, NULL, NULL, &e), 0);
	assert_int_equal(s.jobs.v[dep].order, 0);
	assert_int_equal(s.jobs.v[boosted].order, 1);
	assert_int_equal(s.jobs.v[heavy].order, 2);
	sched_free(&s);
}

/*
 * Budget 4 GiB, 4 slots: two 3 GiB jobs cannot run together, a 1 GiB job
 * may run beside one of them; a 10 GiB job (more than the whole budget)
 * runs alone once the others are done, and the run ends.
 */
static void
test_memory_admission(void **state)
{
	struct sched s;
	struct kerr e;
	double start[4], span;

	sched_init(&s, 4, 4 * GB);
	size_t big1 = sched_add(&s, "big1", 10, 3 * GB, false);
	size_t big2 = sched_add(&s, "big2", 10, 3 * GB, false);
	size_t small = sched_add(&s, "small", 10, 1 * GB, false);
	size_t huge = sched_add(&s, "huge", 5, 10 * GB, false);
	assert_int_equal(sched_simulate(&s, NULL, NULL, &span, start, &e), 0);
	assert_int_equal(s.counts[SCHED_DONE], 4);
	/* Never more than the budget at once, except huge alone. */
	for (size_t i = 0; i < 4; i++)
		for (size_t j = i + 1; j < 4; j++) {
			double si = start[i], sj = start[j];
			double ei = si + s.jobs.v[i].duration;
			double ej = sj + s.jobs.v[j].duration;
			bool overlap = si < ej && sj < ei;
			if (overlap) {
				assert_true(i != huge && j != huge);
				assert_true(s.jobs.v[i].memory + s.jobs.v[j].memory
				    <= 4 * GB);
			}
		}
	assert_true(start[big1] != start[big2]);
	assert_true(start[small] == 0);
	assert_true(span == 25);
	sched_free(&s);
}

/* Failure skips exactly the transitive dependents, naming the culprit. */
static void
test_skip_propagation(void **state)
{
	struct sched s;
	struct kerr e;
	bool fail[6] = { false };

	sched_init(&s, 2, 0);
	size_t lib = sched_add(&s, "devel/lib", 1, 0, false);
	size_t app = sched_add(&s, "sysutils/app", 1, 0, false);
	size_t top = sched_add(&s, "sysutils/top", 1, 0, false);
	size_t other = sched_add(&s, "misc/other", 1, 0, false);
	size_t base = sched_add(&s, "devel/base", 1, 0, false);
	size_t both = sched_add(&s, "misc/both", 1, 0, false);
	sched_add_dep(&s, lib, base);
	sched_add_dep(&s, app, lib);
	sched_add_dep(&s, top, app);
	sched_add_dep(&s, both, other);
	sched_add_dep(&s, both, app);
	fail[lib] = true;
	assert_int_equal(sched_simulate(&s, NULL, fail, NULL, NULL, &e), 0);
	assert_int_equal(s.jobs.v[lib].state, SCHED_FAILED);
	assert_int_equal(s.jobs.v[app].state, SCHED_SKIPPED);
	assert_int_equal(s.jobs.v[top].state, SCHED_SKIPPED);
	assert_int_equal(s.jobs.v[both].state, SCHED_SKIPPED);
	assert_string_equal(s.jobs.v[s.jobs.v[top].cause].name, "devel/lib");
	assert_string_equal(s.jobs.v[s.jobs.v[both].cause].name, "devel/lib");
	assert_int_equal(s.jobs.v[other].state, SCHED_DONE);
	assert_int_equal(s.jobs.v[base].state, SCHED_DONE);
	assert_int_equal(s.counts[SCHED_SKIPPED], 3);
	assert_int_equal(s.counts[SCHED_FAILED], 1);
	sched_free(&s);
}

/* Resume: done jobs are not started again; ignored ones skip dependents. */
static void
test_done_and_ignored(void **state)
{
	struct sched s;
	struct kerr e;

	sched_init(&s, 2, 0);
	size_t a = sched_add(&s, "a", 1, 0, false);
	size_t b = sched_add(&s, "b", 1, 0, false);
	size_t ign = sched_add(&s, "ign", 1, 0, false);
	size_t c = sched_add(&s, "c", 1, 0, false);
	sched_add_dep(&s, b, a);
	sched_add_dep(&s, c, ign);
	sched_mark_done(&s, a);
	sched_mark_ignored(&s, ign);
	assert_int_equal(sched_simulate(&s, NULL, NULL, NULL, NULL, &e), 0);
	assert_int_equal(s.jobs.v[a].order, (size_t)-1);
	assert_int_equal(s.jobs.v[b].order, 0);
	assert_int_equal(s.jobs.v[c].state, SCHED_SKIPPED);
	assert_int_equal(s.jobs.v[c].cause, ign);
	assert_int_equal(s.started, 1);
	sched_free(&s);
}

static void
test_cycle(void **state)
{
	struct sched s;
	struct kerr e;

	sched_init(&s, 2, 0);
	size_t a = sched_add(&s, "cyc/a", 1, 0, false);
	size_t b = sched_add(&s, "cyc/b", 1, 0, false);
	sched_add_dep(&s, a, b);
	sched_add_dep(&s, b, a);
	assert_int_equal(sched_simulate(&s, NULL, NULL, NULL, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "dependency cycle"));
	sched_free(&s);
}

/* Slots are never oversubscribed and the bound holds on a wide graph. */
static void
test_slots_and_bound(void **state)
{
	struct sched s;
	struct kerr e;
	double start[40], span;

	sched_init(&s, 3, 0);
	for (int i = 0; i < 40; i++) {
		char name[16];
		snprintf(name, sizeof(name), "j%d", i);
		sched_add(&s, name, 1 + (i % 7), 0, false);
		if (i >= 5)
			sched_add_dep(&s, (size_t)i, (size_t)(i % 5));
	}
	assert_int_equal(sched_simulate(&s, NULL, NULL, &span, start, &e), 0);
	for (int t = 0; t < 200; t++) {
		int running = 0;
		for (int i = 0; i < 40; i++)
			if (start[i] <= t && t < start[i] + s.jobs.v[i].duration)
				running++;
		assert_true(running <= 3);
	}
	assert_true(span >= sched_lower_bound(&s));
	sched_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dependency_order),
		cmocka_unit_test(test_critical_path_order),
		cmocka_unit_test(test_boost),
		cmocka_unit_test(test_memory_admission),
		cmocka_unit_test(test_skip_propagation),
		cmocka_unit_test(test_done_and_ignored),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_slots_and_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
