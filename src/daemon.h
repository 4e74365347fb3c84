/*
 * daemon: the build queue and schedules behind `kiln daemon` and
 * `kiln queue`: jobs (a bulk of some origins, or of all, in one jail and
 * ports tree) kept as files under BASEFS/daemon so that nothing queued is
 * lost when the daemon stops or dies, schedules read from a UCL file, and
 * the daemon's status snapshot.  Does not: run builds, serve HTTP or print
 * (cmd/cmd_daemon.c does); it only decides and records.
 * Calls: conf, jail, ports_tree, util.
 *
 * Layout (BASEFS/daemon/):
 *	queue/ID.json      a queued job; the oldest ID runs first
 *	jobs/ID.json       a job that started: its record, rewritten when it ends
 *	jobs/ID.log        what the job's `kiln bulk` printed
 *	schedules.state    {"NAME": last start (unix seconds), ...}
 *	status.json        the daemon's snapshot (daemon_status_write)
 *	queue.lock         held while the queue is read or changed
 * Every file is written to a temporary name and renamed.  A queue file or
 * record that is not a job, or whose id is not its name, is renamed
 * ID.json.bad and skipped.
 *
 * A job (queue/ID.json, jobs/ID.json; JSON object):
 *	id          "YYYYMMDD-HHMMSS-MICROS-PID-N" (UTC): sorts by submission
 *	jail, ports the bulk's -j and -p
 *	all         true: every port of the tree (bulk -a)
 *	origins     ["category/name", ...] when not all
 *	by          who asked: "queue" (kiln queue), "api" (POST /api/builds),
 *	            "schedule:NAME"
 *	state       queued | running | done | failed | interrupted
 *	submitted, started, ended   unix seconds (0: not yet)
 *	exit        the bulk's exit status (-1 while not ended)
 *	log         "jobs/ID.log" once started, else null
 *	bulk        "/logs/bulk/JAIL-PORTS/latest/" (the bulk's own status page)
 *	image       optional, after a bulk that succeeded: `kiln image` of the
 *	            new repository: {type: "iso" | "initramfs" | "tar",
 *	            packages: ["name", ...], overlay: "/abs/dir" (optional)},
 *	            written to jobs/ID.iso, jobs/ID.initramfs/ or jobs/ID.tar
 *	vmtest      optional, after the image (iso or initramfs): `kiln vm
 *	            test` of it: {expect: ["regex", ...], fail: [...],
 *	            timeout: seconds}
 *	step        "bulk" | "image" | "vmtest": running, or the one that
 *	            failed; null when done
 *
 * The schedule file (UCL, one object per schedule):
 *	nightly {
 *		jail = "main";  ports = "default";
 *		every = "24h";              # N[smhd]; at least 10 s
 *		all = yes;                  # or: origins = ["sysutils/colibri"];
 *		image { ... }  vmtest { ... }   # optional, as in a job
 *	}
 * A schedule is due when it never ran (no entry in schedules.state) or
 * `every` has passed since it last started.
 */
#ifndef KILN_DAEMON_H
#define KILN_DAEMON_H

#include "conf.h"
#include "util/kerr.h"
#include "util/strbuf.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stdint.h>

struct uv;

typedef VEC(char *) daemon_strs;

struct daemon_job {
	char *id, *jail, *ports, *by, *state;	/* owned */
	bool all;
	daemon_strs origins;			/* owned strings */
	struct uv *image, *vmtest;		/* owned; NULL: no such step */
	char *step;				/* owned: the step running or failed */
	int64_t submitted, started, ended;
	int exit;
};

struct daemon_sched {
	char *name, *jail, *ports;	/* owned */
	bool all;
	daemon_strs origins;		/* owned strings */
	struct uv *image, *vmtest;	/* owned; NULL: no such step */
	int64_t every;			/* seconds */
};

typedef VEC(struct daemon_sched) daemon_scheds;

void daemon_job_init(struct daemon_job *j);
void daemon_job_free(struct daemon_job *j);
/*
 * The file `kiln image` writes for the job (caller frees), or NULL when
 * it has no image step.
 */
char *daemon_job_image_path(const struct conf *c, const struct daemon_job *j);
/* The job as a JSON object (caller frees with uv_free). */
struct uv *daemon_job_uv(const struct daemon_job *j);
/* Read a job from a JSON object; 0 or -1 naming `what` (a file name). */
int daemon_job_from_uv(const struct uv *o, const char *what,
    struct daemon_job *j, struct kerr *e);

