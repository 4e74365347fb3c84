/*
 * sandbox_linux: the Linux backend of sandbox.h: namespaces, overlayfs
 * over the layers, pivot_root, a fresh /proc and minimal /dev, an init
 * that runs the commands, and the relay that enforces the watchdogs.
 * Cgroups are in sandbox_cg_linux.c.  Calls: util.
 *
 * The promises.  Each is proven by a t/t30xx-sandbox-*.sh test through
 * `kiln run` (the test name follows each line).
 *
 * MUST run every command in new mount, PID, UTS, IPC and cgroup namespaces,
 *      and a new network namespace unless network is on.        [t3001, t3002]
 * MUST make / recursively private before mounting, so no mount propagates
 *      to the host, and leave no mount in the host's namespace.   [t3001, t3006]
 * MUST NOT let the command write to a layer or to any host path that is
 *      not bound read-write.                                      [t3001]
 * MUST NOT let the command see or signal host processes.          [t3002]
 * MUST give no network but an up lo when network is off.          [t3002]
 * MUST refuse mount, unshare, setns and new namespaces, set
 *      PR_SET_NO_NEW_PRIVS, and drop privileges: a setuid binary
 *      gives nothing; root inside keeps only file-owner caps.     [t3003]
 * MUST stop the command at the memory limit, tmpfs pages
 *      included, and say so.                                      [t3004]
 * MUST refuse forks past the pids limit.                          [t3004]
 * MUST refuse open files past max_files.                          [t3004]
 * MUST kill everything at the wall-clock and no-output limits.    [t3005]
 * MUST kill every process inside (daemons included) when the
 *      command ends.                                              [t3005]
 * MUST leave no process, mount, namespace or cgroup behind when
 *      kiln is killed with SIGKILL during a run.                  [t3006]
 *
 * Why the init shares kiln's memory (clone with CLONE_VM, on a stack of
 * its own) instead of being a copy (fork) or an exec'd helper: an exec
 * costs a process start, and a copy of kiln's address space costs more
 * than the rest of the sandbox (the page tables, then copy-on-write faults
 * in kiln and in the init, then the teardown), growing with kiln's size.
 * So the init, and each command's process until its exec (vfork, on the
 * init's stack), run only the code of this file's child side, on memory
 * prepared before the clone: the plan (read until the init says READY;
 * sandbox_close waits for an init that has not), and the init's own stack
 * and request buffer (unmapped once it has been reaped).  They share the
 * cloning kiln thread's thread-local storage, so they make system calls
 * only through rsys (no errno, no libc cancellation state), never malloc,
 * stdio or locks (another kiln thread may hold one), and run without ASan
 * instrumentation (the stacks are not ones ASan knows).
 */
#include "sandbox.h"
#include "sandbox_linux.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The staging mount point: covered privately in each sandbox's namespace. */
#define STAGE "/run/kiln-sandbox"
#define REQ_MAX (1024 * 1024)
#define MAX_OVL 16
#define MAX_MNT 64

enum { OP_EXEC = 1, OP_KILL = 2 };
enum { REP_READY = 1, REP_ERROR = 2, REP_DONE = 3 };

struct req {
	uint32_t op;
	uint32_t uid, gid;
	uint32_t argc, envc;
	uint32_t has_in;
	uint32_t ncg;		/* cgroup files after the streams (see exec_child) */
	uint64_t max_files;
	/* then: cwd\0 argv...\0 env...\0 */
};

struct rep {
	int32_t kind;
	int32_t status;		/* wait status */
	int32_t exec_errno;
	int32_t exec_step;
	char msg[1024];
};

struct ovl {
	char *target;		/* STAGE/r or STAGE/r/usr */
	char *opts;		/* lowerdir=...,upperdir=...,workdir=... */
	char *upper, *work;
};

struct xmnt {
	enum sandbox_mount_type type;
	char *src;
	char *target;		/* STAGE/r/DST */
	char *data;		/* tmpfs options */
	bool is_dir;
};

struct sandbox {
	char *name;
	pid_t init;
	int sock;
	struct sbcg cg;
	int cg_fd[SBCG_MAX];	/* cg.procs[], open for writing, sent with each command */
	uint64_t oom_base, pids_base;	/* counters before the current command */
	bool counting;		/* a command ran since they were last read */
	bool ready;		/* the init said READY (the root is built) */
	/* The plan, built by the parent, read by the cloned child. */
	char *stage_opts, *tmp_opts, *hostname;
	struct ovl ovl[MAX_OVL];
	int novl;
	struct xmnt mnt[MAX_MNT];
	int nmnt;
	bool new_net;
	int netns_fd;		/* a spare network namespace for the init, or -1 */
	bool lo_is_up;		/* netns_fd is a spare, whose lo is already up */
	bool has_cpus;
	cpu_set_t cpus;
	void *initmem;		/* the init's stack and buffer (struct initmem) */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* The child side: only system calls on prepared memory.              */

/*
 * The init shares kiln's memory, and with it the thread-local storage of
 * the kiln thread that cloned it (see open_start): errno, and the
 * cancellation state libc's wrappers update.  So the init and its
 * commands' processes before their exec make system calls only through
 * rsys, which returns -errno and writes nothing but the kernel's answer.
 * They run no sanitizer instrumentation either (INIT): they run on stacks
 * ASan does not know, in memory that is unmapped when the init is reaped.
 */
#define INIT __attribute__((no_sanitize("address")))

static INIT long
rsys(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
	    : "=a"(ret)
	    : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	    : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
	    : "+r"(x0)
	    : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
	    : "memory");
	return x0;
#else
#error "sandbox_linux: rsys needs this architecture's system-call convention"
#endif
}
#define RS_(n, a, b, c, d, e, f, ...) rsys((long)(n), (long)(a), (long)(b), \
    (long)(c), (long)(d), (long)(e), (long)(f))
#define RS(...) RS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

/* Report a setup failure (err: an errno value) to kiln and die. */
static INIT void __attribute__((noreturn))
child_die(int sock, int err, const char *what, const char *path)
{
	struct rep r;

	memset(&r, 0, sizeof(r));
	r.kind = REP_ERROR;
	snprintf(r.msg, sizeof(r.msg), "%s%s%s: %s", what, path ? " " : "",
	    path ? path : "", strerrordesc_np(err));	/* no locale, no lock */
	RS(SYS_sendto, sock, &r, sizeof(r), MSG_NOSIGNAL, NULL, 0);
	RS(SYS_exit_group, 1);
	__builtin_unreachable();
}

/* Die with the failing call's error unless it succeeded. */
#define OR_DIE(call, what, path) do {						\
	long rc_ = (call);							\
	if (rc_ < 0)								\
		child_die(sock, (int)-rc_, what, path);				\
} while (0)

static INIT void __attribute__((noreturn))
init_exit(int code)
{
	RS(SYS_exit_group, code);
	__builtin_unreachable();
}

/* mkdir -p; 0 or -errno. */
static INIT long
mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	long rc;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	/* Mostly the directory or its parent exists: one call, not one per level. */
	rc = RS(SYS_mkdirat, AT_FDCWD, path, mode);
	if (rc == 0 || rc == -EEXIST)
		return 0;
	if (rc != -ENOENT)
		return rc;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		rc = RS(SYS_mkdirat, AT_FDCWD, buf, mode);
		if (rc < 0 && rc != -EEXIST)
			return rc;
		*p = '/';
	}
	rc = RS(SYS_mkdirat, AT_FDCWD, buf, mode);
	return rc == -EEXIST ? 0 : rc;
}

