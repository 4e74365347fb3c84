/*
 * fetch: distfiles.  Downloads over a port's sites in order (the override
 * site first) into DISTFILES_CACHE, checks them against distinfo (SHA256
 * and SIZE), writes distinfo (makesum), and prints the CARGO_CRATES block
 * from a Cargo.lock (make cargo-crates).
 * Does not: evaluate Makefiles (callers pass names and resolved sites) or
 * run anything in a sandbox.  Calls: util (download, sha256, path); uses
 * port.h's distinfo entries (a type and port_distinfo_find, no evaluation).
 *
 * distinfo (ports.md §5.1) is parsed by the port model
 * (port_distinfo_parse in port.h, the one distinfo parser); fetch checks
 * against those entries and writes the file (fetch_makesum).
 */
#ifndef KILN_FETCH_H
#define KILN_FETCH_H

#include "port.h"
#include "util/kerr.h"
#include "util/strbuf.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stdint.h>

/* Where and how to fetch; all borrowed. */
struct fetch_ctx {
	const char *distdir;		/* DISTFILES_CACHE */
	const char *dist_subdir;	/* DIST_SUBDIR or NULL */
	const char *override;		/* MASTER_SITE_OVERRIDE (space list) or NULL */
	const port_distinfo *distinfo;	/* NULL: no size check (makesum) */
	/* Told each step ("=> Attempting to fetch URL"); may be NULL. */
	void (*say)(void *arg, const char *line);
	void *say_arg;
};

/* "<DIST_SUBDIR>/<name>" or "<name>"; caller frees. */
char *fetch_distinfo_path(const struct fetch_ctx *c, const char *name);
/* The file's path in the cache; caller frees. */
char *fetch_local_path(const struct fetch_ctx *c, const char *name);

/*
 * Make sure distfile name is in the cache: present with the recorded size
 * is kept; otherwise each site (override sites, then sites, NULL-ended)
 * is tried in order with URL = site + name, a download whose size differs
 * from distinfo is discarded and the next site tried.  With a distinfo
 * that does not list the file, fails ("NAME is not in distinfo").
 * 0, or -1 naming the file and the last site's error.
 */
int fetch_distfile(const struct fetch_ctx *c, const char *name,
    char *const *sites, struct kerr *e);

/*
 * Verify a cached distfile against distinfo: SHA256 and SIZE.  A mismatch
 * is an error naming the file, the expected and the actual sum; the bad
 * file itself is removed (so a re-run fetches it again), nothing else is.
 */
int fetch_checksum(const struct fetch_ctx *c, const char *name, struct kerr *e);

/*
 * Write distinfo for names (in order) from the cached files: TIMESTAMP,
 * SHA256, SIZE per file.  When the body is unchanged the old TIMESTAMP is
 * kept (so makesum twice rewrites nothing).  Atomic.  now: the timestamp
 * for a new body.
 */
int fetch_makesum(const struct fetch_ctx *c, const char *distinfo_file,
    char *const *names, size_t n, long long now, struct kerr *e);

/*
 * Cargo.lock text → the CARGO_CRATES block as make cargo-crates prints it:
 * registry crates as NAME-VERSION in lock order, then git sources grouped
 * as "a,b@git+URL\#COMMIT"; workspace members (no source) skipped.
 * Appends to out.  -1 on a malformed file (name: LINE: what).
 */
int fetch_cargo_crates(const char *name, const char *lock, struct strbuf *out,
    struct kerr *e);

#endif
