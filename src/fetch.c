/*
 * fetch: distfile download over sites, distinfo checks, makesum and the
 * cargo-crates generator.  distinfo itself is parsed by port.c.
 * Does not: evaluate ports or print.  Calls: util, port_distinfo_find.
 */
#include "fetch.h"

#include "util/download.h"
#include "util/path.h"
#include "util/sha256.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
fetch_distinfo_path(const struct fetch_ctx *c, const char *name)
{
	if (c->dist_subdir && *c->dist_subdir)
		return xasprintf("%s/%s", c->dist_subdir, name);
	return xstrdup(name);
}

char *
fetch_local_path(const struct fetch_ctx *c, const char *name)
{
	char *rel = fetch_distinfo_path(c, name);
	char *p = path_join(c->distdir, rel);

	free(rel);
	return p;
}

static void
say(const struct fetch_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct fetch_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (c->say == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg) {
		c->say(c->say_arg, msg);
		free(msg);
	}
}

static int
file_size(const char *p, uint64_t *size)
{
	struct stat st;

	if (stat(p, &st) < 0)
		return -1;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Try one URL into local; check the size when known.  0 or -1. */
static int
try_site(const struct fetch_ctx *c, const char *url, const char *local,
    const struct port_distinfo_entry *de, struct kerr *e)
{
	char *tmp = xasprintf("%s.fetch", local);
	struct download_opts o = { 0 };
	uint64_t got = 0;
	int rc = -1;

	say(c, "=> Attempting to fetch %s", url);
	if (de && de->size >= 0)
		o.max_bytes = (uint64_t)de->size;
	if (download_file(url, tmp, &o, NULL, e) != DOWNLOAD_OK)
		goto out;
	if (de && de->size >= 0 && (file_size(tmp, &got) < 0 ||
	    got != (uint64_t)de->size)) {
		kerr_set(e, "%s: fetched file size mismatch (expected %llu, actual %llu)",
		    url, (unsigned long long)de->size, (unsigned long long)got);
		goto out;
	}
	if (rename(tmp, local) < 0) {
		kerr_errno(e, "%s", local);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		unlink(tmp);
		say(c, "=> %s", e->msg);
	}
	free(tmp);
	return rc;
}

typedef VEC(char *) sitevec;

static void
split_sites(const char *list, sitevec *out)
{
	char *copy, *save = NULL;

	if (list == NULL)
		return;
	copy = xstrdup(list);
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		vec_push(out, xstrdup(t));
	free(copy);
}

int
fetch_distfile(const struct fetch_ctx *c, const char *name, char *const *sites,
    struct kerr *e)
{
	char *rel = fetch_distinfo_path(c, name);
	char *local = path_join(c->distdir, rel);
	char *dir = NULL;
	const struct port_distinfo_entry *de = NULL;
	sitevec all = VEC_INIT;
	uint64_t have;
	int rc = -1;

	if (c->distinfo) {
		de = port_distinfo_find(c->distinfo, rel);
		if (de == NULL || de->sha256 == NULL) {
			kerr_set(e, "%s is not in distinfo: either distinfo is out of"
			    " date or the file name is misspelled", rel);
			goto out;
		}
	}
	if (file_size(local, &have) == 0 && (de == NULL || de->size < 0 ||
	    have == (uint64_t)de->size)) {
		say(c, "=> %s is in the cache", rel);
		rc = 0;
		goto out;
	}
	dir = xstrdup(local);
	*strrchr(dir, '/') = '\0';
	if (path_mkdir_p(dir, 0755, e) < 0)
		goto out;
	split_sites(c->override, &all);
	for (size_t i = 0; sites && sites[i]; i++)
		vec_push(&all, xstrdup(sites[i]));
	if (all.n == 0) {
		kerr_set(e, "%s: no MASTER_SITES to fetch it from", rel);
		goto out;
	}
	for (size_t i = 0; i < all.n; i++) {
		const char *site = all.v[i];
		size_t sl = strlen(site);
		char *url = xasprintf("%s%s%s", site,
		    sl > 0 && site[sl - 1] != '/' && site[sl - 1] != '=' ? "/" : "",
		    name);
		int r = try_site(c, url, local, de, e);
		free(url);
		if (r == 0) {
			rc = 0;
			goto out;
		}
	}
	kerr_prefix(e, "%s: could not fetch it from any of %zu site%s; last error",
	    rel, all.n, all.n == 1 ? "" : "s");
out:
	vec_free_all(&all, free);
	free(dir);
	free(local);
	free(rel);
	return rc;
}

int
fetch_checksum(const struct fetch_ctx *c, const char *name, struct kerr *e)
{
	char *rel = fetch_distinfo_path(c, name);
	char *local = path_join(c->distdir, rel);
	const struct port_distinfo_entry *de;
	char hex[SHA256_HEX_LEN + 1];
	uint64_t size;
	int rc = -1;

	de = c->distinfo ? port_distinfo_find(c->distinfo, rel) : NULL;
	if (de == NULL || de->sha256 == NULL) {
		kerr_set(e, "%s: no SHA256 checksum recorded in distinfo", rel);
		goto out;
	}
	if (sha256_file_hex(local, hex, &size, e) < 0)
		goto out;
	if (strcmp(hex, de->sha256) != 0) {
		kerr_set(e, "%s: SHA256 checksum mismatch: expected %s, actual %s"
		    " (the file was removed so that it is fetched again)",
		    rel, de->sha256, hex);
		unlink(local);
		goto out;
	}
	if (de->size >= 0 && size != (uint64_t)de->size) {
		kerr_set(e, "%s: SIZE mismatch: expected %llu, actual %llu"
		    " (the file was removed so that it is fetched again)", rel,
		    (unsigned long long)de->size, (unsigned long long)size);
		unlink(local);
		goto out;
	}
	say(c, "=> SHA256 Checksum OK for %s.", rel);
	rc = 0;
out:
	free(local);
	free(rel);
	return rc;
}

int
fetch_makesum(const struct fetch_ctx *c, const char *distinfo_file,
    char *const *names, size_t n, long long now, struct kerr *e)
{
	struct strbuf body = STRBUF_INIT, out = STRBUF_INIT, old = STRBUF_INIT;
	long long stamp = now;
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		char *rel = fetch_distinfo_path(c, names[i]);
		char *local = path_join(c->distdir, rel);
		char hex[SHA256_HEX_LEN + 1];
		uint64_t size;
		int r = sha256_file_hex(local, hex, &size, e);
		if (r == 0) {
			strbuf_addf(&body, "SHA256 (%s) = %s\n", rel, hex);
			strbuf_addf(&body, "SIZE (%s) = %llu\n", rel,
			    (unsigned long long)size);
		}
		free(local);
		free(rel);
		if (r < 0)
			goto out;
	}
	/* Same body as before: keep the old TIMESTAMP, so nothing changes. */
	if (access(distinfo_file, F_OK) == 0 && path_read(distinfo_file, &old, e) == 0) {
		const char *nl = strchr(old.buf, '\n');
		if (strncmp(old.buf, "TIMESTAMP = ", 12) == 0 && nl &&
		    strcmp(nl + 1, body.buf) == 0)
			stamp = strtoll(old.buf + 12, NULL, 10);
	}
	strbuf_addf(&out, "TIMESTAMP = %lld\n", stamp);
	strbuf_add(&out, body.buf, body.len);
	rc = path_write_atomic(distinfo_file, out.buf, out.len, 0644, e);
out:
	strbuf_release(&old);
	strbuf_release(&out);
	strbuf_release(&body);
	return rc;
}

