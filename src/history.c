/*
 * history: per-origin build durations and peak memory in SQLite.
 * See history.h for the schema.  Does not: print.  Calls: sqlite3, util.
 */
#include "history.h"

#include "util/xalloc.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

struct history {
	sqlite3 *db;
	sqlite3_stmt *ins;
	sqlite3_stmt *est;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS builds(origin TEXT NOT NULL, pkgname TEXT,"
    " finished INTEGER NOT NULL, duration REAL NOT NULL,"
    " memory INTEGER NOT NULL DEFAULT 0, ok INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS builds_origin ON builds(origin, finished);";

struct history *
history_open(const char *path, struct kerr *e)
{
	struct history *h = xcalloc(1, sizeof(*h));
	char *msg = NULL;

	if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		kerr_set(e, "%s: %s", path, sqlite3_errmsg(h->db));
		goto fail;
	}
	sqlite3_busy_timeout(h->db, 5000);
	if (sqlite3_exec(h->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		kerr_set(e, "%s: %s", path, msg ? msg : "cannot create schema");
		sqlite3_free(msg);
		goto fail;
	}
	if (sqlite3_prepare_v2(h->db, "INSERT INTO builds(origin, pkgname,"
	    " finished, duration, memory, ok) VALUES(?,?,?,?,?,?)", -1, &h->ins,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h->db, "SELECT duration, memory FROM builds"
	    " WHERE origin = ? AND ok = 1 ORDER BY finished DESC, rowid DESC"
	    " LIMIT 5", -1, &h->est, NULL) != SQLITE_OK) {
		kerr_set(e, "%s: %s", path, sqlite3_errmsg(h->db));
		goto fail;
	}
	return h;
fail:
	history_close(h);
	return NULL;
}

void
history_close(struct history *h)
{
	if (h == NULL)
		return;
	sqlite3_finalize(h->ins);
	sqlite3_finalize(h->est);
	sqlite3_close(h->db);
	free(h);
}

int
history_record(struct history *h, const char *origin, const char *pkgname,
    double duration, uint64_t memory, bool ok, struct kerr *e)
{
	int rc;

	sqlite3_reset(h->ins);
	sqlite3_bind_text(h->ins, 1, origin, -1, SQLITE_STATIC);
	if (pkgname)
		sqlite3_bind_text(h->ins, 2, pkgname, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(h->ins, 2);
	sqlite3_bind_int64(h->ins, 3, (sqlite3_int64)time(NULL));
	sqlite3_bind_double(h->ins, 4, duration);
	sqlite3_bind_int64(h->ins, 5, (sqlite3_int64)memory);
	sqlite3_bind_int(h->ins, 6, ok ? 1 : 0);
	rc = sqlite3_step(h->ins);
	sqlite3_reset(h->ins);
	if (rc != SQLITE_DONE)
		return kerr_set(e, "history: %s", sqlite3_errmsg(h->db));
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
history_estimate(struct history *h, const char *origin, double *duration,
    uint64_t *memory)
{
	double d[5];
	uint64_t mem = 0;
	int n = 0;

	sqlite3_reset(h->est);
	sqlite3_bind_text(h->est, 1, origin, -1, SQLITE_STATIC);
	while (n < 5 && sqlite3_step(h->est) == SQLITE_ROW) {
		uint64_t m = (uint64_t)sqlite3_column_int64(h->est, 1);
		d[n++] = sqlite3_column_double(h->est, 0);
		if (m > mem)
			mem = m;
	}
	sqlite3_reset(h->est);
	if (n == 0)
		return 0;
	qsort(d, (size_t)n, sizeof(d[0]), cmp_double);
	*duration = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
	*memory = mem;
	return 1;
}

int
history_begin(struct history *h, struct kerr *e)
{
	if (sqlite3_exec(h->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return kerr_set(e, "history: %s", sqlite3_errmsg(h->db));
	return 0;
}

int
history_commit(struct history *h, struct kerr *e)
{
	if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return kerr_set(e, "history: %s", sqlite3_errmsg(h->db));
	return 0;
}
