/*
 * client: open/close, journal recovery, and the transaction engine of
 * install, upgrade, delete, autoremove and add described in client.h:
 * every check before anything under ROOT changes, the journal making the
 * rename phase undoable after a crash.  Catalogs and downloads are in
 * client_repo.c, query and check in client_query.c.
 * Calls: util, version, pkg/repoconf, pkg/db, pkg/solve, pkg/manifest,
 * pkg/archive, pkg/checksum, pkg/abi.
 */
#include "pkg/client.h"
#include "pkg/client_int.h"

#include "pkg/abi.h"
#include "pkg/archive.h"
#include "pkg/checksum.h"
#include "pkg/solve.h"
#include "util/child.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "version.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

void
client_say(struct client *c, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (c->quiet || c->say == NULL)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	c->say(c->arg, sb.buf);
	strbuf_release(&sb);
}

void
client_init(struct client *c)
{
	memset(c, 0, sizeof(*c));
	c->run_scripts = true;
	c->lock.fd = -1;
}

void
client_catalogs_free(struct client *c)
{
	for (size_t i = 0; i < c->cats.n; i++) {
		struct client_catalog *cat = c->cats.v[i];

		vec_free_all(&cat->pkgs, pkg_manifest_free);
		free(cat);
	}
	vec_free(&c->cats);
}

void
client_close(struct client *c)
{
	client_catalogs_free(c);
	pkgdb_close(c->db);
	c->db = NULL;
	lock_release(&c->lock);
	repoconf_set_free(&c->repos);
	free(c->rootdir);
	free(c->dbdir);
	free(c->cachedir);
	free(c->abi);
	c->rootdir = c->dbdir = c->cachedir = c->abi = NULL;
}

/* ROOT + abs (abs starts with '/'); caller frees. */
char *
client_in_root(const struct client *c, const char *abs)
{
	if (strcmp(c->rootdir, "/") == 0)
		return xstrdup(abs);
	return xasprintf("%s%s", c->rootdir, abs);
}

/* --- journal ------------------------------------------------------------ */

struct journal {
	char *path;
	int fd;
	char txid[33];
};

static int
journal_add(struct journal *j, struct kerr *e, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addch(&sb, '\n');
	rc = write_full(j->fd, sb.buf, sb.len);
	strbuf_release(&sb);
	if (rc < 0)
		return kerr_errno(e, "%s: write", j->path);
	return 0;
}

static int
journal_sync(struct journal *j, struct kerr *e)
{
	if (fsync(j->fd) < 0)
		return kerr_errno(e, "%s: fsync", j->path);
	return 0;
}

static int
journal_open(struct client *c, struct journal *j, struct kerr *e)
{
	unsigned char rnd[16];
	int fd;

	j->path = path_join(c->dbdir, "journal");
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd)) {
		if (fd >= 0)
			close(fd);
		return kerr_errno(e, "/dev/urandom");
	}
	close(fd);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(j->txid + 2 * i, 3, "%02x", rnd[i]);
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (j->fd < 0)
		return kerr_errno(e, "%s", j->path);
	if (journal_add(j, e, "kiln-journal 1") < 0 ||
	    journal_add(j, e, "txid\t%s", j->txid) < 0 ||
	    journal_add(j, e, "pid\t%ld", (long)getpid()) < 0)
		return -1;
	return 0;
}

static void
journal_done(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	if (j->path)
		unlink(j->path);
	free(j->path);
	j->path = NULL;
}

/* Remove leftover temporaries named ".kiln.tmp.PID." in dir. */
static void
scan_remove_tmps(const char *dir, const char *pid)
{
	char prefix[64];
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	snprintf(prefix, sizeof(prefix), ".kiln.tmp.%s.", pid);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 ||
		    strncmp(de->d_name, ".kiln.s.", 8) == 0) {
			char *p = path_join(dir, de->d_name);

			unlink(p);
			free(p);
		}
	}
	closedir(d);
}

/*
 * Undo or finish an interrupted transaction recorded in the journal.
 * Needs the database open.  0 or -1.
 */
static int
journal_recover(struct client *c, struct kerr *e)
{
	char *path = path_join(c->dbdir, "journal");
	struct strbuf sb = STRBUF_INIT;
	VEC(char *) lines = VEC_INIT;
	char *txid = NULL, *pid = NULL;
	bool committed, started = false;
	int rc = -1;

	if (!path_exists(path)) {
		rc = 0;
		goto out;
	}
	if (path_read(path, &sb, e) < 0)
		goto out;
	for (char *save = NULL, *l = strtok_r(sb.buf, "\n", &save); l;
	    l = strtok_r(NULL, "\n", &save))
		vec_push(&lines, l);
	for (size_t i = 0; i < lines.n; i++) {
		if (strncmp(lines.v[i], "txid\t", 5) == 0)
			txid = lines.v[i] + 5;
		else if (strncmp(lines.v[i], "pid\t", 4) == 0)
			pid = lines.v[i] + 4;
		else if (strcmp(lines.v[i], "commit") == 0)
			started = true;
	}
	committed = txid && pkgdb_txn_committed(c->db, txid);
	client_say(c, "recovering an interrupted transaction (%s)",
	    committed ? "committed: finishing it" : "not committed: rolling back");
	for (size_t i = lines.n; i-- > 0;) {
		char *f[3] = { NULL, NULL, NULL };
		char *l = lines.v[i], *save = NULL;
		bool is_move = strncmp(l, "move\t", 5) == 0;
		bool is_del = strncmp(l, "del\t", 4) == 0;

		if (!is_move && !is_del)
			continue;
		strtok_r(l, "\t", &save);
		for (int k = 0; k < 3; k++)
			f[k] = strtok_r(NULL, "\t", &save);
		if (is_move && f[2] != NULL) {
			const char *tmp = f[0], *fin = f[1], *bak = f[2];
			bool has_bak = strcmp(bak, "-") != 0;

			if (committed) {
				if (has_bak)
					unlink(bak);
				unlink(tmp);
				continue;
			}
			if (path_exists(tmp) || !started) {
				unlink(tmp);
			} else {
				unlink(fin);
			}
			if (has_bak && access(bak, F_OK) == 0)
				rename(bak, fin);
		} else if (is_del && f[1] != NULL) {
			if (committed)
				unlink(f[1]);
			else if (access(f[1], F_OK) == 0)
				rename(f[1], f[0]);
		}
	}
	for (size_t i = 0; pid && i < lines.n; i++)
		if (strncmp(lines.v[i], "scan\t", 5) == 0)
			scan_remove_tmps(lines.v[i] + 5, pid);
	if (!committed)
		for (size_t i = lines.n; i-- > 0;)
			if (strncmp(lines.v[i], "mkdir\t", 6) == 0)
				rmdir(lines.v[i] + 6);
	unlink(path);
	rc = 0;
out:
	vec_free(&lines);
	strbuf_release(&sb);
	free(path);
	return rc;
}

