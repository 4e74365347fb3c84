/*
 * repo: catalog writer (pkg repo) and reader (client) (see repo.h).
 * The writer walks DIR for *.pkg, reuses cached catalog lines of packages
 * whose size and mtime are unchanged, opens the others for their compact
 * manifest, hashes them, and writes meta.conf, packagesite.pkg and data.pkg
 * (signed as asked) with one fresh mtime.  The reader extracts a catalog
 * member and checks its signature before anything parses it.
 * Calls: util, pkg/manifest, pkg/archive, pkg/sign, pkg/checksum.
 */
#include "pkg/repo.h"

#include "util/path.h"
#include "util/sha256.h"
#include "util/ucl.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CATALOG_MAX ((size_t)1 << 30)	/* 1 GiB of catalog text */
#define SIG_MAX ((size_t)1 << 20)	/* pkg 2.8.2: each .sig/.pub <= 1 MiB */
#define SIG_COUNT_MAX 8
#define CACHE_NAME ".kiln-repo-cache"

/* --- meta.conf ---------------------------------------------------------- */

void
pkg_repo_meta_init(struct pkg_repo_meta *m)
{
	m->version = 2;
	m->packing_format = PKG_COMPRESS_ZSTD;
	m->manifests = xstrdup("packagesite.yaml");
	m->manifests_archive = xstrdup("packagesite");
	m->data = xstrdup("data");
	m->data_archive = xstrdup("data");
	m->filesite = xstrdup("files");
	m->filesite_archive = xstrdup("files");
}

void
pkg_repo_meta_free(struct pkg_repo_meta *m)
{
	free(m->manifests);
	free(m->manifests_archive);
	free(m->data);
	free(m->data_archive);
	free(m->filesite);
	free(m->filesite_archive);
	memset(m, 0, sizeof(*m));
}

/* A file name from meta must be a plain name (it becomes a URL and a path). */
static int
meta_name(const struct uv *o, const char *key, char **slot, const char *what,
    struct kerr *e)
{
	const struct uv *v = uv_get(o, key);

	if (v == NULL)
		return 0;
	if (v->type != UV_STRING)
		return kerr_set(e, "%s: key '%s': expected string", what, key);
	if (v->u.str.s[0] == '\0' || strchr(v->u.str.s, '/') ||
	    strcmp(v->u.str.s, "..") == 0 || strcmp(v->u.str.s, ".") == 0)
		return kerr_set(e, "%s: key '%s': '%s' is not a plain file name", what,
		    key, v->u.str.s);
	free(*slot);
	*slot = xstrdup(v->u.str.s);
	return 0;
}

int
pkg_repo_meta_parse(const char *data, size_t len, const char *what,
    struct pkg_repo_meta *m, struct kerr *e)
{
	struct uv *o = uv_parse(data, len, e);
	const struct uv *v;
	int rc = -1;

	pkg_repo_meta_init(m);
	if (o == NULL) {
		kerr_prefix(e, "%s", what);
		goto out;
	}
	if (o->type != UV_OBJECT) {
		kerr_set(e, "%s: not an object", what);
		goto out;
	}
	if ((v = uv_get(o, "version")) == NULL || v->type != UV_INT) {
		kerr_set(e, "%s: key 'version': missing or not an integer", what);
		goto out;
	}
	if (v->u.i != 1 && v->u.i != 2) {
		kerr_set(e, "%s: unsupported meta version %" PRId64, what, v->u.i);
		goto out;
	}
	m->version = (int)v->u.i;
	if ((v = uv_get(o, "packing_format")) != NULL) {
		if (v->type != UV_STRING) {
			kerr_set(e, "%s: key 'packing_format': expected string", what);
			goto out;
		}
		if (pkg_compress_parse(v->u.str.s, &m->packing_format, e) < 0) {
			kerr_prefix(e, "%s", what);
			goto out;
		}
	}
	if (meta_name(o, "manifests", &m->manifests, what, e) < 0 ||
	    meta_name(o, "manifests_archive", &m->manifests_archive, what, e) < 0 ||
	    meta_name(o, "data", &m->data, what, e) < 0 ||
	    meta_name(o, "data_archive", &m->data_archive, what, e) < 0 ||
	    meta_name(o, "filesite", &m->filesite, what, e) < 0 ||
	    meta_name(o, "filesite_archive", &m->filesite_archive, what, e) < 0)
		goto out;
	rc = 0;
out:
	uv_free(o);
	return rc;
}

