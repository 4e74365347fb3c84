/*
 * graph: a ports tree as a DAG.  Scans category/port directories,
 * evaluates ports (all, or on demand from some origins, following their
 * dependencies) with PREPARE_PARALLEL_JOBS threads, indexes nodes by
 * origin (hash table) with typed forward and (graph_rdeps) reverse edges,
 * detects
 * cycles (the message shows the cycle's path) and missing origins (the
 * message names both ports), and computes transitive closures.  A
 * metadata cache keyed by each port's files makes a second run evaluate
 * only what changed.  It does not build or decide what to rebuild.
 * Calls: port, version, util.
 *
 * Cache file (DIR/graph-<first 16 hex of sha256 of the tree path>), text,
 * written atomically (temporary name, rename), and only when some record
 * differs from what the file already holds: a run where nothing changed
 * does not write it.  First line "kiln-graph 4 <environment hash>"; the
 * environment hash covers kiln's framework build, ARCH/OPSYS/OSVERSION,
 * the options directory path, the default flavor and the sysroot, and a
 * mismatch discards the whole file.  Then one record per node, its lines
 * tab-separated:
 *	P <key> <sig> <racy 0|1> <files hash> <pkgname|-> <flavor|-> <error|->
 *	  <ignore|->
 *	S <dir> <stamp> [<name> ...]	(zero or more, right after P)
 *	D <type> <key> <flavor|-> <implicit 0|1> <pattern>	(one per edge)
 * key: a node's key, its origin or origin@flavor for a dependency that
 * names a flavor (origin@F where F is the default flavor becomes an alias
 * of the plain node, GRAPH_ALIAS, once both are known).  sig: 16 hex
 * digits, a 64-bit hash of the stat data of every entry under the port
 * directory (work* at its top excluded; sorted relative name, mode,
 * size, mtime and ctime to the nanosecond, inode), of every directory's
 * stamp (below) and of the options file (mode, size, mtime, ctime,
 * inode).  Not cryptographic: a change of any one field always changes
 * it, several at once collide with odds near 2^-64.  files hash: the
 * SHA-256 of the
 * contents (port_files_hash).  S: one line per directory of the port
 * ("." for the port directory itself, else its relative path), stamp =
 * 16 hex digits hashing that directory's inode, device, mtime and ctime,
 * then its entries' names, sorted.  A directory with a tab or newline in
 * a name gets no S line (it is read, and its port hashed, on every run).  A node whose key,
 * pkgname, flavor, or edge fields hold a tab or newline is not cached.  Records of a partial run (graph_load with
 * origins) keep the other ports' records; a full run drops records of
 * ports no longer in the tree.
 *
 * Change detection, per port, on each graph_load:
 *  1. Every directory of the port is stat()ed.  When its stamp equals its
 *     S line's, no entry was added, removed or renamed in it, so its
 *     entries are stat()ed by the cached names without reading the
 *     directory; otherwise it is read.  Every entry is stat()ed either
 *     way, in parallel over the jobs threads.
 *  2. If the sig equals the cached one and the record is not racy, the
 *     cached metadata and edges are used: no file is read.
 *  3. Otherwise the port's files are read and hashed.  If the files hash
 *     equals the cached one, the cached metadata is used (a touch, or a
 *     cp -p that restored the mtime, costs a read, not an evaluation);
 *     else the port is evaluated again.
 * What a user can rely on: any change to the bytes of any file under a
 * port directory (except work*), any file or directory added, removed or
 * renamed there, and any change to its options file makes the next run
 * evaluate that port again; a run over an unchanged tree reads no port
 * file and writes no cache.  Not seen: changes that keep size, mtime,
 * ctime and inode all equal outside the racy window (only a clock set
 * back or a filesystem faking ctime can do that).  A file that cannot be
 * stat()ed, a path too long or too deep marks the record racy: it is
 * read again every run until that settles.
 * Racy entries (git's racy-clean rule): filesystems stamp files with a
 * coarse clock, so an edit made in the same clock tick as the stat that
 * recorded a file can leave size, mtime and ctime unchanged.  A record
 * is written racy when any entry's mtime or ctime is no older than
 * GRAPH_RACY_SECONDS before the run started; the next run neither trusts
 * its sig nor its S lines (step 3 always runs for it).  This assumes
 * timestamps with at most 1 s granularity and a file server clock at
 * most 1 s ahead.  ctime cannot be set by users, so restoring an mtime
 * (touch -d, cp -p, tar x) still changes the sig.
 */
#ifndef KILN_GRAPH_H
#define KILN_GRAPH_H

#include "port.h"
#include "util/kerr.h"
#include "util/sha256.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stdint.h>

struct graph_node;
struct graph_arena;

/* Strings of nodes and edges are owned by the graph (freed by graph_free). */
struct graph_edge {
	struct graph_node *to;	/* borrowed (a node of the same graph) */
	char *pattern;		/* graph's */
	char *flavor;		/* graph's, or NULL */
	enum port_dep_type type;
	bool implicit;
};

#define GRAPH_EVALUATED	1u	/* metadata present (from a run or the cache) */
#define GRAPH_FROM_CACHE 2u
#define GRAPH_MISSING	4u	/* referenced but not in the tree */
#define GRAPH_ALIAS	8u	/* origin@F where F is origin's default: see alias */

/* The fields every traversal touches come first (one cache line). */
struct graph_node {
	unsigned flags;
	int mark;		/* scratch for traversals */
	VEC(struct graph_edge) deps;	/* forward */
	char *origin;		/* the key: origin, or origin@flavor */
	char *pkgname;		/* NULL when evaluation failed */
	uint32_t hash;		/* private: of origin, for the index */
	bool racy;		/* private: written racy (see the cache) */
	char *flavor;		/* the flavor evaluated, or NULL */
	struct graph_node *alias;	/* GRAPH_ALIAS: the plain node to use */
	char *error;		/* evaluation error, or NULL */
	/* "IGNORE: why" or "BROKEN: why" (after options; IGNORE wins),
	 * or NULL: the port must not be built (bulk -T builds BROKEN ones). */
	char *ignore;
	char files_hash[SHA256_HEX_LEN + 1];
	char sig[SHA256_HEX_LEN + 1];	/* 16 hex digits, see the cache */
	VEC(struct graph_edge) rdeps;	/* reverse: to = the dependent;
					 * empty until graph_rdeps() */
	/* private to graph.c, used while graph_load runs */
	const char *crec;	/* unchanged cached record */
	size_t creclen;
	char *dirs;		/* S lines to write, owned, or NULL */
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
	struct graph_arena *arena;	/* node and edge storage, owned */
	/* Tests: keep whole seconds of timestamps only, as a filesystem with
	 * 1 s granularity does (exercises the racy rule). */
	bool coarse_times;
	/* Counts from the last graph_load: evaluated; taken from the cache
	 * (rehashed of them: stat data changed or racy, contents did not). */
	unsigned evaluated, cached, rehashed;
	bool cache_written;		/* the last graph_load wrote the cache */
	bool rdeps_built;
};

/* Seconds before a run's start within which a timestamp is racy. */
#define GRAPH_RACY_SECONDS 2

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
 * Fill every node's rdeps from the forward edges (aliases resolved,
 * missing origins dropped).  Once per graph_load; the callers that need
 * reverse edges ask for them, the others do not pay for them.
 */
void graph_rdeps(struct graph *g);

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
