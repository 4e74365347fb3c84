/*
 * child: run another program from an argv array and an explicit
 * environment.  Never a shell string: the only shell kiln runs is
 * "/bin/sh -ec LINE" for a port's own recipe lines, and that is an argv too.
 *
 * The child gets its own process group, so a timeout kills everything it
 * started (SIGTERM, then SIGKILL after a grace period).  Its standard
 * streams are fds chosen by the caller, /dev/null, or captured into strbufs.
 * Calls: xalloc, strbuf, kerr.
 */
#ifndef KILN_CHILD_H
#define KILN_CHILD_H

#include "util/kerr.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <sys/types.h>

#define CHILD_DEVNULL (-1)	/* the stream is /dev/null (the default) */
#define CHILD_INHERIT (-2)	/* the stream is kiln's own */

struct child {
	/* Set by the caller; all borrowed. */
	char *const *argv;	/* argv[0] is looked up in PATH of env if it has no '/' */
	char *const *env;	/* NULL means an empty environment */
	const char *cwd;	/* NULL: kiln's own */
	int in_fd, out_fd, err_fd;	/* fds, CHILD_DEVNULL or CHILD_INHERIT */
	struct strbuf *out;	/* when set, stdout is captured here (out_fd ignored) */
	struct strbuf *err;	/* when set, stderr is captured here (err_fd ignored) */
	int timeout_ms;		/* 0: none */
	/* Filled by child_run / child_start. */
	pid_t pid;
	int status;		/* raw wait status */
	bool timed_out;
};

/* Zero a struct child with every stream on /dev/null. */
void child_init(struct child *c, char *const *argv, char *const *env);

/*
 * Run to completion: start, feed captures, enforce the timeout, reap.
 * Returns 0 when the child ran (whatever its exit status; see status and
 * timed_out), -1 when it could not be started (e set, e.g. "cc: not found").
 */
int child_run(struct child *c, struct kerr *e);

/*
 * Exit code in the shell's convention: the exit status, 128+signal for a
 * signal, 124 for a timeout.
 */
int child_exit_code(const struct child *c);

/* One line describing how it ended: "exited 2", "killed by signal 9", ... */
const char *child_describe(const struct child *c, char *buf, size_t len);

/* Find prog in the PATH found in env (or "/usr/bin:/bin"); caller frees. */
char *child_which(const char *prog, char *const *env);

/*
 * Convenience: run argv with env, capturing stdout into out (may be NULL),
 * stderr included in the error message on failure.  Returns 0 only when the
 * command exited 0.
 */
int child_capture(char *const *argv, char *const *env, struct strbuf *out,
    struct kerr *e);

#endif