/* --- open --------------------------------------------------------------- */

int
client_open(struct client *c, bool writable, struct kerr *e)
{
	const char *dirs = c->repos_dir;
	char *lockp = NULL, *jpath = NULL;
	bool missing = false, recover;
	int rc = -1;

	c->rootdir = path_normalize(c->root ? c->root : "/");
	if (c->rootdir == NULL || c->rootdir[0] != '/') {
		char cwd[4096];
		char *abs;

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return kerr_errno(e, "getcwd");
		abs = path_join(cwd, c->root);
		free(c->rootdir);
		c->rootdir = path_normalize(abs);
		free(abs);
		if (c->rootdir == NULL)
			return kerr_set(e, "%s: bad root directory", c->root);
	}
	if (!path_is_dir(c->rootdir))
		return kerr_set(e, "%s: root directory does not exist", c->rootdir);
	if (getenv("ABI") && *getenv("ABI")) {
		c->abi = xstrdup(getenv("ABI"));
	} else {
		char *u = client_in_root(c, "/usr/bin/uname"), *sh = client_in_root(c, "/bin/sh");

		c->abi = path_exists(u) || path_exists(sh) ?
		    pkg_abi_root(c->rootdir, NULL) : pkg_abi_host();
		free(u);
		free(sh);
	}
	c->dbdir = client_in_root(c, "/" PKGDB_DIR);
	c->cachedir = client_in_root(c, "/" CLIENT_CACHE_DIR);
	c->writable = writable;
	if (dirs == NULL)
		dirs = getenv("REPOS_DIR");
	if (dirs == NULL)
		dirs = REPOCONF_DEFAULT_DIRS;
	repoconf_set_init(&c->repos);
	if (repoconf_load(&c->repos, dirs, getenv("ABI"), e) < 0)
		goto out;
	/* A journal left by a killed run is dealt with by whichever verb
	 * comes next, read-only ones included, so they never show a half
	 * done transaction. */
	jpath = path_join(c->dbdir, "journal");
	recover = path_exists(jpath);
	if (writable || recover) {
		if (path_mkdir_p(c->dbdir, 0755, e) < 0)
			goto out;
		lockp = path_join(c->dbdir, "lock");
		if (lock_take(&c->lock, lockp, "kiln pkg", false, e) < 0)
			goto out;
	}
	c->db = pkgdb_open(c->rootdir, writable || recover, &missing, e);
	if (c->db == NULL) {
		/* A read-only verb on an empty root sees an empty database. */
		if (!writable && missing) {
			rc = 0;
		}
		goto out;
	}
	if (recover && journal_recover(c, e) < 0)
		goto out;
	rc = 0;
out:
	free(jpath);
	free(lockp);
	return rc;
}

/* --- installed set ------------------------------------------------------ */

struct installed {
	pkgdb_rows rows;
	VEC(struct pkg_manifest *) mans;
	solve_installed si;
};

static int
installed_load(struct client *c, struct installed *in, struct kerr *e)
{
	memset(in, 0, sizeof(*in));
	if (c->db == NULL)
		return 0;
	if (pkgdb_list(c->db, &in->rows, e) < 0)
		return -1;
	for (size_t i = 0; i < in->rows.n; i++) {
		struct pkg_manifest *m = pkgdb_get(c->db, in->rows.v[i].name, NULL, e);

		if (m == NULL)
			return -1;
		vec_push(&in->mans, m);
	}
	for (size_t i = 0; i < in->rows.n; i++) {
		pkg_strv *deps = xcalloc(1, sizeof(*deps));

		for (size_t k = 0; k < in->mans.v[i]->deps.n; k++)
			pkg_strv_push(deps, in->mans.v[i]->deps.v[k].name);
		struct solve_inst s = { in->rows.v[i].name, in->rows.v[i].version,
		    in->rows.v[i].automatic, deps };
		vec_push(&in->si, s);
	}
	return 0;
}

static void
installed_free(struct installed *in)
{
	for (size_t i = 0; i < in->si.n; i++) {
		pkg_strv *d = (pkg_strv *)in->si.v[i].deps;

		pkg_strv_free(d);
		free(d);
	}
	vec_free(&in->si);
	vec_free_all(&in->mans, pkg_manifest_free);
	pkgdb_rows_free(&in->rows);
}

static struct pkg_manifest *
installed_get(struct installed *in, const char *name)
{
	for (size_t i = 0; i < in->rows.n; i++)
		if (strcmp(in->rows.v[i].name, name) == 0)
			return in->mans.v[i];
	return NULL;
}

/* --- the transaction ---------------------------------------------------- */

struct txpkg {
	const struct solve_job *job;	/* borrowed */
	char *file;			/* local .pkg (install/upgrade) */
	const char *repo;		/* borrowed */
	bool automatic;
	struct pkg_archive *a;		/* owned */
	const struct pkg_manifest *m;	/* new full manifest, borrowed from a */
	struct pkg_manifest *old;	/* installed manifest, borrowed */
	struct pkg_extract x;		/* staged payload */
	bool extracted;
	pkg_kvv configs;		/* (path, sum) for the database */
};

struct move {
	char *tmp, *final, *backup;	/* owned; backup NULL: nothing saved */
	bool done;
};

struct tx {
	struct client *c;
	struct installed *in;
	VEC(struct txpkg *) pkgs;
	VEC(struct move) moves;		/* temporaries to rename into place */
	VEC(struct move) dels;		/* files to remove (final -> backup) */
	pkg_strv rmdirs;		/* dirs to try removing afterwards */
	struct journal j;
	int nstaged;			/* counter for our own temporaries */
};

