/*
 * sandbox: a clean root in which kiln runs commands: a stack of read-only
 * lower layers under a disposable tmpfs upper layer, extra mounts, its own
 * processes, host name and (optionally) network, memory/process/file
 * limits, a build uid, wall-clock and no-output watchdogs, and the
 * guarantee that nothing it started outlives it.
 * It does not know about ports, jails or packages (see jail.h, build).
 * One interface, one file per platform: sandbox_linux.c (namespaces,
 * overlayfs, cgroups) now, sandbox_freebsd.c (jail(2), nullfs, tmpfs,
 * rctl) later.  The promises (MUST lines) open sandbox_linux.c.
 * Calls: util (kerr, xalloc, strbuf).
 *
 * Lifecycle: one instance, several commands
 *
 *	struct sandbox *sb;
 *	sandbox_open(&conf, &sb, &e);          root, namespaces, limits: once
 *	sandbox_exec(sb, &configure, &r, &e);  phase 1 in that root
 *	sandbox_exec(sb, &build, &r, &e);      phase 2 sees phase 1's files
 *	sandbox_close(sb, &e);                 everything inside is killed
 *
 * sandbox_open starts the sandbox's init (pid 1 of a new PID namespace, in
 * new mount, UTS, IPC, cgroup and, unless network is on, network
 * namespaces), which builds the root and then waits for commands on a
 * socket.  sandbox_exec hands it one command; init forks it, and when it
 * ends (or is stopped by a limit) init kills every other process left in
 * the sandbox, so a daemon started by one phase never runs into the next.
 * The files written by a phase (the upper layer, tmpfs work dirs, rw
 * binds) stay for the next phase until sandbox_close.  Memory, process
 * and CPU limits belong to the instance (one cgroup set, so tmpfs pages a
 * phase leaves still count against the next); uid, environment,
 * cwd, streams, open-files limit, timeout and no-output watchdog belong to
 * each command.  sandbox_run is open + exec + close.
 *
 * Threads: the instance is owned by the thread that opened it.  On Linux
 * its init dies (and with it everything inside) when that *thread* exits
 * (PR_SET_PDEATHSIG), so a builder thread must close its sandboxes before
 * it returns.  Different threads may use different instances at once.
 * sandbox_exec blocks its calling thread until the command ends.
 *
 * Output: the command's stdout and stderr are pipes that kiln reads and
 * copies to the caller's out_fd/err_fd; that is how the no-output watchdog
 * sees output.  So the command never sees a terminal on stdout/stderr.
 *
 * If kiln itself dies, even by SIGKILL: init gets SIGKILL (parent-death
 * signal, and its control socket reaches EOF), the kernel then kills every
 * process in its PID namespace, and the mounts and namespaces vanish with
 * their last process (they exist only in the sandbox's namespaces, never
 * in the host's).  The cgroups are removed by kiln's reaper: one small
 * process per kiln process (started with the first sandbox, in its own
 * session) that holds the list of live sandbox cgroups, removes each as
 * soon as sandbox_close hands it over and it is empty, and removes all
 * that are left when kiln's end of its pipe closes.  sandbox_sweep()
 * (run by the first sandbox_open of each kiln process) removes cgroups of
 * dead kiln processes too, in case the reaper was killed as well.
 *
 * Costs (see bench/sandbox): the kernel's share of a sandbox is building
 * and tearing down the namespaces and mounts, a network namespace, and
 * the commands' exec.  Nothing copies kiln's address space: the init
 * shares it (on a stack of its own), each command starts by vfork from
 * the init and moves itself into its v1 cgroups through their tasks
 * files, which spares it the RCU grace period a cgroup.procs write can
 * wait for.  Teardown happens after sandbox_close
 * returns; sandbox_prepare moves the network namespace's making out of
 * sandbox_open and turns on the reuse of cgroups.
 *
 * Host side effects: the directory /run/kiln-sandbox (an empty mount
 * point, covered privately inside each sandbox's mount namespace) and the
 * cgroups "kiln-PID-SEQ" under kiln's own v1 memory/pids/cpuset cgroups
 * (or at the v2 root) while sandboxes live (and, after sandbox_prepare,
 * a few empty ones kept for reuse until sandbox_reap(true) or kiln's end).
 *
 * FreeBSD mapping (for sandbox_freebsd.c): layer "/" = the jail base on a
 * read-only nullfs, layers at other paths and dependency layers = more
 * read-only nullfs mounts, upper layer = tmpfs where the jail may write
 * (FreeBSD has no dependable union fs, so the FreeBSD backend copies the
 * small writable parts, /etc and /var, into the tmpfs, as dsynth does),
 * binds = nullfs, tmpfs = tmpfs, network off = a jail with only lo0
 * (vnet) or ip4=disable, memory/pids = rctl on jail:NAME, init = a
 * persistent jail(2) into which each command is jail_attach'ed; kill-all =
 * jail_remove(2).
 */
