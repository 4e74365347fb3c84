/*
 * client: kiln's package client, what `pkg` does on a machine: update the
 * repository catalogs (verifying their signatures), then install,
 * upgrade, delete and autoremove packages in a root directory, all
 * changes of one command forming ONE transaction.
 * Does not: print (lines go to the say callback), parse command lines,
 * build packages.
 * Calls: util, version, pkg/repoconf, pkg/db, pkg/solve, pkg/manifest,
 * pkg/archive, pkg/checksum, pkg/sign, pkg/repo.
 *
 * On disk (ROOT = -r, default "/"):
 *	ROOT/var/db/kiln/local.sqlite	installed packages (db.h)
 *	ROOT/var/db/kiln/lock		one writer at a time (flock)
 *	ROOT/var/db/kiln/journal	the running transaction (below)
 *	ROOT/var/db/kiln/repos/NAME/	meta.conf, data.pkg | packagesite.pkg
 *					as downloaded (their mtime feeds
 *					If-Modified-Since), `catalog` (the
 *					verified catalog member) and `trust`
 *					(the signature settings it was
 *					verified with; a change re-downloads)
 *	ROOT/var/cache/kiln/NAME-VERSION.pkg	downloaded packages
 *
 * Transaction (install, upgrade, delete, autoremove, add):
 *  1. plan (solve.h); fetch every package, check size and checksum
 *     against the signed catalog; read the full manifests; refuse file
 *     conflicts (a path owned by another package, or by two new ones) and
 *     a root without the space the packages need — nothing written yet;
 *  2. write the journal (txid, pid, directories that get temporaries);
 *     extract every package to temporary names beside their destinations
 *     (archive.h: safe paths, symlink rules, per-file checksums); run
 *     pre-install / pre-deinstall scripts;
 *  3. append the list of moves to the journal; rename old files to backup
 *     names and temporaries into place; record everything in the database
 *     and commit it together with the txid;
 *  4. remove backups, empty directories and the journal; run post-install
 *     / post-deinstall scripts; show install messages.
 * A failure before the database commit undoes steps 2-3.  A killed
 * process leaves the journal: the next client run (any verb) finds it
 * and rolls back (txid not committed) or finishes (committed).
 *
 * Journal format (text, one record per line, fields separated by TAB):
 *	kiln-journal 1
 *	txid HEX / pid N
 *	mkdir DIR		a directory that did not exist (rollback rmdir)
 *	scan DIR		may hold ".kiln.tmp.PID.*" temporaries
 *	move TMP FINAL BACKUP	TMP renamed to FINAL; FINAL's old content
 *				saved as BACKUP ("-": FINAL did not exist)
 *	del FINAL BACKUP	FINAL removed by renaming it to BACKUP
 *	commit			step 3 started
 *
 * Config files: paths in a manifest's `config` list, and the target T of
 * every "T.sample" file (pkg's @sample), are created when absent, replaced
 * on upgrade only when the user did not change them since kiln put them
 * there (their checksum is in the database), and otherwise kept (the new
 * @config content goes to T.pkgnew).  Delete keeps changed ones.
 *
 * ABI: packages whose abi does not match the client's (pkg's rule,
 * abi.h: a prefix or glob) are not candidates, and `add` refuses them.
 * The client's ABI is -o ABI=..., else that of ROOT's /usr/bin/uname or
 * /bin/sh when ROOT has one, else the host's.
 *
 * Scripts run as /bin/sh -c TEXT with $1 = NAME-VERSION (and $2 =
 * PRE-INSTALL / POST-INSTALL / DEINSTALL / POST-DEINSTALL for the
 * install/deinstall scripts), environment PKG_NAME, PKG_VERSION,
 * PKG_PREFIX, PKG_ROOTDIR, PKG_UPGRADE (true|false), KILN_ROOTDIR (the
 * root's host path), PATH.  When ROOT is not "/" they run chrooted into
 * ROOT with PKG_ROOTDIR=/ — if kiln runs as root and ROOT/bin/sh exists;
 * otherwise on the host with PKG_ROOTDIR=ROOT, as pkg -r runs them (the
 * client says so).  A failing pre-* script aborts the transaction; a
 * failing post-* script is a warning.  RUN_SCRIPTS=no skips them.
 *
 * Test hook (tests only): KILN_TEST_PAUSE_BEFORE_COMMIT=stage|rename makes
 * a transaction print "kiln: test pause (stage|rename)" on stderr and sleep
 * 600 s after step 2 (stage) or in the middle of step 3's renames
 * (rename), so a test can kill -9 it at a known point.
 */
