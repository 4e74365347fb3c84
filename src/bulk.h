/*
 * bulk: kiln's main job.  Gathers the listed ports and their dependencies
 * (graph), computes each package's build key, keeps packages whose key
 * matches and rebuilds the rest with one reason each, builds them on
 * builder slots (sched: critical path from history, memory admission,
 * failures skip their dependents), each in its own child process running
 * build_port in fresh sandboxes, records history and status, then indexes
 * and signs the new repository generation and publishes it (publish).
 * Interrupted, even by kill -9, the published repository is untouched and
 * a re-run resumes from .building without rebuilding finished packages.
 * Does not: print (ui callbacks do) or parse command lines.
 * Calls: conf, jail, ports_tree, graph, port, build, sched, status,
 * history, publish, pkg/repo, util.
 *
 * Build key (SHA-256, hex) of a port, over these lines:
 *	kiln-build-key 1
 *	framework <BULK_FRAMEWORK_VERSION>
 *	files <graph's files hash: every file of the port dir + options file>
 *	options <SHA-256 of the options file, or "none">
 *	jail <the jail's content identity>
 *	dep <origin> <key>            one per dependency, sorted by origin
 * Key record, GENERATION/.kiln/keys/<category>%<name>.json, written
 * atomically after the port's packages are in GENERATION/All:
 *	{"origin", "key", "framework", "files": {relpath: sha256},
 *	 "options", "jail", "deps": {origin: key}, "packages": [file names]}
 * A rebuild's reason compares the record with the current values:
 * "new", "package missing", "kiln framework changed", "jail changed",
 * "Makefile changed" (per file: changed, added, removed), "options
 * changed", "dependency devel/foo changed", "dependencies changed",
 * "forced (-c)", "forced (-C)", "testport".
 *
 * A port to rebuild with IGNORE or BROKEN set (after options; graph_node
 * ignore) is not built: its state is "ignored" with the reason as cause,
 * and its dependents are skipped naming it.  -T builds BROKEN ones.
 */
#ifndef KILN_BULK_H
#define KILN_BULK_H

#include "conf.h"
#include "status.h"
#include "util/kerr.h"

#include <stdbool.h>

#define BULK_FRAMEWORK_VERSION "1"

struct bulk_opts {
	const char *jail;		/* -j */
	const char *ports;		/* -p */
	int jobs;			/* -J; 0: PARALLEL_JOBS or CPUs */
	bool dry_run;			/* -n */
	bool clean_all;			/* -c */
	bool clean_listed;		/* -C */
	bool test;			/* -t: testport's checks on the listed ports */
	bool keep_going;		/* -k: test failures are not fatal */
	bool try_broken;		/* -T: build BROKEN ports anyway */
	bool all;			/* -a */
	bool testport;			/* kiln testport: always rebuild the listed */
	char *const *origins;		/* listed origins (borrowed) */
	size_t norigins;
};

/* What the command shows; all optional. */
struct bulk_ui {
	void (*line)(void *arg, const char *line);	/* plan and event lines */
	/* Called on every change and once a second while building. */
	void (*tick)(void *arg, const struct status *st, double now, bool final);
	void *arg;
};

struct bulk_summary {
	size_t queued, built, failed, skipped, ignored, current;
	char *repo;		/* published repository dir, owned, or NULL */
	char *logdir;		/* this build's log directory, owned, or NULL */
	bool published;
};

void bulk_summary_free(struct bulk_summary *s);

/*
 * Run a bulk.  0 when it ran (s says how it went: failed + skipped is the
 * exit status), -1 when it could not (e set: a bad jail, tree, origin, a
 * cycle, a locked area, an I/O error).
 */
int bulk_run(const struct conf *c, const struct bulk_opts *o,
    const struct bulk_ui *ui, struct bulk_summary *s, struct kerr *e);

/* Read origins from a -f FILE (one per line, # comments); caller frees. */
int bulk_read_list(const char *file, char ***origins, size_t *n,
    struct kerr *e);

#endif
