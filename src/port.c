/*
 * port: loading a port directory into struct port.  The Makefile is
 * evaluated by mk with port_fw.c as the bsd.port*.mk hook; this file then
 * reads the final variables into the model: dependencies, distfiles with
 * their sites and distinfo sums, options, packages and plists.  Also the
 * files hash and the JSON form.  It does not build or fetch anything.
 * Calls: mk, util.
 */
#include "port_int.h"
#include "util/path.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

static const char *const dep_type_names[] = { "FETCH", "EXTRACT", "PATCH",
    "BUILD", "LIB", "RUN", "TEST", "PKG" };

const char *
port_dep_type_name(enum port_dep_type t)
{
	return t < PORT_DEP_NTYPES ? dep_type_names[t] : "?";
}

char *
port_options_file(const char *options_dir, const char *origin)
{
	char *o, *p;

	if (options_dir == NULL)
		return NULL;
	o = xstrdup(origin);
	for (char *c = o; *c; c++)
		if (*c == '/')
			*c = '_';
	p = xasprintf("%s/%s/options", options_dir, o);
	free(o);
	return p;
}

static void
dep_free(struct port_dep *d)
{
	free(d->pattern);
	free(d->origin);
	free(d->flavor);
	free(d->target);
	free(d->pkg);
	free(d->constraint);
}

static void
strv_free(void *vp)
{
	VEC(char *) *v = vp;
	vec_free_all(v, free);
}

void
port_free(struct port *p)
{
	if (p == NULL)
		return;
	mk_free(p->mk);
	free(p->origin); free(p->dir); free(p->flavor);
	free(p->portname); free(p->portversion); free(p->distversion);
	free(p->pkgversion); free(p->pkgname); free(p->pkgbase);
	free(p->distname); free(p->comment); free(p->maintainer); free(p->www);
	free(p->prefix); free(p->wrkdir); free(p->wrksrc); free(p->dist_subdir);
	strv_free(&p->categories);
	strv_free(&p->licenses);
	strv_free(&p->uses);
	strv_free(&p->flavors);
	strv_free(&p->sub_files);
	for (size_t i = 0; i < p->deps.n; i++)
		dep_free(&p->deps.v[i]);
	vec_free(&p->deps);
	for (size_t i = 0; i < p->distfiles.n; i++) {
		struct port_distfile *d = &p->distfiles.v[i];
		free(d->name); free(d->path); free(d->sha256); free(d->strip);
		strv_free(&d->groups);
		strv_free(&d->sites);
	}
	vec_free(&p->distfiles);
	for (size_t i = 0; i < p->options.n; i++) {
		free(p->options.v[i].name);
		free(p->options.v[i].desc);
		free(p->options.v[i].group);
	}
	vec_free(&p->options);
	for (size_t i = 0; i < p->pkgs.n; i++) {
		struct port_pkg *k = &p->pkgs.v[i];
		free(k->sub); free(k->pkgbase); free(k->pkgname); free(k->comment);
		free(k->descr_file); free(k->descr); free(k->message);
		strv_free(&k->plist);
		strv_free(&k->self_depends);
		for (size_t j = 0; j < k->deps.n; j++)
			dep_free(&k->deps.v[j]);
		vec_free(&k->deps);
	}
	vec_free(&p->pkgs);
	for (size_t i = 0; i < p->plist_sub.n; i++) {
		free(p->plist_sub.v[i].key);
		free(p->plist_sub.v[i].value);
	}
	vec_free(&p->plist_sub);
	for (size_t i = 0; i < p->sub_list.n; i++) {
		free(p->sub_list.v[i].key);
		free(p->sub_list.v[i].value);
	}
	vec_free(&p->sub_list);
	for (size_t i = 0; i < p->rc.n; i++) {
		free(p->rc.v[i].name);
		free(p->rc.v[i].src);
		free(p->rc.v[i].dest);
	}
	vec_free(&p->rc);
	free(p);
}

/* ---- dependencies ---- */

static int
parse_dep(struct port *p, enum port_dep_type type, const char *word,
    bool implicit, struct port_dep *d, struct kerr *e)
{
	char *w = xstrdup(word), *f[4] = { 0 };
	int nf = 0;
	const char *psd = mk_raw(p->mk, "PORTSDIR");

	memset(d, 0, sizeof(*d));
	for (char *c = w; nf < 4; ) {
		f[nf++] = c;
		c = strchr(c, ':');
		if (c == NULL)
			break;
		*c++ = '\0';
	}
	if (nf < 2 || nf > 3 || *f[0] == '\0' || *f[1] == '\0') {
		free(w);
		return kerr_set(e, "%s/Makefile: malformed %s_DEPENDS entry '%s' "
		    "(expected pattern:origin[:target])", p->origin,
		    port_dep_type_name(type), word);
	}
	d->type = type;
	d->implicit = implicit;
	d->pattern = xstrdup(f[0]);
	{
		char *o = f[1], *at, *tilde;
		if (psd && strncmp(o, psd, strlen(psd)) == 0 && o[strlen(psd)] == '/')
			o += strlen(psd) + 1;
		if ((at = strchr(o, '@')) != NULL) {
			*at = '\0';
			d->flavor = xstrdup(at + 1);
		}
		if ((tilde = strchr(o, '~')) != NULL)
			*tilde = '\0';
		if (strchr(o, '/') == NULL || o[0] == '/' || strchr(strchr(o, '/') + 1, '/')) {
			free(w);
			dep_free(d);
			return kerr_set(e, "%s/Makefile: %s_DEPENDS entry '%s': origin "
			    "must be category/name", p->origin, port_dep_type_name(type),
			    word);
		}
		d->origin = xstrdup(o);
	}
	if (nf == 3)
		d->target = xstrdup(f[2]);
	if (strpbrk(d->pattern, "<>=")) {
		size_t k = strcspn(d->pattern, "<>=");
		d->kind = PORT_DEP_PKGVER;
		d->pkg = xstrndup(d->pattern, k);
		d->constraint = xstrdup(d->pattern + k);
	} else if (strcmp(d->pattern, "/nonexistent") == 0) {
		d->kind = PORT_DEP_ALWAYS;
	} else if (d->pattern[0] == '/') {
		d->kind = PORT_DEP_FILE;
	} else if (type == PORT_DEP_LIB) {
		const char *so = strstr(d->pattern, ".so");
		if (strncmp(d->pattern, "lib", 3) != 0 || so == NULL) {
			free(w);
			dep_free(d);
			return kerr_set(e, "%s/Makefile: LIB_DEPENDS entry '%s' is not "
			    "libNAME.so[.N]:origin", p->origin, word);
		}
		d->kind = PORT_DEP_SHLIB;
	} else {
		d->kind = PORT_DEP_TOOL;
	}
	free(w);
	return 0;
}

