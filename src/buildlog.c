/*
 * buildlog: a size-capped log file fed through a pipe by one thread.
 * See buildlog.h.  Calls: util, pthread.
 */
#include "buildlog.h"

#include "util/path.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct buildlog {
	int file;
	int rd, wr;		/* the pipe */
	uint64_t limit, written, dropped;
	pthread_t thread;
};

static void *
drain(void *arg)
{
	struct buildlog *bl = arg;
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(bl->rd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t keep = (size_t)n;
		if (bl->limit > 0) {
			uint64_t room = bl->written < bl->limit ? bl->limit - bl->written : 0;
			if (keep > room)
				keep = (size_t)room;
		}
		if (keep > 0 && write_full(bl->file, buf, keep) == 0)
			bl->written += keep;
		if (keep < (size_t)n) {
			if (bl->dropped == 0) {
				char msg[160];
				int m = snprintf(msg, sizeof(msg), "\n=> log truncated: "
				    "KILN_LOG_LIMIT of %llu bytes reached; the rest of the"
				    " output is dropped\n", (unsigned long long)bl->limit);
				(void)write_full(bl->file, msg, (size_t)m);
			}
			bl->dropped += (size_t)n - keep;
		}
	}
	return NULL;
}

struct buildlog *
buildlog_open(const char *path, uint64_t limit, struct kerr *e)
{
	struct buildlog *bl = xcalloc(1, sizeof(*bl));
	int p[2];

	bl->file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (bl->file < 0) {
		kerr_errno(e, "%s", path);
		free(bl);
		return NULL;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		kerr_errno(e, "%s: pipe", path);
		close(bl->file);
		free(bl);
		return NULL;
	}
	bl->rd = p[0];
	bl->wr = p[1];
	bl->limit = limit;
	if (pthread_create(&bl->thread, NULL, drain, bl) != 0) {
		kerr_set(e, "%s: cannot start the log thread", path);
		close(p[0]);
		close(p[1]);
		close(bl->file);
		free(bl);
		return NULL;
	}
	return bl;
}

int
buildlog_fd(const struct buildlog *bl)
{
	return bl->wr;
}

void
buildlog_printf(struct buildlog *bl, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	(void)write_full(bl->wr, s, (size_t)n);
	free(s);
}

uint64_t
buildlog_dropped(const struct buildlog *bl)
{
	return bl->dropped;
}

int
buildlog_close(struct buildlog *bl, const char *footer, struct kerr *e)
{
	int rc = 0;

	if (bl == NULL)
		return 0;
	close(bl->wr);
	pthread_join(bl->thread, NULL);
	close(bl->rd);
	if (footer && write_full(bl->file, footer, strlen(footer)) < 0)
		rc = kerr_errno(e, "build log");
	if (fsync(bl->file) < 0 && errno != EINVAL)
		rc = kerr_errno(e, "build log");
	close(bl->file);
	free(bl);
	return rc;
}