/* --- reading ------------------------------------------------------------ */

int
pkg_sigmode_parse(const char *s, enum pkg_sigmode *out, struct kerr *e)
{
	if (strcasecmp(s, "none") == 0)
		*out = PKG_SIG_NONE;
	else if (strcasecmp(s, "pubkey") == 0)
		*out = PKG_SIG_PUBKEY;
	else if (strcasecmp(s, "fingerprints") == 0)
		*out = PKG_SIG_FINGERPRINTS;
	else
		return kerr_set(e, "signature_type '%s' is not none, pubkey or "
		    "fingerprints", s);
	return 0;
}

struct sigpair {
	struct strbuf sig, pub;
	bool has_sig, has_pub;
};

static int
read_entry(struct archive *a, const char *what, const char *name, size_t max,
    struct strbuf *sb, struct kerr *e)
{
	char buf[65536];
	la_ssize_t n;

	strbuf_reset(sb);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		if (sb->len + (size_t)n > max)
			return kerr_set(e, "%s: member %s is too large", what, name);
		strbuf_add(sb, buf, (size_t)n);
	}
	if (n < 0)
		return kerr_set(e, "%s: %s", what, archive_error_string(a));
	return 0;
}

static int
verify(const char *what, const char *member, const struct pkg_trust *t,
    const struct strbuf *body, const struct strbuf *signature, bool has_signature,
    struct sigpair *pairs, size_t npairs, struct kerr *e)
{
	char hex[SHA256_HEX_LEN + 1];
	struct pkg_fingerprints fp;
	bool good = false;
	int rc = -1;

	if (t == NULL || t->mode == PKG_SIG_NONE)
		return 0;
	sha256_buf_hex(body->buf, body->len, hex);
	if (t->mode == PKG_SIG_PUBKEY) {
		if (!has_signature)
			return kerr_set(e, "%s: no signature (the repository is configured "
			    "with signature_type pubkey)", what);
		if (t->pubkey == NULL)
			return kerr_set(e, "%s: signature_type pubkey but no pubkey set", what);
		if (pkg_verify_rsa_file(t->pubkey, hex, signature->buf, signature->len,
		    e) < 0)
			return kerr_prefix(e, "%s: %s", what, member);
		return 0;
	}
	if (t->fingerprints == NULL)
		return kerr_set(e, "%s: signature_type fingerprints but no fingerprints "
		    "directory set", what);
	if (pkg_fingerprints_load(t->fingerprints, &fp, e) < 0)
		return -1;
	if (npairs == 0) {
		kerr_set(e, "%s: no %s.sig signature (the repository is configured "
		    "with signature_type fingerprints)", what, member);
		goto out;
	}
	for (size_t i = 0; i < npairs; i++) {
		int trust;
		struct kerr ve;

		if (!pairs[i].has_sig || !pairs[i].has_pub)
			continue;
		trust = pkg_fingerprints_check(&fp, pairs[i].pub.buf, pairs[i].pub.len);
		if (trust < 0) {
			kerr_set(e, "%s: signed with a revoked certificate", what);
			goto out;
		}
		if (trust == 0)
			continue;
		if (pkg_verify_rsa(pairs[i].pub.buf, pairs[i].pub.len, hex,
		    pairs[i].sig.buf, pairs[i].sig.len, &ve) < 0) {
			kerr_set(e, "%s: %s: %s", what, member, ve.msg);
			goto out;
		}
		good = true;
	}
	if (!good) {
		kerr_set(e, "%s: no trusted certificate has been used to sign the "
		    "repository", what);
		goto out;
	}
	rc = 0;
out:
	pkg_fingerprints_free(&fp);
	return rc;
}

