/*
 * bench/sched/sim: the bulk scheduler on a generated DAG of 300 jobs with
 * known durations, on 2, 4 and 8 slots, with critical-path priority and
 * with chain-length-only priority (poudriere's), printing makespan over
 * the lower bound max(critical path, total work / slots).  The clock is
 * simulated; with -r the "builds" are real sleeps (1 unit = 10 ms) run as
 * child processes through the same sched_ops interface.
 */
#include "sched/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NJOBS 300

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static double dur[NJOBS];
static int ndeps[NJOBS], deps[NJOBS][4];

/*
 * Ports-like shape: most builds short, a few long poles (toolchains),
 * dependencies on earlier jobs, some long poles with few dependents and
 * some short jobs heading long chains, so the two priorities disagree.
 */
static void
generate(void)
{
	for (int i = 0; i < NJOBS; i++) {
		unsigned r = rnd(100);
		dur[i] = r < 80 ? 1 + rnd(5) : r < 95 ? 10 + rnd(20) : 60 + rnd(60);
		ndeps[i] = i == 0 ? 0 : (int)rnd(4);
		for (int k = 0; k < ndeps[i]; k++)
			deps[i][k] = (int)rnd((unsigned)i);
	}
}

static void
load(struct sched *s)
{
	for (int i = 0; i < NJOBS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "cat/port%03d", i);
		sched_add(s, name, dur[i], 0, false);
	}
	for (int i = 0; i < NJOBS; i++)
		for (int k = 0; k < ndeps[i]; k++)
			sched_add_dep(s, (size_t)i, (size_t)deps[i][k]);
}

/* Real sleeps: one child per job, reaped by wait(). */
struct real {
	pid_t pid[NJOBS];
};

static int
real_start(void *arg, struct sched *s, size_t job, int slot)
{
	struct real *r = arg;
	pid_t p = fork();

	if (p < 0)
		return -1;
	if (p == 0) {
		struct timespec ts;
		long ms = (long)(s->jobs.v[job].duration * 10);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		_exit(0);
	}
	r->pid[job] = p;
	return 0;
}

static int
real_wait(void *arg, struct sched *s, struct kerr *e)
{
	struct real *r = arg;
	int st;
	pid_t p = waitpid(-1, &st, 0);

	if (p < 0)
		return kerr_errno(e, "waitpid");
	for (size_t j = 0; j < s->jobs.n; j++)
		if (r->pid[j] == p && s->jobs.v[j].state == SCHED_RUNNING) {
			sched_job_end(s, j, WIFEXITED(st) && WEXITSTATUS(st) == 0);
			break;
		}
	return 0;
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	int real = argc > 1 && strcmp(argv[1], "-r") == 0;
	static const int slots[] = { 2, 4, 8 };
	struct kerr e;

	generate();
	printf("%d jobs, durations 1..119 units\n", NJOBS);
	printf("%-6s %-14s %10s %10s %8s\n", "slots", "priority", "makespan",
	    "bound", "ratio");
	for (int si = 0; si < 3; si++) {
		for (int mode = 0; mode < 2; mode++) {
			struct sched s;
			double span;
			sched_init(&s, slots[si], 0);
			s.prio_mode = mode ? SCHED_PRIO_CHAIN_LENGTH :
			    SCHED_PRIO_CRITICAL_PATH;
			load(&s);
			if (sched_simulate(&s, NULL, NULL, &span, NULL, &e) < 0) {
				fprintf(stderr, "sim: %s\n", e.msg);
				return 1;
			}
			printf("%-6d %-14s %10.1f %10.1f %8.3f\n", slots[si],
			    mode ? "chain-length" : "critical-path", span,
			    sched_lower_bound(&s), span / sched_lower_bound(&s));
			sched_free(&s);
		}
	}
	if (real) {
		static const struct sched_ops ops = { real_start, real_wait, NULL };
		struct real r;
		struct sched s;
		double t0, span;
		memset(&r, 0, sizeof(r));
		sched_init(&s, 8, 0);
		load(&s);
		t0 = now();
		if (sched_run(&s, &ops, &r, &e) < 0) {
			fprintf(stderr, "real: %s\n", e.msg);
			return 1;
		}
		span = (now() - t0) * 100;	/* back to units */
		printf("%-6d %-14s %10.1f %10.1f %8.3f   (real sleeps, 1 unit = 10 ms)\n",
		    8, "critical-path", span, sched_lower_bound(&s),
		    span / sched_lower_bound(&s));
		sched_free(&s);
	}
	return 0;
}
