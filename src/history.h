/*
 * history: build history in SQLite (BASEFS/data/cache/history.sqlite):
 * per origin, the durations and peak memory of its last builds, which the
 * scheduler uses as estimates and status uses for the ETA.
 * Does not: decide what to build.  Calls: sqlite3, util.
 *
 * Schema (one table; a row per finished build):
 *	builds(origin TEXT, pkgname TEXT, finished INTEGER  -- unix seconds,
 *	       duration REAL  -- seconds,  memory INTEGER  -- peak bytes, 0 unknown,
 *	       ok INTEGER  -- 1 built, 0 failed)
 *	index builds_origin on (origin, finished)
 * Estimates use the median of the last 5 successful builds (durations)
 * and their maximum (memory), so one odd run does not swing them.
 */
#ifndef KILN_HISTORY_H
#define KILN_HISTORY_H

#include "util/kerr.h"

#include <stdbool.h>
#include <stdint.h>

struct history;

/* Open (creating) the database at path; NULL with e set. */
struct history *history_open(const char *path, struct kerr *e);
void history_close(struct history *h);

int history_record(struct history *h, const char *origin, const char *pkgname,
    double duration, uint64_t memory, bool ok, struct kerr *e);

/*
 * Estimates for origin: 1 when history has a successful build (duration
 * and memory set; memory 0 when never measured), 0 when none.
 */
int history_estimate(struct history *h, const char *origin, double *duration,
    uint64_t *memory);

/* Begin / commit a transaction around many records.  0 or -1. */
int history_begin(struct history *h, struct kerr *e);
int history_commit(struct history *h, struct kerr *e);

#endif
