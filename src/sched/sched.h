/*
 * sched: the bulk scheduler over an abstract job DAG (in src/sched/: a
 * src/sched.h would shadow libc's <sched.h> on the include path).  Jobs
 * have ids (0..n-1), dependency edges, an expected duration and peak
 * memory, and a boost flag; the scheduler owns a fixed number of builder
 * slots, keeps every job's state, orders ready jobs by critical path
 * (longest remaining chain weighted by expected durations, boosted chains
 * first), admits a job only when its expected memory fits the budget (a
 * job larger than the whole budget runs alone), and on failure marks
 * every transitive dependent skipped, naming the failed job.
 * Does not: know what a port is, start processes, or keep a clock; the
 * caller's sched_ops start jobs and report their ends, so the same loop
 * drives real builds and simulations.  Calls: xalloc, vec, kerr.
 */
#ifndef KILN_SCHED_H
#define KILN_SCHED_H

#include "util/kerr.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sched_state {
	SCHED_WAITING,	/* some dependency has not finished */
	SCHED_READY,	/* every dependency built; waiting for a slot/memory */
	SCHED_RUNNING,
	SCHED_DONE,	/* built (or already built before this run) */
	SCHED_FAILED,
	SCHED_SKIPPED,	/* a dependency failed or was ignored; see cause */
	SCHED_IGNORED,	/* never to be built (IGNORE, BROKEN); dependents skip */
};

enum sched_prio {
	SCHED_PRIO_CRITICAL_PATH,	/* longest chain weighted by duration (default) */
	SCHED_PRIO_CHAIN_LENGTH,	/* longest chain counted in jobs (poudriere) */
};

enum slot_state { SLOT_IDLE, SLOT_BUSY };

struct sched_slot {
	enum slot_state state;
	size_t job;		/* valid when SLOT_BUSY */
};

struct sched_job {
	char *name;		/* owned; named in skip causes */
	double duration;	/* expected seconds (> 0) */
	uint64_t memory;	/* expected peak bytes */
	bool boost;		/* PRIORITY_BOOST matched */
	VEC(size_t) deps;	/* jobs this one needs */
	VEC(size_t) rdeps;	/* jobs that need this one */
	/* State, maintained by the scheduler. */
	enum sched_state state;
	size_t pending;		/* unfinished deps */
	double prio;		/* remaining chain weight */
	bool boosted;		/* boost itself or a dependency of a boosted job */
	int slot;		/* running in this slot, else -1 */
	size_t cause;		/* SKIPPED: the failed/ignored job; else (size_t)-1 */
	size_t order;		/* start order (0-based), for tests; (size_t)-1 */
};

struct sched;

/*
 * The caller's side.  start() begins job in slot (asynchronously or not)
 * and returns 0, or -1 when it could not start (the job then fails).
 * wait() blocks until at least one running job has ended and reports every
 * ended job with sched_job_end(); -1 aborts the run (e set).  event() is
 * optional and sees every state change (for status and the live view).
 */
struct sched_ops {
	int (*start)(void *arg, struct sched *s, size_t job, int slot);
	int (*wait)(void *arg, struct sched *s, struct kerr *e);
	void (*event)(void *arg, struct sched *s, size_t job);
};

struct sched {
	VEC(struct sched_job) jobs;
	struct sched_slot *slots;	/* nslots, owned */
	int nslots;
	uint64_t mem_budget;		/* 0: unlimited */
	uint64_t mem_used;		/* sum over running jobs */
	enum sched_prio prio_mode;
	size_t started;			/* jobs started so far */
	size_t counts[SCHED_IGNORED + 1];
};

void sched_init(struct sched *s, int nslots, uint64_t mem_budget);
void sched_free(struct sched *s);

/* Add a job; returns its id.  name is copied. */
size_t sched_add(struct sched *s, const char *name, double duration,
    uint64_t memory, bool boost);
/* job needs dep (both ids from sched_add). */
void sched_add_dep(struct sched *s, size_t job, size_t dep);
/* Before sched_run: job is already built (resume) or must not be built. */
void sched_mark_done(struct sched *s, size_t job);
void sched_mark_ignored(struct sched *s, size_t job);

/*
 * Compute priorities, then dispatch until nothing is ready or running.
 * Returns 0 when the run completed (whatever failed), -1 when wait()
 * failed or the graph has a cycle (e names a job on it).
 */
int sched_run(struct sched *s, const struct sched_ops *ops, void *arg,
    struct kerr *e);

/* Report from wait(): job ended, built (ok) or failed. */
void sched_job_end(struct sched *s, size_t job, bool ok);

/*
 * Run on a simulated clock: each job takes actual[job] seconds (NULL: its
 * expected duration) and fails when fail[job] is true (NULL: none).  The
 * makespan goes to *makespan; start times to start[job] when not NULL.
 * Used by tests, the scheduling benchmark and bulk -n's estimate.
 */
int sched_simulate(struct sched *s, const double *actual, const bool *fail,
    double *makespan, double *start, struct kerr *e);

/* Compute priorities only (sched_run does it); -1 on a cycle. */
int sched_prepare(struct sched *s, struct kerr *e);

/* Lower bound of any schedule's makespan: max(critical path, work/slots). */
double sched_lower_bound(const struct sched *s);

const char *sched_state_name(enum sched_state st);

#endif