/*
 * A job from a POST /api/builds body: {"jail", "ports", "all" | "origins",
 * "image", "vmtest"}; other keys are refused by name.  0 or -1.
 */
int daemon_job_from_request(const struct uv *o, struct daemon_job *j,
    struct kerr *e);

/*
 * Check a job before it is queued: the jail and the ports tree exist, it
 * names all or at least one origin, each "category/name", and an image
 * step's overlay is a directory.  0 or -1.
 */
int daemon_job_check(const struct conf *c, const struct daemon_job *j,
    struct kerr *e);

/*
 * Queue j (checked with daemon_job_check; by and submitted filled in by
 * the caller or defaulted).  When an equal job (same jail, ports tree and
 * targets) is already queued, nothing is written and *id is that job's id
 * with *dup true.  *id: caller frees.  0 or -1.
 */
int daemon_enqueue(const struct conf *c, struct daemon_job *j, char **id,
    bool *dup, struct kerr *e);

/*
 * Start the oldest queued job: its record moves to jobs/ID.json with state
 * "running" and started = now.  1 with *j filled (daemon_job_free), 0 when
 * the queue is empty, -1 on error.
 */
int daemon_take(const struct conf *c, int64_t now, struct daemon_job *j,
    struct kerr *e);

/* Record how a started job ended: exit 0 "done", else "failed". */
int daemon_finish(const struct conf *c, struct daemon_job *j, int exit_code,
    int64_t now, struct kerr *e);

/*
 * Put a started job back at the head of the queue (same id) with state
 * "interrupted" in its record: for a daemon that is stopping.  0 or -1.
 */
int daemon_requeue(const struct conf *c, struct daemon_job *j,
    struct kerr *e);

/*
 * At start: every job whose record still says "running" (its daemon
 * died) is requeued.  *n: how many.  0 or -1.
 */
int daemon_recover(const struct conf *c, int *n, struct kerr *e);

/* Queued jobs, oldest first; recent started jobs, newest first (at most
 * max_recent; 0: none).  Caller frees with daemon_jobs_free. */
typedef VEC(struct daemon_job) daemon_jobs;
int daemon_list(const struct conf *c, daemon_jobs *queued, daemon_jobs *recent,
    size_t max_recent, struct kerr *e);
void daemon_jobs_free(daemon_jobs *v);

/* Parse a schedule file; errors name the file and the schedule.  0 or -1. */
int daemon_sched_load(const char *path, daemon_scheds *out, struct kerr *e);
/* The same for a parsed tree; path only names it in errors. */
int daemon_sched_parse(const struct uv *root, const char *path,
    daemon_scheds *out, struct kerr *e);
void daemon_scheds_free(daemon_scheds *v);
/*
 * Check every schedule's job as daemon_job_check does (its jail, tree and
 * overlay exist); errors name the file (path) and the schedule.  0 or -1.
 */
int daemon_sched_check(const struct conf *c, const daemon_scheds *s,
    const char *path, struct kerr *e);
/* "90", "90s", "15m", "6h", "1d" into seconds; -1 when malformed. */
int64_t daemon_parse_interval(const char *s);

/*
 * Queue every schedule that is due at `now` and record its start in
 * schedules.state; *n: how many were queued (a due schedule whose job is
 * still queued counts as started, nothing is added).  0 or -1.
 */
int daemon_sched_tick(const struct conf *c, const daemon_scheds *s,
    int64_t now, int *n, struct kerr *e);

/*
 * The daemon's snapshot (status.json): {state: "idle" | "building" |
 * "stopping" | "stopped", pid, started, updated, listen, current: job or
 * null, queue: [jobs], recent: [jobs, newest first, at most 20],
 * schedules: [{name, jail, ports, all, origins, every, last, next}]}.
 * Written atomically to BASEFS/daemon/status.json.
 */
struct daemon_state {
	const char *state, *listen;
	int64_t started;
	const struct daemon_job *current;	/* NULL when idle */
	const daemon_scheds *scheds;
};
int daemon_status_write(const struct conf *c, const struct daemon_state *st,
    int64_t now, struct kerr *e);

#endif
