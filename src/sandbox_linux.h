/*
 * sandbox_linux.h: what sandbox_linux.c needs from sandbox_cg_linux.c
 * (cgroups v1/v2, the cgroup reaper, the sweep of stale cgroups).  Private
 * to the Linux sandbox backend; other modules use sandbox.h.
 */
#ifndef KILN_SANDBOX_LINUX_H
#define KILN_SANDBOX_LINUX_H

#include "util/kerr.h"

#include <stdbool.h>
#include <stdint.h>

#define SBCG_MAX 4

struct sbcg_counters {
	uint64_t oom_kills;	/* processes the OOM killer killed in it */
	uint64_t pids_max;	/* forks refused by pids.max */
	uint64_t peak;		/* peak memory, bytes */
};

/* The cgroups of one sandbox instance. */
struct sbcg {
	bool v2;		/* the unified hierarchy holds memory and pids */
	int n;			/* created directories */
	char *dir[SBCG_MAX];	/* owned; the commands join each */
	/*
	 * Owned: the file a process writes "0" into to move itself into
	 * dir[i]: DIR/tasks on cgroup v1, DIR/cgroup.procs on v2.  Each
	 * command joins all of them just before its exec.  On v1, "0" written
	 * to tasks moves only the writing thread, and the kernel then skips
	 * the global threadgroup lock whose first writer after a quiet spell
	 * waits for an RCU grace period (~9 ms measured here; writing a pid to
	 * cgroup.procs always takes it).  The processes that join are single
	 * threaded (the commands), so moving the thread moves the process.
	 * The init joins none, so a command that fills the memory limit with
	 * tmpfs pages can never starve the init.
	 */
	char *procs[SBCG_MAX];
	const char *mem;	/* borrowed from dir[]: memory cgroup, or NULL */
	const char *pids;	/* borrowed from dir[]: pids cgroup, or NULL */
	/* What they were made for: a pooled set is reused for the same. */
	uint64_t memory_max, pids_max;
	char *cpus;		/* owned, or NULL */
	/*
	 * The cumulative counters (oom_kills, pids_max) when the set was
	 * handed out: 0 for a fresh set, the old totals for a pooled one.
	 */
	struct sbcg_counters base;
	/*
	 * Set by the owner before sbcg_recycle when base already holds the
	 * final counters (it read them after the last command, and nothing ran
	 * since), which spares sbcg_recycle reading them again.
	 */
	bool base_known;
};

/*
 * Create the cgroups of one instance: memory always when a memory
 * controller exists (for the peak), with memory_max when not 0; pids when
 * pids_max (the commands' processes; the init is in none); cpuset when
 * cpus.  Registers them with the reaper.  Takes a pooled set with the
 * same limits instead when there is one (see sbcg_recycle).  0 or -1
 * (nothing left behind).
 */
int sbcg_create(struct sbcg *cg, uint64_t memory_max, uint64_t pids_max,
    const char *cpus, struct kerr *e);
void sbcg_read(const struct sbcg *cg, struct sbcg_counters *c);
/*
 * Hand the cgroups to the reaper, which removes each as soon as it is
 * empty (within milliseconds); frees cg's strings.  Always 0.
 */
int sbcg_destroy(struct sbcg *cg, struct kerr *e);

/*
 * The pool (on once sbcg_pool_enable is called, as sandbox_prepare does
 * for long-running callers): instead of an rmdir now and a mkdir for the
 * next sandbox (a v1 memory cgroup costs ~0.1 ms to make and more to
 * remove), sbcg_recycle keeps the set of a finished sandbox for the next
 * sbcg_create with the same limits.  Call it only when the sandbox's init
 * has been reaped: the kernel has then killed and reaped every process of
 * its PID namespace (so the set is empty and no two live sandboxes ever
 * share it) and torn its mounts down (so its tmpfs pages are no longer
 * charged).  It resets the peak (v1 memory.max_usage_in_bytes: to the
 * usage left, reclaimable page cache the last sandbox read) and records
 * the cumulative counters as the next user's base.  Without the pool, on
 * cgroup v2 (whose memory.peak cannot be reset on every kernel), or when
 * the pool is full, it is sbcg_destroy.  Frees cg's strings either way.
 * Pooled sets stay registered with the reaper, so they go when kiln does,
 * also on SIGKILL; sbcg_pool_drain hands them all to it now.
 */
void sbcg_pool_enable(void);
void sbcg_recycle(struct sbcg *cg);
void sbcg_pool_drain(void);

#endif
