/*
 * repo: pkg repository catalogs (spec/pkg-format.md §4, §5): the writer
 * behind `kiln pkg repo` and the reader the client uses on downloaded
 * catalogs.  Does not download anything (the client does) and does not
 * keep the local database.  Calls: util, version, pkg/manifest,
 * pkg/archive, pkg/sign, pkg/checksum.
 *
 * Files written into DIR:
 *	meta.conf		UCL: version = 2; packing_format = "tzst";
 *				manifests = "packagesite.yaml"; data = "data";
 *				filesite = "files"; manifests_archive =
 *				"packagesite"; filesite_archive = "files";
 *	meta			the same bytes (pkg writes both)
 *	packagesite.pkg		tar(+zstd): [signature | packagesite.yaml.sig +
 *				packagesite.yaml.pub] then packagesite.yaml
 *	data.pkg		tar(+zstd): [signature | data.sig + data.pub]
 *				then data
 *	files.pkg		(files_list only) the same around "files"
 *	.kiln-repo-cache	kiln's index cache (pkg repo skips dot files):
 *				one JSON object per line {"p": path, "s": size,
 *				"m": mtime sec, "n": mtime nsec, "l": catalog line}
 *
 * packagesite.yaml: one compact JSON manifest per line ("\n" after each)
 * with "sum" (SHA-256 hex of the .pkg), "pkgsize", "path" and "repopath"
 * (relative to DIR).  data: {"groups":[],"expired_packages":[],
 * "packages":[<the same objects>]} on one line, no newline.
 * Every catalog archive and meta.conf get one mtime, newer than the
 * previous catalog's, so clients never see "not modified" after a change.
 */
#ifndef KILN_PKG_REPO_H
#define KILN_PKG_REPO_H

#include "pkg/archive.h"
#include "pkg/manifest.h"
#include "pkg/sign.h"
#include "util/kerr.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

/* --- meta.conf ---------------------------------------------------------- */

struct pkg_repo_meta {
	int version;			/* 1 or 2 */
	enum pkg_compress packing_format;
	char *manifests;		/* "packagesite.yaml" */
	char *manifests_archive;	/* "packagesite" */
	char *data;			/* "data" */
	char *data_archive;		/* "data" */
	char *filesite;			/* "files" */
	char *filesite_archive;		/* "files" */
};
/* pkg's defaults (version 2, tzst, names above). */
void pkg_repo_meta_init(struct pkg_repo_meta *m);
void pkg_repo_meta_free(struct pkg_repo_meta *m);
/* Parse meta.conf bytes (defaults for absent keys).  0 or -1 (a version
 * other than 1 or 2, an unknown packing_format, a mistyped key). */
int pkg_repo_meta_parse(const char *data, size_t len, const char *what,
    struct pkg_repo_meta *m, struct kerr *e);

/* --- reading (client side) ----------------------------------------------- */

enum pkg_sigmode {
	PKG_SIG_NONE,		/* signature_type: "none" */
	PKG_SIG_PUBKEY,		/* signature_type: "pubkey" */
	PKG_SIG_FINGERPRINTS,	/* signature_type: "fingerprints" */
};

struct pkg_trust {
	enum pkg_sigmode mode;
	const char *pubkey;		/* PUBKEY: PEM file (borrowed) */
	const char *fingerprints;	/* FINGERPRINTS: dir with trusted/, revoked/ */
};

/* "none" | "pubkey" | "fingerprints" (case-insensitive).  0 or -1. */
int pkg_sigmode_parse(const char *s, enum pkg_sigmode *out, struct kerr *e);

/*
 * Read the catalog member `member` ("data", "packagesite.yaml") from a
 * catalog archive and verify it as t says: PUBKEY needs a valid
 * `signature`; FINGERPRINTS needs at least one `member.sig` whose
 * `member.pub` is trusted and valid, and none revoked.  A missing or bad
 * signature is an error ("PATH: no signature", "PATH: invalid signature").
 * out receives the member's bytes.  0 or -1.
 */
int pkg_catalog_read(const char *path, const char *member,
    const struct pkg_trust *t, struct strbuf *out, struct kerr *e);
int pkg_catalog_read_mem(const void *data, size_t len, const char *what,
    const char *member, const struct pkg_trust *t, struct strbuf *out,
    struct kerr *e);

/*
 * Called once per package of a catalog; takes ownership of m.  Return 0 to
 * go on, -1 to stop (pkg_catalog_parse then returns -1; fill e yourself).
 */
typedef int (*pkg_catalog_fn)(struct pkg_manifest *m, void *arg,
    struct kerr *e);

enum pkg_catalog_kind {
	PKG_CATALOG_LINES,	/* packagesite.yaml: one object per line */
	PKG_CATALOG_DATA,	/* data: {"packages": [...]} */
};
/*
 * Parse catalog text and call fn per package.  Entries must have name,
 * version and repopath/path (a relative path without "..").  0 or -1
 * ("WHAT:LINE: ..." for lines, "WHAT: packages[N]: ..." for data).
 */
int pkg_catalog_parse(const char *text, size_t len, enum pkg_catalog_kind kind,
    const char *what, pkg_catalog_fn fn, void *arg, struct kerr *e);

/*
 * A downloaded repository copy in dir: meta.conf (optional), then data.pkg
 * if present else packagesite.pkg (archive names from meta), verified with
 * t, each package passed to fn.  0 or -1.
 */
int pkg_repo_load(const char *dir, const struct pkg_trust *t, pkg_catalog_fn fn,
    void *arg, struct kerr *e);

/* --- writing (pkg repo) ------------------------------------------------- */

struct pkg_repo_opts {
	struct pkg_signer signer;	/* both NULL: unsigned */
	bool files_list;		/* also write files.pkg */
	enum pkg_compress compress;	/* catalog compression (tzst) */
	int level;			/* -1: default */
};
void pkg_repo_opts_init(struct pkg_repo_opts *o);

struct pkg_repo_stats {
	size_t packages;	/* indexed */
	size_t reused;		/* taken from the cache without opening */
	size_t opened;		/* package files opened */
};

/* Index every *.pkg under dir and write the catalogs (see above).  0 or -1. */
int pkg_repo_create(const char *dir, const struct pkg_repo_opts *o,
    struct pkg_repo_stats *st, struct kerr *e);

#endif
