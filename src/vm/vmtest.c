/*
 * vmtest: boot an image in a throwaway QEMU and judge its serial console
 * (vm_test_run in vm.h).  QEMU runs as our child in its own process group
 * with PR_SET_PDEATHSIG, its serial console on a pipe; the verdict comes
 * from --expect patterns seen in order, --fail patterns, a kernel panic,
 * QEMU's exit or the deadline.  QEMU is always reaped before returning.
 * Does not create disks or sockets.  Calls: util, vm_qemu.
 */
#include "vm/vm.h"
#include "util/child.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TAIL_LINES 15

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void
vm_test_result_init(struct vm_test_result *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->reason, 0);
	strbuf_init(&r->tail, 0);
}

void
vm_test_result_free(struct vm_test_result *r)
{
	strbuf_release(&r->reason);
	strbuf_release(&r->tail);
}

struct judge {
	const struct vm_test_opts *o;
	regex_t *expect, *fail;
	size_t next;		/* next expect to see */
	char *lines[TAIL_LINES];/* ring of the last lines, owned */
	size_t nlines;
	struct strbuf cur;	/* the line being read */
	int verdict;		/* 0 undecided, 1 pass, -1 fail */
	struct strbuf why;
};

/* Drop ANSI escape sequences and '\r' so patterns see plain text. */
static char *
clean_line(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *w = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\033') {
			i++;
			if (i < len && s[i] == '[')
				while (i + 1 < len && !(s[i + 1] >= '@' && s[i + 1] <= '~'))
					i++;
			i++;
			continue;
		}
		if (s[i] == '\r' || s[i] == '\0')
			continue;
		*w++ = s[i];
	}
	*w = '\0';
	return out;
}

static void
judge_line(struct judge *j, const char *raw, size_t len)
{
	const struct vm_test_opts *o = j->o;
	char *line = clean_line(raw, len);

	if (j->nlines == TAIL_LINES) {
		free(j->lines[0]);
		memmove(j->lines, j->lines + 1, sizeof(char *) * (TAIL_LINES - 1));
		j->nlines--;
	}
	j->lines[j->nlines++] = xstrdup(line);
	if (j->verdict != 0)
		goto out;
	for (size_t i = 0; i < o->n_fail; i++)
		if (regexec(&j->fail[i], line, 0, NULL, 0) == 0) {
			j->verdict = -1;
			strbuf_addf(&j->why, "console matched --fail /%s/: %s",
			    o->fail[i], line);
			goto out;
		}
	if (strstr(line, "Kernel panic - not syncing")) {
		j->verdict = -1;
		strbuf_addf(&j->why, "kernel panic: %s", line);
		goto out;
	}
	/* kiln's image rc reports a service that did not start this way */
	if (strncmp(line, "kiln-rc: ", 9) == 0 && strstr(line, ": start failed")) {
		j->verdict = -1;
		strbuf_addf(&j->why, "a service failed to start: %s", line + 9);
		goto out;
	}
	while (j->next < o->n_expect &&
	    regexec(&j->expect[j->next], line, 0, NULL, 0) == 0)
		j->next++;
	if (o->n_expect > 0 && j->next == o->n_expect) {
		j->verdict = 1;
		strbuf_addf(&j->why, "all %zu expected patterns appeared in order",
		    o->n_expect);
	}
out:
	free(line);
}

static void
judge_bytes(struct judge *j, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			judge_line(j, j->cur.buf, j->cur.len);
			strbuf_reset(&j->cur);
		} else {
			strbuf_addch(&j->cur, buf[i]);
		}
	}
}