static void
kv_free(pkg_kvv *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->v[i].key);
		free(kv->v[i].value);
	}
	vec_free(kv);
}

static bool
manifest_has_file(const struct pkg_manifest *m, const char *path)
{
	return m && pkg_manifest_file(m, path) != NULL;
}

static bool
is_config(const struct pkg_manifest *m, const char *path)
{
	for (size_t i = 0; i < m->config.n; i++)
		if (strcmp(m->config.v[i], path) == 0)
			return true;
	return false;
}

/* The @sample target of path ("X.sample" -> "X"), when the manifest does
 * not itself ship X; caller frees; NULL otherwise. */
static char *
sample_target(const struct pkg_manifest *m, const char *path)
{
	size_t l = strlen(path);

	if (l <= 7 || strcmp(path + l - 7, ".sample") != 0)
		return NULL;
	char *t = xstrndup(path, l - 7);
	if (pkg_manifest_file(m, t) != NULL) {
		free(t);
		return NULL;
	}
	return t;
}

/* The txpkg that will own path after the transaction, other than self. */
static const struct txpkg *
tx_new_owner(struct tx *tx, const char *path, const struct txpkg *self)
{
	for (size_t i = 0; i < tx->pkgs.n; i++) {
		const struct txpkg *p = tx->pkgs.v[i];

		if (p != self && p->m && manifest_has_file(p->m, path))
			return p;
	}
	return NULL;
}