static int
load_deps(struct port *p, struct fw *f, const char *suffix, void *vec,
    struct kerr *e)
{
	VEC(struct port_dep) *out = vec;

	for (int t = 0; t < PORT_DEP_NTYPES; t++) {
		char *var = xasprintf("%s_DEPENDS%s", dep_type_names[t], suffix);
		mk_words w = VEC_INIT;
		int rc = fw_words(p->mk, var, &w, e);
		free(var);
		for (size_t i = 0; rc == 0 && i < w.n; i++) {
			struct port_dep d;
			bool imp = false;
			for (size_t k = 0; f && k < f->implicit.n; k++)
				imp |= strcmp(f->implicit.v[k], w.v[i]) == 0;
			rc = parse_dep(p, (enum port_dep_type)t, w.v[i], imp, &d, e);
			if (rc == 0)
				vec_push(out, d);
		}
		mk_words_free(&w);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- distinfo, sites, distfiles ---- */

typedef port_distinfo dinfos;
#define dinfo port_distinfo_entry

static struct dinfo *
dinfo_get(dinfos *v, const char *path)
{
	struct dinfo *d = (struct dinfo *)port_distinfo_find(v, path);

	if (d)
		return d;
	vec_push(v, ((struct dinfo){ xstrdup(path), NULL, -1 }));
	return &v->v[v->n - 1];
}

const struct port_distinfo_entry *
port_distinfo_find(const port_distinfo *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].path, path) == 0)
			return &d->v[i];
	return NULL;
}

void
port_distinfo_free(port_distinfo *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].sha256);
	}
	vec_free(d);
}

static int
parse_distinfo(const char *file, const char *display, dinfos *out, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (strbuf_read_file(&sb, file) < 0) {
		strbuf_release(&sb);
		return errno == ENOENT ? 0 : kerr_errno(e, "%s", display);
	}
	rc = port_distinfo_parse(sb.buf, sb.len, display, out, e);
	strbuf_release(&sb);
	return rc;
}

int
port_distinfo_parse(const char *text, size_t len, const char *display,
    port_distinfo *out, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	char *line, *save = NULL;
	int lineno = 0, rc = -1;

	if (memchr(text, '\0', len)) {
		return kerr_set(e, "%s: contains a NUL byte", display);
	}
	strbuf_add(&sb, text, len);
	for (char *p = sb.buf; p; ) {
		char *nl = strchr(p, '\n');
		char alg[32], path[4096], val[256], extra;
		if (nl)
			*nl = '\0';
		line = p;
		p = nl ? nl + 1 : NULL;
		lineno++;
		(void)save;
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if (strncmp(line, "TIMESTAMP", 9) == 0) {
			long long ts;
			if (sscanf(line, "TIMESTAMP = %lld %c", &ts, &extra) != 1) {
				kerr_set(e, "%s:%d: malformed TIMESTAMP line", display, lineno);
				goto out;
			}
			continue;
		}
		if (sscanf(line, "%31s (%4095[^)]) = %255s %c", alg, path, val, &extra) != 3) {
			kerr_set(e, "%s:%d: malformed distinfo line (expected "
			    "'ALG (file) = value')", display, lineno);
			goto out;
		}
		if (strcmp(alg, "SHA256") == 0) {
			size_t l = strlen(val);
			bool hex = l == 64;
			for (size_t k = 0; hex && k < l; k++)
				hex = isxdigit((unsigned char)val[k]) && !isupper((unsigned char)val[k]);
			if (!hex) {
				kerr_set(e, "%s:%d: SHA256 of %s is not 64 lower-case hex "
				    "digits", display, lineno, path);
				goto out;
			}
			struct dinfo *d = dinfo_get(out, path);
			free(d->sha256);
			d->sha256 = xstrdup(val);
		} else if (strcmp(alg, "SIZE") == 0) {
			char *end;
			long long n = strtoll(val, &end, 10);
			if (*end || n < 0 || !isdigit((unsigned char)val[0])) {
				kerr_set(e, "%s:%d: SIZE of %s is not a number", display,
				    lineno, path);
				goto out;
			}
			dinfo_get(out, path)->size = n;
		}
		/* other algorithms (MD5, SHA1, RMD160) are ignored */
	}
	rc = 0;
out:
	strbuf_release(&sb);
	return rc;
}

struct site {
	char *url;
	mk_words groups;
};
typedef VEC(struct site) sites_t;

struct macro {
	const char *name, *url, *subdir;
};

static const struct macro macros[] = {
	{ "GH", "https://codeload.github.com/%SUBDIR%",
	  "${GH_ACCOUNT}/${GH_PROJECT}/tar.gz/${GH_TAGNAME}?dummy=/" },
	{ "GITHUB", "https://codeload.github.com/%SUBDIR%",
	  "${GH_ACCOUNT}/${GH_PROJECT}/tar.gz/${GH_TAGNAME}?dummy=/" },
	{ "CRATESIO", "https://crates.io/api/v1/crates/%SUBDIR%/download?dummy=/",
	  "${PORTNAME}/${DISTVERSIONFULL}" },
	{ "GNU", "https://ftpmirror.gnu.org/%SUBDIR%/", "${PORTNAME}" },
	{ "SF", "https://downloads.sourceforge.net/project/%SUBDIR%/",
	  "${PORTNAME:tl}/${PORTNAME:tl}/${PORTVERSION}" },
	{ "SOURCEFORGE", "https://downloads.sourceforge.net/project/%SUBDIR%/",
	  "${PORTNAME:tl}/${PORTNAME:tl}/${PORTVERSION}" },
	{ "PYPI", "https://files.pythonhosted.org/packages/%SUBDIR%/",
	  "source/${DISTNAME:C/(.).*/\\1/}/${DISTNAME:S/-${DISTVERSIONFULL}$//}" },
	{ "LOCAL", "https://distcache.FreeBSD.org/local-distfiles/%SUBDIR%/", "" },
	{ "SAVANNAH", "https://download.savannah.gnu.org/releases/%SUBDIR%/",
	  "${PORTNAME:tl}" },
	{ NULL, NULL, NULL },
};