static int
catalog_read(struct archive *a, const char *what, const char *member,
    const struct pkg_trust *t, struct strbuf *out, struct kerr *e)
{
	struct strbuf signature = STRBUF_INIT;
	struct sigpair pairs[SIG_COUNT_MAX];
	size_t npairs = 0, mlen = strlen(member);
	struct archive_entry *ent;
	bool has_body = false, has_signature = false;
	int r, rc = -1;

	memset(pairs, 0, sizeof(pairs));
	for (size_t i = 0; i < SIG_COUNT_MAX; i++) {
		strbuf_init(&pairs[i].sig, 0);
		strbuf_init(&pairs[i].pub, 0);
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(ent);
		size_t nl;

		if (name == NULL || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		nl = strlen(name);
		if (strcmp(name, member) == 0) {
			if (read_entry(a, what, name, CATALOG_MAX, out, e) < 0)
				goto out;
			has_body = true;
		} else if (strcmp(name, "signature") == 0) {
			if (read_entry(a, what, name, SIG_MAX, &signature, e) < 0)
				goto out;
			has_signature = true;
		} else if (nl == mlen + 4 && strncmp(name, member, mlen) == 0 &&
		    (strcmp(name + mlen, ".sig") == 0 || strcmp(name + mlen, ".pub") == 0)) {
			/* pkg pairs <member>.sig with <member>.pub; kiln keeps up
			 * to eight pairs in order of appearance. */
			bool is_sig = name[mlen + 1] == 's';
			size_t i;

			for (i = 0; i < npairs; i++)
				if (is_sig ? !pairs[i].has_sig : !pairs[i].has_pub)
					break;
			if (i == npairs) {
				if (npairs == SIG_COUNT_MAX) {
					kerr_set(e, "%s: more than %d signatures", what,
					    SIG_COUNT_MAX);
					goto out;
				}
				npairs++;
			}
			if (read_entry(a, what, name, SIG_MAX,
			    is_sig ? &pairs[i].sig : &pairs[i].pub, e) < 0)
				goto out;
			if (is_sig)
				pairs[i].has_sig = true;
			else
				pairs[i].has_pub = true;
		}
	}
	if (r != ARCHIVE_EOF) {
		kerr_set(e, "%s: %s", what, archive_error_string(a));
		goto out;
	}
	if (!has_body) {
		kerr_set(e, "%s: no member '%s'", what, member);
		goto out;
	}
	rc = verify(what, member, t, out, &signature, has_signature, pairs, npairs, e);
out:
	strbuf_release(&signature);
	for (size_t i = 0; i < SIG_COUNT_MAX; i++) {
		strbuf_release(&pairs[i].sig);
		strbuf_release(&pairs[i].pub);
	}
	if (rc < 0)
		strbuf_reset(out);
	return rc;
}

static struct archive *
catalog_reader(void)
{
	struct archive *a = archive_read_new();

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	return a;
}

int
pkg_catalog_read(const char *path, const char *member, const struct pkg_trust *t,
    struct strbuf *out, struct kerr *e)
{
	struct archive *a = catalog_reader();
	int rc = -1;

	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
		kerr_set(e, "%s: %s", path, archive_error_string(a));
	else
		rc = catalog_read(a, path, member, t, out, e);
	archive_read_free(a);
	return rc;
}

int
pkg_catalog_read_mem(const void *data, size_t len, const char *what,
    const char *member, const struct pkg_trust *t, struct strbuf *out,
    struct kerr *e)
{
	struct archive *a = catalog_reader();
	int rc = -1;

	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK)
		kerr_set(e, "%s: %s", what, archive_error_string(a));
	else
		rc = catalog_read(a, what, member, t, out, e);
	archive_read_free(a);
	return rc;
}

