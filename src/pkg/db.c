/*
 * db: the installed-package database (schema in db.h).  The full manifest
 * is kept as JSON so that pkgdb_get returns exactly what was installed;
 * the other tables index it for ownership, dependency and query lookups.
 * Calls: util, pkg/manifest, SQLite.
 */
#include "pkg/db.h"

#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pkgdb {
	sqlite3 *h;
	char *path;
};

static const char schema[] =
    "PRAGMA foreign_keys = ON;"
    "CREATE TABLE IF NOT EXISTS packages ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, origin TEXT,"
    " version TEXT NOT NULL, comment TEXT, maintainer TEXT, www TEXT,"
    " prefix TEXT, abi TEXT, flatsize INTEGER, automatic INTEGER NOT NULL,"
    " repo TEXT, time INTEGER, manifest TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS files ("
    " path TEXT PRIMARY KEY, package_id INTEGER NOT NULL"
    " REFERENCES packages(id) ON DELETE CASCADE, sum TEXT, symlink_target TEXT);"
    "CREATE INDEX IF NOT EXISTS files_pkg ON files(package_id);"
    "CREATE TABLE IF NOT EXISTS directories ("
    " path TEXT NOT NULL, package_id INTEGER NOT NULL"
    " REFERENCES packages(id) ON DELETE CASCADE, PRIMARY KEY(path, package_id));"
    "CREATE TABLE IF NOT EXISTS deps ("
    " package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, origin TEXT, version TEXT);"
    "CREATE INDEX IF NOT EXISTS deps_name ON deps(name);"
    "CREATE TABLE IF NOT EXISTS options ("
    " package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, value TEXT);"
    "CREATE TABLE IF NOT EXISTS annotations ("
    " package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
    " tag TEXT NOT NULL, value TEXT);"
    "CREATE TABLE IF NOT EXISTS config_files ("
    " path TEXT PRIMARY KEY, package_id INTEGER NOT NULL"
    " REFERENCES packages(id) ON DELETE CASCADE, sum TEXT);"
    "CREATE TABLE IF NOT EXISTS txn (id TEXT NOT NULL);"
    "PRAGMA user_version = 1;";

static int
dberr(struct pkgdb *db, struct kerr *e, const char *what)
{
	return kerr_set(e, "%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
}

struct pkgdb *
pkgdb_open(const char *root, bool create, bool *missing, struct kerr *e)
{
	struct pkgdb *db = xcalloc(1, sizeof(*db));
	char *dir = path_join(root, PKGDB_DIR);
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

	if (missing)
		*missing = false;
	db->path = path_join(dir, PKGDB_FILE);
	if (!create && !path_exists(db->path)) {
		if (missing)
			*missing = true;
		kerr_set(e, "%s: no packages installed", db->path);
		goto fail;
	}
	if (create && path_mkdir_p(dir, 0755, e) < 0)
		goto fail;
	if (sqlite3_open_v2(db->path, &db->h, flags, NULL) != SQLITE_OK) {
		dberr(db, e, "open");
		goto fail;
	}
	sqlite3_busy_timeout(db->h, 10000);
	if (sqlite3_exec(db->h, "PRAGMA journal_mode = WAL;", NULL, NULL, NULL)
	    != SQLITE_OK || sqlite3_exec(db->h, schema, NULL, NULL, NULL) != SQLITE_OK) {
		dberr(db, e, "schema");
		goto fail;
	}
	free(dir);
	return db;
fail:
	free(dir);
	pkgdb_close(db);
	return NULL;
}

void
pkgdb_close(struct pkgdb *db)
{
	if (db == NULL)
		return;
	if (db->h)
		sqlite3_close(db->h);
	free(db->path);
	free(db);
}

const char *
pkgdb_path(const struct pkgdb *db)
{
	return db->path;
}

int
pkgdb_begin(struct pkgdb *db, struct kerr *e)
{
	if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return dberr(db, e, "begin");
	return 0;
}

int
pkgdb_commit(struct pkgdb *db, struct kerr *e)
{
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return dberr(db, e, "commit");
	return 0;
}

void
pkgdb_rollback(struct pkgdb *db)
{
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/* Prepare sql and bind the text arguments (NULL binds NULL). */
static sqlite3_stmt *
prep(struct pkgdb *db, struct kerr *e, const char *sql, int n, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		dberr(db, e, "prepare");
		return NULL;
	}
	va_start(ap, n);
	for (int i = 1; i <= n; i++) {
		const char *s = va_arg(ap, const char *);

		if (s)
			sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, i);
	}
	va_end(ap);
	return st;
}

