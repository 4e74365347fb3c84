/*
 * graph: a ports tree as a DAG.  Scans category/port directories,
 * evaluates ports (all, or on demand from some origins, following their
 * dependencies) with PREPARE_PARALLEL_JOBS threads, indexes nodes by
 * origin (hash table) with typed forward and reverse edges, detects
 * cycles (the message shows the cycle's path) and missing origins (the
 * message names both ports), and computes transitive closures.  A
 * metadata cache keyed by each port's files makes a second run evaluate
 * only what changed.  It does not build or decide what to rebuild.
 * Calls: port, util.
 *
 * Cache file (DIR/graph-<sha256 of the tree path>), one text record per
 * port, tab-separated, written atomically:
 *	P <key> <stat signature> <files hash> <pkgname> <flavor or -> <error or ->
 *	  <ignore or ->
 *	D <type> <key> <flavor or -> <implicit 0|1> <pattern>
 * A node's key is its origin, or origin@flavor for a dependency that names
 * a flavor; origin@F where F is the default flavor becomes an alias of the
 * plain node (GRAPH_ALIAS) once both are known.
 * The stat signature hashes names, sizes, mtimes and inodes of the port's
 * files (and its options file); when it matches, the files hash and the
 * metadata are reused without reading the files.  A header line
 * "kiln-graph 1 <environment hash>" invalidates the cache when kiln's
 * framework, ARCH/OPSYS or the options directory change.
 */
#ifndef KILN_GRAPH_H
#define KILN_GRAPH_H

#include "port.h"
#include "util/kerr.h"
#include "util/sha256.h"
#include "util/vec.h"

#include <stdbool.h>

struct graph_node;

struct graph_edge {
	enum port_dep_type type;
	struct graph_node *to;	/* borrowed (a node of the same graph) */
	bool implicit;
	char *pattern;		/* owned */
	char *flavor;		/* owned or NULL */
};

#define GRAPH_EVALUATED	1u	/* metadata present (from a run or the cache) */
#define GRAPH_FROM_CACHE 2u
#define GRAPH_MISSING	4u	/* referenced but not in the tree */
#define GRAPH_ALIAS	8u	/* origin@F where F is origin's default: see alias */

struct graph_node {
	char *origin;		/* the key: origin, or origin@flavor; owned */
	char *flavor;		/* the flavor evaluated, or NULL; owned */
	struct graph_node *alias;	/* GRAPH_ALIAS: the plain node to use */
	char *pkgname;		/* owned, or NULL when evaluation failed */
	char *error;		/* evaluation error, owned, or NULL */
	/* "IGNORE: why" or "BROKEN: why" (after options; IGNORE wins), owned,
	 * or NULL: the port must not be built (bulk -T builds BROKEN ones). */
	char *ignore;
	char files_hash[SHA256_HEX_LEN + 1];
	char sig[SHA256_HEX_LEN + 1];
	unsigned flags;
	VEC(struct graph_edge) deps;	/* forward */
	VEC(struct graph_edge) rdeps;	/* reverse: to = the dependent */
	int mark;		/* scratch for traversals */
};

struct graph {
	char *tree;			/* owned */
	struct port_env env;		/* strings borrowed from the caller */
	char *cache_dir;		/* owned or NULL (no cache) */
	int jobs;
	bool options_exist;		/* env.options_dir is a directory */
	VEC(struct graph_node *) nodes;	/* owned, in insertion order */
	struct graph_node **slots;	/* hash index by origin */
	size_t cap;
	unsigned evaluated, cached;	/* counts from the last graph_load */
};

/*
 * Prepare a graph of tree.  env->portsdir is set to tree; cache_dir may
 * be NULL; jobs < 1 means 1.
 */
void graph_init(struct graph *g, const char *tree, const struct port_env *env,
    const char *cache_dir, int jobs);
void graph_free(struct graph *g);

/* Every category/port directory of the tree, sorted; caller frees. */
int graph_scan(const char *tree, mk_words *origins, struct kerr *e);

/*
 * Evaluate origins (NULL/0: the whole tree) and, transitively, what they
 * depend on; build edges.  Fails on the first port that does not evaluate,
 * on a missing origin and on a cycle.  0 or -1.
 */
int graph_load(struct graph *g, char *const *origins, size_t n, struct kerr *e);

struct graph_node *graph_find(const struct graph *g, const char *origin);

/*
 * Nodes reachable from roots (included) through edges whose type bit is in
 * mask (1u << PORT_DEP_*), dependencies before dependents.  Pushes borrowed
 * node pointers.
 */
typedef VEC(struct graph_node *) graph_nodes;
void graph_closure(struct graph *g, struct graph_node *const *roots, size_t n,
    unsigned mask, graph_nodes *out);

#define GRAPH_ALL_DEPS 0xffu

#endif
