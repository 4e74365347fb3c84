/*
 * create: `pkg create -r STAGEDIR -m METADIR [-p PLIST]`: build the
 * manifest from METADIR and the packing list, complete it from the stage
 * (sums, sizes, modes, symlink targets, flatsize, ABI) and write
 * OUTDIR/NAME-VERSION.pkg.  Does not analyse ELF files (shlibs are taken
 * from +MANIFEST when given).  Calls: util, pkg/manifest, pkg/plist,
 * pkg/archive, pkg/checksum, pkg/abi.
 *
 * METADIR (as pkg create reads it):
 *	+MANIFEST	UCL manifest (required)
 *	+DESC		description when the manifest has none; a "WWW: url"
 *			line gives www when the manifest has none
 *	+DISPLAY	package message: a UCL array of message objects
 *			(starting with '['), or plain text (one message)
 *	+PRE_INSTALL +POST_INSTALL +INSTALL +PRE_DEINSTALL +POST_DEINSTALL
 *	+DEINSTALL, or pkg-pre-install ... pkg-deinstall: shell scripts
 *	pkg-pre-install.lua ... pkg-post-deinstall.lua: Lua scripts
 */
#ifndef KILN_PKG_CREATE_H
#define KILN_PKG_CREATE_H

#include "pkg/archive.h"
#include "pkg/manifest.h"
#include "util/kerr.h"

struct pkg_create_req {
	const char *stagedir;	/* required */
	const char *metadir;	/* required */
	const char *plist;	/* NULL: files come from +MANIFEST */
	const char *outdir;	/* NULL: "." */
	const char *abi;	/* NULL: the manifest's, else the host's */
	const char *osversion;	/* FreeBSD ABI: FreeBSD_version annotation */
	struct pkg_write_opts wo;
};
void pkg_create_req_init(struct pkg_create_req *r);

/*
 * Fill the files and dirs of m from stagedir: sums ("1$<sha256>", symlinks
 * over their target), perms and symlink targets where absent, flatsize
 * (regular files, hardlinks once).  Regular files are hashed on up to
 * threads threads (0: every CPU), largest first; the result does not
 * depend on threads.  0 or -1 ("STAGE/path: ...").
 */
int pkg_create_fill(struct pkg_manifest *m, const char *stagedir, int threads,
    struct kerr *e);

/*
 * Build the manifest and write the package.  *outpath (caller frees) is
 * the file written; unlisted (may be NULL) receives stage files the
 * packing list does not name.  0 or -1.
 */
int pkg_create(const struct pkg_create_req *r, char **outpath,
    pkg_strv *unlisted, struct kerr *e);

#endif