/* Split a trailing ":grp,grp" off w (in place) into groups. */
static void
split_groups(char *w, mk_words *groups)
{
	char *c = strrchr(w, ':');

	if (c == NULL || c[1] == '\0' || strchr(c, '/'))
		return;
	for (char *g = c + 1; *g; g++)
		if (!(isalnum((unsigned char)*g) || *g == '_' || *g == ','))
			return;
	*c = '\0';
	for (char *sv = NULL, *g = strtok_r(c + 1, ",", &sv); g; g = strtok_r(NULL, ",", &sv))
		vec_push(groups, xstrdup(g));
}

static int
load_sites(struct port *p, const char *var, sites_t *out, struct kerr *e)
{
	mk_words w = VEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	int rc = -1;

	if (fw_words(p->mk, var, &w, e) < 0)
		goto out;
	for (size_t i = 0; i < w.n; i++) {
		struct site s = { NULL, VEC_INIT };
		char *u = w.v[i];
		split_groups(u, &s.groups);
		if (strstr(u, "://") == NULL) {
			char *sub = strchr(u, '/');
			const struct macro *mc;
			if (sub)
				*sub++ = '\0';
			for (mc = macros; mc->name; mc++)
				if (strcmp(mc->name, u) == 0)
					break;
			if (mc->name == NULL) {
				kerr_set(e, "%s/Makefile: unknown %s macro '%s'", p->origin,
				    var, u);
				mk_words_free(&s.groups);
				goto out;
			}
			strbuf_reset(&sb);
			if (sub) {
				strbuf_addstr(&sb, sub);
			} else if (port_expand(p, mc->subdir, &sb, e) < 0) {
				mk_words_free(&s.groups);
				goto out;
			}
			{
				const char *pos = strstr(mc->url, "%SUBDIR%");
				char *sd = strbuf_detach(&sb, NULL);
				size_t sl = strlen(sd);
				while (sl && sd[sl - 1] == '/' && strstr(mc->url, "%SUBDIR%/"))
					sd[--sl] = '\0';
				s.url = xasprintf("%.*s%s%s", (int)(pos - mc->url), mc->url,
				    sd, pos + 8);
				free(sd);
			}
		} else {
			s.url = xstrdup(u);
		}
		vec_push(out, s);
	}
	rc = 0;
out:
	strbuf_release(&sb);
	mk_words_free(&w);
	return rc;
}

static void
sites_free(sites_t *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].url);
		mk_words_free(&s->v[i].groups);
	}
	vec_free(s);
}

static bool
groups_meet(const mk_words *a, const mk_words *b)
{
	bool adef = a->n == 0, bdef = b->n == 0;

	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], "DEFAULT") == 0)
			adef = true;
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->v[i], "DEFAULT") == 0)
			bdef = true;
	if (adef && bdef)
		return true;
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (strcmp(a->v[i], b->v[j]) == 0)
				return true;
	return false;
}

static int
load_distfiles(struct port *p, const char *var, const char *sitevar, bool patch,
    dinfos *di, struct kerr *e)
{
	mk_words w = VEC_INIT, over = VEC_INIT;
	sites_t sites = VEC_INIT;
	int rc = -1;

	if (fw_words(p->mk, var, &w, e) < 0 || load_sites(p, sitevar, &sites, e) < 0 ||
	    fw_words(p->mk, "MASTER_SITE_OVERRIDE", &over, e) < 0)
		goto out;
	for (size_t i = 0; i < w.n; i++) {
		struct port_distfile d;
		mk_words g = VEC_INIT;
		char *name = w.v[i];
		memset(&d, 0, sizeof(d));
		d.size = -1;
		d.patch = patch;
		if (patch) {
			/* patch[:-pN][:group] */
			char *c = strstr(name, ":-p");
			if (c) {
				char *end = strchr(c + 1, ':');
				d.strip = end ? xstrndup(c + 1, (size_t)(end - c - 1)) :
				    xstrdup(c + 1);
				memmove(c, end ? end : c + strlen(c), strlen(end ? end : c + strlen(c)) + 1);
			}
		}
		split_groups(name, &g);
		d.name = xstrdup(name);
		d.path = p->dist_subdir && *p->dist_subdir ?
		    xasprintf("%s/%s", p->dist_subdir, name) : xstrdup(name);
		for (size_t k = 0; k < g.n; k++)
			vec_push(&d.groups, xstrdup(g.v[k]));
		for (size_t k = 0; k < over.n; k++) {
			const char *o = over.v[k];
			size_t ol = strlen(o);
			vec_push(&d.sites, d.path != d.name && p->dist_subdir &&
			    *p->dist_subdir ? xasprintf("%s%s%s/", o,
			    ol && o[ol - 1] == '/' ? "" : "/", p->dist_subdir) :
			    xasprintf("%s%s", o, ol && o[ol - 1] == '/' ? "" : "/"));
		}
		for (size_t k = 0; k < sites.n; k++)
			if (groups_meet(&g, &sites.v[k].groups))
				vec_push(&d.sites, xstrdup(sites.v[k].url));
		for (size_t k = 0; k < di->n; k++) {
			if (strcmp(di->v[k].path, d.path) == 0) {
				d.sha256 = di->v[k].sha256 ? xstrdup(di->v[k].sha256) : NULL;
				d.size = di->v[k].size;
			}
		}
		mk_words_free(&g);
		vec_push(&p->distfiles, d);
	}
	rc = 0;
out:
	sites_free(&sites);
	mk_words_free(&w);
	mk_words_free(&over);
	return rc;
}

