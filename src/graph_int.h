/*
 * graph_int: what graph.c and graph_sig.c share and nobody else sees: the
 * cache file's line fields and the stat walk that makes a port's
 * signature (graph.h describes both).
 */
#ifndef KILN_GRAPH_INT_H
#define KILN_GRAPH_INT_H

#include "graph.h"
#include "util/strbuf.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define GRAPH_MAX_DEPTH 16	/* as port_files_hash */

/*
 * A field of a cache line: [s, s + n).  Lines are split without writing
 * into the buffer, so an unchanged record can be copied back verbatim.
 */
struct field {
	const char *s;
	size_t n;
};

/* Split the line at p (ending at '\n' or end) into at most max fields;
 * returns how many, and sets *next past the line. */
int graph_split_line(const char *p, const char *end, struct field *f, int max,
    const char **next);
bool graph_field_is(const struct field *f, const char *s);
/* qsort comparison of char * */
int graph_cmp_str(const void *a, const void *b);
/* v as 16 lowercase hex digits and a NUL */
void graph_hex16(char *out, uint64_t v);

/* One port's stat walk (graph_sig.c); the caller sets g, rootfd, racy_from,
 * clears the flags and initializes dirs. */
struct graph_walk {
	const struct graph *g;
	int rootfd;
	char path[PATH_MAX];	/* relative to the tree: category/port[/...] */
	size_t base;		/* length of category/port */
	const char *rec, *rec_end;	/* cached record to take S lines from */
	struct timespec racy_from;
	uint64_t sig;
	struct strbuf dirs;	/* the S lines of this walk */
	bool racy, makefile;
	bool unsure;		/* something could not be stat()ed or named */
};

/*
 * Stat everything of port origin (and its options file) into w->sig, the
 * S lines of its directories into w->dirs.  rec: the cached record whose
 * S lines may spare reading directories, or NULL.  False when the
 * directory has no Makefile.
 */
bool graph_port_walk(struct graph_walk *w, const char *origin, const char *rec,
    const char *rec_end);

#endif
