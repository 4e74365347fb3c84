/*
 * archive: .pkg files (spec/pkg-format.md §1): write them from a manifest
 * and a stage directory, open them, read their manifests, and extract their
 * payload SAFELY into a root.
 *
 * Layout written: tar (pax restricted) compressed with zstd (default),
 * xz, gzip, bzip2 or nothing; members +COMPACT_MANIFEST, +MANIFEST
 * (root/wheel 0644, mtime 0), then every `files` entry sorted by path
 * (regular files, symlinks, hardlinks), then every `directories` entry;
 * member names are the absolute manifest paths; uname/gname/mode/mtime come
 * from the manifest.  The file is written to a temporary name and renamed.
 *
 * Extraction rules (a package is refused as a whole when one fails):
 *  - every member name is absolute, normalised (no "..", "//", "/./"),
 *    listed in the manifest, and appears once; with confine_prefix it lies
 *    under the manifest prefix;
 *  - only regular files, symlinks, hardlinks (to a file of the same
 *    package extracted before) and directories; no devices, fifos, sockets;
 *  - no parent directory inside ROOT may be a symlink (nothing is written
 *    through a link), and existing non-directories are not walked through;
 *  - a symlink target must stay inside ROOT: absolute targets are taken as
 *    ROOT-relative, relative ones are resolved from the link's directory;
 *  - every regular file and symlink whose manifest entry has a sum must
 *    match it; every manifest file must be in the archive.
 * Files and symlinks go to temporary names (".kiln.tmp.PID.N") in their
 * final directories; nothing is renamed into place until the caller says
 * pkg_extract_commit, so it can check everything first; pkg_extract_abort
 * removes what was written (and the directories extraction created).
 * Does not run scripts or touch any database.  Calls: util, pkg/manifest,
 * pkg/checksum, libarchive.
 */
#ifndef KILN_PKG_ARCHIVE_H
#define KILN_PKG_ARCHIVE_H

#include "pkg/manifest.h"
#include "util/kerr.h"
#include "util/strbuf.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stdint.h>

enum pkg_compress {
	PKG_COMPRESS_ZSTD,
	PKG_COMPRESS_XZ,
	PKG_COMPRESS_GZIP,
	PKG_COMPRESS_BZIP2,
	PKG_COMPRESS_NONE,
};

/* "tzst"/"zstd", "txz"/"xz", "tgz"/"gzip", "tbz"/"bzip2", "tar"/"none".
 * 0 or -1. */
int pkg_compress_parse(const char *s, enum pkg_compress *out, struct kerr *e);
/* pkg's packing_format name ("tzst", ...). */
const char *pkg_compress_name(enum pkg_compress c);

struct pkg_write_opts {
	enum pkg_compress compress;	/* default PKG_COMPRESS_ZSTD */
	int level;	/* -1: default (zstd 3, xz 6, gzip 6) */
	int threads;	/* hashing threads and zstd/xz workers; 0: number
			   of CPUs.  zstd output is the same for any value
			   (always multi-threaded mode, see archive.c) */
	int64_t mtime;	/* >= 0: force every member's mtime (pkg create -t) */
};
/* Defaults: zstd, level -1, threads 0, mtime -1. */
void pkg_write_opts_init(struct pkg_write_opts *o);

/*
 * Write the package for m (whose files and dirs carry sums, perms, owners,
 * symlink targets: see create.h) reading contents from stagedir + path, to
 * outpath (temporary name + rename).  0 or -1.
 */
int pkg_archive_write(const struct pkg_manifest *m, const char *stagedir,
    const char *outpath, const struct pkg_write_opts *o, struct kerr *e);

/* Write a tar archive of named in-memory members (catalogs).  Atomic. */
struct pkg_member {
	const char *name;
	const void *data;
	size_t len;
};
int pkg_archive_write_members(const char *outpath, const struct pkg_member *mem,
    size_t n, enum pkg_compress c, int level, int64_t mtime, struct kerr *e);

/* --- reading ----------------------------------------------------------- */

struct pkg_archive;

enum pkg_open_flags {
	PKG_OPEN_COMPACT = 1 << 0,	/* stop after +COMPACT_MANIFEST if present */
};

/*
 * Open a .pkg and read its metadata members.  Without PKG_OPEN_COMPACT,
 * +MANIFEST is required and parsed (pkg_archive_manifest); with it, only
 * the compact manifest is parsed when present (falling back to +MANIFEST).
 * Returns 0 and *out (free with pkg_archive_close), or -1 with e set
 * ("PATH: no +MANIFEST", "PATH: +MANIFEST: key 'flatsize': ...").
 */
int pkg_archive_open(const char *path, unsigned flags, struct pkg_archive **out,
    struct kerr *e);
/* The same over bytes in memory (borrowed until close); what names it. */
int pkg_archive_open_mem(const void *data, size_t len, const char *what,
    unsigned flags, struct pkg_archive **out, struct kerr *e);
void pkg_archive_close(struct pkg_archive *a);

/* The parsed manifest (borrowed until close; the caller may steal it with
 * pkg_archive_take_manifest, which returns it and leaves NULL behind). */
const struct pkg_manifest *pkg_archive_manifest(const struct pkg_archive *a);
struct pkg_manifest *pkg_archive_take_manifest(struct pkg_archive *a);
/* Raw +COMPACT_MANIFEST / +MANIFEST bytes (empty when absent); borrowed. */
const struct strbuf *pkg_archive_compact_raw(const struct pkg_archive *a);
const struct strbuf *pkg_archive_manifest_raw(const struct pkg_archive *a);

/* Append the payload member names (as stored) to out; consumes the payload.
 * 0 or -1. */
int pkg_archive_list(struct pkg_archive *a, pkg_strv *out, struct kerr *e);

/* --- safe extraction ---------------------------------------------------- */

struct pkg_xitem {
	char *path;	/* package path ("/usr/local/bin/x"), owned */
	char *final;	/* ROOT + path, owned */
	char *tmp;	/* temporary name beside final, owned; NULL for dirs */
	bool is_dir;
	bool created;	/* dirs: this extraction created it (abort removes it) */
};

struct pkg_extract {
	VEC(struct pkg_xitem) items;	/* in archive order */
	VEC(char *) parents;	/* parent dirs created on the way, in order */
	bool committed;
};

struct pkg_extract_opts {
	bool confine_prefix;	/* refuse files outside the manifest prefix */
	bool set_owner;		/* chown to uname/gname looked up in ROOT/etc
				   (default: when running as root) */
};
void pkg_extract_opts_init(struct pkg_extract_opts *o);

/*
 * Extract the payload of a (opened without PKG_OPEN_COMPACT) under root.
 * On success x lists what was written under temporary names; the caller
 * then calls pkg_extract_commit or pkg_extract_abort, then
 * pkg_extract_free.  On failure everything written is already removed,
 * x is empty, and e names the member and the rule it broke.
 */
int pkg_archive_extract(struct pkg_archive *a, const char *root,
    const struct pkg_extract_opts *o, struct pkg_extract *x, struct kerr *e);
/* Rename every temporary into place, in order.  0 or -1 (e names it). */
int pkg_extract_commit(struct pkg_extract *x, struct kerr *e);
/* Remove temporaries and created directories (not after commit). */
void pkg_extract_abort(struct pkg_extract *x);
void pkg_extract_free(struct pkg_extract *x);

#endif
