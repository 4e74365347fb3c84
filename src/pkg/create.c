/*
 * create: one package from METADIR + packing list + stage (see create.h).
 * Calls: util, pkg/manifest, pkg/plist, pkg/archive, pkg/checksum, pkg/abi.
 */
#include "pkg/create.h"

#include "pkg/abi.h"
#include "pkg/checksum.h"
#include "pkg/plist.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
pkg_create_req_init(struct pkg_create_req *r)
{
	memset(r, 0, sizeof(*r));
	pkg_write_opts_init(&r->wo);
}

struct inode {
	dev_t dev;
	ino_t ino;
};

/*
 * Hashing the regular files is most of what filling a manifest costs, and
 * it has to finish before the archive starts (the manifest with the sums
 * is the archive's first member).  So it runs on a small pool: workers
 * take files largest first from a shared cursor, which keeps every CPU
 * busy until the end.  The sums do not depend on the order.
 */
struct hjob {
	struct pkg_file *f;
	char *src;	/* owned */
	off_t size;
	char *sum;	/* result, owned until moved into f->sum */
};

struct hpool {
	struct hjob *jobs;
	size_t n;
	pthread_mutex_t mu;
	size_t next;		/* under mu */
	size_t failed_at;	/* under mu: a failed job's index, or n */
	struct kerr err;	/* under mu: the error of failed_at */
};

/* Below this much data the threads cost more than they save. */
#define HASH_POOL_MIN (4 << 20)
#define HASH_POOL_MAX 64

static void *
hash_worker(void *arg)
{
	struct hpool *p = arg;
	struct kerr e;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->mu);
		/* After a failure nobody starts another file. */
		i = p->next < p->n && p->failed_at == p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->mu);
		if (i == p->n)
			break;
		p->jobs[i].sum = pkg_cksum_file(PKG_CKSUM_DEFAULT, p->jobs[i].src,
		    NULL, &e);
		if (p->jobs[i].sum == NULL) {
			pthread_mutex_lock(&p->mu);
			if (p->failed_at == p->n || i < p->failed_at) {
				p->failed_at = i;
				p->err = e;
			}
			pthread_mutex_unlock(&p->mu);
		}
	}
	return NULL;
}

static int
cmp_hjob(const void *a, const void *b)
{
	const struct hjob *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->f->path, y->f->path);
}

/* Hash every job on up to threads threads (0: every CPU).  0 or -1. */
static int
hash_all(struct hjob *jobs, size_t n, int threads, struct kerr *e)
{
	struct hpool p = { .jobs = jobs, .n = n, .failed_at = n };
	pthread_t th[HASH_POOL_MAX];
	long want = threads > 0 ? threads : sysconf(_SC_NPROCESSORS_ONLN);
	size_t started = 0;
	off_t total = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		total += jobs[i].size;
	if (want > HASH_POOL_MAX)
		want = HASH_POOL_MAX;
	if (want > (long)n)
		want = (long)n;
	if (total < HASH_POOL_MIN)
		want = 1;
	qsort(jobs, n, sizeof(*jobs), cmp_hjob);
	pthread_mutex_init(&p.mu, NULL);
	/* The calling thread is one of the workers. */
	for (long t = 1; t < want; t++) {
		if (pthread_create(&th[started], NULL, hash_worker, &p) != 0)
			break;	/* fewer threads; the caller still finishes */
		started++;
	}
	hash_worker(&p);
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&p.mu);
	if (p.failed_at != n) {
		*e = p.err;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		free(jobs[i].f->sum);
		jobs[i].f->sum = jobs[i].sum;
		jobs[i].sum = NULL;
	}
	return 0;
}

int
pkg_create_fill(struct pkg_manifest *m, const char *stagedir, int threads,
    struct kerr *e)
{
	VEC(struct inode) seen = VEC_INIT;
	VEC(struct hjob) jobs = VEC_INIT;
	int64_t flat = 0;
	int rc = -1;