/* A catalog entry must name itself and a safe relative path. */
static int
check_entry(struct pkg_manifest *m, const char *where, struct kerr *e)
{
	char *norm;

	if (m->name == NULL || m->version == NULL)
		return kerr_set(e, "%s: entry without name or version", where);
	if (m->repopath == NULL)
		return kerr_set(e, "%s: %s has no path/repopath", where, m->name);
	norm = path_normalize(m->repopath);
	if (m->repopath[0] == '/' || norm == NULL) {
		free(norm);
		return kerr_set(e, "%s: %s: path '%s' leaves the repository", where,
		    m->name, m->repopath);
	}
	free(norm);
	return 0;
}

int
pkg_catalog_parse(const char *text, size_t len, enum pkg_catalog_kind kind,
    const char *what, pkg_catalog_fn fn, void *arg, struct kerr *e)
{
	if (kind == PKG_CATALOG_LINES) {
		const char *p = text, *end = text + len;
		int line = 0;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
			char *where;
			struct pkg_manifest *m;

			line++;
			if (l == 0 || (l == 1 && p[0] == '\r')) {
				p = nl ? nl + 1 : end;
				continue;
			}
			where = xasprintf("%s:%d", what, line);
			m = pkg_manifest_parse(p, l, where, e);
			p = nl ? nl + 1 : end;
			if (m == NULL || check_entry(m, where, e) < 0) {
				pkg_manifest_free(m);
				free(where);
				return -1;
			}
			free(where);
			if (fn(m, arg, e) < 0)
				return -1;
		}
		return 0;
	}
	struct uv *o = uv_parse(text, len, e);
	const struct uv *pk;
	int rc = -1;

	if (o == NULL)
		return kerr_prefix(e, "%s", what);
	if (o->type != UV_OBJECT || (pk = uv_get(o, "packages")) == NULL ||
	    pk->type != UV_ARRAY) {
		kerr_set(e, "%s: no \"packages\" array", what);
		goto out;
	}
	for (size_t i = 0; i < pk->u.arr.n; i++) {
		char *where = xasprintf("%s: packages[%zu]", what, i);
		struct pkg_manifest *m = pkg_manifest_from_uv(pk->u.arr.v[i], where, e);

		if (m == NULL || check_entry(m, where, e) < 0) {
			pkg_manifest_free(m);
			free(where);
			goto out;
		}
		free(where);
		if (fn(m, arg, e) < 0)
			goto out;
	}
	rc = 0;
out:
	uv_free(o);
	return rc;
}

int
pkg_repo_load(const char *dir, const struct pkg_trust *t, pkg_catalog_fn fn,
    void *arg, struct kerr *e)
{
	struct pkg_repo_meta meta;
	struct strbuf sb = STRBUF_INIT;
	char *mp = path_join(dir, "meta.conf");
	char *ap = NULL, *an = NULL;
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (path_exists(mp)) {
		if (path_read(mp, &sb, e) < 0 ||
		    pkg_repo_meta_parse(sb.buf, sb.len, mp, &meta, e) < 0)
			goto out;
	} else {
		pkg_repo_meta_init(&meta);
	}
	an = xasprintf("%s.pkg", meta.data_archive);
	ap = path_join(dir, an);
	if (path_exists(ap)) {
		if (pkg_catalog_read(ap, meta.data, t, &sb, e) < 0)
			goto out;
		rc = pkg_catalog_parse(sb.buf, sb.len, PKG_CATALOG_DATA, ap, fn, arg, e);
		goto out;
	}
	free(an);
	free(ap);
	an = xasprintf("%s.pkg", meta.manifests_archive);
	ap = path_join(dir, an);
	if (pkg_catalog_read(ap, meta.manifests, t, &sb, e) < 0)
		goto out;
	rc = pkg_catalog_parse(sb.buf, sb.len, PKG_CATALOG_LINES, ap, fn, arg, e);
out:
	pkg_repo_meta_free(&meta);
	strbuf_release(&sb);
	free(mp);
	free(ap);
	free(an);
	return rc;
}

/* --- writing ------------------------------------------------------------ */

