/*
 * child: fork + execve with explicit argv/env, captured streams,
 * process-group timeouts (see child.h).
 */
#include "util/child.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_KILL_GRACE_MS 2000

void
child_init(struct child *c, char *const *argv, char *const *env)
{
	memset(c, 0, sizeof(*c));
	c->argv = argv;
	c->env = env;
	c->in_fd = c->out_fd = c->err_fd = CHILD_DEVNULL;
	c->pid = -1;
}

static const char *
env_path(char *const *env)
{
	for (char *const *p = env; p && *p; p++)
		if (strncmp(*p, "PATH=", 5) == 0)
			return *p + 5;
	return "/usr/bin:/bin";
}

char *
child_which(const char *prog, char *const *env)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? xstrdup(prog) : NULL;
	const char *path = env_path(env);
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		char *cand = xasprintf("%.*s/%s", (int)len, path, prog);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		path += len + (colon ? 1 : 0);
	}
	return NULL;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Set up fd `target` in the child from the caller's choice. */
static void
child_dup(int choice, int pipe_end, int target, int devnull)
{
	int fd = pipe_end >= 0 ? pipe_end : choice == CHILD_DEVNULL ? devnull : choice;

	if (choice == CHILD_INHERIT && pipe_end < 0)
		return;
	if (fd != target)
		dup2(fd, target);
	else
		fcntl(fd, F_SETFD, 0);
}

static void
drain(int *fd, struct strbuf *sb)
{
	char buf[16384];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		strbuf_add(sb, buf, (size_t)n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close(*fd);
		*fd = -1;
	}
}

static void
close_all(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void
drain_nonblocking(int *fd, struct strbuf *sb)
{
	if (*fd < 0)
		return;
	fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK);
	while (*fd >= 0) {
		errno = 0;
		drain(fd, sb);
		if (errno == EAGAIN)
			break;
	}
}

int
child_run(struct child *c, struct kerr *e)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, execp[2] = { -1, -1 };
	char *prog = NULL;
	int devnull = -1, rc = -1;
	char *empty_env[] = { NULL };
	char *const *env = c->env ? c->env : empty_env;

	c->timed_out = false;
	prog = child_which(c->argv[0], env);
	if (prog == NULL)
		return kerr_set(e, "%s: command not found", c->argv[0]);
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    (c->out && pipe2(outp, O_CLOEXEC) < 0) ||
	    (c->err && pipe2(errp, O_CLOEXEC) < 0) ||
	    pipe2(execp, O_CLOEXEC) < 0) {
		kerr_errno(e, "%s: cannot set up streams", c->argv[0]);
		goto out;
	}
	c->pid = fork();
	if (c->pid < 0) {
		kerr_errno(e, "%s: fork", c->argv[0]);
		goto out;
	}
	if (c->pid == 0) {
		sigset_t none;
		setpgid(0, 0);
		/* A program starts with no signal blocked, whatever thread of
		 * kiln (the daemon blocks SIGTERM in all) forked it. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		child_dup(c->in_fd, -1, 0, devnull);
		child_dup(c->out_fd, outp[1], 1, devnull);
		child_dup(c->err_fd, errp[1], 2, devnull);
		if (c->cwd == NULL || chdir(c->cwd) == 0)
			execve(prog, c->argv, env);
		int err = errno;
		(void)!write(execp[1], &err, sizeof(err));
		_exit(127);
	}
	setpgid(c->pid, c->pid);	/* both sides, to avoid a race with kill */
	close(execp[1]);
	execp[1] = -1;
	if (outp[1] >= 0) { close(outp[1]); outp[1] = -1; }
	if (errp[1] >= 0) { close(errp[1]); errp[1] = -1; }

	int exec_errno = 0;
	if (read(execp[0], &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno)) {
		waitpid(c->pid, &c->status, 0);
		errno = exec_errno;
		kerr_errno(e, "%s: cannot run%s%s", c->argv[0],
		    c->cwd ? " in " : "", c->cwd ? c->cwd : "");
		goto out;
	}

	long deadline = c->timeout_ms > 0 ? now_ms() + c->timeout_ms : 0;
	long kill_at = 0;
	for (;;) {
		struct pollfd pf[2];
		nfds_t n = 0;
		if (outp[0] >= 0)
			pf[n++] = (struct pollfd){ outp[0], POLLIN, 0 };
		if (errp[0] >= 0)
			pf[n++] = (struct pollfd){ errp[0], POLLIN, 0 };
		if (n == 0 && deadline == 0) {
			while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (n > 0 && poll(pf, n, 50) > 0) {
			for (nfds_t i = 0; i < n; i++)
				if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
					drain(pf[i].fd == outp[0] ? &outp[0] : &errp[0],
					    pf[i].fd == outp[0] ? c->out : c->err);
		} else if (n == 0) {
			nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
		}
		if (waitpid(c->pid, &c->status, WNOHANG) == c->pid) {
			/* Take what is already buffered, but never wait for a
			 * grandchild that still holds the pipe open. */
			drain_nonblocking(&outp[0], c->out);
			drain_nonblocking(&errp[0], c->err);
			break;
		}
		if (deadline) {
			long t = now_ms();
			if (!c->timed_out && t >= deadline) {
				c->timed_out = true;
				kill(-c->pid, SIGTERM);
				kill_at = t + CHILD_KILL_GRACE_MS;
			} else if (kill_at && t >= kill_at) {
				kill(-c->pid, SIGKILL);
				kill_at = 0;
			}
		}
	}
	if (c->timed_out)
		kill(-c->pid, SIGKILL);	/* stragglers that ignored SIGTERM */
	rc = 0;
out:
	close_all((int[]){ outp[0], outp[1], errp[0], errp[1], execp[0], execp[1], devnull }, 7);
	free(prog);
	return rc;
}

int
child_exit_code(const struct child *c)
{
	if (c->timed_out)
		return 124;
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return 1;
}

const char *
child_describe(const struct child *c, char *buf, size_t len)
{
	if (c->timed_out)
		snprintf(buf, len, "timed out after %d ms", c->timeout_ms);
	else if (WIFEXITED(c->status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(c->status));
	else if (WIFSIGNALED(c->status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(c->status),
		    strsignal(WTERMSIG(c->status)));
	else
		snprintf(buf, len, "ended with status %#x", c->status);
	return buf;
}

int
child_capture(char *const *argv, char *const *env, struct strbuf *out,
    struct kerr *e)
{
	struct strbuf errbuf = STRBUF_INIT, dummy = STRBUF_INIT;
	struct child c;
	char how[128];
	int rc = -1;

	child_init(&c, argv, env);
	c.out = out ? out : &dummy;
	c.err = &errbuf;
	if (child_run(&c, e) < 0)
		goto out;
	if (child_exit_code(&c) != 0) {
		strbuf_trim(&errbuf);
		kerr_set(e, "%s: %s%s%s", argv[0], child_describe(&c, how, sizeof(how)),
		    errbuf.len ? ": " : "", errbuf.buf);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&errbuf);
	strbuf_release(&dummy);
	return rc;
}