/* SIGTERM the group, wait up to 3 s, then SIGKILL; always reaps. */
static void
kill_qemu(pid_t pid, int *status)
{
	long until;

	if (waitpid(pid, status, WNOHANG) == pid)
		return;
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	until = now_ms() + 3000;
	while (now_ms() < until) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return;
		nanosleep(&(struct timespec){ 0, 10 * 1000000L }, NULL);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

int
vm_test_run(const struct vm_test_opts *o, struct vm_test_result *r,
    struct kerr *e)
{
	struct judge j = { .o = o };
	char **argv = NULL;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct strbuf qerr = STRBUF_INIT;
	pid_t pid = -1;
	int status = 0, rc = -1;
	size_t ncomp_e = 0, ncomp_f = 0;
	long start = now_ms(), deadline;
	bool exited = false, timed_out = false, cancelled = false;

	strbuf_init(&j.cur, 0);
	strbuf_init(&j.why, 0);
	j.expect = xcalloc(o->n_expect + 1, sizeof(regex_t));
	j.fail = xcalloc(o->n_fail + 1, sizeof(regex_t));
	for (; ncomp_e < o->n_expect; ncomp_e++)
		if (regcomp(&j.expect[ncomp_e], o->expect[ncomp_e], REG_EXTENDED | REG_NOSUB) != 0) {
			kerr_set(e, "--expect '%s': not a valid extended regular expression",
			    o->expect[ncomp_e]);
			goto out;
		}
	for (; ncomp_f < o->n_fail; ncomp_f++)
		if (regcomp(&j.fail[ncomp_f], o->fail[ncomp_f], REG_EXTENDED | REG_NOSUB) != 0) {
			kerr_set(e, "--fail '%s': not a valid extended regular expression",
			    o->fail[ncomp_f]);
			goto out;
		}
	struct vm_launch l = {
		.accel = o->accel, .iso = o->iso, .boot_cdrom = o->iso != NULL,
		.kernel = o->iso ? NULL : o->kernel,
		.initrd = o->iso ? NULL : o->initrd,
		.cmdline = o->cmdline, .serial_stdio = true,
	};
	if (o->iso == NULL && o->kernel == NULL) {
		kerr_set(e, "nothing to boot: give an ISO or a kernel");
		goto out;
	}
	if (o->iso && access(o->iso, R_OK) < 0) {
		kerr_errno(e, "%s", o->iso);
		goto out;
	}
	if (o->kernel && !o->iso && access(o->kernel, R_OK) < 0) {
		kerr_errno(e, "%s", o->kernel);
		goto out;
	}
	if (o->initrd && !o->iso && access(o->initrd, R_OK) < 0) {
		kerr_errno(e, "%s", o->initrd);
		goto out;
	}
	struct vm_spec s = *o->spec;
	if (!o->iso)
		s.loader = "kernel";
	else if (strcmp(s.loader, "kernel") == 0)
		s.loader = "bios";
	s.disk0_type = "none";
	if ((argv = vm_qemu_argv(&s, &l, e)) == NULL)
		goto out;
	{
		extern char **environ;
		char *prog = child_which(argv[0], environ);
		if (prog == NULL) {
			kerr_set(e, "%s: not found in PATH (install qemu-system-x86)", argv[0]);
			goto out;
		}
		free(prog);
	}
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		kerr_errno(e, "pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		kerr_errno(e, "fork");
		goto out;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		dup2(null, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	if (o->qemu_pid)
		*o->qemu_pid = pid;
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	deadline = start + (long)(o->timeout_s > 0 ? o->timeout_s : 60) * 1000;
	while (j.verdict == 0) {
		struct pollfd pf[2] = { { outp[0], POLLIN, 0 }, { errp[0], POLLIN, 0 } };
		long left = deadline - now_ms();
		char buf[8192];
		ssize_t n;

		if (o->cancel && *o->cancel) {
			cancelled = true;
			break;
		}
		if (left <= 0) {
			timed_out = true;
			break;
		}
		if (outp[0] < 0 && errp[0] < 0) {
			exited = true;
			break;
		}
		int pr = poll(pf, 2, left < 200 ? (int)left : 200);
		if (pr < 0 && errno != EINTR) {
			kerr_errno(e, "poll");
			goto out;
		}
		if (pr <= 0)
			continue;
		if (pf[0].revents) {
			n = read(outp[0], buf, sizeof(buf));
			if (n > 0) {
				if (o->log_fd >= 0)
					(void)!write_full(o->log_fd, buf, (size_t)n);
				if (o->echo_fd >= 0)
					(void)!write_full(o->echo_fd, buf, (size_t)n);
				judge_bytes(&j, buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(outp[0]);
				outp[0] = -1;
			}
		}
		if (pf[1].revents) {
			n = read(errp[0], buf, sizeof(buf));
			if (n > 0 && qerr.len < 65536)
				strbuf_add(&qerr, buf, (size_t)n);
			else if (n == 0 || (n < 0 && errno != EINTR)) {
				close(errp[0]);
				errp[0] = -1;
			}
		}
	}
	if (j.verdict == 0 && j.cur.len) {
		/* a last line without newline (a prompt, a half-written marker) */
		judge_line(&j, j.cur.buf, j.cur.len);
		strbuf_reset(&j.cur);
	}
	kill_qemu(pid, &status);
	if (o->qemu_pid)
		*o->qemu_pid = -1;
	pid = -1;
	r->elapsed_ms = now_ms() - start;
	r->matched = (int)j.next;
	strbuf_rtrim(&qerr);
	if (j.verdict == 0) {
		if (cancelled) {
			strbuf_addstr(&j.why, "interrupted; the VM was stopped");
		} else if (timed_out) {
			strbuf_addf(&j.why, "timed out after %d s", o->timeout_s);
			if (j.next < o->n_expect)
				strbuf_addf(&j.why, " waiting for /%s/", o->expect[j.next]);
		} else if (exited) {
			if (o->n_expect == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				j.verdict = 1;
				strbuf_addstr(&j.why, "the guest powered off and no --fail pattern appeared");
			} else {
				if (WIFEXITED(status))
					strbuf_addf(&j.why, "qemu exited with status %d", WEXITSTATUS(status));
				else
					strbuf_addf(&j.why, "qemu was killed by signal %d", WTERMSIG(status));
				if (j.next < o->n_expect)
					strbuf_addf(&j.why, " before /%s/ appeared", o->expect[j.next]);
				if (qerr.len)
					strbuf_addf(&j.why, ": %s", qerr.buf);
			}
		}
	}
	r->pass = j.verdict == 1;
	strbuf_add(&r->reason, j.why.buf, j.why.len);
	for (size_t i = 0; i < j.nlines; i++) {
		strbuf_addstr(&r->tail, j.lines[i]);
		strbuf_addch(&r->tail, '\n');
	}
	rc = 0;
out:
	if (pid > 0)
		kill_qemu(pid, &status);
	for (size_t i = 0; i < ncomp_e; i++)
		regfree(&j.expect[i]);
	for (size_t i = 0; i < ncomp_f; i++)
		regfree(&j.fail[i]);
	free(j.expect);
	free(j.fail);
	for (size_t i = 0; i < j.nlines; i++)
		free(j.lines[i]);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	strbuf_release(&j.cur);
	strbuf_release(&j.why);
	strbuf_release(&qerr);
	xfree_strv(argv);
	return rc;
}