void
pkg_repo_opts_init(struct pkg_repo_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->compress = PKG_COMPRESS_ZSTD;
	o->level = -1;
}

struct cached {
	char *path;
	int64_t size, sec, nsec;
	char *line;
};

struct pkgent {
	char *rel;		/* path relative to DIR */
	struct stat st;
	char *line;		/* catalog line (compact JSON), owned */
	pkg_strv files;		/* files_list only */
	char *name, *version;
};

typedef VEC(struct pkgent) pkgent_vec;
typedef VEC(struct cached) cached_vec;

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk like pkg repo: sorted, files before directories, skip Latest/ and
 * dot directories, only *.pkg, not the catalogs at the top. */
static int
walk(const char *dir, const char *rel, pkgent_vec *out, int depth, struct kerr *e)
{
	char *full = rel[0] ? path_join(dir, rel) : xstrdup(dir);
	DIR *d = opendir(full);
	struct dirent *de;
	VEC(char *) names = VEC_INIT;
	VEC(char *) subdirs = VEC_INIT;
	int rc = -1;

	/* Symlinks are followed (as pkg does), so a link loop must end. */
	if (depth > 64) {
		if (d)
			closedir(d);
		kerr_set(e, "%s: directories nested too deep (a symlink loop?)", full);
		free(full);
		return -1;
	}
	if (d == NULL) {
		kerr_errno(e, "%s", full);
		free(full);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			vec_push(&names, xstrdup(de->d_name));
	closedir(d);
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(char *), cmp_names);
	for (size_t i = 0; i < names.n; i++) {
		const char *n = names.v[i];
		char *r = rel[0] ? xasprintf("%s/%s", rel, n) : xstrdup(n);
		char *p = path_join(full, n);
		struct stat st;
		size_t l = strlen(n);

		if (stat(p, &st) < 0) {
			free(r);
			free(p);
			continue;	/* dangling symlink */
		}
		free(p);
		if (S_ISDIR(st.st_mode)) {
			if (strcmp(n, "Latest") == 0)
				free(r);
			else
				vec_push(&subdirs, r);
			continue;
		}
		if (!S_ISREG(st.st_mode) || l < 5 || strcmp(n + l - 4, ".pkg") != 0 ||
		    (rel[0] == '\0' && (strcmp(n, "packagesite.pkg") == 0 ||
		    strcmp(n, "data.pkg") == 0 || strcmp(n, "files.pkg") == 0 ||
		    strcmp(n, "meta.pkg") == 0 || strcmp(n, "digests.pkg") == 0))) {
			free(r);
			continue;
		}
		struct pkgent pe;
		memset(&pe, 0, sizeof(pe));
		pe.rel = r;
		pe.st = st;
		vec_push(out, pe);
	}
	for (size_t i = 0; i < subdirs.n; i++)
		if (walk(dir, subdirs.v[i], out, depth + 1, e) < 0)
			goto out;
	rc = 0;
out:
	vec_free_all(&names, free);
	vec_free_all(&subdirs, free);
	free(full);
	return rc;
}

static int
cmp_cached(const void *a, const void *b)
{
	return strcmp(((const struct cached *)a)->path, ((const struct cached *)b)->path);
}

/* Load the cache; a damaged cache is ignored (it is only a cache). */
static void
cache_load(const char *dir, cached_vec *c)
{
	char *p = path_join(dir, CACHE_NAME);
	struct strbuf sb = STRBUF_INIT;
	struct kerr e;
	const char *s, *end;

	if (path_read(p, &sb, &e) < 0)
		goto out;
	s = sb.buf;
	end = sb.buf + sb.len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);
		struct uv *o = uv_parse(s, l, &e);

		s = nl ? nl + 1 : end;
		if (o == NULL)
			continue;
		if (uv_get_str(o, "p") && uv_get_str(o, "l")) {
			struct cached ce = {
				xstrdup(uv_get_str(o, "p")), uv_get_int(o, "s", -1),
				uv_get_int(o, "m", -1), uv_get_int(o, "n", -1),
				xstrdup(uv_get_str(o, "l")),
			};
			vec_push(c, ce);
		}
		uv_free(o);
	}
	if (c->n > 1)
		qsort(c->v, c->n, sizeof(struct cached), cmp_cached);
