/*
 * path: path strings and the file-system chores around them: joining,
 * normalising, containment checks, recursive mkdir and removal, whole-file
 * reads, and atomic writes (temporary name + fsync + rename).
 * Calls: xalloc, strbuf, kerr.
 */
#ifndef KILN_PATH_H
#define KILN_PATH_H

#include "util/kerr.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* a + "/" + b with duplicate slashes folded; caller frees. */
char *path_join(const char *a, const char *b);

/*
 * Lexically normalise: fold "//" and "/./", resolve "a/.." pairs.  Returns
 * NULL when ".." would climb above the start of a relative path or above
 * "/" of an absolute one.  Caller frees.
 */
char *path_normalize(const char *p);

/* True when p (normalised) is base itself or lies inside it. */
bool path_is_under(const char *p, const char *base);

bool path_exists(const char *p);
bool path_is_dir(const char *p);

/* mkdir -p with mode for each created directory.  0 or -1. */
int path_mkdir_p(const char *p, mode_t mode, struct kerr *e);

/*
 * rm -rf without following symlinks and without crossing into other file
 * systems (a mount point inside is refused, never emptied).  A missing
 * path is success.  0 or -1.
 */
int path_rm_rf(const char *p, struct kerr *e);

/*
 * chown -hR: give p and everything below it to uid:gid, never following
 * symlinks and never crossing into other file systems (a mount point
 * inside is left alone).  Entries that already belong to uid:gid are not
 * touched.  0 or -1.
 */
int path_chown_r(const char *p, uid_t uid, gid_t gid, struct kerr *e);

/* Read the whole file into sb (appending).  0 or -1 ("PATH: strerror"). */
int path_read(const char *p, struct strbuf *sb, struct kerr *e);

/*
 * The target of symlink p, whole (no length limit), caller frees; NULL
 * with e set ("PATH: strerror"; e may be NULL) and errno kept when p
 * cannot be read as a link.
 */
char *path_readlink(const char *p, struct kerr *e);

/*
 * Resolve rel (a path inside root, "/" = root) as if root were "/":
 * symlinks are followed (absolute ones against root, at most 40), ".."
 * never climbs above root.  The host path of the final file (caller
 * frees), or NULL when a component is missing or a link cannot be read.
 */
char *path_resolve_in(const char *root, const char *rel);

/*
 * Atomic write: data goes to "PATH.tmp.PID", is fsynced, renamed over
 * PATH, and the directory is fsynced.  Readers see the old or the new file,
 * never a part.  0 or -1 (the temporary is removed on failure).
 */
int path_write_atomic(const char *p, const void *data, size_t len, mode_t mode,
    struct kerr *e);

/*
 * Streamed atomic write: open gives an fd on the temporary; commit fsyncs,
 * closes and renames; abort closes and unlinks.  Either commit or abort must
 * be called exactly once after a successful open.
 */
struct atomic_file {
	char *path;	/* final name, owned */
	char *tmp;	/* temporary name, owned */
	int fd;
};
int atomic_file_open(struct atomic_file *af, const char *p, mode_t mode,
    struct kerr *e);
int atomic_file_commit(struct atomic_file *af, struct kerr *e);
void atomic_file_abort(struct atomic_file *af);

/* Write all of buf to fd, retrying on EINTR and short writes.  0 or -1. */
int write_full(int fd, const void *buf, size_t len);

#endif