/* Run a statement of n text binds plus an optional trailing id bind. */
static int
exec_id(struct pkgdb *db, struct kerr *e, const char *sql, int64_t id,
    const char *a, const char *b, const char *c)
{
	sqlite3_stmt *st = prep(db, e, sql, 0);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (a) sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	if (b) sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
	if (c) sqlite3_bind_text(st, 4, c, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(db, e, "insert");
}

int
pkgdb_add(struct pkgdb *db, const struct pkg_manifest *m, bool automatic,
    const char *repo, const pkg_kvv *configs, struct kerr *e)
{
	struct strbuf json = STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	int64_t id;
	int rc = -1;

	if (pkgdb_remove(db, m->name, e) < 0)
		goto out;
	pkg_manifest_emit(m, PKG_EMIT_FULL, &json);
	st = prep(db, e, "INSERT INTO packages (name, origin, version, comment,"
	    " maintainer, www, prefix, abi, repo, manifest, flatsize, automatic,"
	    " time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	    10, m->name, m->origin, m->version, m->comment, m->maintainer, m->www,
	    m->prefix, m->abi, repo ? repo : "", json.buf);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 11, m->flatsize);
	sqlite3_bind_int(st, 12, automatic);
	sqlite3_bind_int64(st, 13, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE) {
		dberr(db, e, "insert package");
		goto out;
	}
	id = sqlite3_last_insert_rowid(db->h);
	for (size_t i = 0; i < m->files.n; i++) {
		const struct pkg_file *f = &m->files.v[i];
		char *owner;

		if (exec_id(db, e, "INSERT INTO files (package_id, path, sum,"
		    " symlink_target) VALUES (?1, ?2, ?3, ?4)", id, f->path,
		    f->sum, f->symlink_target) == 0)
			continue;
		owner = pkgdb_file_owner(db, f->path);
		kerr_set(e, "%s: already owned by %s", f->path, owner ? owner : "?");
		free(owner);
		goto out;
	}
	for (size_t i = 0; i < m->dirs.n; i++)
		if (exec_id(db, e, "INSERT OR IGNORE INTO directories (package_id,"
		    " path) VALUES (?1, ?2)", id, m->dirs.v[i].path, NULL, NULL) < 0)
			goto out;
	for (size_t i = 0; i < m->deps.n; i++)
		if (exec_id(db, e, "INSERT INTO deps (package_id, name, origin,"
		    " version) VALUES (?1, ?2, ?3, ?4)", id, m->deps.v[i].name,
		    m->deps.v[i].origin, m->deps.v[i].version) < 0)
			goto out;
	for (size_t i = 0; i < m->options.n; i++)
		if (exec_id(db, e, "INSERT INTO options (package_id, name, value)"
		    " VALUES (?1, ?2, ?3)", id, m->options.v[i].key,
		    m->options.v[i].value, NULL) < 0)
			goto out;
	for (size_t i = 0; i < m->annotations.n; i++)
		if (exec_id(db, e, "INSERT INTO annotations (package_id, tag, value)"
		    " VALUES (?1, ?2, ?3)", id, m->annotations.v[i].key,
		    m->annotations.v[i].value, NULL) < 0)
			goto out;
	for (size_t i = 0; configs && i < configs->n; i++)
		if (exec_id(db, e, "INSERT OR REPLACE INTO config_files"
		    " (package_id, path, sum) VALUES (?1, ?2, ?3)", id,
		    configs->v[i].key, configs->v[i].value, NULL) < 0)
			goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	strbuf_release(&json);
	return rc;
}

int
pkgdb_remove(struct pkgdb *db, const char *name, struct kerr *e)
{
	sqlite3_stmt *st = prep(db, e, "DELETE FROM packages WHERE name = ?1", 1,
	    name);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(db, e, "delete");
}

int
pkgdb_set_automatic(struct pkgdb *db, const char *name, bool automatic,
    struct kerr *e)
{
	sqlite3_stmt *st = prep(db, e, "UPDATE packages SET automatic = ?2"
	    " WHERE name = ?1", 1, name);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 2, automatic);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(db, e, "update");
}

