/*
 * archive: write a directory tree as a gzip'd newc cpio (a Linux
 * initramfs) or a tar, with every entry owned by root (0:0) whoever runs
 * kiln, plus extra device nodes that an unprivileged build cannot mknod
 * (/dev/console).  Symlinks are stored as symlinks, never followed.
 * Entries are sorted by name so the same tree gives the same archive.
 * Does not read archives (pkg/ does).  Calls: libarchive, xalloc, path.
 */
#ifndef KILN_ARCHIVE_H
#define KILN_ARCHIVE_H

#include "util/kerr.h"

#include <sys/types.h>

enum archive_kind {
	ARCHIVE_CPIO_GZ,	/* newc cpio, gzip: what the kernel unpacks as initramfs */
	ARCHIVE_TAR,		/* pax-restricted ustar, uncompressed */
	ARCHIVE_TAR_GZ,
};

/* One extra character device added to the archive (path relative, no '/'). */
struct archive_dev {
	const char *path;	/* e.g. "dev/console" */
	mode_t mode;		/* permission bits */
	unsigned major, minor;
};

/*
 * Write the tree under root (its contents, not root itself) to out,
 * atomically (temporary name, rename).  devs may be NULL; ndevs entries.
 * 0 or -1 with e naming the file that failed.
 */
int archive_write_tree(const char *root, const char *out, enum archive_kind kind,
    const struct archive_dev *devs, size_t ndevs, struct kerr *e);

#endif