/* ---- pairs, plist ---- */

static int
load_pairs(struct port *p, const char *var, void *vec, struct kerr *e)
{
	VEC(struct port_pair) *out = vec;
	mk_words w = VEC_INIT;

	if (fw_words(p->mk, var, &w, e) < 0)
		return -1;
	for (size_t i = 0; i < w.n; i++) {
		char *eq = strchr(w.v[i], '=');
		struct port_pair pr;
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (strlen(w.v[i]) > 6 && strcmp(w.v[i] + strlen(w.v[i]) - 6, "_regex") == 0)
			continue;
		mk_unquote(eq + 1);
		pr.key = xstrdup(w.v[i]);
		pr.value = xstrdup(eq + 1);
		vec_push(out, pr);
	}
	mk_words_free(&w);
	return 0;
}

static void
subst_pairs(const void *vec, const char *line, struct strbuf *out)
{
	const VEC(struct port_pair) *pairs = vec;
	const char *s = line;

	while (*s) {
		const char *a = strstr(s, "%%"), *b;
		bool done = false;
		if (a == NULL || (b = strstr(a + 2, "%%")) == NULL) {
			strbuf_addstr(out, s);
			return;
		}
		strbuf_add(out, s, (size_t)(a - s));
		for (size_t i = 0; i < pairs->n; i++) {
			const char *k = pairs->v[i].key;
			if (strlen(k) == (size_t)(b - a - 2) && memcmp(k, a + 2, strlen(k)) == 0) {
				strbuf_addstr(out, pairs->v[i].value);
				done = true;
				break;
			}
		}
		if (done) {
			s = b + 2;
		} else {
			strbuf_add(out, a, 2);
			s = a + 2;
		}
	}
}

void
port_sub_apply(const struct port *p, const char *text, struct strbuf *out)
{
	const char *s = text;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);
		char *line = xstrndup(s, l);
		if (strncmp(line, "@comment ", 9) != 0) {
			subst_pairs(&p->sub_list, line, out);
			if (nl)
				strbuf_addch(out, '\n');
		}
		free(line);
		s += l + (nl ? 1 : 0);
	}
}

static char *
read_opt(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

static void
plist_add(mk_words *tmp, const struct port *p, const char *prefix, const char *line)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, prefix);
	subst_pairs(&p->plist_sub, line, &sb);
	vec_push(tmp, strbuf_detach(&sb, NULL));
}

/*
 * Add the words of VAR to tmp as plist lines starting with kw, then those
 * of VAR.SUB for every subpackage SUB, tagged @@SUB@@ as generate-plist
 * does.  0 or -1.
 */