	for (size_t i = 0; i < m->files.n; i++) {
		struct pkg_file *f = &m->files.v[i];
		char *src = path_join(stagedir, f->path);
		struct stat st;

		if (lstat(src, &st) < 0) {
			kerr_errno(e, "%s", src);
			free(src);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char *t = path_readlink(src, e);

			free(src);
			if (t == NULL)
				goto out;
			free(f->symlink_target);
			f->symlink_target = t;
			free(f->sum);
			f->sum = pkg_cksum_symlink(PKG_CKSUM_DEFAULT, t);
			if (f->perm == PKG_PERM_UNSET)
				f->perm = st.st_mode & 07777;
		} else if (S_ISREG(st.st_mode)) {
			struct hjob j = { f, src, st.st_size, NULL };
			bool dup = false;

			vec_push(&jobs, j);	/* jobs owns src now */
			if (f->perm == PKG_PERM_UNSET)
				f->perm = st.st_mode & 07777;
			if (st.st_nlink > 1) {
				for (size_t k = 0; k < seen.n; k++)
					if (seen.v[k].dev == st.st_dev && seen.v[k].ino == st.st_ino)
						dup = true;
				if (!dup) {
					struct inode in = { st.st_dev, st.st_ino };
					vec_push(&seen, in);
				}
			}
			if (!dup)
				flat += st.st_size;
		} else {
			kerr_set(e, "%s: not a regular file or symlink", src);
			free(src);
			goto out;
		}
	}
	for (size_t i = 0; i < m->dirs.n; i++) {
		struct pkg_dir *d = &m->dirs.v[i];
		char *src = path_join(stagedir, d->path);
		struct stat st;

		if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode)) {
			kerr_set(e, "%s: directory missing from the stage", src);
			free(src);
			goto out;
		}
		if (d->perm == PKG_PERM_UNSET)
			d->perm = st.st_mode & 07777;
		free(src);
	}
	if (hash_all(jobs.v, jobs.n, threads, e) < 0)
		goto out;
	m->flatsize = flat;
	rc = 0;
out:
	for (size_t i = 0; i < jobs.n; i++) {
		free(jobs.v[i].src);
		free(jobs.v[i].sum);
	}
	vec_free(&jobs);
	vec_free(&seen);
	return rc;
}

/* Read METADIR/name into sb; 1 read, 0 absent, -1 error. */
static int
read_meta(const char *metadir, const char *name, struct strbuf *sb, struct kerr *e)
{
	char *p = path_join(metadir, name);
	int rc;

	strbuf_reset(sb);
	if (!path_exists(p))
		rc = 0;
	else
		rc = path_read(p, sb, e) < 0 ? -1 : 1;
	free(p);
	return rc;
}

static int
load_metadir(struct pkg_manifest **out, const char *metadir, struct kerr *e)
{
	static const struct { const char *a, *b; enum pkg_script t; } scripts[] = {
		{ "+PRE_INSTALL", "pkg-pre-install", PKG_SCRIPT_PRE_INSTALL },
		{ "+INSTALL", "pkg-install", PKG_SCRIPT_INSTALL },
		{ "+POST_INSTALL", "pkg-post-install", PKG_SCRIPT_POST_INSTALL },
		{ "+PRE_DEINSTALL", "pkg-pre-deinstall", PKG_SCRIPT_PRE_DEINSTALL },
		{ "+DEINSTALL", "pkg-deinstall", PKG_SCRIPT_DEINSTALL },
		{ "+POST_DEINSTALL", "pkg-post-deinstall", PKG_SCRIPT_POST_DEINSTALL },
	};
	static const char *const lua[] = {
		"pre-install", "post-install", "pre-deinstall", "post-deinstall",
	};
	struct strbuf sb = STRBUF_INIT;
	struct pkg_manifest *m = NULL;
	char *mpath = path_join(metadir, "+MANIFEST");
	int r, rc = -1;

	if ((r = read_meta(metadir, "+MANIFEST", &sb, e)) <= 0) {
		if (r == 0)
			kerr_set(e, "%s: no +MANIFEST", metadir);
		goto out;
	}
	if ((m = pkg_manifest_parse(sb.buf, sb.len, mpath, e)) == NULL)
		goto out;
	if ((r = read_meta(metadir, "+DESC", &sb, e)) < 0)
		goto out;
	if (r > 0) {
		char *www = strstr(sb.buf, "WWW:");

		if (www && m->www == NULL) {
			char *s = www + 4, *end;

			while (*s == ' ' || *s == '\t')
				s++;
			end = s + strcspn(s, " \t\r\n");
			m->www = xstrndup(s, (size_t)(end - s));
		}
		if (m->desc == NULL) {
			strbuf_rtrim(&sb);
			m->desc = xstrdup(sb.buf);
		}
	}
	if (m->www == NULL)
		m->www = xstrdup("UNKNOWN");
	if ((r = read_meta(metadir, "+DISPLAY", &sb, e)) < 0)
		goto out;
	if (r == 0 && (r = read_meta(metadir, "pkg-message", &sb, e)) < 0)
		goto out;
	if (r > 0 && sb.len > 0) {
		strbuf_trim(&sb);
		if (sb.buf[0] == '[') {
			char *w = path_join(metadir, "+DISPLAY");
			struct uv *o = uv_parse(sb.buf, sb.len, e);
			struct uv *wrap;
			struct pkg_manifest *tmp;

			if (o == NULL) {
				kerr_prefix(e, "%s", w);
				free(w);
				goto out;
			}
			wrap = uv_new_object();
			uv_set(wrap, "messages", o);
			tmp = pkg_manifest_from_uv(wrap, w, e);
			uv_free(wrap);
			free(w);
			if (tmp == NULL)
				goto out;
			for (size_t i = 0; i < tmp->messages.n; i++)
				vec_push(&m->messages, tmp->messages.v[i]);
			tmp->messages.n = 0;
			pkg_manifest_free(tmp);
		} else {
			struct pkg_message msg;

			memset(&msg, 0, sizeof(msg));
			msg.message = xstrdup(sb.buf);
			vec_push(&m->messages, msg);
		}
	}
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		if ((r = read_meta(metadir, scripts[i].a, &sb, e)) == 0)
			r = read_meta(metadir, scripts[i].b, &sb, e);
		if (r < 0)
			goto out;
		if (r > 0) {
			free(m->scripts[scripts[i].t]);
			m->scripts[scripts[i].t] = xstrdup(sb.buf);
		}
	}
	for (size_t i = 0; i < sizeof(lua) / sizeof(lua[0]); i++) {
		char *n = xasprintf("pkg-%s.lua", lua[i]);

		r = read_meta(metadir, n, &sb, e);
		free(n);
		if (r < 0)
			goto out;
		if (r > 0) {
			struct pkg_kv row = { xstrdup(lua[i]), xstrdup(sb.buf) };
			vec_push(&m->lua_scripts, row);
		}
	}
	*out = m;
	m = NULL;
	rc = 0;
