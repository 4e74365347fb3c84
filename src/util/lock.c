/*
 * lock: flock-based area locks (see lock.h).
 */
#include "util/lock.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int
lock_take(struct lock *l, const char *path, const char *what, bool wait,
    struct kerr *e)
{
	char *dir = xstrdup(path);
	int fd = -1;

	l->fd = -1;
	l->path = NULL;
	if (path_mkdir_p(dirname(dir), 0755, e) < 0) {
		free(dir);
		return -1;
	}
	free(dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return kerr_errno(e, "%s", path);
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		struct strbuf holder = STRBUF_INIT;
		int saved = errno;
		strbuf_read_fd(&holder, fd);
		strbuf_trim(&holder);
		close(fd);
		if (saved == EWOULDBLOCK)
			kerr_set(e, "%s is in use by %s; try again when it has finished",
			    path, holder.len ? holder.buf : "another kiln");
		else
			kerr_set(e, "%s: flock: %s", path, strerror(saved));
		strbuf_release(&holder);
		return -1;
	}
	if (ftruncate(fd, 0) == 0) {
		char *who = xasprintf("pid %ld (%s)\n", (long)getpid(), what);
		(void)!write(fd, who, strlen(who));
		free(who);
	}
	l->fd = fd;
	l->path = xstrdup(path);
	return 0;
}

void
lock_release(struct lock *l)
{
	if (l->fd >= 0) {
		(void)!ftruncate(l->fd, 0);
		close(l->fd);
	}
	free(l->path);
	l->fd = -1;
	l->path = NULL;
}