#ifndef KILN_SANDBOX_H
#define KILN_SANDBOX_H

#include "util/kerr.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * One lower layer: the host directory path appears read-only at `at`
 * inside the sandbox (NULL or "/" for the root).  Layers are listed bottom
 * first: layers[0] is the jail base, later ones (dependency layers) cover
 * earlier ones.  At least one layer must be at "/".  A layer at another
 * path P (the host jail's /usr) is merged with the P subdirectory of every
 * root layer listed after it, so a dependency layer's usr/local shows up
 * over the host's /usr.  P must be a top-level directory ("/usr").
 * Writes anywhere in the layers land in the upper layer (tmpfs) and
 * vanish at sandbox_close; the host directories are never written.
 */
struct sandbox_layer {
	const char *path;	/* host directory; borrowed */
	const char *at;		/* NULL or "/": the root; else "/TOPDIR" */
};

enum sandbox_mount_type {
	SANDBOX_BIND_RO,	/* host path src at dst, read-only, nosuid, nodev */
	SANDBOX_BIND_RW,	/* host path src at dst, writable, nosuid, nodev */
	SANDBOX_TMPFS,		/* a fresh tmpfs at dst (a work dir) */
};

/* Extra mounts, made in order after the root, /proc, /dev and /tmp. */
struct sandbox_mount {
	enum sandbox_mount_type type;
	const char *src;	/* host path (binds); borrowed */
	const char *dst;	/* absolute path inside; created when missing */
	uint64_t size;		/* tmpfs: size cap in bytes, 0 = kernel default */
	uid_t uid;		/* tmpfs: owner of its root (the build uid) */
	gid_t gid;
	mode_t mode;		/* tmpfs: mode of its root, 0 = 0755 */
};

/* What an instance is: fixed at sandbox_open.  All pointers borrowed. */
struct sandbox_conf {
	const char *name;	/* label for errors and the cgroup; NULL "sandbox" */
	const struct sandbox_layer *layers;
	size_t nlayers;
	const struct sandbox_mount *mounts;
	size_t nmounts;
	uint64_t upper_size;	/* tmpfs cap of the upper layer (TMPFS_LIMIT); 0 none */
	uint64_t tmp_size;	/* tmpfs cap of /tmp; 0 = upper_size */
	const char *hostname;	/* NULL: "kiln" */
	bool network;		/* true: the host's network; false: only lo (up) */
	/*
	 * Resident memory of everything inside, tmpfs pages included
	 * (MAX_MEMORY); the command that pushes past it is killed and the
	 * result says SANDBOX_OOM.  0: no limit (peak memory is still
	 * measured).  cgroup v2 when its memory and pids controllers are
	 * enabled, else cgroup v1.
	 */
	uint64_t memory_max;
	uint64_t pids_max;	/* processes and threads of the commands; 0 none */
	const char *cpus;	/* CPU list "0-3,6" (cpuset cgroup + affinity); NULL all */
};

/* One command in an instance.  All pointers borrowed. */
struct sandbox_cmd {
	char *const *argv;	/* argv[0] without '/' is looked up in env's PATH */
	char *const *env;	/* the whole environment; NULL empty */
	const char *cwd;	/* inside; NULL "/" */
	uid_t uid;		/* 0 is root with a reduced capability set */
	gid_t gid;		/* supplementary groups are always empty */
	int in_fd;		/* -1: /dev/null */
	int out_fd;		/* -1: discarded (still watched for output) */
	int err_fd;		/* -1: discarded; may equal out_fd */
	uint64_t max_files;	/* RLIMIT_NOFILE (MAX_FILES); 0: 1024 */
	unsigned timeout_ms;	/* wall clock (MAX_EXECUTION_TIME); 0 none */
	unsigned nohang_ms;	/* no output for this long (NOHANG_TIME); 0 none */
};

enum sandbox_how {
	SANDBOX_EXITED,		/* code = exit status */
	SANDBOX_SIGNALED,	/* sig = the signal */
	SANDBOX_TIMEOUT,	/* wall-clock limit: killed */
	SANDBOX_NOHANG,		/* no output for nohang_ms: killed */
	SANDBOX_OOM,		/* memory limit: the kernel killed a process */
	SANDBOX_EXEC_FAILED,	/* argv[0] could not be executed: exec_errno */
	SANDBOX_LOST,		/* the sandbox's init died (it is gone) */
};

struct sandbox_result {
	enum sandbox_how how;
	int code;		/* SANDBOX_EXITED: exit status */
	int sig;		/* SANDBOX_SIGNALED (and OOM/limits: the signal seen) */
	int exec_errno;		/* SANDBOX_EXEC_FAILED */
	uint64_t peak_memory;	/* bytes, the instance's peak so far; 0 unknown */
	uint64_t elapsed_ms;
	uint64_t output_bytes;	/* stdout + stderr relayed */
	uint64_t forks_refused;	/* forks refused at pids_max during this command */
};

struct sandbox;

/*
 * Build the root and start the instance.  On success *out is the caller's
 * until sandbox_close.  -1 with e set ("sandbox NAME: mount overlay on /:
 * Invalid argument"); nothing is left behind then.  Root only.
 */
int sandbox_open(const struct sandbox_conf *conf, struct sandbox **out,
    struct kerr *e);

/*
 * Run one command to its end and fill r.  Returns 0 when the sandbox did
 * its job (whatever the command did: see r->how), -1 with e set when it
 * could not (the instance is then unusable: close it).
 */
int sandbox_exec(struct sandbox *sb, const struct sandbox_cmd *cmd,
    struct sandbox_result *r, struct kerr *e);

/*
 * Kill everything inside and free sb; the root, namespaces and cgroups go
 * in the background (see sandbox_reap).  NULL is fine.  0, or -1 (e set).
 */
int sandbox_close(struct sandbox *sb, struct kerr *e);

/* sandbox_open + sandbox_exec + sandbox_close. */
int sandbox_run(const struct sandbox_conf *conf, const struct sandbox_cmd *cmd,
    struct sandbox_result *r, struct kerr *e);

/*
 * Exit status in `kiln run`'s convention (documented in kiln-jail(8)):
 * the command's own status; 128+N killed by signal N; 120 the sandbox
 * failed; 123 memory limit; 124 wall-clock limit; 125 no-output limit;
 * 126 not executable; 127 not found.
 */
#define SANDBOX_EXIT_FAILED 120
#define SANDBOX_EXIT_MEMORY 123
#define SANDBOX_EXIT_TIMEOUT 124
#define SANDBOX_EXIT_NOHANG 125
int sandbox_exit_code(const struct sandbox_result *r);

/* One line for people: "exited 0", "memory limit hit (peak 512.0 MiB)". */
const char *sandbox_describe(const struct sandbox_result *r, char *buf,
    size_t len);

/*
 * For long-running callers (a bulk): from now on keep one fresh network
 * namespace ready, made in the background, so that sandbox_open with the
 * network off need not wait for the kernel to build one (the largest
 * single cost of a sandbox).  Each namespace still serves one sandbox
 * only; builds never share a loopback.  It also turns on the cgroup pool:
 * a closed sandbox's (empty) cgroups serve a later sandbox with the same
 * limits instead of being removed and made again (never two live
 * sandboxes at once; the peak and the OOM and refused-fork counts start
 * afresh for each).  One-shot tools should not call it (the spare would
 * be made for nothing).
 */
void sandbox_prepare(void);

/*
 * sandbox_close does not wait for the kernel to tear the namespaces and
 * the root down (the init finishes exiting in the background, and the
 * reaper removes the cgroups once empty).  sandbox_reap collects such
 * inits: with wait, until every one is gone, and it then hands the pooled
 * cgroups to the reaper, so a command-line tool that calls it before
 * exiting leaves no process and no cgroup behind.
 */
void sandbox_reap(bool wait);

/*
 * Remove sandbox cgroups left by kiln processes that no longer exist.
 * Returns how many were removed (0 or more).
 */
int sandbox_sweep(void);

#endif