static int
plist_add_var(const struct port *p, const char *var, const char *kw,
    const mk_words *subs, mk_words *tmp, struct kerr *e)
{
	mk_words w = VEC_INIT;
	int rc = -1;

	for (size_t s = 0; s <= subs->n; s++) {
		char *k = s == 0 ? xstrdup(var) : xasprintf("%s.%s", var, subs->v[s - 1]);
		char *pre = s == 0 ? xstrdup(kw) : xasprintf("@@%s@@%s", subs->v[s - 1], kw);
		int r = fw_words(p->mk, k, &w, e);
		for (size_t i = 0; r == 0 && i < w.n; i++) {
			mk_unquote(w.v[i]);
			plist_add(tmp, p, pre, w.v[i]);
		}
		mk_words_free(&w);
		free(k);
		free(pre);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	return rc;
}

static int
load_pkgs(struct port *p, struct fw *f, struct kerr *e)
{
	struct mk *m = p->mk;
	mk_words subs = VEC_INIT, tmp = VEC_INIT, w = VEC_INIT;
	int rc = -1, err = 0;
	char *plist = NULL, *text = NULL;

	if (fw_words(m, "SUBPACKAGES", &subs, e) < 0)
		goto out;
	for (size_t i = 0; i < subs.n; i++) {
		const char *s = subs.v[i];
		if (strcmp(s, "main") == 0) {
			kerr_set(e, "%s/Makefile: SUBPACKAGES: 'main' is reserved", p->origin);
			goto out;
		}
		for (const char *c = s; *c; c++)
			if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
			    *c == '_' || (*c == '-' && c != s))) {
				/* bsd.port.mk says [a-z0-9_]; kiln's own colibri port
				 * needs "smoke-agent", so '-' is accepted too. */
				kerr_set(e, "%s/Makefile: SUBPACKAGES name '%s' must be "
				    "[a-z0-9_-]", p->origin, s);
				goto out;
			}
	}
	/* TMPPLIST, as generate-plist writes it */
	if (plist_add_var(p, "PLIST_FILES", "", &subs, &tmp, e) < 0)
		goto out;
	plist = fw_get(m, "PLIST", e, &err);
	if (err)
		goto out;
	if ((text = read_opt(plist)) != NULL) {
		for (char *s = text, *nl; s && *s; s = nl ? nl + 1 : NULL) {
			nl = strchr(s, '\n');
			if (nl)
				*nl = '\0';
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s)
				plist_add(&tmp, p, "", s);
		}
		vec_push(&tmp, xstrdup("@owner"));
		vec_push(&tmp, xstrdup("@group"));
		vec_push(&tmp, xstrdup("@mode"));
	}
	if (plist_add_var(p, "PLIST_DIRS", "@dir ", &subs, &tmp, e) < 0)
		goto out;
	for (size_t i = 0; i < p->rc.n; i++)
		vec_push(&tmp, xasprintf("@(root,wheel,0755) %s", p->rc.v[i].dest));
	if (fw_words(m, "INFO", &w, e) < 0)
		goto out;
	for (size_t i = 0; i < w.n; i++)
		vec_push(&tmp, xasprintf("@info share/info/%s.info", w.v[i]));
	mk_words_free(&w);
	{
		char *ld = fw_get(m, "USE_LDCONFIG", e, &err);
		if (*ld)
			vec_push(&tmp, xstrdup("@ldconfig"));
		free(ld);
	}
	/* the packages */
	for (size_t s = 0; s <= subs.n; s++) {
		struct port_pkg k;
		const char *sub = s == 0 ? NULL : subs.v[s - 1];
		char *key;
		memset(&k, 0, sizeof(k));
		k.sub = sub ? xstrdup(sub) : NULL;
		k.pkgbase = sub ? xasprintf("%s-%s", p->pkgbase, sub) : xstrdup(p->pkgbase);
		k.pkgname = xasprintf("%s-%s", k.pkgbase, p->pkgversion);
		if (sub) {
			key = xasprintf("COMMENT.%s", sub);
			k.comment = mk_defined(m, key) ? fw_get(m, key, e, &err) :
			    xasprintf("%s (subpkg: %s)", p->comment, sub);
			free(key);
			key = xasprintf("DESCR.%s", sub);
			if (mk_defined(m, key)) {
				k.descr_file = fw_get(m, key, e, &err);
			} else {
				char *d = fw_get(m, "DESCR", e, &err);
				k.descr_file = xasprintf("%s.%s", d, sub);
				if (!path_exists(k.descr_file)) {
					free(k.descr_file);
					k.descr_file = xstrdup(d);
				}
				free(d);
			}
			free(key);
			key = xasprintf("PKGMESSAGE.%s", sub);
			if (mk_defined(m, key)) {
				char *pm = fw_get(m, key, e, &err);
				k.message = read_opt(pm);
				free(pm);
			}
			free(key);
			{
				char *sfx = xasprintf(".%s", sub);
				if (load_deps(p, NULL, sfx, &k.deps, e) < 0) {
					free(sfx);
					vec_push(&p->pkgs, k);
					goto out;
				}
				free(sfx);
			}
			key = xasprintf("SELF_DEPENDS.%s", sub);
			{
				mk_words sd = VEC_INIT;
				fw_words(m, key, &sd, e);
				for (size_t i = 0; i < sd.n; i++)
					vec_push(&k.self_depends, xstrdup(sd.v[i]));
				mk_words_free(&sd);
			}
			free(key);
		} else {
			char *pm = fw_get(m, "PKGMESSAGE", e, &err);
			k.comment = xstrdup(p->comment);
			k.descr_file = fw_get(m, "DESCR", e, &err);
			k.message = read_opt(pm);
			free(pm);
			for (size_t i = 0; i < p->deps.n; i++) {
				const struct port_dep *d = &p->deps.v[i];
				if (d->type == PORT_DEP_RUN || d->type == PORT_DEP_LIB) {
					struct port_dep c = *d;
					c.pattern = xstrdup(d->pattern);
					c.origin = xstrdup(d->origin);
					c.flavor = d->flavor ? xstrdup(d->flavor) : NULL;
					c.target = d->target ? xstrdup(d->target) : NULL;
					c.pkg = d->pkg ? xstrdup(d->pkg) : NULL;
					c.constraint = d->constraint ? xstrdup(d->constraint) : NULL;
					vec_push(&k.deps, c);
				}
			}
		}
		k.descr = read_opt(k.descr_file);
		for (size_t i = 0; i < tmp.n; i++) {
			const char *l = tmp.v[i];
			if (strncmp(l, "@comment ", 9) == 0 || strcmp(l, "@comment") == 0)
				continue;
			if (sub) {
				size_t sl = strlen(sub);
				if (strncmp(l, "@@", 2) == 0 && strncmp(l + 2, sub, sl) == 0 &&
				    strncmp(l + 2 + sl, "@@", 2) == 0 &&
				    strncmp(l + 4 + sl, "@comment", 8) != 0)
					vec_push(&k.plist, xstrdup(l + 4 + sl));
			} else if (strstr(l, "@@") == NULL) {
				vec_push(&k.plist, xstrdup(l));
			}
		}
		vec_push(&p->pkgs, k);
	}
	rc = err ? -1 : 0;
out:
	(void)f;
	free(plist);
	free(text);
	mk_words_free(&subs);
	mk_words_free(&tmp);
	mk_words_free(&w);
	return rc;
}

static int
load_options(struct port *p, struct kerr *e)
{
	mk_words all = VEC_INIT, sel = VEC_INIT;
	const char *kinds = mk_raw(p->mk, "_KILN_OPTION_GROUPS");
	int rc = -1, err = 0;

	if (fw_words(p->mk, "COMPLETE_OPTIONS_LIST", &all, e) < 0 ||
	    fw_words(p->mk, "PORT_OPTIONS", &sel, e) < 0)
		goto out;
	for (size_t i = 0; i < all.n; i++) {
		struct port_option o = { xstrdup(all.v[i]), NULL, NULL, false };
		char *k = xasprintf("%s_DESC", all.v[i]);
		size_t l = strlen(all.v[i]);
		for (size_t j = 0; j < sel.n; j++)
			o.on |= strcmp(sel.v[j], all.v[i]) == 0;
		o.desc = fw_get(p->mk, k, e, &err);
		if (*o.desc == '\0') {
			free(o.desc);
			o.desc = xstrdup(strcmp(o.name, "DOCS") == 0 ? "Build and/or install documentation" :
			    strcmp(o.name, "EXAMPLES") == 0 ? "Build and/or install examples" :
			    strcmp(o.name, "NLS") == 0 ? "Native Language Support" :
			    strcmp(o.name, "IPV6") == 0 ? "IPv6 protocol support" : "");
		}
		free(k);
		for (const char *s = kinds; s && *s; ) {
			const char *nl = strchr(s, '\n');
			size_t sl = nl ? (size_t)(nl - s) : strlen(s);
			if (sl > l && strncmp(s, all.v[i], l) == 0 && s[l] == ' ' && !o.group)
				o.group = xstrndup(s + l + 1, sl - l - 1);
			s += sl + (nl ? 1 : 0);
		}
		vec_push(&p->options, o);
	}
	rc = err ? -1 : 0;
out:
	mk_words_free(&all);
	mk_words_free(&sel);
	return rc;
}

static int
load_words(struct port *p, const char *var, void *vec, struct kerr *e)
{
	VEC(char *) *out = vec;
	mk_words w = VEC_INIT;

	if (fw_words(p->mk, var, &w, e) < 0)
		return -1;
	for (size_t i = 0; i < w.n; i++)
		vec_push(out, w.v[i]);
	vec_free(&w);
	return 0;
}