out:
	pkg_manifest_free(m);
	strbuf_release(&sb);
	free(mpath);
	return rc;
}

int
pkg_create(const struct pkg_create_req *r, char **outpath, pkg_strv *unlisted,
    struct kerr *e)
{
	struct pkg_manifest *m = NULL;
	char *path = NULL, *name = NULL;
	struct pkg_write_opts wo = r->wo;
	int rc = -1;

	*outpath = NULL;
	if (!path_is_dir(r->stagedir))
		return kerr_set(e, "%s: stage directory does not exist", r->stagedir);
	if (load_metadir(&m, r->metadir, e) < 0)
		goto out;
	if (r->plist) {
		if (pkg_plist_read(r->plist, r->stagedir, m, unlisted, e) < 0)
			goto out;
	} else if (m->prefix == NULL) {
		m->prefix = xstrdup("/usr/local");
	}
	if (r->abi) {
		free(m->abi);
		m->abi = xstrdup(r->abi);
	} else if (m->abi == NULL) {
		m->abi = pkg_abi_host();
	}
	if (m->arch == NULL && (m->arch = pkg_abi_legacy(m->abi)) == NULL) {
		kerr_set(e, "%s: malformed ABI '%s' (want OS:VERSION:ARCH)",
		    r->metadir, m->abi);
		goto out;
	}
	if (r->osversion && strncasecmp(m->abi, "FreeBSD:", 8) == 0)
		pkg_kv_set(&m->annotations, "FreeBSD_version", r->osversion);
	if (pkg_create_fill(m, r->stagedir, r->wo.threads, e) < 0)
		goto out;
	if (pkg_manifest_validate(m, e) < 0)
		goto out;
	if (wo.mtime < 0 && getenv("SOURCE_DATE_EPOCH"))
		wo.mtime = strtoll(getenv("SOURCE_DATE_EPOCH"), NULL, 10);
	name = xasprintf("%s-%s.pkg", m->name, m->version);
	path = path_join(r->outdir ? r->outdir : ".", name);
	if (r->outdir && path_mkdir_p(r->outdir, 0755, e) < 0)
		goto out;
	if (pkg_archive_write(m, r->stagedir, path, &wo, e) < 0)
		goto out;
	*outpath = path;
	path = NULL;
	rc = 0;
out:
	pkg_manifest_free(m);
	free(path);
	free(name);
	return rc;
}