/* Cargo.lock: value of `key = "value"` on line, or NULL; caller frees. */
static char *
toml_string(const char *line, const char *key)
{
	size_t kl = strlen(key);
	const char *p = line, *q;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, key, kl) != 0)
		return NULL;
	p += kl;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '=')
		return NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '"' || (q = strchr(p, '"')) == NULL)
		return NULL;
	return xstrndup(p, (size_t)(q - p));
}

typedef VEC(char *) strvec;
typedef VEC(struct strbuf) sbvec;

struct crate {
	char *name, *version, *source;
};

static int
flush_crate(const char *fname, int lineno, struct crate *cr,
    strvec *reg, strvec *gsrc, sbvec *gnames,
    struct kerr *e)
{
	int rc = 0;

	if (cr->name == NULL && cr->version == NULL && cr->source == NULL)
		return 0;
	if (cr->name == NULL || cr->version == NULL) {
		rc = kerr_set(e, "%s:%d: [[package]] without name or version",
		    fname, lineno);
		goto out;
	}
	if (cr->source == NULL)
		goto out;	/* a workspace member */
	if (strncmp(cr->source, "registry+", 9) == 0) {
		vec_push(reg, xasprintf("%s-%s", cr->name, cr->version));
	} else if (strncmp(cr->source, "git+", 4) == 0) {
		size_t i;
		for (i = 0; i < gsrc->n; i++)
			if (strcmp(gsrc->v[i], cr->source) == 0)
				break;
		if (i == gsrc->n) {
			struct strbuf sb = STRBUF_INIT;
			vec_push(gsrc, xstrdup(cr->source));
			vec_push(gnames, sb);
		} else {
			strbuf_addch(&gnames->v[i], ',');
		}
		strbuf_addstr(&gnames->v[i], cr->name);
	} else {
		rc = kerr_set(e, "%s:%d: %s: unsupported source '%s'", fname,
		    lineno, cr->name, cr->source);
	}
out:
	free(cr->name);
	free(cr->version);
	free(cr->source);
	memset(cr, 0, sizeof(*cr));
	return rc;
}

