/*
 * solve: planning install, upgrade, delete and autoremove jobs (see
 * solve.h).  Universes are small (thousands), so lookups are linear scans
 * over vectors; ordering is a depth-first walk over dependency names that
 * ignores back edges, so a dependency cycle still yields an order.
 * Calls: util, version, pkg/manifest.
 */
#include "pkg/solve.h"

#include "version.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

const char *
solve_action_name(enum solve_action a)
{
	switch (a) {
	case SOLVE_INSTALL: return "install";
	case SOLVE_UPGRADE: return "upgrade";
	default: return "delete";
	}
}

const struct solve_cand *
solve_best(const solve_universe *u, const char *name)
{
	const struct solve_cand *best = NULL;

	for (size_t i = 0; i < u->n; i++) {
		const struct solve_cand *c = &u->v[i];

		if (strcmp(c->m->name, name) != 0)
			continue;
		if (best == NULL || c->priority > best->priority ||
		    (c->priority == best->priority &&
		    version_cmp(c->m->version, best->m->version) > 0))
			best = c;
	}
	return best;
}

static const struct solve_inst *
find_inst(const solve_installed *inst, const char *name)
{
	for (size_t i = 0; i < inst->n; i++)
		if (strcmp(inst->v[i].name, name) == 0)
			return &inst->v[i];
	return NULL;
}

static struct solve_job *
find_job(solve_jobs *jobs, const char *name)
{
	for (size_t i = 0; i < jobs->n; i++)
		if (strcmp(jobs->v[i].name, name) == 0)
			return &jobs->v[i];
	return NULL;
}

typedef VEC(const char *) name_list;

/* Walk state for ordering. */
struct walk {
	const solve_universe *u;
	const solve_installed *inst;
	solve_jobs *out;
	name_list visiting;
	struct kerr *e;
	bool upgrade_all;	/* installed dependencies are upgraded too */
};

static bool
visiting(struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->visiting.n; i++)
		if (strcmp(w->visiting.v[i], name) == 0)
			return true;
	return false;
}

/*
 * Plan name (wanted explicitly unless automatic), after its dependencies.
 * force_upgrade: upgrade an installed package when a newer one exists.
 * need: a version the requiring package recorded (may be NULL); an
 * installed dependency older than that is upgraded.
 */
static int
plan(struct walk *w, const char *name, bool automatic, bool force_upgrade,
    const char *need, const char *from)
{
	const struct solve_inst *in = find_inst(w->inst, name);
	const struct solve_cand *c = solve_best(w->u, name);
	struct solve_job *j = find_job(w->out, name);
	bool upgrade;

	if (j != NULL || visiting(w, name))
		return 0;
	if (c == NULL) {
		if (in != NULL)
			return 0;
		if (from)
			return kerr_set(w->e, "%s: dependency %s not found in any "
			    "repository", from, name);
		return kerr_set(w->e, "%s: not found in any repository", name);
	}
	if (in != NULL) {
		upgrade = version_cmp(c->m->version, in->version) > 0 &&
		    (force_upgrade || (need && version_cmp(in->version, need) < 0));
		if (!upgrade)
			return 0;
	}
	vec_push(&w->visiting, name);
	for (size_t i = 0; i < c->m->deps.n; i++) {
		const struct pkg_dep *d = &c->m->deps.v[i];

		if (plan(w, d->name, true, w->upgrade_all, d->version,
		    c->m->name) < 0)
			return -1;
	}
	w->visiting.n--;
	struct solve_job nj = {
		.action = in ? SOLVE_UPGRADE : SOLVE_INSTALL,
		.name = c->m->name,
		.cand = c,
		.old_version = in ? in->version : NULL,
		.automatic = in ? in->automatic : automatic,
	};
	vec_push(w->out, nj);
	return 0;
}

int
solve_install(const solve_universe *u, const solve_installed *inst,
    char *const *names, size_t n, solve_jobs *out, struct kerr *e)
{
	struct walk w = { u, inst, out, VEC_INIT, e, false };
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = plan(&w, names[i], false, true, NULL, NULL);
	vec_free(&w.visiting);
	return rc;
}

int
solve_upgrade(const solve_universe *u, const solve_installed *inst,
    char *const *names, size_t n, solve_jobs *out, struct kerr *e)
{
	struct walk w = { u, inst, out, VEC_INIT, e, n == 0 };
	int rc = 0;

	if (n == 0) {
		for (size_t i = 0; i < inst->n && rc == 0; i++)
			rc = plan(&w, inst->v[i].name, inst->v[i].automatic, true,
			    NULL, NULL);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (find_inst(inst, names[i]) == NULL)
			rc = kerr_set(e, "%s: not installed", names[i]);
		else
			rc = plan(&w, names[i], false, true, NULL, NULL);
	}
	vec_free(&w.visiting);
	return rc;
}

static bool
depends_on(const struct solve_inst *p, const char *name)
{
	for (size_t i = 0; p->deps && i < p->deps->n; i++)
		if (strcmp(p->deps->v[i], name) == 0)
			return true;
	return false;
}

/* Add a delete job for p after every installed package that depends on it
 * (those first: they are planned recursively before p). */
static void
plan_delete(const solve_installed *inst, const struct solve_inst *p,
    solve_jobs *out, name_list *seen)
{
	for (size_t i = 0; i < seen->n; i++)
		if (strcmp(seen->v[i], p->name) == 0)
			return;
	vec_push(seen, p->name);
	for (size_t i = 0; i < inst->n; i++)
		if (depends_on(&inst->v[i], p->name))
			plan_delete(inst, &inst->v[i], out, seen);
	struct solve_job j = {
		.action = SOLVE_DELETE,
		.name = p->name,
		.old_version = p->version,
		.automatic = p->automatic,
	};
	vec_push(out, j);
}

int
solve_delete(const solve_installed *inst, char *const *names, size_t n,
    solve_jobs *out, struct kerr *e)
{
	name_list seen = VEC_INIT;

	for (size_t i = 0; i < n; i++)
		if (find_inst(inst, names[i]) == NULL) {
			vec_free(&seen);
			return kerr_set(e, "%s: not installed", names[i]);
		}
	for (size_t i = 0; i < n; i++)
		plan_delete(inst, find_inst(inst, names[i]), out, &seen);
	vec_free(&seen);
	return 0;
}

int
solve_autoremove(const solve_installed *inst, solve_jobs *out, struct kerr *e)
{
	bool *gone = xcalloc(inst->n ? inst->n : 1, sizeof(*gone));
	bool changed = true;

	(void)e;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < inst->n; i++) {
			bool needed = false;

			if (gone[i] || !inst->v[i].automatic)
				continue;
			for (size_t k = 0; k < inst->n && !needed; k++)
				needed = !gone[k] && k != i &&
				    depends_on(&inst->v[k], inst->v[i].name);
			if (needed)
				continue;
			gone[i] = true;
			changed = true;
			struct solve_job j = {
				.action = SOLVE_DELETE,
				.name = inst->v[i].name,
				.old_version = inst->v[i].version,
				.automatic = true,
			};
			vec_push(out, j);
		}
	}
	free(gone);
	return 0;
}