#ifndef KILN_PKG_CLIENT_H
#define KILN_PKG_CLIENT_H

#include "pkg/db.h"
#include "pkg/repoconf.h"
#include "util/kerr.h"
#include "util/lock.h"
#include "util/strbuf.h"

#include <stdbool.h>

#define CLIENT_CACHE_DIR "var/cache/kiln"

struct client_catalog;

struct client {
	/* Set by the caller before client_open (borrowed). */
	const char *root;	/* NULL: "/" */
	const char *repos_dir;	/* NULL: $REPOS_DIR or REPOCONF_DEFAULT_DIRS */
	bool yes;		/* do not ask */
	bool run_scripts;	/* default true (client_init) */
	bool quiet;
	void (*say)(void *arg, const char *line);	/* progress lines */
	bool (*confirm)(void *arg, const char *question);	/* NULL: yes */
	void *arg;

	/* Private. */
	char *rootdir;		/* normalised root, owned */
	char *dbdir, *cachedir;	/* owned */
	struct repoconf_set repos;
	struct pkgdb *db;
	struct lock lock;
	VEC(struct client_catalog *) cats;
	bool writable;
	char *abi;		/* the client's ABI (-o ABI, else probed); owned */
};

/* Defaults (root "/", run_scripts true, ...). */
void client_init(struct client *c);
/*
 * Read the repo files, take the lock (writable: the verbs that change
 * ROOT), recover an interrupted transaction, open the database.  0 or -1.
 */
int client_open(struct client *c, bool writable, struct kerr *e);
void client_close(struct client *c);

/* Download and verify every enabled repo's catalog.  force: ignore the
 * cached copy's time.  0, or -1 when any repo failed (e names it). */
int client_update(struct client *c, bool force, struct kerr *e);
int client_install(struct client *c, char *const *names, size_t n,
    struct kerr *e);
/* n == 0: everything installed. */
int client_upgrade(struct client *c, char *const *names, size_t n,
    struct kerr *e);
int client_delete(struct client *c, char *const *names, size_t n,
    struct kerr *e);
int client_autoremove(struct client *c, struct kerr *e);
/* Install a local .pkg file (its dependencies must be installed). */
int client_add(struct client *c, const char *file, struct kerr *e);
/* Download names (n == 0: every package of every repo) into the cache,
 * with their dependencies when deps is true. */
int client_fetch(struct client *c, char *const *names, size_t n, bool deps,
    struct kerr *e);
/*
 * Check the checksums of installed files of names (n == 0: all); each
 * mismatch or missing file is said as "NAME-VERSION: PATH: ...".  Returns
 * the number of problems, or -1 on error.
 */
int client_check_sums(struct client *c, char *const *names, size_t n,
    struct kerr *e);
/*
 * pkg query: expand fmt for installed package m into out (one line per
 * item when fmt has a multi-line pattern %d %r %F %O %A %D %C %L, each
 * ending in '\n').  Supported: %n %v %o %c %e %w %m %p %q %R %a %s[hb]
 * %t %%, %d[nov] %rn %F[ps] %O[kv] %A[tv] %D %C %L, \n \t.
 * -1 with e set for an unknown pattern.
 */
int client_query(struct client *c, const char *fmt, const char *name,
    struct strbuf *out, struct kerr *e);

#endif