int
fetch_cargo_crates(const char *fname, const char *lock, struct strbuf *out,
    struct kerr *e)
{
	strvec reg = VEC_INIT, gsrc = VEC_INIT, words = VEC_INIT;
	sbvec gnames = VEC_INIT;
	struct crate cr = { 0 };
	char *copy = xstrdup(lock), *line, *next;
	bool in_pkg = false;
	int lineno = 0, rc = -1;

	for (line = copy; line; line = next) {
		char *v;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (line[0] == '[') {
			if (flush_crate(fname, lineno, &cr, &reg,
			    &gsrc, &gnames, e) < 0)
				goto out;
			in_pkg = strncmp(line, "[[package]]", 11) == 0;
			continue;
		}
		if (!in_pkg)
			continue;
		if ((v = toml_string(line, "name")) != NULL) {
			free(cr.name);
			cr.name = v;
		} else if ((v = toml_string(line, "version")) != NULL) {
			free(cr.version);
			cr.version = v;
		} else if ((v = toml_string(line, "source")) != NULL) {
			free(cr.source);
			cr.source = v;
		}
	}
	if (flush_crate(fname, lineno, &cr, &reg, &gsrc,
	    &gnames, e) < 0)
		goto out;
	for (size_t i = 0; i < reg.n; i++)
		vec_push(&words, xstrdup(reg.v[i]));
	for (size_t i = 0; i < gsrc.n; i++) {
		struct strbuf w = STRBUF_INIT;
		strbuf_addf(&w, "%s@", gnames.v[i].buf);
		for (const char *p = gsrc.v[i]; *p; p++) {
			if (*p == '#')
				strbuf_addch(&w, '\\');
			strbuf_addch(&w, *p);
		}
		vec_push(&words, strbuf_detach(&w, NULL));
	}
	strbuf_addstr(out, "CARGO_CRATES=");
	for (size_t i = 0; i < words.n; i++)
		strbuf_addf(out, "%s%s%s\n", i == 0 ? "\t" : "\t\t", words.v[i],
		    i + 1 < words.n ? " \\" : "");
	if (words.n == 0)
		strbuf_addch(out, '\n');
	rc = 0;
out:
	free(cr.name);
	free(cr.version);
	free(cr.source);
	for (size_t i = 0; i < reg.n; i++)
		free(reg.v[i]);
	for (size_t i = 0; i < gsrc.n; i++) {
		free(gsrc.v[i]);
		strbuf_release(&gnames.v[i]);
	}
	for (size_t i = 0; i < words.n; i++)
		free(words.v[i]);
	vec_free(&reg);
	vec_free(&gsrc);
	vec_free(&gnames);
	vec_free(&words);
	free(copy);
	return rc;
}
