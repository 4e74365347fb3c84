/*
 * solve: the client's job planner.  Given what the repositories offer and
 * what is installed, it decides which packages to install, upgrade or
 * delete, and in which order: dependencies before the packages that need
 * them on install/upgrade, dependents before their dependencies on delete.
 * Dependencies are resolved by name (as pkg does); among candidates the
 * repository with the highest priority wins, then the highest version
 * (version.h).  Does not: read files, check file conflicts (the client does
 * that on the full manifests before writing anything), talk to the DB.
 * Calls: util, version, pkg/manifest.
 */
#ifndef KILN_PKG_SOLVE_H
#define KILN_PKG_SOLVE_H

#include "pkg/manifest.h"
#include "util/kerr.h"
#include "util/vec.h"

#include <stdbool.h>

/* A package a repository offers (all borrowed). */
struct solve_cand {
	const struct pkg_manifest *m;	/* catalog entry: name, version, deps */
	const char *repo;
	int priority;
};
typedef VEC(struct solve_cand) solve_universe;

/* An installed package (all borrowed). */
struct solve_inst {
	const char *name;
	const char *version;
	bool automatic;
	const pkg_strv *deps;	/* names of its dependencies */
};
typedef VEC(struct solve_inst) solve_installed;

enum solve_action { SOLVE_INSTALL, SOLVE_UPGRADE, SOLVE_DELETE };

struct solve_job {
	enum solve_action action;
	const char *name;		/* borrowed */
	const struct solve_cand *cand;	/* install/upgrade: borrowed from universe */
	const char *old_version;	/* upgrade/delete: borrowed, else NULL */
	bool automatic;			/* install: pulled in as a dependency */
};
typedef VEC(struct solve_job) solve_jobs;

/* "install", "upgrade", "delete". */
const char *solve_action_name(enum solve_action a);

/*
 * Install names (with their missing dependencies, marked automatic; an
 * installed package with a newer candidate is upgraded; one already at
 * the best version is left alone).  Jobs come in install order.  An
 * unknown name or dependency fails: "NAME: not found in any repository"
 * or "NAME: dependency DEP not found in any repository".
 */
int solve_install(const solve_universe *u, const solve_installed *inst,
    char *const *names, size_t n, solve_jobs *out, struct kerr *e);
/* Upgrade names (n = 0: every installed package) to their best candidate
 * when it is newer, installing new dependencies.  Same order. */
int solve_upgrade(const solve_universe *u, const solve_installed *inst,
    char *const *names, size_t n, solve_jobs *out, struct kerr *e);
/* Delete names and every installed package depending on them, dependents
 * first.  "NAME: not installed" for an unknown name. */
int solve_delete(const solve_installed *inst, char *const *names, size_t n,
    solve_jobs *out, struct kerr *e);
/* Delete automatic packages no remaining package depends on (repeatedly,
 * so orphaned chains go too), dependents first. */
int solve_autoremove(const solve_installed *inst, solve_jobs *out,
    struct kerr *e);

/* The best candidate for name, or NULL. */
const struct solve_cand *solve_best(const solve_universe *u, const char *name);

#endif
