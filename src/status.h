/*
 * status: the state of one bulk as one JSON snapshot, written by atomic
 * rename to BASEFS/data/logs/bulk/JAIL-PORTS/BUILD/status.json, with a
 * static index.html beside it that renders the same file in a browser;
 * plus the text of the terminal live view and of one-line events.
 * Does not: print (callers write the text it renders) or schedule.
 * Calls: util (strbuf, path, ucl).
 *
 * status.json (every field always present; times are unix seconds,
 * durations seconds):
 *	jail, tree, build      strings: the bulk's jail, ports tree, build name
 *	state                  "running" | "done" | "stopped"
 *	pid                    the bulk's process id (a reader that finds it
 *	                       gone while state is "running" reports "stopped")
 *	started, updated       times; elapsed: updated - started
 *	eta                    seconds left estimated from history, or null
 *	counts                 {queued, building, built, failed, skipped,
 *	                        ignored, total}
 *	builders               [{id (1-based), state "idle"|"building",
 *	                         origin, pkgname, phase, elapsed}]  (null
 *	                         origin/pkgname/phase when idle)
 *	ports                  [{origin, pkgname, state, phase, cause, reason,
 *	                         elapsed, log}]
 *	    state: queued | building | built | failed | skipped | ignored
 *	    phase: building: the current phase; failed: the phase that failed
 *	    cause: skipped: the failed or ignored origin; ignored: why
 *	    reason: why it is (re)built ("new", "Makefile changed", ...)
 *	    log: the log file's name in the build directory, or null
 */
#ifndef KILN_STATUS_H
#define KILN_STATUS_H

#include "util/kerr.h"
#include "util/strbuf.h"
#include "util/vec.h"

#include <stdbool.h>
#include <time.h>

enum status_state {
	ST_QUEUED,
	ST_BUILDING,
	ST_BUILT,
	ST_FAILED,
	ST_SKIPPED,
	ST_IGNORED,
	ST_NSTATES
};

struct status_port {
	char *origin, *pkgname;	/* owned */
	enum status_state state;
	char *phase;		/* owned or NULL */
	char *cause;		/* owned or NULL */
	char *reason;		/* owned or NULL */
	char *log;		/* owned or NULL */
	double expected;	/* seconds, from history or the default */
	double started;		/* when building began (time) */
	double elapsed;		/* when finished */
};

struct status_slot {
	long port;		/* index into ports, or -1 when idle */
};

struct status {
	char *jail, *ports_name, *build, *dir;	/* owned */
	double started;
	bool done;
	VEC(struct status_port) ports;
	struct status_slot *slots;	/* nslots, owned */
	int nslots;
	size_t counts[ST_NSTATES];
};

void status_init(struct status *st, const char *jail, const char *ports,
    const char *build, const char *dir, int nslots, double now);
void status_free(struct status *st);

/* Add a port (queued); returns its index.  Strings copied. */
size_t status_add(struct status *st, const char *origin, const char *pkgname,
    double expected, const char *reason);
/*
 * Change a port's state.  phase and cause are copied (NULL keeps none).
 * BUILDING takes slot (0-based); any other state frees the port's slot.
 */
void status_set(struct status *st, size_t port, enum status_state s,
    const char *phase, const char *cause, int slot, double now);
/* Only the phase of a building port. */
void status_phase(struct status *st, size_t port, const char *phase);
void status_set_log(struct status *st, size_t port, const char *log);

/* Seconds left: queued work spread over the slots, at least the longest
 * remaining build; negative when unknown. */
double status_eta(const struct status *st, double now);

/* status.json (atomic) and, once, index.html into st->dir.  0 or -1. */
int status_write(const struct status *st, double now, struct kerr *e);
void status_json(const struct status *st, double now, struct strbuf *out);

/* The live view: builders, counts, elapsed, ETA; lines end in '\n'. */
void status_render(const struct status *st, double now, struct strbuf *out);
/* One line for an event on port (non-tty output). */
void status_event_line(const struct status *st, size_t port, double now,
    struct strbuf *out);

const char *status_state_name(enum status_state s);
/* "1h02m03s" / "4m05s" / "6s" into buf. */
const char *status_fmt_duration(double secs, char *buf, size_t len);

#endif
