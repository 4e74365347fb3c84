/*
 * sched: critical-path list scheduling of a job DAG on fixed builder slots
 * with memory admission and skip propagation.  See sched.h.
 * Does not: start processes or read clocks (sched_ops does).
 * Calls: xalloc, vec, kerr.
 */
#include "sched/sched.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

void
sched_init(struct sched *s, int nslots, uint64_t mem_budget)
{
	memset(s, 0, sizeof(*s));
	if (nslots < 1)
		nslots = 1;
	s->nslots = nslots;
	s->slots = xcalloc((size_t)nslots, sizeof(*s->slots));
	s->mem_budget = mem_budget;
	s->prio_mode = SCHED_PRIO_CRITICAL_PATH;
}

void
sched_free(struct sched *s)
{
	for (size_t i = 0; i < s->jobs.n; i++) {
		free(s->jobs.v[i].name);
		vec_free(&s->jobs.v[i].deps);
		vec_free(&s->jobs.v[i].rdeps);
	}
	vec_free(&s->jobs);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

size_t
sched_add(struct sched *s, const char *name, double duration, uint64_t memory,
    bool boost)
{
	struct sched_job j;

	memset(&j, 0, sizeof(j));
	j.name = xstrdup(name);
	j.duration = duration > 0 ? duration : 1e-3;
	j.memory = memory;
	j.boost = boost;
	j.state = SCHED_WAITING;
	j.slot = -1;
	j.cause = NONE;
	j.order = NONE;
	vec_push(&s->jobs, j);
	s->counts[SCHED_WAITING]++;
	return s->jobs.n - 1;
}

void
sched_add_dep(struct sched *s, size_t job, size_t dep)
{
	struct sched_job *j = &s->jobs.v[job];

	for (size_t i = 0; i < j->deps.n; i++)
		if (j->deps.v[i] == dep)
			return;
	vec_push(&j->deps, dep);
	vec_push(&s->jobs.v[dep].rdeps, job);
}

static void
set_state(struct sched *s, size_t job, enum sched_state st)
{
	struct sched_job *j = &s->jobs.v[job];

	s->counts[j->state]--;
	j->state = st;
	s->counts[st]++;
}

void
sched_mark_done(struct sched *s, size_t job)
{
	set_state(s, job, SCHED_DONE);
}

void
sched_mark_ignored(struct sched *s, size_t job)
{
	set_state(s, job, SCHED_IGNORED);
}

const char *
sched_state_name(enum sched_state st)
{
	static const char *const names[] = { "queued", "ready", "building",
		"built", "failed", "skipped", "ignored" };

	return names[st];
}

/*
 * Priorities in reverse topological order: a job's weight is its own
 * duration (or 1 counting jobs) plus the heaviest chain of dependents.
 * Boost spreads from a boosted job to everything it needs, so the whole
 * chain leading to it goes first (PRIORITY_BOOST's meaning).
 */
int
sched_prepare(struct sched *s, struct kerr *e)
{
	size_t n = s->jobs.n, head = 0, tail = 0;
	size_t *left = xcalloc(n ? n : 1, sizeof(*left));
	size_t *topo = xcalloc(n ? n : 1, sizeof(*topo));
	size_t *stack = NULL;
	size_t sp = 0;
	int rc = -1;

	/* Kahn's algorithm over dependents: dependency-free jobs first. */
	for (size_t i = 0; i < n; i++) {
		left[i] = s->jobs.v[i].deps.n;
		if (left[i] == 0)
			topo[tail++] = i;
	}
	while (head < tail) {
		struct sched_job *j = &s->jobs.v[topo[head++]];
		for (size_t k = 0; k < j->rdeps.n; k++)
			if (--left[j->rdeps.v[k]] == 0)
				topo[tail++] = j->rdeps.v[k];
	}
	if (tail < n) {
		for (size_t i = 0; i < n; i++)
			if (left[i] > 0) {
				kerr_set(e, "%s: dependency cycle", s->jobs.v[i].name);
				break;
			}
		goto out;
	}
	for (size_t t = n; t-- > 0;) {
		struct sched_job *j = &s->jobs.v[topo[t]];
		double best = 0;
		for (size_t k = 0; k < j->rdeps.n; k++)
			if (s->jobs.v[j->rdeps.v[k]].prio > best)
				best = s->jobs.v[j->rdeps.v[k]].prio;
		j->prio = best + (s->prio_mode == SCHED_PRIO_CHAIN_LENGTH ?
		    1.0 : j->duration);
		j->boosted = false;
	}
	stack = xcalloc(n ? n : 1, sizeof(*stack));
	for (size_t i = 0; i < n; i++) {
		if (!s->jobs.v[i].boost || s->jobs.v[i].boosted)
			continue;
		s->jobs.v[i].boosted = true;
		stack[sp++] = i;
		while (sp > 0) {
			struct sched_job *j = &s->jobs.v[stack[--sp]];
			for (size_t k = 0; k < j->deps.n; k++) {
				struct sched_job *d = &s->jobs.v[j->deps.v[k]];
				if (!d->boosted) {
					d->boosted = true;
					stack[sp++] = j->deps.v[k];
				}
			}
		}
	}
	rc = 0;
out:
	free(stack);
	free(topo);
	free(left);
	return rc;
}

double
sched_lower_bound(const struct sched *s)
{
	size_t n = s->jobs.n;
	double *cp = xcalloc(n ? n : 1, sizeof(*cp));
	double work = 0, path = 0;
	bool changed = true;

	/* Longest path ending at each job, to a fixed point (acyclic). */
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			const struct sched_job *j = &s->jobs.v[i];
			double best = 0;
			for (size_t k = 0; k < j->deps.n; k++)
				if (cp[j->deps.v[k]] > best)
					best = cp[j->deps.v[k]];
			if (best + j->duration > cp[i] + 1e-12) {
				cp[i] = best + j->duration;
				changed = true;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		work += s->jobs.v[i].duration;
		if (cp[i] > path)
			path = cp[i];
	}
	free(cp);
	work /= s->nslots;
	return path > work ? path : work;
}

/* Ready list order: boosted chains first, then heavier chains, then id. */
static int
ready_cmp(const struct sched *s, size_t a, size_t b)
{
	const struct sched_job *ja = &s->jobs.v[a], *jb = &s->jobs.v[b];

	if (ja->boosted != jb->boosted)
		return ja->boosted ? -1 : 1;
	if (ja->prio != jb->prio)
		return ja->prio > jb->prio ? -1 : 1;
	return a < b ? -1 : (a > b);
}

struct run {
	struct sched *s;
	const struct sched_ops *ops;
	void *arg;
	VEC(size_t) ready;	/* sorted by ready_cmp */
	int running;
};

static struct run *cur_run;	/* sched_job_end's way back into the loop */

static void
ready_insert(struct run *r, size_t job)
{
	size_t lo = 0, hi = r->ready.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ready_cmp(r->s, r->ready.v[mid], job) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	vec_reserve(&r->ready, r->ready.n + 1);
	memmove(&r->ready.v[lo + 1], &r->ready.v[lo],
	    (r->ready.n - lo) * sizeof(size_t));
	r->ready.v[lo] = job;
	r->ready.n++;
	set_state(r->s, job, SCHED_READY);
	if (r->ops->event)
		r->ops->event(r->arg, r->s, job);
}

static void
skip_dependents(struct run *r, size_t root)
{
	struct sched *s = r->s;
	VEC(size_t) stack = VEC_INIT;

	vec_push(&stack, root);
	while (stack.n > 0) {
		struct sched_job *j = &s->jobs.v[stack.v[--stack.n]];
		for (size_t k = 0; k < j->rdeps.n; k++) {
			size_t d = j->rdeps.v[k];
			enum sched_state st = s->jobs.v[d].state;
			if (st != SCHED_WAITING && st != SCHED_READY)
				continue;
			s->jobs.v[d].cause = root;
			set_state(s, d, SCHED_SKIPPED);
			if (r->ops->event)
				r->ops->event(r->arg, s, d);
			vec_push(&stack, d);
		}
	}
	vec_free(&stack);
}

static void
job_finished(struct run *r, size_t job, bool ok)
{
	struct sched *s = r->s;
	struct sched_job *j = &s->jobs.v[job];

	if (j->slot >= 0) {
		s->slots[j->slot].state = SLOT_IDLE;
		j->slot = -1;
	}
	s->mem_used -= j->memory;
	r->running--;
	set_state(s, job, ok ? SCHED_DONE : SCHED_FAILED);
	if (r->ops->event)
		r->ops->event(r->arg, s, job);
	if (!ok) {
		skip_dependents(r, job);
		return;
	}
	for (size_t k = 0; k < j->rdeps.n; k++) {
		struct sched_job *d = &s->jobs.v[j->rdeps.v[k]];
		if (d->state == SCHED_WAITING && --d->pending == 0)
			ready_insert(r, j->rdeps.v[k]);
	}
}

void
sched_job_end(struct sched *s, size_t job, bool ok)
{
	if (cur_run == NULL || cur_run->s != s ||
	    s->jobs.v[job].state != SCHED_RUNNING)
		return;
	job_finished(cur_run, job, ok);
}

static int
free_slot(const struct sched *s)
{
	for (int i = 0; i < s->nslots; i++)
		if (s->slots[i].state == SLOT_IDLE)
			return i;
	return -1;
}

/*
 * Start ready jobs in order while slots are free.  A job that does not fit
 * the memory left waits and smaller ones behind it may go (backfill); a job
 * larger than the whole budget runs alone, so when it reaches the head of
 * the list nothing else starts until the builders have drained.
 */
static void
dispatch(struct run *r)
{
	struct sched *s = r->s;
	size_t i = 0;

	while (i < r->ready.n) {
		int slot = free_slot(s);
		size_t job = r->ready.v[i];
		struct sched_job *j = &s->jobs.v[job];

		if (slot < 0)
			break;
		if (s->mem_budget > 0) {
			if (j->memory > s->mem_budget) {
				if (r->running > 0)
					break;
			} else if (s->mem_used + j->memory > s->mem_budget) {
				i++;
				continue;
			}
		}
		memmove(&r->ready.v[i], &r->ready.v[i + 1],
		    (r->ready.n - i - 1) * sizeof(size_t));
		r->ready.n--;
		s->slots[slot].state = SLOT_BUSY;
		s->slots[slot].job = job;
		j->slot = slot;
		j->order = s->started++;
		s->mem_used += j->memory;
		r->running++;
		set_state(s, job, SCHED_RUNNING);
		if (r->ops->event)
			r->ops->event(r->arg, s, job);
		if (r->ops->start(r->arg, s, job, slot) < 0)
			job_finished(r, job, false);
		i = 0;	/* memory freed by a failed start may admit earlier jobs */
	}
}

int
sched_run(struct sched *s, const struct sched_ops *ops, void *arg,
    struct kerr *e)
{
	struct run r = { .s = s, .ops = ops, .arg = arg };
	struct run *saved = cur_run;
	int rc = -1;

	if (sched_prepare(s, e) < 0)
		return -1;
	cur_run = &r;
	for (size_t i = 0; i < s->jobs.n; i++)
		if (s->jobs.v[i].state == SCHED_IGNORED)
			skip_dependents(&r, i);
	for (size_t i = 0; i < s->jobs.n; i++) {
		struct sched_job *j = &s->jobs.v[i];
		if (j->state != SCHED_WAITING)
			continue;
		j->pending = 0;
		for (size_t k = 0; k < j->deps.n; k++)
			if (s->jobs.v[j->deps.v[k]].state != SCHED_DONE)
				j->pending++;
	}
	for (size_t i = 0; i < s->jobs.n; i++)
		if (s->jobs.v[i].state == SCHED_WAITING && s->jobs.v[i].pending == 0)
			ready_insert(&r, i);
	for (;;) {
		dispatch(&r);
		if (r.running == 0)
			break;
		if (ops->wait(arg, s, e) < 0)
			goto out;
	}
	rc = 0;
out:
	vec_free(&r.ready);
	cur_run = saved;
	return rc;
}

/* The simulated clock: running jobs end in order of their end times. */
struct sim {
	const double *actual;
	const bool *fail;
	double now;
	double *end;	/* per job, valid while running */
	double *start;	/* caller's, may be NULL */
};

static int
sim_start(void *arg, struct sched *s, size_t job, int slot)
{
	struct sim *m = arg;
	double d = m->actual ? m->actual[job] : s->jobs.v[job].duration;

	m->end[job] = m->now + d;
	if (m->start)
		m->start[job] = m->now;
	return 0;
}

static int
sim_wait(void *arg, struct sched *s, struct kerr *e)
{
	struct sim *m = arg;
	double first = -1;

	for (int i = 0; i < s->nslots; i++) {
		if (s->slots[i].state != SLOT_BUSY)
			continue;
		double t = m->end[s->slots[i].job];
		if (first < 0 || t < first)
			first = t;
	}
	if (first < 0)
		return kerr_set(e, "simulation: wait with nothing running");
	m->now = first;
	for (int i = 0; i < s->nslots; i++) {
		if (s->slots[i].state != SLOT_BUSY)
			continue;
		size_t job = s->slots[i].job;
		if (m->end[job] <= first)
			sched_job_end(s, job, !(m->fail && m->fail[job]));
	}
	return 0;
}

int
sched_simulate(struct sched *s, const double *actual, const bool *fail,
    double *makespan, double *start, struct kerr *e)
{
	static const struct sched_ops ops = { sim_start, sim_wait, NULL };
	struct sim m = { actual, fail, 0, NULL, start };
	int rc;

	m.end = xcalloc(s->jobs.n ? s->jobs.n : 1, sizeof(double));
	rc = sched_run(s, &ops, &m, e);
	if (makespan)
		*makespan = m.now;
	free(m.end);
	return rc;
}
