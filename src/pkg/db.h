/*
 * db: the client's installed-package database, one SQLite file at
 * ROOT/var/db/kiln/local.sqlite.  Each client command changes it inside
 * ONE transaction (pkgdb_begin ... pkgdb_commit), so a failed or killed
 * command leaves it as it was.
 * Does not: touch installed files, resolve dependencies, talk to repos.
 * Calls: util, pkg/manifest, SQLite.
 *
 * Schema (PRAGMA user_version = 1; WAL journal; foreign keys on):
 *
 *	table		column		meaning
 *	packages	id		INTEGER PRIMARY KEY
 *			name		TEXT UNIQUE: the package's identity
 *			origin, version, comment, maintainer, www, prefix, abi
 *			flatsize	INTEGER
 *			automatic	INTEGER 0/1: installed only as a dependency
 *			repo		TEXT: repo it came from, "" for `add FILE`
 *			time		INTEGER: install time (epoch)
 *			manifest	TEXT: the full manifest as pkg emits it
 *					(files, scripts, config ...) — the
 *					source for pkgdb_get()
 *	files		path		TEXT PRIMARY KEY: one owner per file
 *			package_id	-> packages(id) ON DELETE CASCADE
 *			sum		TEXT: pkg checksum string ("1$hex", ...)
 *			symlink_target	TEXT or NULL
 *	directories	path, package_id   (PRIMARY KEY both; shared dirs)
 *	deps		package_id, name, origin, version
 *	options		package_id, name, value ("on"/"off")
 *	annotations	package_id, tag, value
 *	txn		id		TEXT: the last committed client
 *					transaction (journal recovery asks
 *					whether it committed)
 *	config_files	path		TEXT PRIMARY KEY (an @config/@sample
 *					target)
 *			package_id
 *			sum		TEXT: checksum of the content kiln
 *					installed, to tell a user's edit
 *					from the packaged file on upgrade
 *
 * Names returned by lists are owned by the caller (pkgdb_rows_free).
 */
#ifndef KILN_PKG_DB_H
#define KILN_PKG_DB_H

#include "pkg/manifest.h"
#include "util/kerr.h"
#include "util/vec.h"

#include <stdbool.h>

#define PKGDB_DIR "var/db/kiln"
#define PKGDB_FILE "local.sqlite"

struct pkgdb;

struct pkgdb_row {
	char *name, *version, *origin, *comment, *repo;	/* owned */
	bool automatic;
	int64_t flatsize;
};
typedef VEC(struct pkgdb_row) pkgdb_rows;

/*
 * Open (creating ROOT/var/db/kiln and the schema when create is true)
 * the database of root.  NULL with e set on failure; with create false
 * and no database, returns NULL with e "ROOT/var/db/kiln/local.sqlite: no
 * packages installed" and *missing (may be NULL) set true.
 */
struct pkgdb *pkgdb_open(const char *root, bool create, bool *missing,
    struct kerr *e);
void pkgdb_close(struct pkgdb *db);
/* The database file's path (borrowed). */
const char *pkgdb_path(const struct pkgdb *db);

/* One write transaction (BEGIN IMMEDIATE: a second writer waits/fails). */
int pkgdb_begin(struct pkgdb *db, struct kerr *e);
int pkgdb_commit(struct pkgdb *db, struct kerr *e);
void pkgdb_rollback(struct pkgdb *db);

/*
 * Record m as installed (replacing any row of the same name: upgrade).
 * configs (may be NULL): config files (@config paths and @sample targets)
 * with the checksum of the content kiln put there.  A file owned by
 * another package fails with "PATH: already owned by NAME-VERSION".
 */
int pkgdb_add(struct pkgdb *db, const struct pkg_manifest *m, bool automatic,
    const char *repo, const pkg_kvv *configs, struct kerr *e);
/* Forget the package called name (its files, deps, ... go with it). */
int pkgdb_remove(struct pkgdb *db, const char *name, struct kerr *e);
int pkgdb_set_automatic(struct pkgdb *db, const char *name, bool automatic,
    struct kerr *e);

/*
 * The full manifest of installed package name (caller frees), or NULL:
 * with e->msg empty when it is not installed, set on error.  *automatic
 * may be NULL.
 */
struct pkg_manifest *pkgdb_get(struct pkgdb *db, const char *name,
    bool *automatic, struct kerr *e);
/* Every installed package, sorted by name. 0 or -1. */
int pkgdb_list(struct pkgdb *db, pkgdb_rows *out, struct kerr *e);
void pkgdb_rows_free(pkgdb_rows *rows);
/* Name of the package owning path (caller frees) or NULL. */
char *pkgdb_file_owner(struct pkgdb *db, const char *path);
/* Names of installed packages depending on name (caller frees the strv). */
int pkgdb_rdeps(struct pkgdb *db, const char *name, pkg_strv *out,
    struct kerr *e);
/* Whether another package than `except` lists dir; used on delete. */
bool pkgdb_dir_shared(struct pkgdb *db, const char *dir, const char *except);
/* Record txid as this transaction's id (inside the transaction). */
int pkgdb_mark_txn(struct pkgdb *db, const char *txid, struct kerr *e);
/* Whether txid is the last committed transaction. */
bool pkgdb_txn_committed(struct pkgdb *db, const char *txid);
/* Config files (path, sum) of installed package name; 0 or -1. */
int pkgdb_configs(struct pkgdb *db, const char *name, pkg_kvv *out,
    struct kerr *e);
/* The checksum recorded for a config file (caller frees) or NULL. */
char *pkgdb_config_sum(struct pkgdb *db, const char *path);

#endif
