/*
 * lock: advisory locks (flock) on named areas of BASEFS, so that two kiln
 * commands that would touch the same jail, ports tree or repository refuse
 * with a clear message instead of corrupting state.  A lock dies with its
 * process, so a crash never leaves a stale lock behind.
 * Calls: xalloc, kerr, path.
 */
#ifndef KILN_LOCK_H
#define KILN_LOCK_H

#include "util/kerr.h"

#include <stdbool.h>

struct lock {
	int fd;		/* -1 when not held */
	char *path;	/* owned */
};

/*
 * Take the lock file PATH (created with its parent directories).  With
 * wait false, a held lock fails at once with "AREA is in use by pid N
 * (COMMAND)".  what is recorded in the file for that message.  0 or -1.
 */
int lock_take(struct lock *l, const char *path, const char *what, bool wait,
    struct kerr *e);
void lock_release(struct lock *l);

#endif