/* Make an empty file (and its parents) to bind a file onto; 0 or -errno. */
static INIT long
touch_p(const char *path)
{
	char buf[PATH_MAX];
	char *slash;
	long fd, rc;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	if ((slash = strrchr(buf, '/')) && slash != buf) {
		*slash = '\0';
		if ((rc = mkdir_p(buf, 0755)) < 0)
			return rc;
	}
	fd = RS(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return fd == -EEXIST ? 0 : fd;
	RS(SYS_close, fd);
	return 0;
}

static INIT void
mount_or_die(int sock, const char *src, const char *dst, const char *type,
    unsigned long flags, const char *data)
{
	OR_DIE(RS(SYS_mount, src, dst, type, flags, data), type ? type : "bind", dst);
}

/* A read-only bind of path onto itself. */
static INIT void
ro_self(int sock, const char *path)
{
	long rc = RS(SYS_mount, path, path, NULL, MS_BIND | MS_REC, NULL);

	if (rc == -ENOENT)
		return;	/* not in this kernel: nothing to protect */
	OR_DIE(rc, "bind", path);
	OR_DIE(RS(SYS_mount, NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL), "remount read-only", path);
}

static const struct {
	const char *name;
	unsigned maj, min;
} devices[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *target, *path;
} dev_links[] = {
	{ "/proc/self/fd", STAGE "/r/dev/fd" }, { "/proc/self/fd/0", STAGE "/r/dev/stdin" },
	{ "/proc/self/fd/1", STAGE "/r/dev/stdout" },
	{ "/proc/self/fd/2", STAGE "/r/dev/stderr" }, { "pts/ptmx", STAGE "/r/dev/ptmx" },
};

static INIT void
make_dev(int sock)
{
	char p[64];

	mount_or_die(sock, "kiln-dev", STAGE "/r/dev", "tmpfs",
	    MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k");
	/* mknod obeys the umask: none while the nodes are made. */
	long old = RS(SYS_umask, 0);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		snprintf(p, sizeof(p), STAGE "/r/dev/%s", devices[i].name);
		OR_DIE(RS(SYS_mknodat, AT_FDCWD, p, S_IFCHR | 0666,
		    makedev(devices[i].maj, devices[i].min)), "mknod", p);
	}
	RS(SYS_umask, old);
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++)
		OR_DIE(RS(SYS_symlinkat, dev_links[i].target, AT_FDCWD, dev_links[i].path),
		    "symlink", dev_links[i].path);
	OR_DIE(RS(SYS_mkdirat, AT_FDCWD, STAGE "/r/dev/pts", 0755), "mkdir", "/dev/pts");
	OR_DIE(RS(SYS_mkdirat, AT_FDCWD, STAGE "/r/dev/shm", 01777), "mkdir", "/dev/shm");
	mount_or_die(sock, "devpts", STAGE "/r/dev/pts", "devpts",
	    MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mount_or_die(sock, "kiln-shm", STAGE "/r/dev/shm", "tmpfs",
	    MS_NOSUID | MS_NODEV, "mode=1777");
}

/*
 * Bring lo up in the calling thread's network namespace.  0, or -errno
 * with *what naming the step.  Used by the init and by the maker of spare
 * namespaces (sandbox_prepare).
 */
static INIT long
lo_set_up(const char **what)
{
	struct ifreq ifr;
	long s = RS(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	*what = "socket for";
	if (s < 0)
		return s;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	*what = "SIOCGIFFLAGS";
	if ((rc = RS(SYS_ioctl, s, SIOCGIFFLAGS, &ifr)) < 0)
		goto out;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	*what = "SIOCSIFFLAGS";
	rc = RS(SYS_ioctl, s, SIOCSIFFLAGS, &ifr);
out:
	RS(SYS_close, s);
	return rc;
}

/* Build the root and pivot into it.  Runs in the new namespaces. */
static INIT void
child_setup(const struct sandbox *sb, int sock)
{
	mount_or_die(sock, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	mount_or_die(sock, "kiln-root", STAGE, "tmpfs", MS_NOSUID | MS_NODEV,
	    sb->stage_opts);
	OR_DIE(RS(SYS_mkdirat, AT_FDCWD, STAGE "/r", 0755), "mkdir", STAGE "/r");
	for (int i = 0; i < sb->novl; i++) {
		const struct ovl *o = &sb->ovl[i];
		OR_DIE(RS(SYS_mkdirat, AT_FDCWD, o->upper, 0755), "mkdir", o->upper);
		OR_DIE(RS(SYS_mkdirat, AT_FDCWD, o->work, 0700), "mkdir", o->work);
		if (i > 0)
			OR_DIE(mkdir_p(o->target, 0755), "mkdir", o->target);
		mount_or_die(sock, "overlay", o->target, "overlay", 0, o->opts);
	}
	OR_DIE(mkdir_p(STAGE "/r/proc", 0555), "mkdir", "/proc");
	mount_or_die(sock, "proc", STAGE "/r/proc", "proc",
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	/* Root inside must not tune the host's kernel. */
	ro_self(sock, STAGE "/r/proc/sys");
	ro_self(sock, STAGE "/r/proc/sysrq-trigger");
	OR_DIE(mkdir_p(STAGE "/r/dev", 0755), "mkdir", "/dev");
	make_dev(sock);
	OR_DIE(mkdir_p(STAGE "/r/tmp", 01777), "mkdir", "/tmp");
	mount_or_die(sock, "kiln-tmp", STAGE "/r/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
	    sb->tmp_opts);
	for (int i = 0; i < sb->nmnt; i++) {
		const struct xmnt *m = &sb->mnt[i];
		OR_DIE(m->is_dir ? mkdir_p(m->target, 0755) : touch_p(m->target),
		    "create mount point", m->target);
		if (m->type == SANDBOX_TMPFS) {
			mount_or_die(sock, "kiln-work", m->target, "tmpfs",
			    MS_NOSUID | MS_NODEV, m->data);
			continue;
		}
		mount_or_die(sock, m->src, m->target, NULL, MS_BIND | MS_REC, NULL);
		OR_DIE(RS(SYS_mount, NULL, m->target, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID |
		    MS_NODEV | (m->type == SANDBOX_BIND_RO ? MS_RDONLY : 0), NULL),
		    "remount", m->target);
	}
	OR_DIE(RS(SYS_sethostname, sb->hostname, strlen(sb->hostname)), "sethostname",
	    sb->hostname);
	if (sb->new_net && !sb->lo_is_up) {
		const char *what;
		OR_DIE(lo_set_up(&what), what, "lo");
	}
	if (sb->has_cpus)
		OR_DIE(RS(SYS_sched_setaffinity, 0, sizeof(sb->cpus), &sb->cpus),
		    "sched_setaffinity", NULL);
	OR_DIE(RS(SYS_chdir, STAGE "/r"), "chdir", STAGE "/r");
	/* Stack the old root under the new one and detach it. */
	OR_DIE(RS(SYS_pivot_root, ".", "."), "pivot_root", STAGE "/r");
	OR_DIE(RS(SYS_umount2, ".", MNT_DETACH), "umount old root", NULL);
	OR_DIE(RS(SYS_chdir, "/"), "chdir", "/");
}

/* Capabilities root keeps inside: what owning files needs, nothing more. */
#define KEEP_CAPS ((1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) | \
    (1ULL << CAP_FOWNER) | (1ULL << CAP_FSETID) | (1ULL << CAP_KILL) |   \
    (1ULL << CAP_SETGID) | (1ULL << CAP_SETUID) | (1ULL << CAP_SETFCAP) |   \
    (1ULL << CAP_NET_BIND_SERVICE) | (1ULL << CAP_AUDIT_WRITE))

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * The seccomp filter: system calls that change mounts, namespaces, the
 * kernel or keys fail with EPERM; clone with a namespace flag too; clone3
 * (whose flags BPF cannot read) fails with ENOSYS so libc falls back to
 * clone.  Other ABIs (x32, i386) are refused entirely, so they cannot be
 * used to get around the list.  0 or -errno.
 */
static INIT long
install_seccomp(void)
{
#ifdef SECCOMP_ARCH
	static const int deny[] = {
		__NR_mount, __NR_umount2, __NR_pivot_root, __NR_chroot, __NR_unshare,
		__NR_setns, __NR_swapon, __NR_swapoff, __NR_reboot, __NR_kexec_load,
#ifdef __NR_kexec_file_load
		__NR_kexec_file_load,
#endif
		__NR_init_module, __NR_finit_module, __NR_delete_module, __NR_bpf,
		__NR_perf_event_open, __NR_open_by_handle_at, __NR_name_to_handle_at,
		__NR_keyctl, __NR_add_key, __NR_request_key, __NR_acct, __NR_quotactl,
		__NR_syslog, __NR_vhangup, __NR_settimeofday, __NR_clock_settime,
		__NR_clock_adjtime, __NR_adjtimex,
#ifdef __NR_fsopen
		__NR_fsopen, __NR_fsconfig, __NR_fsmount, __NR_fspick, __NR_move_mount,
		__NR_open_tree,
#endif
#ifdef __NR_mount_setattr
		__NR_mount_setattr,
#endif
#ifdef __NR_iopl
		__NR_iopl, __NR_ioperm,
#endif
	};
	struct sock_filter f[160];
	unsigned n = 0;
	const uint32_t ns_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
	    CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWCGROUP;

#define ST(code, k) f[n++] = (struct sock_filter)BPF_STMT(code, k)
#define JP(code, k, jt, jf) f[n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf)
	ST(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	JP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0);
	ST(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	ST(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	JP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	ST(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
#endif
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++) {
		JP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)deny[i], 0, 1);
		ST(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	}
#ifdef __NR_clone3
	JP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1);
	ST(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
#endif
	JP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3);
	/* clone's flags are its first argument on x86_64 and aarch64. */
	ST(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
	JP(BPF_JMP | BPF_JSET | BPF_K, ns_flags, 0, 1);
	ST(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	ST(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#undef ST
#undef JP
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
	return RS(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
	return 0;
#endif
}

/* Steps of the command's setup, reported with errno when one fails. */
enum { STEP_CGROUP = 7, STEP_FDS = 1, STEP_RLIMIT, STEP_CWD, STEP_PRIVS, STEP_SECCOMP, STEP_EXEC };

/*
 * Why a command failed before its exec, written by the command's process
 * into the init's memory (they share it until the exec: see spawn_cmd).
 */
struct spawn_fail {
	int step;		/* STEP_*, 0 while all is well */
	int err;		/* errno */
};

static INIT void __attribute__((noreturn))
exec_fail(volatile struct spawn_fail *f, int step, long rc)
{
	f->err = (int)-rc;
	f->step = step;
	init_exit(127);
}

#define OR_FAIL(call, step) do {						\
	long rc_ = (call);							\
	if (rc_ < 0)								\
		exec_fail(f, step, rc_);					\
} while (0)

/*
 * The command's process: drop everything, then exec.  It shares the
 * init's memory and runs on its stack below the init's frames (vfork), so
 * it writes nothing but its own frames and *f, and never returns.
 */
static INIT void __attribute__((noreturn))
exec_child(const struct req *rq, char **argv, char **envp, const char *cwd,
    const int *fds, volatile struct spawn_fail *f)
{
	struct rlimit rl;
	uint64_t none = 0;
	long rc;

	/*
	 * Into the limited cgroups (the fds after the streams), the last of
	 * which then becomes the namespace's root.
	 */
	for (uint32_t i = 0; i < rq->ncg; i++)
		if ((rc = RS(SYS_write, fds[2 + rq->has_in + i], "0", 1)) != 1)
			exec_fail(f, STEP_CGROUP, rc < 0 ? rc : -EIO);
	OR_FAIL(RS(SYS_unshare, CLONE_NEWCGROUP), STEP_CGROUP);
	RS(SYS_setsid);
	/* The init left every disposition at default (init_signals). */
	RS(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
	/* fds: [0] out, [1] err, [2] in (when has_in), then the cgroups. */
	long in = rq->has_in ? fds[2] : RS(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
	OR_FAIL(in, STEP_FDS);
	OR_FAIL(RS(SYS_dup3, in, 11, 0), STEP_FDS);
	OR_FAIL(RS(SYS_dup3, fds[0], 12, 0), STEP_FDS);
	OR_FAIL(RS(SYS_dup3, fds[1], 13, 0), STEP_FDS);
	OR_FAIL(RS(SYS_dup3, 11, 0, 0), STEP_FDS);
	OR_FAIL(RS(SYS_dup3, 12, 1, 0), STEP_FDS);
	OR_FAIL(RS(SYS_dup3, 13, 2, 0), STEP_FDS);
	RS(SYS_close_range, 3, ~0U, 0);
	rl.rlim_cur = rl.rlim_max = rq->max_files ? rq->max_files : 1024;
	OR_FAIL(RS(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL), STEP_RLIMIT);
	rl.rlim_cur = rl.rlim_max = 0;
	RS(SYS_prlimit64, 0, RLIMIT_CORE, &rl, NULL);
	OR_FAIL(RS(SYS_chdir, cwd), STEP_CWD);
	OR_FAIL(RS(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), STEP_PRIVS);
	for (int c = 0; c < 64; c++) {
		if (rq->uid == 0 && (KEEP_CAPS & (1ULL << c)))
			continue;
		if (RS(SYS_prctl, PR_CAPBSET_DROP, c, 0, 0, 0) == -EINVAL)
			break;
	}
	RS(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	OR_FAIL(RS(SYS_setgroups, 0, NULL), STEP_PRIVS);
	OR_FAIL(RS(SYS_setresgid, rq->gid, rq->gid, rq->gid), STEP_PRIVS);
	OR_FAIL(RS(SYS_setresuid, rq->uid, rq->uid, rq->uid), STEP_PRIVS);
	if (rq->uid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		memset(d, 0, sizeof(d));
		d[0].effective = d[0].permitted = (uint32_t)KEEP_CAPS;
		d[1].effective = d[1].permitted = (uint32_t)(KEEP_CAPS >> 32);
		OR_FAIL(RS(SYS_capset, &h, d), STEP_PRIVS);
	}
	OR_FAIL(install_seccomp(), STEP_SECCOMP);
	if (strchr(argv[0], '/'))
		exec_fail(f, STEP_EXEC, RS(SYS_execve, argv[0], argv, envp));
	const char *path = "/usr/bin:/bin";
	for (char **e = envp; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	long first_err = -ENOENT;
	char cand[PATH_MAX];
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		if (len + strlen(argv[0]) + 2 < sizeof(cand)) {
			memcpy(cand, path, len);
			cand[len] = '/';
			strcpy(cand + len + 1, argv[0]);
			rc = RS(SYS_execve, cand, argv, envp);
			if (rc != -ENOENT && rc != -ENOTDIR)
				first_err = rc;
		}
		path += len + (colon ? 1 : 0);
	}
	exec_fail(f, STEP_EXEC, first_err);
}

/*
 * vfork as a system call that touches neither errno nor the stack slot of
 * its own return address (the child runs on the same stack and overwrites
 * it): the address is kept in a register across the call, as libc's vfork
 * does.  Returns the pid, 0 in the child, or -errno.
 */
pid_t kiln_sandbox_vfork(void) __attribute__((returns_twice));
#if defined(__x86_64__)
__asm__(".text\n"
    ".globl kiln_sandbox_vfork\n"
    ".hidden kiln_sandbox_vfork\n"
    ".type kiln_sandbox_vfork,@function\n"
    "kiln_sandbox_vfork:\n"
    "	popq %rdi\n"
    "	movl $58, %eax\n"	/* SYS_vfork */
    "	syscall\n"
    "	pushq %rdi\n"
    "	ret\n"
    ".size kiln_sandbox_vfork, .-kiln_sandbox_vfork\n");
#elif defined(__aarch64__)
__asm__(".text\n"
    ".globl kiln_sandbox_vfork\n"
    ".hidden kiln_sandbox_vfork\n"
    ".type kiln_sandbox_vfork,%function\n"
    "kiln_sandbox_vfork:\n"
    "	mov x0, #0x4111\n"	/* CLONE_VM | CLONE_VFORK | SIGCHLD */
    "	mov x1, #0\n"
    "	mov x2, #0\n"
    "	mov x3, #0\n"
    "	mov x4, #0\n"
    "	mov x8, #220\n"		/* SYS_clone */
    "	svc #0\n"
    "	ret\n"
    ".size kiln_sandbox_vfork, .-kiln_sandbox_vfork\n");
#endif

/*
 * Start the command's process the way posix_spawn does: vfork, so the
 * kernel copies no address space and the init sleeps until the child has
 * exec'd or died.  The child reports a failure through f, in the memory it
 * shares with the init.  Returns the pid, or -1 with f filled in (the
 * failed child is reaped here).
 */
static INIT pid_t
spawn_cmd(const struct req *rq, char **argv, char **envp, const char *cwd,
    const int *fds, volatile struct spawn_fail *f)
{
	pid_t pid;

	f->step = 0;
	f->err = 0;
	pid = kiln_sandbox_vfork();
	if (pid == 0)
		exec_child(rq, argv, envp, cwd, fds, f);
	if (pid < 0) {
		f->step = STEP_FDS;
		f->err = -pid;
		return -1;
	}
	if (f->step) {
		while (RS(SYS_wait4, pid, NULL, 0, NULL) == -EINTR)
			;
		return -1;
	}
	return pid;
}

/*
 * Start one command from a request.  Returns its pid (>0), or -1 with
 * step and err saying why.
 */
static INIT pid_t
init_start(char *buf, size_t len, int *fds, int nfds, int *step, int *err)
{
	struct req *rq = (struct req *)buf;
	char *argv[4096], *envp[8192];
	char *p = buf + sizeof(*rq), *end = buf + len;
	const char *cwd;
	struct spawn_fail f;
	pid_t pid;

	*step = STEP_FDS;
	*err = EINVAL;
	if (len < sizeof(*rq) || rq->argc == 0 || rq->argc >= 4096 ||
	    rq->envc >= 8192 || rq->ncg > SBCG_MAX ||
	    nfds != 2 + (int)rq->has_in + (int)rq->ncg || end[-1] != '\0')
		return -1;
	cwd = p;
	p += strlen(p) + 1;
	for (uint32_t i = 0; i < rq->argc; i++) {
		if (p >= end)
			return -1;
		argv[i] = p;
		p += strlen(p) + 1;
	}
	argv[rq->argc] = NULL;
	for (uint32_t i = 0; i < rq->envc; i++) {
		if (p >= end)
			return -1;
		envp[i] = p;
		p += strlen(p) + 1;
	}
	envp[rq->envc] = NULL;
	if ((pid = spawn_cmd(rq, argv, envp, cwd, fds, &f)) < 0) {
		*step = f.step;
		*err = f.err;
	}
	return pid;
}

/* Kill everything in the namespace but us, and reap it all. */
static INIT void
init_kill_all(void)
{
	long rc;

	RS(SYS_kill, -1, SIGKILL);
	while ((rc = RS(SYS_wait4, -1, NULL, 0, NULL)) > 0 || rc == -EINTR)
		;
}

static INIT void __attribute__((noreturn))
init_loop(int sock, int sfd, char *reqbuf)
{
	pid_t cmd = -1;
	int cmd_status = 0;

	for (;;) {
		struct pollfd pfd[2] = { { sock, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		long rc = RS(SYS_ppoll, pfd, 2, NULL, NULL, 0);
		if (rc == -EINTR)
			continue;
		if (rc < 0)
			break;
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			int st;
			long w;
			RS(SYS_read, sfd, &si, sizeof(si));
			while ((w = RS(SYS_wait4, -1, &st, WNOHANG, NULL)) > 0) {
				if (w == cmd) {
					cmd = -1;
					cmd_status = st;
					/* The command is done: so is everything it started. */
					init_kill_all();
					struct rep r = { .kind = REP_DONE, .status = cmd_status };
					if (RS(SYS_sendto, sock, &r, offsetof(struct rep, msg),
					    MSG_NOSIGNAL, NULL, 0) < 0)
						init_exit(1);
				}
			}
		}
		if (pfd[0].revents & (POLLHUP | POLLERR) && !(pfd[0].revents & POLLIN))
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		int fds[3 + SBCG_MAX], nfds = 0;
		char cbuf[CMSG_SPACE(sizeof(fds))];
		struct iovec iov = { reqbuf, REQ_MAX };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		long n = RS(SYS_recvmsg, sock, &mh, MSG_CMSG_CLOEXEC);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;	/* kiln closed the sandbox or died */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
				if (nfds > 3 + SBCG_MAX)
					nfds = 3 + SBCG_MAX;
				memcpy(fds, CMSG_DATA(c), (size_t)nfds * sizeof(int));
			}
		uint32_t op = ((struct req *)reqbuf)->op;
		if (op == OP_KILL) {
			if (cmd > 0)
				RS(SYS_kill, -1, SIGKILL);
		} else if (op == OP_EXEC && cmd < 0) {
			int step, err;
			cmd = init_start(reqbuf, (size_t)n, fds, nfds, &step, &err);
			if (cmd < 0) {
				init_kill_all();
				struct rep r = { .kind = REP_DONE, .status = 127 << 8,
					.exec_errno = err, .exec_step = step };
				if (RS(SYS_sendto, sock, &r, offsetof(struct rep, msg),
				    MSG_NOSIGNAL, NULL, 0) < 0)
					init_exit(1);
			}
		}
		for (int i = 0; i < nfds; i++)
			RS(SYS_close, fds[i]);
	}
	init_kill_all();
	init_exit(0);
}

/*
 * Set every signal back to its default, once, so that no kiln handler can
 * run in the init (root inside may signal its pid 1, which gets only the
 * signals it has handlers for) and the commands need no reset of their
 * own: exec resets caught signals and nothing is ignored.
 */
static INIT void
init_signals(void)
{
	/* The kernel's struct: handler, flags, restorer, 64-bit mask. */
	struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; }
	    dfl = { SIG_DFL, 0, NULL, 0 };

	for (int s = 1; s <= 64; s++)
		if (s != SIGKILL && s != SIGSTOP)
			RS(SYS_rt_sigaction, s, &dfl, NULL, sizeof(dfl.mask));
}

/*
 * What the init gets from kiln, in the init's own memory (struct initmem)
 * so that kiln may change the sandbox after the clone.  The plan (sb) is
 * read only until the init reports READY; sandbox_close waits for the
 * init when it closes a sandbox before that.
 */
struct init_args {
	const struct sandbox *sb;
	int sock;
	int kiln_sock;		/* kiln's end, to close first */
	int netns_fd;
};

/* The cloned child: becomes the sandbox's init. */
static INIT int
child_main(void *arg)
{
	const struct init_args *a = arg;
	int sock = a->sock;
	uint64_t mask = 1ULL << (SIGCHLD - 1);
	long sfd, null;
	struct pollfd pf = { sock, POLLIN, 0 };
	struct timespec zero = { 0, 0 };

	RS(SYS_close, a->kiln_sock);
	RS(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
	/* kiln may have died before PDEATHSIG was armed: its end is then closed. */
	if (RS(SYS_ppoll, &pf, 1, &zero, NULL, 0) > 0 &&
	    (pf.revents & POLLHUP))
		init_exit(1);
	/* Before the fds move: netns_fd may be the number sock moves to. */
	if (a->netns_fd >= 0)
		OR_DIE(RS(SYS_setns, a->netns_fd, CLONE_NEWNET), "setns", "network namespace");
	if (RS(SYS_dup3, sock, 3, 0) < 0)
		init_exit(1);
	sock = 3;
	RS(SYS_close_range, 4, ~0U, 0);
	RS(SYS_prctl, PR_SET_NAME, "kiln-init");
	init_signals();
	child_setup(a->sb, sock);
	OR_DIE(null = RS(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC),
	    "open", "/dev/null");
	RS(SYS_dup3, null, 0, 0);
	RS(SYS_dup3, null, 1, 0);
	RS(SYS_dup3, null, 2, 0);
	RS(SYS_close, null);
	RS(SYS_rt_sigprocmask, SIG_BLOCK, &mask, NULL, sizeof(mask));
	OR_DIE(sfd = RS(SYS_signalfd4, -1, &mask, sizeof(mask), SFD_CLOEXEC), "signalfd", NULL);
	struct rep r = { .kind = REP_READY };
	/* After READY the init reads nothing of kiln's but its own memory. */
	char *reqbuf = (char *)(a + 1);
	if (RS(SYS_sendto, sock, &r, offsetof(struct rep, msg), MSG_NOSIGNAL, NULL, 0) < 0)
		init_exit(1);
	init_loop(sock, (int)sfd, reqbuf);
}

/* ------------------------------------------------------------------ */
/* The kiln side.                                                      */

static bool
bad_chars(const char *p)
{
	return strpbrk(p, ",:\\") != NULL;
}

static void
plan_free(struct sandbox *sb)
{
	for (int i = 0; i < sb->novl; i++) {
		free(sb->ovl[i].target);
		free(sb->ovl[i].opts);
		free(sb->ovl[i].upper);
		free(sb->ovl[i].work);
	}
	for (int i = 0; i < sb->nmnt; i++) {
		free(sb->mnt[i].src);
		free(sb->mnt[i].target);
		free(sb->mnt[i].data);
	}
	free(sb->stage_opts);
	free(sb->tmp_opts);
	free(sb->hostname);
	for (int i = 0; i < SBCG_MAX; i++)
		if (sb->cg_fd[i] >= 0)
			close(sb->cg_fd[i]);
	free(sb->name);
	if (sb->netns_fd >= 0)
		close(sb->netns_fd);
}

static bool
is_root_at(const char *at)
{
	return at == NULL || strcmp(at, "/") == 0;
}

/* One overlay: at "/" or at a top-level directory P. */
static int
plan_overlay(struct sandbox *sb, const struct sandbox_conf *c, const char *at,
    struct kerr *e)
{
	struct strbuf lower = STRBUF_INIT;
	int idx = sb->novl, first = -1;
	char *sub;

	if (idx >= MAX_OVL)
		return kerr_set(e, "sandbox %s: too many layer mount points", sb->name);
	/* Bottom first in the list; overlay wants the top first. */
	for (size_t i = c->nlayers; i-- > 0;) {
		const struct sandbox_layer *l = &c->layers[i];
		if (is_root_at(at)) {
			if (!is_root_at(l->at))
				continue;
			sub = xstrdup(l->path);
		} else if (!is_root_at(l->at)) {
			if (strcmp(l->at, at) != 0)
				continue;
			sub = xstrdup(l->path);
			first = (int)i;
		} else {
			sub = path_join(l->path, at);
			if (!path_is_dir(sub)) {
				free(sub);
				continue;
			}
		}
		if (lower.len)
			strbuf_addch(&lower, ':');
		strbuf_addstr(&lower, sub);
		free(sub);
	}
	if (!is_root_at(at) && first >= 0) {
		/* Root layers below the P layer are covered by it: rebuild. */
		strbuf_reset(&lower);
		for (size_t i = c->nlayers; i-- > (size_t)first;) {
			const struct sandbox_layer *l = &c->layers[i];
			if (!is_root_at(l->at) && strcmp(l->at, at) != 0)
				continue;
			sub = is_root_at(l->at) ? path_join(l->path, at) : xstrdup(l->path);
			if (is_root_at(l->at) && !path_is_dir(sub)) {
				free(sub);
				continue;
			}
			if (lower.len)
				strbuf_addch(&lower, ':');
			strbuf_addstr(&lower, sub);
			free(sub);
		}
	}
	if (lower.len == 0) {
		strbuf_release(&lower);
		return kerr_set(e, "sandbox %s: no layer for %s", sb->name, at ? at : "/");
	}
	struct ovl *o = &sb->ovl[sb->novl++];
	o->target = is_root_at(at) ? xstrdup(STAGE "/r") : xasprintf(STAGE "/r%s", at);
	o->upper = xasprintf(STAGE "/u%d", idx);
	o->work = xasprintf(STAGE "/w%d", idx);
	o->opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower.buf, o->upper,
	    o->work);
	strbuf_release(&lower);
	if (strlen(o->opts) >= 4000)
		return kerr_set(e, "sandbox %s: layer paths too long for one overlay "
		    "(mount options are limited to a page)", sb->name);
	return 0;
}

static int
plan(struct sandbox *sb, const struct sandbox_conf *c, struct kerr *e)
{
	bool have_root = false;

	if (c->nlayers == 0)
		return kerr_set(e, "sandbox %s: no layers", sb->name);
	for (size_t i = 0; i < c->nlayers; i++) {
		const struct sandbox_layer *l = &c->layers[i];
		if (!l->path || l->path[0] != '/' || bad_chars(l->path))
			return kerr_set(e, "sandbox %s: layer '%s': need an absolute path "
			    "without ',', ':' or '\\'", sb->name, l->path ? l->path : "");
		if (!path_is_dir(l->path))
			return kerr_set(e, "%s: not a directory (sandbox layer)", l->path);
		if (path_is_under(l->path, STAGE))
			return kerr_set(e, "%s: layers cannot live under %s", l->path, STAGE);
		if (is_root_at(l->at)) {
			have_root = true;
			continue;
		}
		if (l->at[0] != '/' || strchr(l->at + 1, '/') || bad_chars(l->at) ||
		    strcmp(l->at, "/..") == 0 || strcmp(l->at, "/.") == 0)
			return kerr_set(e, "sandbox %s: layer at '%s': must be / or a "
			    "top-level directory such as /usr", sb->name, l->at);
	}
	if (!have_root)
		return kerr_set(e, "sandbox %s: no layer at /", sb->name);
	if (plan_overlay(sb, c, "/", e) < 0)
		return -1;
	for (size_t i = 0; i < c->nlayers; i++) {
		const char *at = c->layers[i].at;
		bool seen = false;
		if (is_root_at(at))
			continue;
		for (size_t j = 0; j < i; j++)
			if (!is_root_at(c->layers[j].at) && strcmp(c->layers[j].at, at) == 0)
				seen = true;
		if (!seen && plan_overlay(sb, c, at, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct sandbox_mount *m = &c->mounts[i];
		char *dst;
		if (sb->nmnt >= MAX_MNT)
			return kerr_set(e, "sandbox %s: too many mounts", sb->name);
		if (!m->dst || m->dst[0] != '/' || !(dst = path_normalize(m->dst)))
			return kerr_set(e, "sandbox %s: mount point '%s' must be an absolute "
			    "path", sb->name, m->dst ? m->dst : "");
		if (strcmp(dst, "/") == 0 || path_is_under(dst, "/proc") ||
		    path_is_under(dst, "/dev")) {
			kerr_set(e, "sandbox %s: cannot mount on %s", sb->name, dst);
			free(dst);
			return -1;
		}
		struct xmnt *x = &sb->mnt[sb->nmnt++];
		x->type = m->type;
		x->target = xasprintf(STAGE "/r%s", dst);
		free(dst);
		if (m->type == SANDBOX_TMPFS) {
			x->is_dir = true;
			x->data = m->size
			    ? xasprintf("size=%llu,mode=%o,uid=%u,gid=%u",
				(unsigned long long)m->size, m->mode ? m->mode : 0755,
				(unsigned)m->uid, (unsigned)m->gid)
			    : xasprintf("mode=%o,uid=%u,gid=%u", m->mode ? m->mode : 0755,
				(unsigned)m->uid, (unsigned)m->gid);
			continue;
		}
		struct stat st;
		if (!m->src || stat(m->src, &st) < 0)
			return kerr_errno(e, "%s: cannot bind into sandbox", m->src ? m->src : "");
		x->src = xstrdup(m->src);
		x->is_dir = S_ISDIR(st.st_mode);
	}
	sb->stage_opts = c->upper_size
	    ? xasprintf("mode=0755,size=%llu", (unsigned long long)c->upper_size)
	    : xstrdup("mode=0755");
	uint64_t tmp = c->tmp_size ? c->tmp_size : c->upper_size;
	sb->tmp_opts = tmp ? xasprintf("mode=1777,size=%llu", (unsigned long long)tmp)
			   : xstrdup("mode=1777");
	sb->hostname = xstrdup(c->hostname ? c->hostname : "kiln");
	if (strlen(sb->hostname) > 64)
		return kerr_set(e, "sandbox %s: host name too long", sb->name);
	sb->new_net = !c->network;
	if (c->cpus) {
		/* "0-3,6": the affinity mask; the cpuset cgroup makes it binding. */
		const char *p = c->cpus;
		CPU_ZERO(&sb->cpus);
		while (*p) {
			char *end;
			long a = strtol(p, &end, 10), b = a;
			if (end == p || a < 0 || a >= CPU_SETSIZE)
				return kerr_set(e, "sandbox %s: bad CPU list '%s'", sb->name, c->cpus);
			if (*end == '-') {
				p = end + 1;
				b = strtol(p, &end, 10);
				if (end == p || b < a || b >= CPU_SETSIZE)
					return kerr_set(e, "sandbox %s: bad CPU list '%s'", sb->name,
					    c->cpus);
			}
			for (long i = a; i <= b; i++)
				CPU_SET((int)i, &sb->cpus);
			p = *end == ',' ? end + 1 : end;
			if (*end && *end != ',')
				return kerr_set(e, "sandbox %s: bad CPU list '%s'", sb->name, c->cpus);
		}
		sb->has_cpus = true;
	}
	return 0;
}

/*
 * Spare network namespaces (sandbox_prepare): one fresh namespace, its lo
 * up, made by a short-lived thread in the background, so that sandbox_open
 * need not wait for the kernel to build one.  Each is used by one sandbox
 * only.
 */
static int netns_spare = -1;
static bool netns_making, netns_enabled;
static pthread_mutex_t netns_lock = PTHREAD_MUTEX_INITIALIZER;

static void *
netns_maker(void *arg)
{
	int fd = -1;

	(void)arg;
	/*
	 * unshare affects only this thread, which then exits; the fd keeps it.
	 * lo comes up here too, so the sandbox's init need not wait for it.
	 */
	if (unshare(CLONE_NEWNET) == 0) {
		const char *what;
		if (lo_set_up(&what) == 0)
			fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	}
	pthread_mutex_lock(&netns_lock);
	if (netns_spare < 0)
		netns_spare = fd;
	else if (fd >= 0)
		close(fd);
	netns_making = false;
	pthread_mutex_unlock(&netns_lock);
	return NULL;
}

static void
netns_refill(void)
{
	pthread_t t;
	pthread_attr_t a;

	pthread_mutex_lock(&netns_lock);
	if (netns_enabled && netns_spare < 0 && !netns_making) {
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		netns_making = pthread_create(&t, &a, netns_maker, NULL) == 0;
		pthread_attr_destroy(&a);
	}
	pthread_mutex_unlock(&netns_lock);
}

static int
netns_take(void)
{
	int fd;

	pthread_mutex_lock(&netns_lock);
	fd = netns_spare;
	netns_spare = -1;
	pthread_mutex_unlock(&netns_lock);
	return fd;
}

void
sandbox_prepare(void)
{
	sbcg_pool_enable();
	pthread_mutex_lock(&netns_lock);
	netns_enabled = true;
	pthread_mutex_unlock(&netns_lock);
	netns_refill();
}

/* Check the init's first message: READY, or why it could not build the root. */
static int
handle_ready(struct sandbox *sb, ssize_t n, const struct rep *r, struct kerr *e)
{
	if (n > 0 && r->kind == REP_READY) {
		sb->ready = true;
		return 0;
	}
	if (n > 0 && r->kind == REP_ERROR)
		return kerr_set(e, "sandbox %s: %s", sb->name, r->msg);
	return kerr_set(e, "sandbox %s: init died while building the root", sb->name);
}

/* Wait for the init's READY (or its setup error).  0 or -1. */
static int
wait_ready(struct sandbox *sb, struct kerr *e)
{
	struct rep r;
	ssize_t n;

	while ((n = recv(sb->sock, &r, sizeof(r), 0)) < 0 && errno == EINTR)
		;
	return handle_ready(sb, n, &r, e);
}

/*
 * The init's own memory, one mapping per sandbox: a guard page, its stack
 * (the commands' processes run on it too, below the init's frames, until
 * their exec), then struct init_args and the REQ_MAX request buffer.
 * Unmapped when the init has been reaped.
 */
#define INIT_GUARD 4096
#define INIT_STACK (512 * 1024)
#define INITMEM_SIZE (INIT_GUARD + INIT_STACK + 4096 + REQ_MAX)

/*
 * Start the init without waiting for it to build the root: sandbox_run
 * sends the command at once, and the init runs it as soon as the root is
 * ready, which saves kiln a wake-up in between.
 */
static int
open_start(const struct sandbox_conf *c, struct sandbox **out, struct kerr *e)
{
	struct sandbox *sb = xcalloc(1, sizeof(*sb));
	struct init_args *args;
	int sv[2] = { -1, -1 }, flags;
	int bufsz = REQ_MAX + 4096;
	long pid;

	*out = NULL;
	sb->name = xstrdup(c->name ? c->name : "sandbox");
	sb->sock = -1;
	sb->init = -1;
	sb->netns_fd = -1;
	for (int i = 0; i < SBCG_MAX; i++)
		sb->cg_fd[i] = -1;
	if (geteuid() != 0) {
		kerr_set(e, "sandbox %s: needs root", sb->name);
		goto fail;
	}
	if (plan(sb, c, e) < 0)
		goto fail;
	if (!path_is_dir(STAGE) && path_mkdir_p(STAGE, 0700, e) < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		kerr_errno(e, "sandbox %s: socketpair", sb->name);
		goto fail;
	}
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz));
	if (sb->new_net)
		sb->netns_fd = netns_take();
	sb->lo_is_up = sb->netns_fd >= 0;
	sb->initmem = mmap(NULL, INITMEM_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (sb->initmem == MAP_FAILED) {
		sb->initmem = NULL;
		kerr_errno(e, "sandbox %s: mmap", sb->name);
		goto fail;
	}
	/* A guard page under the stack. */
	mprotect(sb->initmem, INIT_GUARD, PROT_NONE);
	args = (struct init_args *)((char *)sb->initmem + INIT_GUARD + INIT_STACK);
	args->sb = sb;
	args->sock = sv[1];
	args->kiln_sock = sv[0];
	args->netns_fd = sb->netns_fd;
	flags = CLONE_VM | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
	    (sb->new_net && sb->netns_fd < 0 ? CLONE_NEWNET : 0) | SIGCHLD;
	pid = clone(child_main, args, flags, args);
	if (pid < 0) {
		kerr_errno(e, "sandbox %s: clone", sb->name);
		goto fail;
	}
	sb->init = (pid_t)pid;
	if (sb->netns_fd >= 0) {
		close(sb->netns_fd);
		sb->netns_fd = -1;
	}
	if (sb->new_net)
		netns_refill();
	close(sv[1]);
	sv[1] = -1;
	sb->sock = sv[0];
	sv[0] = -1;
	/*
	 * The cgroups are made while the init builds the root: the init never
	 * joins them, each command does (the fds go with its request).
	 */
	if (sbcg_create(&sb->cg, c->memory_max, c->pids_max, c->cpus, e) < 0) {
		kerr_prefix(e, "sandbox %s", sb->name);
		goto fail;
	}
	for (int i = 0; i < sb->cg.n; i++)
		if ((sb->cg_fd[i] = open(sb->cg.procs[i], O_WRONLY | O_CLOEXEC)) < 0) {
			kerr_errno(e, "sandbox %s: %s", sb->name, sb->cg.procs[i]);
			goto fail;
		}
	/* Counters are cumulative: a pooled set starts from its old totals. */
	sb->oom_base = sb->cg.base.oom_kills;
	sb->pids_base = sb->cg.base.pids_max;
	*out = sb;
	return 0;
fail:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	{
		struct kerr ignore;
		sandbox_close(sb, &ignore);
	}
	return -1;
}

int
sandbox_open(const struct sandbox_conf *c, struct sandbox **out, struct kerr *e)
{
	if (open_start(c, out, e) < 0)
		return -1;
	if (wait_ready(*out, e) < 0) {
		struct kerr ignore;
		sandbox_close(*out, &ignore);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Copy what a pipe has to its destination; false at EOF. */
static bool
relay(int from, int to, uint64_t *count)
{
	char buf[65536];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	*count += (uint64_t)n;
	if (to >= 0)
		write_full(to, buf, (size_t)n);	/* a full log disk must not stop the build */
	return true;
}

static int
send_req(struct sandbox *sb, const void *buf, size_t len, const int *fds, int nfds,
    struct kerr *e)
{
	char cbuf[CMSG_SPACE((3 + SBCG_MAX) * sizeof(int))];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	while (sendmsg(sb->sock, &mh, MSG_NOSIGNAL) < 0) {
		if (errno == EINTR)
			continue;
		return kerr_errno(e, "sandbox %s: send command", sb->name);
	}
	return 0;
}

static const char *
step_name(int step)
{
	switch (step) {
	case STEP_FDS: return "set up its streams";
	case STEP_RLIMIT: return "set its limits";
	case STEP_CWD: return "change to its directory";
	case STEP_PRIVS: return "drop privileges";
	case STEP_SECCOMP: return "install the system-call filter";
	case STEP_CGROUP: return "join its cgroup";
	default: return "execute";
	}
}

int
sandbox_exec(struct sandbox *sb, const struct sandbox_cmd *cmd,
    struct sandbox_result *r, struct kerr *e)
{
	struct strbuf req = STRBUF_INIT;
	struct req h;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, fds[3 + SBCG_MAX];
	int rc = -1, nfds;
	bool done = false, killed = false, same = cmd->out_fd == cmd->err_fd;
	uint64_t start = now_ms(), last_out = start;
	struct rep rep;

	memset(r, 0, sizeof(*r));
	if (!cmd->argv || !cmd->argv[0])
		return kerr_set(e, "sandbox %s: empty command", sb->name);
	sb->counting = true;
	memset(&h, 0, sizeof(h));
	h.op = OP_EXEC;
	h.uid = (uint32_t)cmd->uid;
	h.gid = (uint32_t)cmd->gid;
	h.max_files = cmd->max_files;
	h.has_in = cmd->in_fd >= 0;
	h.ncg = (uint32_t)sb->cg.n;
	for (char *const *p = cmd->argv; *p; p++)
		h.argc++;
	for (char *const *p = cmd->env; p && *p; p++)
		h.envc++;
	strbuf_add(&req, &h, sizeof(h));
	strbuf_add(&req, cmd->cwd ? cmd->cwd : "/", strlen(cmd->cwd ? cmd->cwd : "/") + 1);
	for (char *const *p = cmd->argv; *p; p++)
		strbuf_add(&req, *p, strlen(*p) + 1);
	for (char *const *p = cmd->env; p && *p; p++)
		strbuf_add(&req, *p, strlen(*p) + 1);
	if (req.len > REQ_MAX) {
		kerr_set(e, "sandbox %s: command and environment exceed %d bytes",
		    sb->name, REQ_MAX);
		goto out;
	}
	if (pipe2(outp, O_CLOEXEC) < 0 || (!same && pipe2(errp, O_CLOEXEC) < 0)) {
		kerr_errno(e, "sandbox %s: pipe", sb->name);
		goto out;
	}
	fds[0] = outp[1];
	fds[1] = same ? outp[1] : errp[1];
	fds[2] = cmd->in_fd;
	nfds = h.has_in ? 3 : 2;
	for (int i = 0; i < sb->cg.n; i++)
		fds[nfds++] = sb->cg_fd[i];
	if (send_req(sb, req.buf, req.len, fds, nfds, e) < 0)
		goto out;
	close(outp[1]);
	outp[1] = -1;
	if (errp[1] >= 0) {
		close(errp[1]);
		errp[1] = -1;
	}
	for (;;) {
		struct pollfd pf[3] = { { sb->sock, POLLIN, 0 }, { outp[0], POLLIN, 0 },
			{ errp[0], POLLIN, 0 } };
		int timeout = -1;
		uint64_t now = now_ms();

		if (done && outp[0] < 0 && errp[0] < 0)
			break;
		if (!done && !killed) {
			if (cmd->timeout_ms && now - start >= cmd->timeout_ms) {
				r->how = SANDBOX_TIMEOUT;
				killed = true;
			} else if (cmd->nohang_ms && now - last_out >= cmd->nohang_ms) {
				r->how = SANDBOX_NOHANG;
				killed = true;
			}
			if (killed) {
				struct req k = { .op = OP_KILL };
				if (send_req(sb, &k, sizeof(k), NULL, 0, e) < 0)
					goto out;
				continue;
			}
			if (cmd->timeout_ms)
				timeout = (int)(start + cmd->timeout_ms - now);
			if (cmd->nohang_ms) {
				int t = (int)(last_out + cmd->nohang_ms - now);
				if (timeout < 0 || t < timeout)
					timeout = t;
			}
		}
		if (done)
			pf[0].fd = -1;
		if (poll(pf, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			kerr_errno(e, "sandbox %s: poll", sb->name);
			goto out;
		}
		if (pf[1].revents) {
			if (!relay(outp[0], cmd->out_fd, &r->output_bytes)) {
				close(outp[0]);
				outp[0] = -1;
			}
			last_out = now_ms();
		}
		if (pf[2].revents) {
			if (!relay(errp[0], cmd->err_fd, &r->output_bytes)) {
				close(errp[0]);
				errp[0] = -1;
			}
			last_out = now_ms();
		}
		if (pf[0].revents) {
			ssize_t n = recv(sb->sock, &rep, sizeof(rep), 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (!sb->ready) {
				/* sandbox_run sent the command before the root was ready. */
				if (handle_ready(sb, n, &rep, e) < 0) {
					r->how = SANDBOX_LOST;
					goto out;
				}
				continue;
			}
			if (n <= 0 || rep.kind != REP_DONE) {
				r->how = SANDBOX_LOST;
				kerr_set(e, "sandbox %s: its init died", sb->name);
				goto out;
			}
			done = true;
		}
	}
	r->elapsed_ms = now_ms() - start;
	struct sbcg_counters cc;
	sbcg_read(&sb->cg, &cc);
	r->peak_memory = cc.peak;
	r->forks_refused = cc.pids_max - sb->pids_base;
	sb->pids_base = cc.pids_max;
	sb->counting = false;	/* the init killed everything: nothing counts now */
	if (WIFSIGNALED(rep.status))
		r->sig = WTERMSIG(rep.status);
	if (cc.oom_kills > sb->oom_base) {
		sb->oom_base = cc.oom_kills;
		if (!killed)
			r->how = SANDBOX_OOM;
	} else if (killed) {
		/* r->how already says which limit */
	} else if (rep.exec_step) {
		r->how = SANDBOX_EXEC_FAILED;
		r->exec_errno = rep.exec_errno;
		r->code = rep.exec_step;
		if (cmd->err_fd >= 0) {
			char msg[512];
			int len = snprintf(msg, sizeof(msg), "kiln: %s: cannot %s: %s\n",
			    cmd->argv[0], step_name(rep.exec_step), strerror(rep.exec_errno));
			write_full(cmd->err_fd, msg, (size_t)len);
		}
	} else if (WIFSIGNALED(rep.status)) {
		r->how = SANDBOX_SIGNALED;
	} else {
		r->how = SANDBOX_EXITED;
		r->code = WEXITSTATUS(rep.status);
	}
	rc = 0;
out:
	strbuf_release(&req);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return rc;
}

/*
 * Inits that were told to exit but had not finished tearing their
 * namespaces down when their sandbox was closed: reaped later, so that a
 * builder need not wait for the kernel to unmount the root.  Each keeps
 * its sandbox's cgroups, which go back to the pool (or away) once it is
 * reaped (sbcg_recycle).
 */
#define MAX_ZOMBIES 64
static struct zombie {
	pid_t pid;
	struct sbcg cg;
	void *initmem;		/* unmapped once the init is reaped */
} zombies[MAX_ZOMBIES];
static int nzombies;
static pthread_mutex_t zombie_lock = PTHREAD_MUTEX_INITIALIZER;

void
sandbox_reap(bool wait)
{
	struct zombie done[MAX_ZOMBIES];
	int ndone = 0;

	pthread_mutex_lock(&zombie_lock);
	for (int i = 0; i < nzombies;) {
		pid_t w;
		while ((w = waitpid(zombies[i].pid, NULL, wait ? 0 : WNOHANG)) < 0 &&
		    errno == EINTR)
			;
		if (w != 0) {
			done[ndone++] = zombies[i];
			zombies[i] = zombies[--nzombies];
		} else {
			i++;
		}
	}
	pthread_mutex_unlock(&zombie_lock);
	for (int i = 0; i < ndone; i++) {
		munmap(done[i].initmem, INITMEM_SIZE);
		sbcg_recycle(&done[i].cg);
	}
	if (wait)
		sbcg_pool_drain();	/* nothing kiln made outlives the caller */
}

/*
 * Reap init now if it is gone, else later; blocks when wait or when the
 * list is full.  Takes over cg and initmem.
 */
static void
reap_later(pid_t pid, struct sbcg *cg, void *initmem, bool wait)
{
	bool wait_now = wait;

	if (!wait_now && waitpid(pid, NULL, WNOHANG) != 0)
		goto gone;
	pthread_mutex_lock(&zombie_lock);
	if (!wait_now && nzombies < MAX_ZOMBIES) {
		zombies[nzombies].pid = pid;
		zombies[nzombies].initmem = initmem;
		zombies[nzombies++].cg = *cg;
		memset(cg, 0, sizeof(*cg));
		pthread_mutex_unlock(&zombie_lock);
		return;
	}
	pthread_mutex_unlock(&zombie_lock);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
gone:
	munmap(initmem, INITMEM_SIZE);
	sbcg_recycle(cg);
}

int
sandbox_close(struct sandbox *sb, struct kerr *e)
{
	int rc = 0;

	if (!sb)
		return 0;
	sandbox_reap(false);
	if (sb->sock >= 0)
		close(sb->sock);	/* init kills everything and exits */
	/*
	 * The init's exit (namespace teardown) need not hold the caller up:
	 * its cgroups are recycled or removed once it has been reaped.
	 */
	if (!sb->counting) {
		sb->cg.base.oom_kills = sb->oom_base;
		sb->cg.base.pids_max = sb->pids_base;
		sb->cg.base_known = true;
	}
	if (sb->init > 0) {
		/*
		 * An init that has not said READY may still be reading the plan,
		 * which is freed below: it is killed and waited for.
		 */
		if (!sb->ready)
			kill(sb->init, SIGKILL);
		reap_later(sb->init, &sb->cg, sb->initmem, !sb->ready);
	} else {
		if (sb->cg.n && sbcg_destroy(&sb->cg, e) < 0)
			rc = -1;
		if (sb->initmem)
			munmap(sb->initmem, INITMEM_SIZE);
	}
	plan_free(sb);
	free(sb);
	return rc;
}

int
sandbox_run(const struct sandbox_conf *conf, const struct sandbox_cmd *cmd,
    struct sandbox_result *r, struct kerr *e)
{
	struct sandbox *sb;
	int rc;

	memset(r, 0, sizeof(*r));
	if (open_start(conf, &sb, e) < 0)
		return -1;
	rc = sandbox_exec(sb, cmd, r, e);
	if (sandbox_close(sb, rc < 0 ? &(struct kerr){ { 0 } } : e) < 0)
		rc = -1;
	return rc;
}

int
sandbox_exit_code(const struct sandbox_result *r)
{
	switch (r->how) {
	case SANDBOX_EXITED: return r->code;
	case SANDBOX_SIGNALED: return 128 + r->sig;
	case SANDBOX_TIMEOUT: return SANDBOX_EXIT_TIMEOUT;
	case SANDBOX_NOHANG: return SANDBOX_EXIT_NOHANG;
	case SANDBOX_OOM: return SANDBOX_EXIT_MEMORY;
	case SANDBOX_EXEC_FAILED:
		return r->exec_errno == ENOENT && r->code == STEP_EXEC ? 127 : 126;
	default: return SANDBOX_EXIT_FAILED;
	}
}

const char *
sandbox_describe(const struct sandbox_result *r, char *buf, size_t len)
{
	char peak[64] = "";

	if (r->peak_memory)
		snprintf(peak, sizeof(peak), " (peak memory %.1f MiB)",
		    (double)r->peak_memory / (1024.0 * 1024.0));
	switch (r->how) {
	case SANDBOX_EXITED: snprintf(buf, len, "exited %d", r->code); break;
	case SANDBOX_SIGNALED: snprintf(buf, len, "killed by signal %d (%s)", r->sig,
	    strsignal(r->sig)); break;
	case SANDBOX_TIMEOUT: snprintf(buf, len, "wall-clock limit hit after %.1f s: "
	    "killed", (double)r->elapsed_ms / 1000.0); break;
	case SANDBOX_NOHANG: snprintf(buf, len, "no-output limit hit after %.1f s: "
	    "killed", (double)r->elapsed_ms / 1000.0); break;
	case SANDBOX_OOM: snprintf(buf, len, "memory limit hit: killed%s", peak); break;
	case SANDBOX_EXEC_FAILED: snprintf(buf, len, "could not be started: %s",
	    strerror(r->exec_errno)); break;
	default: snprintf(buf, len, "the sandbox died"); break;
	}
	return buf;
}