static struct txpkg *
tx_pkg_named(struct tx *tx, const char *name)
{
	for (size_t i = 0; i < tx->pkgs.n; i++)
		if (strcmp(tx->pkgs.v[i]->job->name, name) == 0)
			return tx->pkgs.v[i];
	return NULL;
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Refuse a transaction in which a package path is a symlink and also the
 * parent of another path: extraction stages files at temporary names, so
 * the link is not there yet to be noticed, and after the renames files
 * would have been written through it.
 */
static int
check_links_as_parents(struct tx *tx, struct kerr *e)
{
	VEC(const char *) all = VEC_INIT;
	int rc = 0;

	for (size_t i = 0; i < tx->pkgs.n; i++) {
		const struct pkg_manifest *m = tx->pkgs.v[i]->m;

		for (size_t k = 0; m && k < m->files.n; k++)
			vec_push(&all, m->files.v[k].path);
		for (size_t k = 0; m && k < m->dirs.n; k++)
			vec_push(&all, m->dirs.v[k].path);
	}
	if (all.n)
		qsort(all.v, all.n, sizeof(*all.v), cmp_strp);
	for (size_t i = 0; i < tx->pkgs.n && rc == 0; i++) {
		const struct pkg_manifest *m = tx->pkgs.v[i]->m;

		for (size_t k = 0; m && k < m->files.n && rc == 0; k++) {
			const struct pkg_file *f = &m->files.v[k];
			size_t l = strlen(f->path), lo = 0, hi = all.n;

			if (f->symlink_target == NULL)
				continue;
			/* First entry > f->path: children sort right after it
			 * (only names with bytes < '/' may come between). */
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (strcmp(all.v[mid], f->path) <= 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < all.n && strncmp(all.v[lo], f->path, l) == 0; lo++)
				if (all.v[lo][l] == '/')
					rc = kerr_set(e, "%s-%s: %s: refused: it is a "
					    "symlink and %s would be written through it",
					    m->name, m->version, f->path, all.v[lo]);
		}
	}
	vec_free(&all);
	return rc;
}

/* Refuse files owned twice, before anything is written. */
static int
check_conflicts(struct tx *tx, struct kerr *e)
{
	struct client *c = tx->c;

	if (check_links_as_parents(tx, e) < 0)
		return -1;
	/* The journal is line and tab separated. */
	for (size_t i = 0; i < tx->pkgs.n; i++) {
		const struct pkg_manifest *m = tx->pkgs.v[i]->m;

		for (size_t k = 0; m && k < m->files.n; k++)
			if (strpbrk(m->files.v[k].path, "\t\n") != NULL)
				return kerr_set(e, "%s-%s: a file name with a tab or "
				    "newline is refused", m->name, m->version);
	}

	for (size_t i = 0; i < tx->pkgs.n; i++) {
		const struct txpkg *p = tx->pkgs.v[i];

		if (p->m == NULL)
			continue;
		for (size_t k = 0; k < p->m->files.n; k++) {
			const char *path = p->m->files.v[k].path;
			const struct txpkg *other = tx_new_owner(tx, path, p);
			char *owner;

			if (other != NULL)
				return kerr_set(e, "%s: conflict: both %s-%s and "
				    "%s-%s install it", path, p->m->name,
				    p->m->version, other->m->name, other->m->version);
			owner = c->db ? pkgdb_file_owner(c->db, path) : NULL;
			if (owner != NULL) {
				/* Owned by a package this transaction replaces or
				 * removes, which no longer ships it: fine. */
				char *dash = strrchr(owner, '-');
				struct txpkg *op;
				bool ok;

				*dash = '\0';
				op = tx_pkg_named(tx, owner);
				ok = strcmp(owner, p->m->name) == 0 ||
				    (op != NULL && (op->m == NULL ||
				    !manifest_has_file(op->m, path)));
				*dash = '-';
				if (!ok) {
					kerr_set(e, "%s: conflict: %s-%s would "
					    "overwrite it, it belongs to %s", path,
					    p->m->name, p->m->version, owner);
					free(owner);
					return -1;
				}
				free(owner);
			}
		}
	}
	return 0;
}

static int
check_space(struct tx *tx, struct kerr *e)
{
	struct statvfs vfs;
	int64_t need = 0;

	for (size_t i = 0; i < tx->pkgs.n; i++)
		if (tx->pkgs.v[i]->m)
			need += tx->pkgs.v[i]->m->flatsize;
	if (statvfs(tx->c->rootdir, &vfs) < 0)
		return kerr_errno(e, "%s: statvfs", tx->c->rootdir);
	if ((uint64_t)need > (uint64_t)vfs.f_bavail * vfs.f_frsize)
		return kerr_set(e, "%s: not enough space: the packages need %lld "
		    "bytes, %llu are free", tx->c->rootdir, (long long)need,
		    (unsigned long long)vfs.f_bavail * vfs.f_frsize);
	return 0;
}

/* Checksum of a file under ROOT in the type of ref (or sha256 hex). */
static char *
sum_like(const char *path, const char *ref)
{
	enum pkg_cksum_type t = PKG_CKSUM_SHA256_HEX;
	struct kerr e;

	if (ref)
		pkg_cksum_type_of(ref, &t, &e);
	return pkg_cksum_file(t, path, NULL, &e);
}

static void
add_move(struct tx *tx, const char *tmp, const char *final)
{
	struct move mv = { xstrdup(tmp), xstrdup(final), NULL, false };

	vec_push(&tx->moves, mv);
}

/* Stage a copy of src (a staged temporary) as a new temporary for dst. */
static int
stage_copy(struct tx *tx, const char *src, const char *dst, struct kerr *e)
{
	char *dir = xstrdup(dst), *slash = strrchr(dir, '/');
	struct strbuf sb = STRBUF_INIT;
	char *tmp;
	int rc = -1;

	*slash = '\0';
	tmp = xasprintf("%s/.kiln.s.%s.%d", dir, tx->j.txid, tx->nstaged++);
	if (path_read(src, &sb, e) == 0 &&
	    path_write_atomic(tmp, sb.buf, sb.len, 0644, e) == 0) {
		add_move(tx, tmp, dst);
		rc = 0;
	}
	strbuf_release(&sb);
	free(tmp);
	free(dir);
	return rc;
}

/* Decide where each staged file goes (config rules), what the old
 * packages leave behind, and the config checksums to record. */
static int
plan_moves(struct tx *tx, struct kerr *e)
{
	struct client *c = tx->c;

	for (size_t i = 0; i < tx->pkgs.n; i++) {
		struct txpkg *p = tx->pkgs.v[i];
		pkg_kvv oldconf = VEC_INIT;

		if (p->old && c->db && pkgdb_configs(c->db, p->old->name, &oldconf,
		    e) < 0) {
			kv_free(&oldconf);
			return -1;
		}
		for (size_t k = 0; p->extracted && k < p->x.items.n; k++) {
			const struct pkg_xitem *it = &p->x.items.v[k];
			const struct pkg_file *f;
			char *target;

			if (it->is_dir || it->tmp == NULL)
				continue;
			f = pkg_manifest_file(p->m, it->path);
			if (is_config(p->m, it->path) && path_exists(it->final)) {
				char *cur = sum_like(it->final, f ? f->sum : NULL);
				const char *rec = NULL;

				for (size_t q = 0; q < oldconf.n; q++)
					if (strcmp(oldconf.v[q].key, it->path) == 0)
						rec = oldconf.v[q].value;
				if (cur && rec && strcmp(cur, rec) != 0) {
					char *alt = xasprintf("%s.pkgnew", it->final);

					client_say(c, "%s: you changed it; kept, the new version "
					    "is in %s.pkgnew", it->path, it->path);
					add_move(tx, it->tmp, alt);
					pkg_kv_set(&p->configs, it->path, rec);
					free(alt);
					free(cur);
					continue;
				}
				free(cur);
			}
			add_move(tx, it->tmp, it->final);
			if (is_config(p->m, it->path) && f && f->sum)
				pkg_kv_set(&p->configs, it->path, f->sum);
			target = sample_target(p->m, it->path);
			if (target != NULL) {
				char *tfinal = client_in_root(c, target);
				const char *rec = NULL;
				char *cur = NULL;
				bool install = true;

				for (size_t q = 0; q < oldconf.n; q++)
					if (strcmp(oldconf.v[q].key, target) == 0)
						rec = oldconf.v[q].value;
				if (path_exists(tfinal)) {
					cur = sum_like(tfinal, f ? f->sum : NULL);
					install = rec && cur && strcmp(cur, rec) == 0;
				}
				if (install) {
					if (stage_copy(tx, it->tmp, tfinal, e) < 0) {
						free(cur);
						free(tfinal);
						free(target);
						kv_free(&oldconf);
						return -1;
					}
					if (f && f->sum)
						pkg_kv_set(&p->configs, target, f->sum);
				} else {
					if (rec || cur)
						client_say(c, "%s: kept (%s)", target, rec ?
						    "you changed it" : "it was already there");
					if (rec)
						pkg_kv_set(&p->configs, target, rec);
				}
				free(cur);
				free(tfinal);
				free(target);
			}
		}
		/* What the old version had and the new one does not. */
		for (size_t k = 0; p->old && k < p->old->files.n; k++) {
			const char *path = p->old->files.v[k].path;
			char *fin;
			bool keep = false;

			if (p->m && manifest_has_file(p->m, path))
				continue;
			if (tx_new_owner(tx, path, p) != NULL)
				continue;
			fin = client_in_root(c, path);
			for (size_t q = 0; q < oldconf.n; q++) {
				if (strcmp(oldconf.v[q].key, path) != 0)
					continue;
				char *cur = sum_like(fin, oldconf.v[q].value);
				keep = cur && strcmp(cur, oldconf.v[q].value) != 0;
				free(cur);
			}
			if (keep) {
				client_say(c, "%s: you changed it; kept", path);
			} else if (access(fin, F_OK) == 0 || errno != ENOENT) {
				struct move mv = { NULL, fin, NULL, false };
				vec_push(&tx->dels, mv);
				fin = NULL;
			}
			free(fin);
		}
		/* Sample targets of a deleted package: removed when unchanged. */
		for (size_t q = 0; p->m == NULL && q < oldconf.n; q++) {
			if (manifest_has_file(p->old, oldconf.v[q].key))
				continue;
			char *fin = client_in_root(c, oldconf.v[q].key);
			char *cur = sum_like(fin, oldconf.v[q].value);

			if (cur && strcmp(cur, oldconf.v[q].value) == 0) {
				struct move mv = { NULL, fin, NULL, false };
				vec_push(&tx->dels, mv);
				fin = NULL;
			} else if (cur) {
				client_say(c, "%s: you changed it; kept", oldconf.v[q].key);
			}
			free(cur);
			free(fin);
		}
		for (size_t k = 0; p->old && k < p->old->dirs.n; k++)
			if (p->m == NULL || pkg_manifest_dir(p->m, p->old->dirs.v[k].path)
			    == NULL)
				pkg_strv_push(&tx->rmdirs, p->old->dirs.v[k].path);
		kv_free(&oldconf);
	}
	return 0;
}

static void
test_pause(const char *where)
{
	const char *h = getenv("KILN_TEST_PAUSE_BEFORE_COMMIT");

	if (h == NULL || strcmp(h, where) != 0)
		return;
	fprintf(stderr, "kiln: test pause (%s)\n", where);
	fflush(stderr);
	sleep(600);
}

/* Rename everything into place, journaled first.  On failure the renames
 * done so far are undone. */
static int
do_moves(struct tx *tx, struct kerr *e)
{
	size_t total = tx->moves.n + tx->dels.n, done = 0;

	for (size_t i = 0; i < tx->moves.n; i++) {
		struct move *mv = &tx->moves.v[i];
		struct stat st;

		if (lstat(mv->final, &st) == 0 && !S_ISDIR(st.st_mode))
			mv->backup = xasprintf("%s.kiln.bak.%s", mv->final, tx->j.txid);
		if (journal_add(&tx->j, e, "move\t%s\t%s\t%s", mv->tmp, mv->final,
		    mv->backup ? mv->backup : "-") < 0)
			return -1;
	}
	for (size_t i = 0; i < tx->dels.n; i++) {
		struct move *mv = &tx->dels.v[i];

		mv->backup = xasprintf("%s.kiln.bak.%s", mv->final, tx->j.txid);
		if (journal_add(&tx->j, e, "del\t%s\t%s", mv->final, mv->backup) < 0)
			return -1;
	}
	if (journal_add(&tx->j, e, "commit") < 0 || journal_sync(&tx->j, e) < 0)
		return -1;
	for (size_t i = 0; i < tx->moves.n; i++, done++) {
		struct move *mv = &tx->moves.v[i];

		if (done == total / 2)
			test_pause("rename");
		if (mv->backup && rename(mv->final, mv->backup) < 0) {
			if (errno != ENOENT)
				return kerr_errno(e, "%s", mv->final);
			/* A pre-deinstall script removed it meanwhile. */
			free(mv->backup);
			mv->backup = NULL;
		}
		if (rename(mv->tmp, mv->final) < 0) {
			kerr_errno(e, "%s", mv->final);
			if (mv->backup)
				rename(mv->backup, mv->final);
			return -1;
		}
		mv->done = true;
	}
	for (size_t i = 0; i < tx->dels.n; i++, done++) {
		struct move *mv = &tx->dels.v[i];

		if (done == total / 2)
			test_pause("rename");
		if (rename(mv->final, mv->backup) < 0 && errno != ENOENT)
			return kerr_errno(e, "%s", mv->final);
		mv->done = true;
	}
	return 0;
}

static void
undo_moves(struct tx *tx)
{
	for (size_t i = tx->dels.n; i-- > 0;)
		if (tx->dels.v[i].done)
			rename(tx->dels.v[i].backup, tx->dels.v[i].final);
	for (size_t i = tx->moves.n; i-- > 0;) {
		struct move *mv = &tx->moves.v[i];

		if (mv->done) {
			rename(mv->final, mv->tmp);
			if (mv->backup)
				rename(mv->backup, mv->final);
		}
		if (strstr(mv->tmp, "/.kiln.s.") != NULL)
			unlink(mv->tmp);
	}
}

/* Remove dir and its empty parents up to ROOT (never ROOT itself). */
static void
rmdir_up(struct client *c, const char *abs)
{
	char *p = client_in_root(c, abs);

	while (strlen(p) > strlen(c->rootdir) + 1 && rmdir(p) == 0) {
		char *slash = strrchr(p, '/');

		if (slash == NULL || slash == p)
			break;
		*slash = '\0';
	}
	free(p);
}

static void
finish_moves(struct tx *tx)
{
	for (size_t i = 0; i < tx->moves.n; i++)
		if (tx->moves.v[i].backup)
			unlink(tx->moves.v[i].backup);
	for (size_t i = 0; i < tx->dels.n; i++) {
		struct move *mv = &tx->dels.v[i];
		char *slash;

		unlink(mv->backup);
		slash = strrchr(mv->final, '/');
		if (slash && slash != mv->final) {
			*slash = '\0';
			if (strlen(mv->final) > strlen(tx->c->rootdir))
				rmdir_up(tx->c, strcmp(tx->c->rootdir, "/") == 0 ?
				    mv->final : mv->final + strlen(tx->c->rootdir));
			*slash = '/';
		}
	}
	for (size_t i = tx->rmdirs.n; i-- > 0;)
		if (!pkgdb_dir_shared(tx->c->db, tx->rmdirs.v[i], ""))
			rmdir_up(tx->c, tx->rmdirs.v[i]);
}

/* --- scripts ------------------------------------------------------------ */

static int
run_script(struct client *c, const struct pkg_manifest *m, enum pkg_script t,
    const char *arg2, bool upgrade, struct kerr *e)
{
	const char *text = m->scripts[t];
	bool chrooted = strcmp(c->rootdir, "/") != 0;
	char *full, *env[10], *argv[10];
	struct child ch;
	char buf[128];
	int n = 0, a = 0, rc = -1;

	if (text == NULL || !c->run_scripts)
		return 0;
	if (chrooted) {
		/* chroot needs root and a shell inside ROOT; without them the
		 * script runs on the host with PKG_ROOTDIR=ROOT, as pkg -r
		 * runs every script. */
		char *sh = client_in_root(c, "/bin/sh");

		if (geteuid() != 0 || access(sh, X_OK) != 0) {
			client_say(c, "%s-%s: %s script runs on the host with PKG_ROOTDIR=%s "
			    "(%s)", m->name, m->version, pkg_script_name(t),
			    c->rootdir, geteuid() != 0 ? "not root" : "no /bin/sh in root");
			chrooted = false;
		}
		free(sh);
	}
	full = pkg_manifest_fullname(m);
	env[n++] = xasprintf("PKG_NAME=%s", m->name);
	env[n++] = xasprintf("PKG_VERSION=%s", m->version);
	env[n++] = xasprintf("PKG_PREFIX=%s", m->prefix ? m->prefix : "/usr/local");
	env[n++] = xasprintf("PKG_ROOTDIR=%s", chrooted ? "/" :
	    strcmp(c->rootdir, "/") == 0 ? "" : c->rootdir);
	env[n++] = xasprintf("KILN_ROOTDIR=%s", c->rootdir);
	env[n++] = xasprintf("PKG_UPGRADE=%s", upgrade ? "true" : "false");
	env[n++] = xstrdup("PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:"
	    "/usr/local/bin");
	env[n] = NULL;
	if (chrooted) {
		argv[a++] = "chroot";
		argv[a++] = c->rootdir;
	}
	argv[a++] = "/bin/sh";
	argv[a++] = "-c";
	argv[a++] = (char *)text;
	argv[a++] = "/bin/sh";
	argv[a++] = full;
	if (arg2)
		argv[a++] = (char *)arg2;
	argv[a] = NULL;
	child_init(&ch, argv, env);
	ch.out_fd = CHILD_INHERIT;
	ch.err_fd = CHILD_INHERIT;
	if (chrooted) {
		/* chroot(8) is looked up on the host's PATH. */
		static char *hostenv[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		char *chroot_bin = child_which("chroot", hostenv);

		if (chroot_bin == NULL) {
			kerr_set(e, "chroot: not found");
			goto out;
		}
		argv[0] = chroot_bin;
		rc = child_run(&ch, e);
		free(chroot_bin);
	} else {
		rc = child_run(&ch, e);
	}
	if (rc == 0 && child_exit_code(&ch) != 0)
		rc = kerr_set(e, "%s: %s script %s", full, pkg_script_name(t),
		    child_describe(&ch, buf, sizeof(buf)));
out:
	for (int i = 0; i < n; i++)
		free(env[i]);
	free(full);
	return rc;
}

/* Run the pre (pre = true) or post scripts of every package, in order. */
static int
run_phase_scripts(struct tx *tx, bool pre, struct kerr *e)
{
	for (size_t i = 0; i < tx->pkgs.n; i++) {
		struct txpkg *p = tx->pkgs.v[i];
		bool upgrade = p->old && p->m;

		if (p->old && (p->m == NULL || upgrade)) {
			enum pkg_script t = pre ? PKG_SCRIPT_PRE_DEINSTALL :
			    PKG_SCRIPT_POST_DEINSTALL;
			if (run_script(tx->c, p->old, t, NULL, upgrade, e) < 0 ||
			    run_script(tx->c, p->old, PKG_SCRIPT_DEINSTALL,
			    pre ? "DEINSTALL" : "POST-DEINSTALL", upgrade, e) < 0) {
				if (pre)
					return -1;
				client_say(tx->c, "warning: %s", e->msg);
			}
		}
		if (p->m) {
			enum pkg_script t = pre ? PKG_SCRIPT_PRE_INSTALL :
			    PKG_SCRIPT_POST_INSTALL;
			if (run_script(tx->c, p->m, t, NULL, upgrade, e) < 0 ||
			    run_script(tx->c, p->m, PKG_SCRIPT_INSTALL,
			    pre ? "PRE-INSTALL" : "POST-INSTALL", upgrade, e) < 0) {
				if (pre)
					return -1;
				client_say(tx->c, "warning: %s", e->msg);
			}
		}
	}
	return 0;
}

/* --- running a plan ----------------------------------------------------- */

static void
tx_free(struct tx *tx)
{
	for (size_t i = 0; i < tx->pkgs.n; i++) {
		struct txpkg *p = tx->pkgs.v[i];

		if (p->extracted)
			pkg_extract_free(&p->x);
		pkg_archive_close(p->a);
		free(p->file);
		kv_free(&p->configs);
		free(p);
	}
	vec_free(&tx->pkgs);
	for (size_t i = 0; i < tx->moves.n; i++) {
		free(tx->moves.v[i].tmp);
		free(tx->moves.v[i].final);
		free(tx->moves.v[i].backup);
	}
	vec_free(&tx->moves);
	for (size_t i = 0; i < tx->dels.n; i++) {
		free(tx->dels.v[i].final);
		free(tx->dels.v[i].backup);
	}
	vec_free(&tx->dels);
	pkg_strv_free(&tx->rmdirs);
}

/* Record the parent directories extraction will create and where its
 * temporaries go, so a killed run can be cleaned up. */
static int
journal_dirs(struct tx *tx, struct kerr *e)
{
	pkg_strv seen = VEC_INIT;
	int rc = 0;

	for (size_t i = 0; i < tx->pkgs.n && rc == 0; i++) {
		const struct pkg_manifest *m = tx->pkgs.v[i]->m;

		for (size_t k = 0; m && k < m->files.n + m->dirs.n && rc == 0; k++) {
			const char *path = k < m->files.n ? m->files.v[k].path :
			    m->dirs.v[k - m->files.n].path;
			char *abs = client_in_root(tx->c, path);
			char *slash = strrchr(abs, '/');
			bool dup = false;

			if (k >= m->files.n)
				slash = abs + strlen(abs);
			*slash = '\0';
			for (size_t q = 0; q < seen.n && !dup; q++)
				dup = strcmp(seen.v[q], abs) == 0;
			if (!dup && k < m->files.n) {
				pkg_strv_push(&seen, abs);
				rc = journal_add(&tx->j, e, "scan\t%s", abs);
			}
			/* Each missing ancestor, outermost first. */
			for (char *p = abs + strlen(tx->c->rootdir); rc == 0 && *p;
			    p++) {
				if (*p != '/' || p == abs)
					continue;
				*p = '\0';
				if (strlen(abs) > strlen(tx->c->rootdir) &&
				    !path_exists(abs))
					rc = journal_add(&tx->j, e, "mkdir\t%s", abs);
				*p = '/';
			}
			if (rc == 0 && !path_exists(abs) &&
			    strlen(abs) > strlen(tx->c->rootdir))
				rc = journal_add(&tx->j, e, "mkdir\t%s", abs);
			free(abs);
		}
	}
	vec_free_all(&seen, free);
	return rc == 0 ? journal_sync(&tx->j, e) : -1;
}

/*
 * archive.c numbers its temporaries per extraction (".kiln.tmp.PID.N"
 * from 0), so a second package of the same transaction would collide
 * with the first one's in a shared directory.  Give each package's
 * temporaries a name of their own (same ".kiln.tmp.PID." prefix, so
 * journal recovery still finds them).
 */
static int
rename_temporaries(struct txpkg *p, size_t idx, struct kerr *e)
{
	for (size_t k = 0; k < p->x.items.n; k++) {
		struct pkg_xitem *it = &p->x.items.v[k];
		const char *slash;
		char *nt;

		if (it->tmp == NULL)
			continue;
		slash = strrchr(it->tmp, '/');
		nt = xasprintf("%.*s/.kiln.tmp.%ld.p%zu-%zu", (int)(slash - it->tmp),
		    it->tmp, (long)getpid(), idx, k);
		if (rename(it->tmp, nt) < 0) {
			kerr_errno(e, "%s", it->tmp);
			free(nt);
			return -1;
		}
		free(it->tmp);
		it->tmp = nt;
	}
	return 0;
}

/* Open a package file and check it is what the plan expects. */
static int
open_pkg(struct txpkg *p, const char *want_name, const char *want_version,
    struct kerr *e)
{
	if (pkg_archive_open(p->file, 0, &p->a, e) < 0)
		return -1;
	p->m = pkg_archive_manifest(p->a);
	if (pkg_manifest_validate(p->m, e) < 0)
		return kerr_prefix(e, "%s", p->file);
	if (want_name && (strcmp(p->m->name, want_name) != 0 ||
	    strcmp(p->m->version, want_version) != 0))
		return kerr_set(e, "%s: contains %s-%s, the catalog says %s-%s",
		    p->file, p->m->name, p->m->version, want_name, want_version);
	return 0;
}

static int
ask(struct client *c, const char *q)
{
	if (c->yes || c->confirm == NULL)
		return 1;
	return c->confirm(c->arg, q) ? 1 : 0;
}

/*
 * Run jobs as one transaction.  files: for `add`, the local file of the
 * single job (NULL: fetch from repos).
 */
static int
run_jobs(struct client *c, struct installed *in, const solve_jobs *jobs,
    const char *addfile, struct kerr *e)
{
	struct tx tx;
	bool db_open = false, moved = false;
	int rc = -1;

	memset(&tx, 0, sizeof(tx));
	tx.c = c;
	tx.in = in;
	tx.j.fd = -1;
	if (jobs->n == 0) {
		client_say(c, "nothing to do");
		return 0;
	}
	for (size_t i = 0; i < jobs->n; i++) {
		const struct solve_job *j = &jobs->v[i];

		if (j->action == SOLVE_DELETE)
			client_say(c, "  delete %s-%s", j->name, j->old_version);
		else if (j->action == SOLVE_UPGRADE)
			client_say(c, "  upgrade %s %s -> %s%s%s", j->name, j->old_version,
			    j->cand->m->version, *j->cand->repo ? " from " : "",
			    j->cand->repo);
		else
			client_say(c, "  install %s-%s%s%s", j->name, j->cand->m->version,
			    *j->cand->repo ? " from " : "", j->cand->repo);
	}
	if (!ask(c, "Proceed with this action?")) {
		client_say(c, "nothing done");
		return 0;
	}
	/* 1: fetch, verify, read manifests, check conflicts and space. */
	for (size_t i = 0; i < jobs->n; i++) {
		const struct solve_job *j = &jobs->v[i];
		struct txpkg *p = xcalloc(1, sizeof(*p));

		vec_push(&tx.pkgs, p);
		p->job = j;
		p->old = installed_get(in, j->name);
		p->automatic = j->automatic;
		if (j->action == SOLVE_DELETE)
			continue;
		if (addfile) {
			p->file = xstrdup(addfile);
			p->repo = "";
			if (open_pkg(p, NULL, NULL, e) < 0)
				goto out;
		} else {
			p->repo = j->cand->repo;
			if (client_fetch_pkg(c, j->cand, &p->file, e) < 0 ||
			    open_pkg(p, j->cand->m->name, j->cand->m->version, e) < 0)
				goto out;
		}
	}
	if (check_conflicts(&tx, e) < 0 || check_space(&tx, e) < 0)
		goto out;
	/* 2: journal, stage, pre scripts. */
	if (journal_open(c, &tx.j, e) < 0 || journal_dirs(&tx, e) < 0)
		goto out;
	for (size_t i = 0; i < tx.pkgs.n; i++) {
		struct txpkg *p = tx.pkgs.v[i];
		struct pkg_extract_opts xo;

		if (p->m == NULL)
			continue;
		pkg_extract_opts_init(&xo);
		client_say(c, "extracting %s-%s", p->m->name, p->m->version);
		if (pkg_archive_extract(p->a, c->rootdir, &xo, &p->x, e) < 0) {
			kerr_prefix(e, "%s-%s: refused", p->m->name, p->m->version);
			goto out;
		}
		p->extracted = true;
		if (rename_temporaries(p, i, e) < 0)
			goto out;
	}
	if (plan_moves(&tx, e) < 0)
		goto out;
	test_pause("stage");
	if (run_phase_scripts(&tx, true, e) < 0)
		goto out;
	/* 3: rename into place, then the database. */
	moved = true;
	if (do_moves(&tx, e) < 0)
		goto out;
	if (pkgdb_begin(c->db, e) < 0)
		goto out;
	db_open = true;
	/* Old rows first, so a file moving between two packages of this
	 * transaction has no owner when its new owner is recorded. */
	for (size_t i = 0; i < tx.pkgs.n; i++)
		if (tx.pkgs.v[i]->old &&
		    pkgdb_remove(c->db, tx.pkgs.v[i]->old->name, e) < 0)
			goto out;
	for (size_t i = 0; i < tx.pkgs.n; i++) {
		struct txpkg *p = tx.pkgs.v[i];

		if (p->m == NULL) {
			continue;
		} else if (pkgdb_add(c->db, p->m, p->automatic, p->repo, &p->configs,
		    e) < 0) {
			goto out;
		}
	}
	if (pkgdb_mark_txn(c->db, tx.j.txid, e) < 0 || pkgdb_commit(c->db, e) < 0)
		goto out;
	db_open = false;
	for (size_t i = 0; i < tx.pkgs.n; i++)
		if (tx.pkgs.v[i]->extracted)
			tx.pkgs.v[i]->x.committed = true;
	/* 4: clean up, post scripts, messages. */
	finish_moves(&tx);
	journal_done(&tx.j);
	run_phase_scripts(&tx, false, e);
	for (size_t i = 0; i < tx.pkgs.n; i++) {
		const struct txpkg *p = tx.pkgs.v[i];

		if (p->m == NULL) {
			client_say(c, "deleted %s-%s", p->old->name, p->old->version);
			continue;
		}
		client_say(c, "%s %s-%s", p->old ? "upgraded" : "installed", p->m->name,
		    p->m->version);
		for (size_t k = 0; k < p->m->messages.n; k++) {
			const struct pkg_message *msg = &p->m->messages.v[k];

			if (msg->type == NULL || strcmp(msg->type,
			    p->old ? "upgrade" : "install") == 0)
				client_say(c, "%s", msg->message);
		}
	}
	rc = 0;
out:
	if (rc < 0) {
		if (db_open)
			pkgdb_rollback(c->db);
		if (moved)
			undo_moves(&tx);
		else
			for (size_t i = 0; i < tx.moves.n; i++)
				if (strstr(tx.moves.v[i].tmp, "/.kiln.s.") != NULL)
					unlink(tx.moves.v[i].tmp);
		for (size_t i = 0; i < tx.pkgs.n; i++)
			if (tx.pkgs.v[i]->extracted) {
				pkg_extract_abort(&tx.pkgs.v[i]->x);
			}
		journal_done(&tx.j);
	}
	tx_free(&tx);
	return rc;
}

static int
need_db(struct client *c, struct kerr *e)
{
	if (c->db == NULL)
		return kerr_set(e, "%s: database not open", c->dbdir);
	return 0;
}

int
client_install(struct client *c, char *const *names, size_t n, struct kerr *e)
{
	struct installed in;
	solve_universe u = VEC_INIT;
	solve_jobs jobs = VEC_INIT;
	int rc = -1;

	if (installed_load(c, &in, e) < 0 || need_db(c, e) < 0 ||
	    client_load_catalogs(c, e) < 0)
		goto out;
	client_universe(c, &u);
	if (solve_install(&u, &in.si, names, n, &jobs, e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pkg_manifest *m = installed_get(&in, names[i]);

		if (m && !solve_best(&u, names[i]))
			continue;
		if (m && version_cmp(solve_best(&u, names[i])->m->version,
		    m->version) <= 0)
			client_say(c, "%s-%s is already installed", m->name, m->version);
	}
	rc = run_jobs(c, &in, &jobs, NULL, e);
	/* An explicit install of an automatic package makes it explicit. */
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (installed_get(&in, names[i]))
			pkgdb_set_automatic(c->db, names[i], false, e);
out:
	vec_free(&jobs);
	vec_free(&u);
	installed_free(&in);
	return rc;
}

int
client_upgrade(struct client *c, char *const *names, size_t n, struct kerr *e)
{
	struct installed in;
	solve_universe u = VEC_INIT;
	solve_jobs jobs = VEC_INIT;
	int rc = -1;

	if (installed_load(c, &in, e) < 0 || need_db(c, e) < 0 ||
	    client_load_catalogs(c, e) < 0)
		goto out;
	client_universe(c, &u);
	if (solve_upgrade(&u, &in.si, names, n, &jobs, e) < 0)
		goto out;
	rc = run_jobs(c, &in, &jobs, NULL, e);
out:
	vec_free(&jobs);
	vec_free(&u);
	installed_free(&in);
	return rc;
}

int
client_delete(struct client *c, char *const *names, size_t n, struct kerr *e)
{
	struct installed in;
	solve_jobs jobs = VEC_INIT;
	int rc = -1;

	if (installed_load(c, &in, e) < 0 || need_db(c, e) < 0)
		goto out;
	if (solve_delete(&in.si, names, n, &jobs, e) < 0)
		goto out;
	for (size_t i = 0; i < jobs.n; i++) {
		const struct pkg_manifest *m = installed_get(&in, jobs.v[i].name);

		if (m && m->vital) {
			kerr_set(e, "%s-%s: vital package, not deleted", m->name,
			    m->version);
			goto out;
		}
	}
	rc = run_jobs(c, &in, &jobs, NULL, e);
out:
	vec_free(&jobs);
	installed_free(&in);
	return rc;
}

int
client_autoremove(struct client *c, struct kerr *e)
{
	struct installed in;
	solve_jobs jobs = VEC_INIT;
	int rc = -1;

	if (installed_load(c, &in, e) < 0 || need_db(c, e) < 0)
		goto out;
	if (solve_autoremove(&in.si, &jobs, e) < 0)
		goto out;
	rc = run_jobs(c, &in, &jobs, NULL, e);
out:
	vec_free(&jobs);
	installed_free(&in);
	return rc;
}

int
client_add(struct client *c, const char *file, struct kerr *e)
{
	struct installed in;
	struct pkg_archive *a = NULL;
	const struct pkg_manifest *m;
	solve_jobs jobs = VEC_INIT;
	struct solve_cand sc;
	struct pkg_manifest *old;
	int rc = -1;

	if (installed_load(c, &in, e) < 0 || need_db(c, e) < 0)
		goto out;
	if (pkg_archive_open(file, PKG_OPEN_COMPACT, &a, e) < 0)
		goto out;
	m = pkg_archive_manifest(a);
	if (!client_abi_ok(c, m)) {
		kerr_set(e, "%s: wrong ABI: the package is for %s, this system is "
		    "%s (-o ABI=... to change)", file, m->abi, c->abi);
		goto out;
	}
	for (size_t i = 0; i < m->deps.n; i++)
		if (installed_get(&in, m->deps.v[i].name) == NULL) {
			kerr_set(e, "%s: dependency %s is not installed (install it "
			    "first, or use `kiln pkg install`)", file, m->deps.v[i].name);
			goto out;
		}
	old = installed_get(&in, m->name);
	sc.m = m;
	sc.repo = "";
	sc.priority = 0;
	struct solve_job j = { old ? SOLVE_UPGRADE : SOLVE_INSTALL, m->name, &sc,
	    old ? old->version : NULL, false };
	vec_push(&jobs, j);
	rc = run_jobs(c, &in, &jobs, file, e);
out:
	vec_free(&jobs);
	pkg_archive_close(a);
	installed_free(&in);
	return rc;
}