static int
build_model(struct port *p, struct fw *f, struct kerr *e)
{
	struct mk *m = p->mk;
	int err = 0;
	char *s;
	dinfos di = VEC_INIT;
	int rc = -1;

	p->portname = fw_get(m, "PORTNAME", e, &err);
	p->portversion = fw_get(m, "PORTVERSION", e, &err);
	p->distversion = fw_get(m, "DISTVERSION", e, &err);
	p->pkgversion = fw_get(m, "PKGVERSION", e, &err);
	p->pkgname = fw_get(m, "PKGNAME", e, &err);
	p->pkgbase = fw_get(m, "PKGBASE", e, &err);
	p->distname = fw_get(m, "DISTNAME", e, &err);
	p->comment = fw_get(m, "COMMENT", e, &err);
	p->maintainer = fw_get(m, "MAINTAINER", e, &err);
	p->www = fw_get(m, "WWW", e, &err);
	p->prefix = fw_get(m, "PREFIX", e, &err);
	p->wrkdir = fw_get(m, "WRKDIR", e, &err);
	p->wrksrc = fw_get(m, "WRKSRC", e, &err);
	p->dist_subdir = fw_get(m, "DIST_SUBDIR", e, &err);
	s = fw_get(m, "PORTREVISION", e, &err);
	p->portrevision = atoi(s);
	free(s);
	s = fw_get(m, "PORTEPOCH", e, &err);
	p->portepoch = atoi(s);
	free(s);
	s = fw_get(m, "NO_ARCH", e, &err);
	p->no_arch = *s != '\0';
	free(s);
	s = fw_get(m, "FLAVOR", e, &err);
	p->flavor = *s ? s : (free(s), NULL);
	if (err)
		goto out;
	if (load_words(p, "CATEGORIES", &p->categories, e) < 0 ||
	    load_words(p, "LICENSE", &p->licenses, e) < 0 ||
	    load_words(p, "USES", &p->uses, e) < 0 ||
	    load_words(p, "FLAVORS", &p->flavors, e) < 0 ||
	    load_words(p, "SUB_FILES", &p->sub_files, e) < 0)
		goto out;
	if (p->categories.n == 0) {
		kerr_set(e, "%s/Makefile: CATEGORIES is not set", p->origin);
		goto out;
	}
	if (p->flavor && p->flavors.n) {
		bool ok = false;
		for (size_t i = 0; i < p->flavors.n; i++)
			ok |= strcmp(p->flavors.v[i], p->flavor) == 0;
		if (!ok) {
			kerr_set(e, "%s: unknown flavor '%s' (FLAVORS: %s)", p->origin,
			    p->flavor, mk_raw(m, "FLAVORS"));
			goto out;
		}
	}
	if (load_deps(p, f, "", &p->deps, e) < 0)
		goto out;
	s = fw_get(m, "DISTINFO_FILE", e, &err);
	{
		char *disp = xasprintf("%s/distinfo", p->origin);
		rc = parse_distinfo(s, disp, &di, e);
		free(disp);
	}
	free(s);
	if (rc < 0)
		goto out;
	rc = -1;
	if (load_distfiles(p, "DISTFILES", "MASTER_SITES", false, &di, e) < 0 ||
	    load_distfiles(p, "PATCHFILES", "PATCH_SITES", true, &di, e) < 0)
		goto out;
	if (load_options(p, e) < 0 || load_pairs(p, "PLIST_SUB", &p->plist_sub, e) < 0 ||
	    load_pairs(p, "SUB_LIST", &p->sub_list, e) < 0)
		goto out;
	{
		mk_words rcw = VEC_INIT;
		char *fd = fw_get(m, "FILESDIR", e, &err);
		const char *pre = strcmp(p->prefix, "/usr") == 0 ? "" : p->prefix;
		if (fw_words(m, "USE_RC_SUBR", &rcw, e) < 0) {
			free(fd);
			goto out;
		}
		for (size_t i = 0; i < rcw.n; i++) {
			struct port_rc r;
			size_t l = strlen(rcw.v[i]);
			r.name = xstrdup(rcw.v[i]);
			r.src = xasprintf("%s/%s.in", fd, rcw.v[i]);
			r.dest = xasprintf("%s/etc/rc.d/%.*s", pre,
			    (int)(l > 3 && strcmp(rcw.v[i] + l - 3, ".sh") == 0 ? l - 3 : l),
			    rcw.v[i]);
			vec_push(&p->rc, r);
		}
		mk_words_free(&rcw);
		free(fd);
	}
	if (load_pkgs(p, f, e) < 0)
		goto out;
	rc = err ? -1 : 0;
out:
	port_distinfo_free(&di);
	return rc;
}

int
port_load(const struct port_env *env, const char *origin, struct port **out,
    struct kerr *e)
{
	struct port *p = xcalloc(1, sizeof(*p));
	struct fw f;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	*out = NULL;
	p->origin = xstrdup(origin);
	p->dir = path_join(env->portsdir, origin);
	p->mk = mk_new(p->dir, origin, fw_base_mk());
	f.p = p;
	f.env = env;
	mk_set_hook(p->mk, fw_hook, &f);
	if (env->sysroot)
		mk_set_sysroot(p->mk, env->sysroot);
	for (const char *const *t = env->make_targets; t && *t; t++)
		mk_add_make_target(p->mk, *t);
	fw_start(&f);
	if (!path_is_dir(p->dir)) {
		kerr_set(e, "%s: no such port in %s", origin, env->portsdir);
		goto out;
	}
	if (mk_parse_file(p->mk, "Makefile", false, e) < 0)
		goto out;
	if (!f.final_done) {
		kerr_set(e, "%s/Makefile: does not include <bsd.port.mk> (or "
		    "<bsd.port.post.mk>)", origin);
		goto out;
	}
	mk_set_hook(p->mk, NULL, NULL);
	if (build_model(p, &f, e) < 0)
		goto out;
	*out = p;
	p = NULL;
	rc = 0;
out:
	mk_words_free(&f.implicit);
	if (p)
		mk_set_hook(p->mk, NULL, NULL);
	port_free(p);
	return rc;
}

