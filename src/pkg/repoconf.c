/*
 * repoconf: reading and merging pkg-style repository files (see
 * repoconf.h for the format).  The UCL tree carries no line numbers, so
 * errors find the line by looking for the repo name, then the key, in the
 * file's text.
 * Calls: util.
 */
#include "pkg/repoconf.h"

#include "util/path.h"
#include "util/strbuf.h"
#include "util/ucl.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
repoconf_set_init(struct repoconf_set *s)
{
	memset(s, 0, sizeof(*s));
}

static void
repo_free(struct repoconf *r)
{
	free(r->name);
	free(r->url);
	free(r->pubkey);
	free(r->fingerprints);
	free(r->mirror_type);
	free(r->origin);
	free(r);
}

void
repoconf_set_free(struct repoconf_set *s)
{
	for (size_t i = 0; i < s->repos.n; i++)
		repo_free(s->repos.v[i]);
	vec_free(&s->repos);
}

/* Line (1-based) of the first line at or after `from` holding needle as a
 * word; `from` when not found. */
static int
find_line(const char *text, const char *needle, int from)
{
	size_t nl = strlen(needle);
	int line = 1;

	for (const char *p = text; *p; p++) {
		if (line >= from && strncasecmp(p, needle, nl) == 0 &&
		    (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
		    !(isalnum((unsigned char)p[nl]) || p[nl] == '_'))
			return line;
		if (*p == '\n')
			line++;
	}
	return from;
}

const struct repoconf *
repoconf_find(const struct repoconf_set *s, const char *name)
{
	for (size_t i = 0; i < s->repos.n; i++)
		if (strcmp(s->repos.v[i]->name, name) == 0)
			return s->repos.v[i];
	return NULL;
}

const char *
repoconf_sig_name(enum repo_sig s)
{
	switch (s) {
	case REPO_SIG_PUBKEY: return "pubkey";
	case REPO_SIG_FINGERPRINTS: return "fingerprints";
	default: return "none";
	}
}

/* url with pkg+ dropped, ${ABI} replaced and trailing '/' removed. */
static char *
normalize_url(const char *url, const char *abi)
{
	struct strbuf sb = STRBUF_INIT;

	if (strncmp(url, "pkg+", 4) == 0)
		url += 4;
	for (const char *p = url; *p; p++) {
		if (strncmp(p, "${ABI}", 6) == 0 && abi != NULL) {
			strbuf_addstr(&sb, abi);
			p += 5;
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
		strbuf_setlen(&sb, sb.len - 1);
	return strbuf_detach(&sb, NULL);
}

static int
set_str(char **dst, const struct uv *v, const char *where, const char *key,
    struct kerr *e)
{
	if (v->type != UV_STRING)
		return kerr_set(e, "%s: '%s' must be a string", where, key);
	free(*dst);
	*dst = xstrdup(v->u.str.s);
	return 0;
}

static int
apply_repo(struct repoconf_set *s, const char *path, const char *text,
    const char *name, const struct uv *o, const char *abi, struct kerr *e)
{
	int line = find_line(text, name, 1);
	char where[1200];
	struct repoconf *r = (struct repoconf *)repoconf_find(s, name);

	snprintf(where, sizeof(where), "%s:%d: repo '%s'", path, line, name);
	if (o->type != UV_OBJECT)
		return kerr_set(e, "%s: must be an object { url: ..., ... }", where);
	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->name = xstrdup(name);
		r->enabled = true;
		vec_push(&s->repos, r);
	}
	free(r->origin);
	r->origin = xasprintf("%s:%d", path, line);
	for (size_t i = 0; i < o->u.obj.n; i++) {
		const char *k = o->u.obj.keys[i];
		const struct uv *v = o->u.obj.vals[i];
		char kw[1400];

		snprintf(kw, sizeof(kw), "%s:%d: repo '%s'", path,
		    find_line(text, k, line), name);
		if (strcasecmp(k, "url") == 0) {
			if (v->type != UV_STRING)
				return kerr_set(e, "%s: 'url' must be a string", kw);
			free(r->url);
			r->url = normalize_url(v->u.str.s, abi);
		} else if (strcasecmp(k, "enabled") == 0) {
			if (v->type == UV_BOOL)
				r->enabled = v->u.b;
			else if (v->type == UV_STRING &&
			    (strcasecmp(v->u.str.s, "yes") == 0 ||
			    strcasecmp(v->u.str.s, "true") == 0 ||
			    strcasecmp(v->u.str.s, "on") == 0))
				r->enabled = true;
			else if (v->type == UV_STRING &&
			    (strcasecmp(v->u.str.s, "no") == 0 ||
			    strcasecmp(v->u.str.s, "false") == 0 ||
			    strcasecmp(v->u.str.s, "off") == 0))
				r->enabled = false;
			else
				return kerr_set(e, "%s: 'enabled' must be yes or no", kw);
		} else if (strcasecmp(k, "signature_type") == 0) {
			if (v->type != UV_STRING)
				return kerr_set(e, "%s: 'signature_type' must be a string", kw);
			if (strcasecmp(v->u.str.s, "none") == 0)
				r->sig = REPO_SIG_NONE;
			else if (strcasecmp(v->u.str.s, "pubkey") == 0)
				r->sig = REPO_SIG_PUBKEY;
			else if (strcasecmp(v->u.str.s, "fingerprints") == 0)
				r->sig = REPO_SIG_FINGERPRINTS;
			else
				return kerr_set(e, "%s: unknown signature_type '%s' "
				    "(none, pubkey or fingerprints)", kw, v->u.str.s);
		} else if (strcasecmp(k, "pubkey") == 0) {
			if (set_str(&r->pubkey, v, kw, "pubkey", e) < 0)
				return -1;
		} else if (strcasecmp(k, "fingerprints") == 0) {
			if (set_str(&r->fingerprints, v, kw, "fingerprints", e) < 0)
				return -1;
		} else if (strcasecmp(k, "mirror_type") == 0) {
			if (set_str(&r->mirror_type, v, kw, "mirror_type", e) < 0)
				return -1;
		} else if (strcasecmp(k, "priority") == 0) {
			if (v->type != UV_INT)
				return kerr_set(e, "%s: 'priority' must be an integer", kw);
			r->priority = (int)v->u.i;
		}
	}
	return 0;
}

int
repoconf_load_mem(struct repoconf_set *s, const char *text, size_t len,
    const char *what, const char *abi, struct kerr *e)
{
	char *copy = xstrndup(text, len);	/* NUL-terminated for find_line */
	struct uv *top = uv_parse(text, len, e);
	int rc = -1;

	if (top == NULL) {
		kerr_prefix(e, "%s", what);
		goto out;
	}
	if (top->type != UV_OBJECT) {
		kerr_set(e, "%s:1: expected repositories as NAME: { ... }", what);
		goto out;
	}
	for (size_t i = 0; i < top->u.obj.n; i++)
		if (apply_repo(s, what, copy, top->u.obj.keys[i],
		    top->u.obj.vals[i], abi, e) < 0)
			goto out;
	rc = 0;
out:
	uv_free(top);
	free(copy);
	return rc;
}

int
repoconf_load_file(struct repoconf_set *s, const char *path, const char *abi,
    struct kerr *e)
{
	struct strbuf text = STRBUF_INIT;
	int rc = -1;

	if (path_read(path, &text, e) == 0)
		rc = repoconf_load_mem(s, text.buf, text.len, path, abi, e);
	strbuf_release(&text);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_dir(struct repoconf_set *s, const char *dir, const char *abi,
    struct kerr *e)
{
	DIR *d = opendir(dir);
	VEC(char *) names = VEC_INIT;
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l < 6 ||
		    strcmp(de->d_name + l - 5, ".conf") != 0)
			continue;
		vec_push(&names, xstrdup(de->d_name));
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char *p = path_join(dir, names.v[i]);

		if (rc == 0 && repoconf_load_file(s, p, abi, e) < 0)
			rc = -1;
		free(p);
		free(names.v[i]);
	}
	vec_free(&names);
	return rc;
}

int
repoconf_load(struct repoconf_set *s, const char *dirs, const char *abi,
    struct kerr *e)
{
	char *copy = xstrdup(dirs), *save = NULL;
	int rc = 0;

	for (char *d = strtok_r(copy, ":", &save); d != NULL && rc == 0;
	    d = strtok_r(NULL, ":", &save))
		rc = load_dir(s, d, abi, e);
	free(copy);
	if (rc == 0)
		rc = repoconf_validate(s, e);
	return rc;
}

int
repoconf_validate(const struct repoconf_set *s, struct kerr *e)
{
	for (size_t i = 0; i < s->repos.n; i++) {
		const struct repoconf *r = s->repos.v[i];

		if (!r->enabled)
			continue;
		if (r->url == NULL)
			return kerr_set(e, "%s: repo '%s': no url", r->origin, r->name);
		if (strncmp(r->url, "file://", 7) != 0 &&
		    strncmp(r->url, "http://", 7) != 0 &&
		    strncmp(r->url, "https://", 8) != 0)
			return kerr_set(e, "%s: repo '%s': unsupported url '%s' "
			    "(file://, http://, https://, pkg+http(s)://)",
			    r->origin, r->name, r->url);
		if (r->sig == REPO_SIG_PUBKEY && r->pubkey == NULL)
			return kerr_set(e, "%s: repo '%s': signature_type pubkey "
			    "needs 'pubkey'", r->origin, r->name);
		if (r->sig == REPO_SIG_FINGERPRINTS && r->fingerprints == NULL)
			return kerr_set(e, "%s: repo '%s': signature_type "
			    "fingerprints needs 'fingerprints'", r->origin, r->name);
	}
	return 0;
}

static int
cmp_prio(const void *a, const void *b)
{
	const struct repoconf *x = *(const struct repoconf *const *)a;
	const struct repoconf *y = *(const struct repoconf *const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
repoconf_enabled(const struct repoconf_set *s, repoconf_list *out)
{
	for (size_t i = 0; i < s->repos.n; i++)
		if (s->repos.v[i]->enabled)
			vec_push(out, s->repos.v[i]);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_prio);
}