out:
	strbuf_release(&sb);
	free(p);
}

static const struct cached *
cache_find(const cached_vec *c, const char *path)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(path, c->v[mid].path);

		if (r == 0)
			return &c->v[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Open one package and make its catalog line. */
static int
index_one(const char *dir, struct pkgent *pe, bool want_files, struct kerr *e)
{
	char *p = path_join(dir, pe->rel);
	struct pkg_archive *a = NULL;
	struct pkg_manifest *m = NULL;
	struct strbuf sb = STRBUF_INIT;
	char hex[SHA256_HEX_LEN + 1];
	uint64_t size = 0;
	int rc = -1;

	if (sha256_file_hex(p, hex, &size, e) < 0)
		goto out;
	if (pkg_archive_open(p, want_files ? 0 : PKG_OPEN_COMPACT, &a, e) < 0)
		goto out;
	m = pkg_archive_take_manifest(a);
	if (m->name == NULL || m->version == NULL || m->origin == NULL) {
		kerr_set(e, "%s: manifest lacks name, version or origin", p);
		goto out;
	}
	if (want_files)
		for (size_t i = 0; i < m->files.n; i++)
			pkg_strv_push(&pe->files, m->files.v[i].path);
	free(m->sum);
	m->sum = xstrdup(hex);
	m->pkgsize = (int64_t)size;
	free(m->repopath);
	m->repopath = xstrdup(pe->rel);
	pkg_manifest_emit(m, PKG_EMIT_COMPACT, &sb);
	pe->line = strbuf_detach(&sb, NULL);
	pe->name = xstrdup(m->name);
	pe->version = xstrdup(m->version);
	rc = 0;
out:
	pkg_manifest_free(m);
	pkg_archive_close(a);
	strbuf_release(&sb);
	free(p);
	return rc;
}

static int
cache_write(const char *dir, const pkgent_vec *pk, struct kerr *e)
{
	char *p = path_join(dir, CACHE_NAME);
	struct strbuf sb = STRBUF_INIT;
	int rc;

	for (size_t i = 0; i < pk->n; i++) {
		const struct pkgent *pe = &pk->v[i];

		strbuf_addstr(&sb, "{\"p\":\"");
		strbuf_add_json_escaped(&sb, pe->rel);
		strbuf_addf(&sb, "\",\"s\":%lld,\"m\":%lld,\"n\":%lld,\"l\":\"",
		    (long long)pe->st.st_size, (long long)pe->st.st_mtim.tv_sec,
		    (long long)pe->st.st_mtim.tv_nsec);
		strbuf_add_json_escaped(&sb, pe->line);
		strbuf_addstr(&sb, "\"}\n");
	}
	rc = path_write_atomic(p, sb.buf, sb.len, 0644, e);
	strbuf_release(&sb);
	free(p);
	return rc;
}

/*
 * The "files" catalog (pkg repo -l, read by pkg rwhich): a sorted
 * dictionary of directories, front-compressed like locate(1) ("N suffix":
 * keep N bytes of the previous entry), an empty line, then per package a
 * block "name version", ">index" lines selecting a directory and the
 * basenames in it, each block followed by an empty line.
 */
static size_t
dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
files_text(const pkgent_vec *pk, struct strbuf *sb)
{
	VEC(char *) dirs = VEC_INIT;
	const char *prev = "";
	size_t n = 0;

	for (size_t i = 0; i < pk->n; i++)
		for (size_t j = 0; j < pk->v[i].files.n; j++) {
			const char *f = pk->v[i].files.v[j];

			vec_push(&dirs, xstrndup(f, dir_len(f)));
		}
	if (dirs.n > 1)
		qsort(dirs.v, dirs.n, sizeof(char *), cmp_strp);
	for (size_t i = 0; i < dirs.n; i++) {
		if (n > 0 && strcmp(dirs.v[n - 1], dirs.v[i]) == 0) {
			free(dirs.v[i]);
			continue;
		}
		dirs.v[n++] = dirs.v[i];
	}
	dirs.n = n;
	for (size_t i = 0; i < dirs.n; i++) {
		size_t common = 0;

		while (prev[common] && dirs.v[i][common] == prev[common])
			common++;
		strbuf_addf(sb, "%zu %s\n", common, dirs.v[i] + common);
		prev = dirs.v[i];
	}
	strbuf_addch(sb, '\n');
	for (size_t i = 0; i < pk->n; i++) {
		const struct pkgent *pe = &pk->v[i];
		char *cur = NULL;

		if (pe->name == NULL)
			continue;
		strbuf_addf(sb, "%s %s\n", pe->name, pe->version);
		for (size_t j = 0; j < pe->files.n; j++) {
			const char *f = pe->files.v[j];
			size_t dl = dir_len(f);
			char *d = xstrndup(f, dl);
			char **hit = bsearch(&d, dirs.v, dirs.n, sizeof(char *), cmp_strp);

			if (cur == NULL || strcmp(cur, d) != 0) {
				strbuf_addf(sb, ">%zu\n", (size_t)(hit - dirs.v));
				free(cur);
				cur = d;
			} else {
				free(d);
			}
			strbuf_addf(sb, "%s\n", f + (dl == 1 ? 1 : dl + 1));
		}
		free(cur);
		strbuf_addch(sb, '\n');
	}
	vec_free_all(&dirs, free);
}

/* Write one catalog archive with its signature members. */
static int
write_catalog(const char *dir, const char *archive, const char *member,
    const struct strbuf *body, const struct pkg_repo_opts *o, time_t mtime,
    struct kerr *e)
{
	char hex[SHA256_HEX_LEN + 1];
	struct pkg_sig ks, cs;
	struct pkg_member mem[4];
	struct strbuf keysig = STRBUF_INIT;
	char *signame = xasprintf("%s.sig", member);
	char *pubname = xasprintf("%s.pub", member);
	char *an = xasprintf("%s.pkg", archive);
	char *ap = path_join(dir, an);
	size_t n = 0;
	int rc = -1;

	pkg_sig_init(&ks);
	pkg_sig_init(&cs);
	sha256_buf_hex(body->buf, body->len, hex);
	if (o->signer.keyfile) {
		if (pkg_sign_keyfile(o->signer.keyfile, hex, &ks, e) < 0)
			goto out;
		strbuf_add(&keysig, ks.sig.buf, ks.sig.len);
		strbuf_addch(&keysig, '\0');	/* pkg appends one NUL */
		mem[n++] = (struct pkg_member){ "signature", keysig.buf, keysig.len };
	}
	if (o->signer.command) {
		if (pkg_sign_command(o->signer.command, hex, &cs, e) < 0)
			goto out;
		mem[n++] = (struct pkg_member){ signame, cs.sig.buf, cs.sig.len };
		mem[n++] = (struct pkg_member){ pubname, cs.cert.buf, cs.cert.len };
	}
	mem[n++] = (struct pkg_member){ member, body->buf, body->len };
	if (pkg_archive_write_members(ap, mem, n, o->compress, o->level, mtime, e) < 0)
		goto out;
	rc = 0;
out:
	pkg_sig_release(&ks);
	pkg_sig_release(&cs);
	strbuf_release(&keysig);
	free(signame);
	free(pubname);
	free(an);
	free(ap);
	return rc;
}

static void
set_mtime(const char *dir, const char *name, time_t t)
{
	char *p = path_join(dir, name);
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	utimensat(AT_FDCWD, p, ts, 0);
	free(p);
}

static time_t
catalog_mtime(const char *dir)
{
	char *p = path_join(dir, "meta.conf");
	struct stat st;
	time_t now = time(NULL);

	/* Clients compare 1-second mtimes: a new catalog must be newer. */
	if (stat(p, &st) == 0 && st.st_mtime >= now)
		now = st.st_mtime + 1;
	free(p);
	return now;
}

int
pkg_repo_create(const char *dir, const struct pkg_repo_opts *o,
    struct pkg_repo_stats *st, struct kerr *e)
{
	cached_vec cache = VEC_INIT;
	pkgent_vec pk = VEC_INIT;
	struct strbuf lines = STRBUF_INIT, data = STRBUF_INIT, files = STRBUF_INIT;
	struct strbuf meta = STRBUF_INIT;
	time_t mtime;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (!path_is_dir(dir))
		return kerr_set(e, "%s: not a directory", dir);
	if (walk(dir, "", &pk, 0, e) < 0)
		goto out;
	if (!o->files_list)
		cache_load(dir, &cache);
	for (size_t i = 0; i < pk.n; i++) {
		struct pkgent *pe = &pk.v[i];
		const struct cached *c = cache_find(&cache, pe->rel);

		if (c && c->size == (int64_t)pe->st.st_size &&
		    c->sec == (int64_t)pe->st.st_mtim.tv_sec &&
		    c->nsec == (int64_t)pe->st.st_mtim.tv_nsec) {
			pe->line = xstrdup(c->line);
			st->reused++;
		} else {
			if (index_one(dir, pe, o->files_list, e) < 0)
				goto out;
			st->opened++;
		}
		st->packages++;
	}
	strbuf_addstr(&data, "{\"groups\":[],\"expired_packages\":[],\"packages\":[");
	for (size_t i = 0; i < pk.n; i++) {
		strbuf_addstr(&lines, pk.v[i].line);
		strbuf_addch(&lines, '\n');
		if (i)
			strbuf_addch(&data, ',');
		strbuf_addstr(&data, pk.v[i].line);
	}
	strbuf_addstr(&data, "]}");

	mtime = catalog_mtime(dir);
	strbuf_addf(&meta, "version = 2;\npacking_format = \"%s\";\n"
	    "manifests = \"packagesite.yaml\";\ndata = \"data\";\n"
	    "filesite = \"files\";\nmanifests_archive = \"packagesite\";\n"
	    "filesite_archive = \"files\";\n", pkg_compress_name(o->compress));
	if (write_catalog(dir, "packagesite", "packagesite.yaml", &lines, o, mtime, e) < 0 ||
	    write_catalog(dir, "data", "data", &data, o, mtime, e) < 0)
		goto out;
	if (o->files_list) {
		files_text(&pk, &files);
		if (write_catalog(dir, "files", "files", &files, o, mtime, e) < 0)
			goto out;
	}
	char *mp = path_join(dir, "meta");
	char *mcp = path_join(dir, "meta.conf");
	int wr = path_write_atomic(mp, meta.buf, meta.len, 0644, e);
	if (wr == 0)
		wr = path_write_atomic(mcp, meta.buf, meta.len, 0644, e);
	free(mp);
	free(mcp);
	if (wr < 0)
		goto out;
	set_mtime(dir, "meta", mtime);
	set_mtime(dir, "meta.conf", mtime);
	set_mtime(dir, "packagesite.pkg", mtime);
	set_mtime(dir, "data.pkg", mtime);
	if (o->files_list)
		set_mtime(dir, "files.pkg", mtime);
	if (cache_write(dir, &pk, e) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < cache.n; i++) {
		free(cache.v[i].path);
		free(cache.v[i].line);
	}
	vec_free(&cache);
	for (size_t i = 0; i < pk.n; i++) {
		free(pk.v[i].rel);
		free(pk.v[i].line);
		free(pk.v[i].name);
		free(pk.v[i].version);
		pkg_strv_free(&pk.v[i].files);
	}
	vec_free(&pk);
	strbuf_release(&lines);
	strbuf_release(&data);
	strbuf_release(&files);
	strbuf_release(&meta);
	return rc;
}