int
port_var(struct port *p, const char *name, struct strbuf *out, struct kerr *e)
{
	return mk_value(p->mk, name, out, e);
}

int
port_expand(struct port *p, const char *s, struct strbuf *out, struct kerr *e)
{
	return mk_expand(p->mk, s, out, e);
}

const struct mk_target *
port_target(const struct port *p, const char *name)
{
	return mk_target(p->mk, name);
}

bool
port_option_on(const struct port *p, const char *name)
{
	for (size_t i = 0; i < p->options.n; i++)
		if (strcmp(p->options.v[i].name, name) == 0)
			return p->options.v[i].on;
	return false;
}

void
port_phase_targets(const struct port *p, const char *phase, port_targets *out)
{
	static const char *const when[] = { "pre", "do", "post" };

	for (int w = 0; w < 3; w++) {
		char name[128];
		const struct mk_target *t;
		snprintf(name, sizeof(name), "%s-%s", when[w], phase);
		if ((t = mk_target(p->mk, name)) != NULL)
			vec_push(out, t);
		/* option targets, sorted by option name as the framework sorts */
		for (size_t i = 0; i < p->options.n; i++) {
			snprintf(name, sizeof(name), "%s-%s-%s-%s", when[w], phase,
			    p->options.v[i].name, p->options.v[i].on ? "on" : "off");
			if ((t = mk_target(p->mk, name)) != NULL)
				vec_push(out, t);
		}
	}
}

/* ---- files hash ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
hash_dir(struct sha256 *h, const char *dir, const char *rel, int depth,
    struct kerr *e)
{
	DIR *d;
	struct dirent *de;
	VEC(char *) names = VEC_INIT;
	int rc = -1;
	char *full = rel[0] ? path_join(dir, rel) : xstrdup(dir);

	if (depth > 16) {
		free(full);
		return kerr_set(e, "%s: directories nested too deeply", dir);
	}
	if ((d = opendir(full)) == NULL) {
		kerr_errno(e, "%s", full);
		free(full);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		/* work directories are not part of the port */
		if (depth == 0 && strncmp(de->d_name, "work", 4) == 0)
			continue;
		vec_push(&names, xstrdup(de->d_name));
	}
	closedir(d);
	if (names.n > 0)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char *r = rel[0] ? xasprintf("%s/%s", rel, names.v[i]) : xstrdup(names.v[i]);
		char *fp = path_join(dir, r);
		struct stat st;
		if (lstat(fp, &st) < 0) {
			kerr_errno(e, "%s", fp);
			free(r);
			free(fp);
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			int r2 = hash_dir(h, dir, r, depth + 1, e);
			free(r);
			free(fp);
			if (r2 < 0)
				goto out;
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			struct strbuf sb = STRBUF_INIT;
			char len[32];
			if (strbuf_read_file(&sb, fp) < 0) {
				kerr_errno(e, "%s", fp);
				strbuf_release(&sb);
				free(r);
				free(fp);
				goto out;
			}
			sha256_update(h, r, strlen(r) + 1);
			snprintf(len, sizeof(len), "%zu", sb.len);
			sha256_update(h, len, strlen(len) + 1);
			sha256_update(h, sb.buf, sb.len);
			strbuf_release(&sb);
		} else if (S_ISLNK(st.st_mode)) {
			char *tgt = path_readlink(fp, NULL);
			sha256_update(h, r, strlen(r) + 1);
			if (tgt)
				sha256_update(h, tgt, strlen(tgt));
			free(tgt);
		}
		free(r);
		free(fp);
	}
	rc = 0;
out:
	vec_free_all(&names, free);
	free(full);
	return rc;
}

int
port_files_hash(const char *dir, const char *options_file,
    char hex[SHA256_HEX_LEN + 1], struct kerr *e)
{
	struct sha256 h;
	struct strbuf sb = STRBUF_INIT;

	sha256_init(&h);
	if (hash_dir(&h, dir, "", 0, e) < 0) {
		sha256_final_hex(&h, hex);
		return -1;
	}
	if (options_file && strbuf_read_file(&sb, options_file) == 0) {
		sha256_update(&h, "\0options\0", 9);
		sha256_update(&h, sb.buf, sb.len);
	}
	strbuf_release(&sb);
	sha256_final_hex(&h, hex);
	return 0;
}

/* ---- JSON ---- */

static void
js(struct strbuf *o, const char *s)
{
	if (s == NULL) {
		strbuf_addstr(o, "null");
		return;
	}
	strbuf_addch(o, '"');
	strbuf_add_json_escaped(o, s);
	strbuf_addch(o, '"');
}

static void
js_strv(struct strbuf *o, char **v, size_t n)
{
	strbuf_addch(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(o, ", ");
		js(o, v[i]);
	}
	strbuf_addch(o, ']');
}

static const char *const kind_names[] = { "tool", "shlib", "pkg", "file", "always" };

static void
js_deps(struct strbuf *o, const struct port_dep *d, size_t n)
{
	strbuf_addch(o, '{');
	for (int t = 0, first = 1; t < PORT_DEP_NTYPES; t++) {
		bool any = false;
		for (size_t i = 0; i < n; i++)
			any |= d[i].type == (enum port_dep_type)t;
		if (!any)
			continue;
		strbuf_addstr(o, first ? "\"" : ", \"");
		first = 0;
		strbuf_addstr(o, dep_type_names[t]);
		strbuf_addstr(o, "\": [");
		for (size_t i = 0, k = 0; i < n; i++) {
			if (d[i].type != (enum port_dep_type)t)
				continue;
			strbuf_addstr(o, k++ ? ", {" : "{");
			strbuf_addstr(o, "\"origin\": ");
			js(o, d[i].origin);
			strbuf_addstr(o, ", \"pattern\": ");
			js(o, d[i].pattern);
			strbuf_addf(o, ", \"kind\": \"%s\"", kind_names[d[i].kind]);
			if (d[i].flavor) {
				strbuf_addstr(o, ", \"flavor\": ");
				js(o, d[i].flavor);
			}
			if (d[i].pkg) {
				strbuf_addstr(o, ", \"pkg\": ");
				js(o, d[i].pkg);
				strbuf_addstr(o, ", \"constraint\": ");
				js(o, d[i].constraint);
			}
			if (d[i].target) {
				strbuf_addstr(o, ", \"target\": ");
				js(o, d[i].target);
			}
			strbuf_addf(o, ", \"implicit\": %s}", d[i].implicit ? "true" : "false");
		}
		strbuf_addch(o, ']');
	}
	strbuf_addch(o, '}');
}