struct pkg_manifest *
pkgdb_get(struct pkgdb *db, const char *name, bool *automatic, struct kerr *e)
{
	sqlite3_stmt *st = prep(db, e, "SELECT manifest, automatic FROM packages"
	    " WHERE name = ?1", 1, name);
	struct pkg_manifest *m = NULL;
	int rc;

	e->msg[0] = '\0';
	if (st == NULL)
		return NULL;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *j = (const char *)sqlite3_column_text(st, 0);

		m = pkg_manifest_parse(j, strlen(j), name, e);
		if (automatic)
			*automatic = sqlite3_column_int(st, 1) != 0;
	} else if (rc != SQLITE_DONE) {
		dberr(db, e, "select");
	}
	sqlite3_finalize(st);
	return m;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

int
pkgdb_list(struct pkgdb *db, pkgdb_rows *out, struct kerr *e)
{
	sqlite3_stmt *st = prep(db, e, "SELECT name, version, origin, comment,"
	    " repo, automatic, flatsize FROM packages ORDER BY name", 0);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pkgdb_row r = {
			col_dup(st, 0), col_dup(st, 1), col_dup(st, 2),
			col_dup(st, 3), col_dup(st, 4),
			sqlite3_column_int(st, 5) != 0, sqlite3_column_int64(st, 6),
		};
		vec_push(out, r);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(db, e, "list");
}

void
pkgdb_rows_free(pkgdb_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++) {
		free(rows->v[i].name);
		free(rows->v[i].version);
		free(rows->v[i].origin);
		free(rows->v[i].comment);
		free(rows->v[i].repo);
	}
	vec_free(rows);
}

/* First column of the first row of a one-argument query (caller frees). */
static char *
query1(struct pkgdb *db, const char *sql, const char *a, const char *b)
{
	struct kerr e;
	sqlite3_stmt *st = prep(db, &e, sql, b ? 2 : 1, a, b);
	char *r = NULL;

	if (st == NULL)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		r = col_dup(st, 0);
	sqlite3_finalize(st);
	return r;
}

char *
pkgdb_file_owner(struct pkgdb *db, const char *path)
{
	return query1(db, "SELECT p.name || '-' || p.version FROM files f JOIN"
	    " packages p ON p.id = f.package_id WHERE f.path = ?1", path, NULL);
}

char *
pkgdb_config_sum(struct pkgdb *db, const char *path)
{
	return query1(db, "SELECT sum FROM config_files WHERE path = ?1", path,
	    NULL);
}

bool
pkgdb_dir_shared(struct pkgdb *db, const char *dir, const char *except)
{
	char *r = query1(db, "SELECT p.name FROM directories d JOIN packages p"
	    " ON p.id = d.package_id WHERE d.path = ?1 AND p.name != ?2", dir,
	    except);
	bool shared = r != NULL;

	free(r);
	return shared;
}

int
pkgdb_rdeps(struct pkgdb *db, const char *name, pkg_strv *out, struct kerr *e)
{
	sqlite3_stmt *st = prep(db, e, "SELECT DISTINCT p.name FROM deps d JOIN"
	    " packages p ON p.id = d.package_id WHERE d.name = ?1 ORDER BY p.name",
	    1, name);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		pkg_strv_push(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(db, e, "rdeps");
}

int
pkgdb_mark_txn(struct pkgdb *db, const char *txid, struct kerr *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_exec(db->h, "DELETE FROM txn", NULL, NULL, NULL) != SQLITE_OK)
		return dberr(db, e, "txn");
	st = prep(db, e, "INSERT INTO txn (id) VALUES (?1)", 1, txid);
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(db, e, "txn");
}

bool
pkgdb_txn_committed(struct pkgdb *db, const char *txid)
{
	char *r = query1(db, "SELECT id FROM txn WHERE id = ?1", txid, NULL);
	bool yes = r != NULL;

	free(r);
	return yes;
}

int
pkgdb_configs(struct pkgdb *db, const char *name, pkg_kvv *out, struct kerr *e)
{
	sqlite3_stmt *st = prep(db, e, "SELECT c.path, c.sum FROM config_files c"
	    " JOIN packages p ON p.id = c.package_id WHERE p.name = ?1", 1, name);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		pkg_kv_set(out, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(db, e, "configs");
}
