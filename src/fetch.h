/*
 * fetch: distfiles.  Downloads over a port's sites in order (the override
 * site first) into DISTFILES_CACHE, checks them against distinfo (SHA256
 * and SIZE), writes distinfo (makesum), and prints the CARGO_CRATES block
 * from a Cargo.lock (make cargo-crates).
 * Does not: evaluate Makefiles (callers pass names and resolved sites) or
 * run anything in a sandbox.  Calls: util (download, sha256, path).
 *
 * distinfo (ports.md §5.1), one entry per line, split on whitespace:
 *	TIMESTAMP = <unix seconds>               first line; informational
 *	SHA256 (<path>) = <lower-case hex>
 *	SIZE (<path>) = <decimal bytes>
 * <path> is relative to DISTDIR: "<DIST_SUBDIR>/<file>" when DIST_SUBDIR
 * is set, else the file name (which may hold slashes: rust/crates/x.crate).
 * Other algorithms' lines (MD5, SHA1, RMD160) are accepted and ignored.
 */
#ifndef KILN_FETCH_H
#define KILN_FETCH_H

#include "util/kerr.h"
#include "util/strbuf.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stdint.h>

struct distinfo_entry {
	char *path;		/* owned, relative to DISTDIR */
	char *sha256;		/* owned, or NULL when not recorded */
	uint64_t size;
	bool has_size;
};

struct distinfo {
	long long timestamp;	/* 0 when absent */
	VEC(struct distinfo_entry) entries;
};

void distinfo_init(struct distinfo *d);
void distinfo_free(struct distinfo *d);
/* Parse file; errors "FILE:LINE: what".  A missing file is an error. */
int distinfo_read(struct distinfo *d, const char *file, struct kerr *e);
/* Parse text; name is used in messages. */
int distinfo_parse(struct distinfo *d, const char *name, const char *text,
    struct kerr *e);
/* The entry for path, borrowed, or NULL. */
const struct distinfo_entry *distinfo_find(const struct distinfo *d,
    const char *path);

/* Where and how to fetch; all borrowed. */
struct fetch_ctx {
	const char *distdir;		/* DISTFILES_CACHE */
	const char *dist_subdir;	/* DIST_SUBDIR or NULL */
	const char *override;		/* MASTER_SITE_OVERRIDE (space list) or NULL */
	const struct distinfo *distinfo;/* NULL: no size check (makesum) */
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