void
port_to_json(const struct port *p, struct strbuf *o)
{
	strbuf_addstr(o, "{\n  \"origin\": ");
	js(o, p->origin);
	strbuf_addstr(o, ",\n  \"name\": ");
	js(o, p->portname);
	strbuf_addstr(o, ",\n  \"version\": ");
	js(o, p->pkgversion);
	strbuf_addstr(o, ",\n  \"portversion\": ");
	js(o, p->portversion);
	strbuf_addf(o, ",\n  \"portrevision\": %d,\n  \"portepoch\": %d", p->portrevision,
	    p->portepoch);
	strbuf_addstr(o, ",\n  \"pkgname\": ");
	js(o, p->pkgname);
	strbuf_addstr(o, ",\n  \"pkgbase\": ");
	js(o, p->pkgbase);
	strbuf_addstr(o, ",\n  \"comment\": ");
	js(o, p->comment);
	strbuf_addstr(o, ",\n  \"maintainer\": ");
	js(o, p->maintainer);
	strbuf_addstr(o, ",\n  \"www\": ");
	js(o, p->www);
	strbuf_addstr(o, ",\n  \"prefix\": ");
	js(o, p->prefix);
	strbuf_addstr(o, ",\n  \"wrksrc\": ");
	js(o, p->wrksrc);
	strbuf_addstr(o, ",\n  \"flavor\": ");
	js(o, p->flavor);
	strbuf_addstr(o, ",\n  \"flavors\": ");
	js_strv(o, p->flavors.v, p->flavors.n);
	strbuf_addstr(o, ",\n  \"categories\": ");
	js_strv(o, p->categories.v, p->categories.n);
	strbuf_addstr(o, ",\n  \"license\": ");
	js_strv(o, p->licenses.v, p->licenses.n);
	strbuf_addstr(o, ",\n  \"uses\": ");
	js_strv(o, p->uses.v, p->uses.n);
	strbuf_addstr(o, ",\n  \"deps\": ");
	js_deps(o, p->deps.v, p->deps.n);
	strbuf_addstr(o, ",\n  \"distfiles\": [");
	for (size_t i = 0; i < p->distfiles.n; i++) {
		const struct port_distfile *d = &p->distfiles.v[i];
		strbuf_addstr(o, i ? ",\n    {" : "\n    {");
		strbuf_addstr(o, "\"name\": ");
		js(o, d->name);
		strbuf_addstr(o, ", \"path\": ");
		js(o, d->path);
		strbuf_addstr(o, ", \"sha256\": ");
		js(o, d->sha256);
		if (d->size >= 0)
			strbuf_addf(o, ", \"size\": %lld", (long long)d->size);
		else
			strbuf_addstr(o, ", \"size\": null");
		strbuf_addstr(o, ", \"groups\": ");
		js_strv(o, d->groups.v, d->groups.n);
		strbuf_addstr(o, ", \"sites\": ");
		js_strv(o, d->sites.v, d->sites.n);
		strbuf_addf(o, ", \"patch\": %s}", d->patch ? "true" : "false");
	}
	strbuf_addstr(o, "],\n  \"options\": [");
	for (size_t i = 0; i < p->options.n; i++) {
		const struct port_option *op = &p->options.v[i];
		strbuf_addstr(o, i ? ", {" : "{");
		strbuf_addstr(o, "\"name\": ");
		js(o, op->name);
		strbuf_addstr(o, ", \"desc\": ");
		js(o, op->desc);
		strbuf_addstr(o, ", \"group\": ");
		js(o, op->group);
		strbuf_addf(o, ", \"on\": %s}", op->on ? "true" : "false");
	}
	strbuf_addstr(o, "],\n  \"rc_scripts\": [");
	for (size_t i = 0; i < p->rc.n; i++) {
		strbuf_addstr(o, i ? ", {\"name\": " : "{\"name\": ");
		js(o, p->rc.v[i].name);
		strbuf_addstr(o, ", \"src\": ");
		js(o, p->rc.v[i].src);
		strbuf_addstr(o, ", \"dest\": ");
		js(o, p->rc.v[i].dest);
		strbuf_addch(o, '}');
	}
	strbuf_addstr(o, "],\n  \"sub_files\": ");
	js_strv(o, p->sub_files.v, p->sub_files.n);
	strbuf_addstr(o, ",\n  \"packages\": [");
	for (size_t i = 0; i < p->pkgs.n; i++) {
		const struct port_pkg *k = &p->pkgs.v[i];
		strbuf_addstr(o, i ? ",\n    {" : "\n    {");
		strbuf_addstr(o, "\"subpackage\": ");
		js(o, k->sub);
		strbuf_addstr(o, ", \"pkgname\": ");
		js(o, k->pkgname);
		strbuf_addstr(o, ", \"pkgbase\": ");
		js(o, k->pkgbase);
		strbuf_addstr(o, ", \"comment\": ");
		js(o, k->comment);
		strbuf_addstr(o, ", \"descr\": ");
		js(o, k->descr);
		strbuf_addstr(o, ", \"message\": ");
		js(o, k->message);
		strbuf_addstr(o, ", \"deps\": ");
		js_deps(o, k->deps.v, k->deps.n);
		strbuf_addstr(o, ", \"self_depends\": ");
		js_strv(o, k->self_depends.v, k->self_depends.n);
		strbuf_addstr(o, ", \"plist\": ");
		js_strv(o, k->plist.v, k->plist.n);
		strbuf_addch(o, '}');
	}
	strbuf_addstr(o, "]\n}\n");
}
