/*
 * manifest: parse and emit pkg manifests (see manifest.h for the keys).
 * Parsing goes through kiln's UCL reader into a struct; emitting builds a
 * uv tree in pkg's key order and writes it as compact JSON.
 * Does not read files.  Calls: util.
 */
#include "pkg/manifest.h"

#include "util/xalloc.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const script_names[PKG_SCRIPT_MAX] = {
	"pre-install", "install", "post-install",
	"pre-deinstall", "deinstall", "post-deinstall",
};

const char *
pkg_script_name(enum pkg_script t)
{
	return (unsigned)t < PKG_SCRIPT_MAX ? script_names[t] : NULL;
}

int
pkg_script_from_name(const char *name)
{
	for (int i = 0; i < PKG_SCRIPT_MAX; i++)
		if (strcmp(script_names[i], name) == 0)
			return i;
	return -1;
}

struct pkg_manifest *
pkg_manifest_new(void)
{
	struct pkg_manifest *m = xcalloc(1, sizeof(*m));

	m->pkgsize = -1;
	return m;
}

void
pkg_strv_push(pkg_strv *v, const char *s)
{
	vec_push(v, xstrdup(s));
}

void
pkg_strv_free(pkg_strv *v)
{
	vec_free_all(v, free);
}

static void
kvv_free(pkg_kvv *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->v[i].key);
		free(kv->v[i].value);
	}
	vec_free(kv);
}

void
pkg_kv_set(pkg_kvv *kv, const char *key, const char *value)
{
	struct pkg_kv row;

	for (size_t i = 0; i < kv->n; i++) {
		if (strcmp(kv->v[i].key, key) == 0) {
			free(kv->v[i].value);
			kv->v[i].value = xstrdup(value);
			return;
		}
	}
	row.key = xstrdup(key);
	row.value = xstrdup(value);
	vec_push(kv, row);
}

static void
file_free(struct pkg_file *f)
{
	free(f->path);
	free(f->sum);
	free(f->uname);
	free(f->gname);
	free(f->symlink_target);
	free(f->fflags);
}

void
pkg_manifest_free(struct pkg_manifest *m)
{
	if (m == NULL)
		return;
	free(m->name);
	free(m->origin);
	free(m->version);
	free(m->comment);
	free(m->maintainer);
	free(m->www);
	free(m->abi);
	free(m->arch);
	free(m->prefix);
	free(m->desc);
	free(m->dep_formula);
	free(m->sum);
	free(m->repopath);
	pkg_strv_free(&m->licenses);
	pkg_strv_free(&m->categories);
	pkg_strv_free(&m->users);
	pkg_strv_free(&m->groups);
	pkg_strv_free(&m->shlibs_required);
	pkg_strv_free(&m->shlibs_required_ignore);
	pkg_strv_free(&m->shlibs_provided);
	pkg_strv_free(&m->shlibs_provided_ignore);
	pkg_strv_free(&m->conflicts);
	pkg_strv_free(&m->provides);
	pkg_strv_free(&m->requires);
	for (size_t i = 0; i < m->deps.n; i++) {
		free(m->deps.v[i].name);
		free(m->deps.v[i].origin);
		free(m->deps.v[i].version);
	}
	vec_free(&m->deps);
	kvv_free(&m->options);
	kvv_free(&m->annotations);
	for (size_t i = 0; i < m->files.n; i++)
		file_free(&m->files.v[i]);
	vec_free(&m->files);
	pkg_strv_free(&m->config);
	for (size_t i = 0; i < m->dirs.n; i++) {
		free(m->dirs.v[i].path);
		free(m->dirs.v[i].uname);
		free(m->dirs.v[i].gname);
	}
	vec_free(&m->dirs);
	for (int i = 0; i < PKG_SCRIPT_MAX; i++)
		free(m->scripts[i]);
	kvv_free(&m->lua_scripts);
	for (size_t i = 0; i < m->messages.n; i++) {
		free(m->messages.v[i].message);
		free(m->messages.v[i].type);
		free(m->messages.v[i].minimum_version);
		free(m->messages.v[i].maximum_version);
	}
	vec_free(&m->messages);
	free(m);
}

/* --- URL encoding ------------------------------------------------------ */

void
pkg_urlencode(const char *s, struct strbuf *sb)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '%' || *p >= 0x80)
			strbuf_addf(sb, "%%%02x", *p);
		else
			strbuf_addch(sb, *p);
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void
pkg_urldecode(const char *s, struct strbuf *sb)
{
	for (const char *p = s; *p; p++) {
		int h, l;

		if (*p == '%' && (h = hexval((unsigned char)p[1])) >= 0 &&
		    (l = hexval((unsigned char)p[2])) >= 0) {
			strbuf_addch(sb, h * 16 + l);
			p += 2;
		} else {
			strbuf_addch(sb, *p);
		}
	}
}

static char *
decode_dup(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	pkg_urldecode(s, &sb);
	return strbuf_detach(&sb, NULL);
}

static struct pkg_file *append_file(struct pkg_manifest *m, const char *path);
static struct pkg_dir *append_dir(struct pkg_manifest *m, const char *path);

/* --- parsing ----------------------------------------------------------- */

static const char *
type_name(enum uv_type t)
{
	switch (t) {
	case UV_NULL: return "null";
	case UV_BOOL: return "boolean";
	case UV_INT: return "integer";
	case UV_FLOAT: return "number";
	case UV_STRING: return "string";
	case UV_ARRAY: return "array";
	case UV_OBJECT: return "object";
	}
	return "?";
}

static int
bad_type(struct kerr *e, const char *what, const char *key, const char *want,
    const struct uv *v)
{
	return kerr_set(e, "%s: key '%s': expected %s, got %s", what, key, want,
	    type_name(v->type));
}

/* A string, or an integer turned into one when ints_ok. */
static int
get_string(const struct uv *v, const char *what, const char *key, bool ints_ok,
    char **out, struct kerr *e)
{
	if (v->type == UV_STRING) {
		free(*out);
		*out = xstrdup(v->u.str.s);
		return 0;
	}
	if (ints_ok && v->type == UV_INT) {
		free(*out);
		*out = xasprintf("%" PRId64, v->u.i);
		return 0;
	}
	return bad_type(e, what, key, "string", v);
}

static int
get_strv(const struct uv *v, const char *what, const char *key, pkg_strv *out,
    bool objects_ok, struct kerr *e)
{
	if (objects_ok && v->type == UV_OBJECT) {
		for (size_t i = 0; i < v->u.obj.n; i++)
			pkg_strv_push(out, v->u.obj.keys[i]);
		return 0;
	}
	if (v->type != UV_ARRAY)
		return bad_type(e, what, key, "array", v);
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct uv *x = v->u.arr.v[i];

		if (x->type == UV_STRING)
			pkg_strv_push(out, x->u.str.s);
		else if (objects_ok && x->type == UV_OBJECT && x->u.obj.n > 0)
			pkg_strv_push(out, x->u.obj.keys[0]);
		else
			return kerr_set(e, "%s: key '%s': element %zu: expected string, got %s",
			    what, key, i, type_name(x->type));
	}
	return 0;
}

/* Octal permission bits from "0755", "755" or the integer 755. */
static int
get_perm(const struct uv *v, const char *what, const char *key, mode_t *out,
    struct kerr *e)
{
	char buf[32];
	const char *s;
	char *end;
	long n;

	if (v->type == UV_INT) {
		snprintf(buf, sizeof(buf), "%" PRId64, v->u.i);
		s = buf;
	} else if (v->type == UV_STRING) {
		s = v->u.str.s;
	} else {
		return bad_type(e, what, key, "string", v);
	}
	n = strtol(s, &end, 8);
	if (*s == '\0' || *end != '\0' || n < 0 || n > 07777)
		return kerr_set(e, "%s: key '%s': bad mode '%s' (want octal like 0644)",
		    what, key, s);
	*out = (mode_t)n;
	return 0;
}

static int
parse_files(struct pkg_manifest *m, const struct uv *v, const char *what,
    struct kerr *e)
{
	if (v->type != UV_OBJECT)
		return bad_type(e, what, "files", "object", v);
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const struct uv *x = v->u.obj.vals[i];
		char *path = decode_dup(v->u.obj.keys[i]);
		struct pkg_file *f = append_file(m, path);

		free(path);
		if (x->type == UV_STRING) {
			if (x->u.str.s[0] != '\0' && strcmp(x->u.str.s, "-") != 0)
				f->sum = xstrdup(x->u.str.s);
			continue;
		}
		if (x->type != UV_OBJECT)
			return bad_type(e, what, "files", "object or string", x);
		for (size_t j = 0; j < x->u.obj.n; j++) {
			const char *k = x->u.obj.keys[j];
			const struct uv *y = x->u.obj.vals[j];
			int r = 0;

			if (strcmp(k, "sum") == 0)
				r = get_string(y, what, "files.sum", false, &f->sum, e);
			else if (strcmp(k, "uname") == 0)
				r = get_string(y, what, "files.uname", false, &f->uname, e);
			else if (strcmp(k, "gname") == 0)
				r = get_string(y, what, "files.gname", false, &f->gname, e);
			else if (strcmp(k, "perm") == 0)
				r = get_perm(y, what, "files.perm", &f->perm, e);
			else if (strcmp(k, "symlink_target") == 0)
				r = get_string(y, what, "files.symlink_target", false,
				    &f->symlink_target, e);
			else if (strcmp(k, "fflags") == 0)
				r = get_string(y, what, "files.fflags", true, &f->fflags, e);
			else if (strcmp(k, "mtime") == 0) {
				if (y->type != UV_INT)
					r = bad_type(e, what, "files.mtime", "integer", y);
				else
					f->mtime = y->u.i;
			}
			if (r < 0)
				return -1;
		}
		if (f->sum && (f->sum[0] == '\0' || strcmp(f->sum, "-") == 0)) {
			free(f->sum);
			f->sum = NULL;
		}
	}
	return 0;
}

static int
parse_dirs(struct pkg_manifest *m, const struct uv *v, const char *what,
    const char *key, struct kerr *e)
{
	if (v->type == UV_ARRAY) {	/* legacy "dirs" */
		for (size_t i = 0; i < v->u.arr.n; i++) {
			const char *s = uv_str(v->u.arr.v[i]);
			char *path;

			if (s == NULL)
				return bad_type(e, what, key, "array of strings", v->u.arr.v[i]);
			path = decode_dup(s);
			append_dir(m, path);
			free(path);
		}
		return 0;
	}
	if (v->type != UV_OBJECT)
		return bad_type(e, what, key, "object", v);
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const struct uv *x = v->u.obj.vals[i];
		char *path = decode_dup(v->u.obj.keys[i]);
		struct pkg_dir *d = append_dir(m, path);

		free(path);
		if (x->type != UV_OBJECT)
			continue;	/* legacy true / "y" */
		for (size_t j = 0; j < x->u.obj.n; j++) {
			const char *k = x->u.obj.keys[j];
			const struct uv *y = x->u.obj.vals[j];
			int r = 0;

			if (strcmp(k, "uname") == 0)
				r = get_string(y, what, "directories.uname", false, &d->uname, e);
			else if (strcmp(k, "gname") == 0)
				r = get_string(y, what, "directories.gname", false, &d->gname, e);
			else if (strcmp(k, "perm") == 0)
				r = get_perm(y, what, "directories.perm", &d->perm, e);
			if (r < 0)
				return -1;
		}
	}
	return 0;
}

static int
parse_deps(struct pkg_manifest *m, const struct uv *v, const char *what,
    struct kerr *e)
{
	if (v->type != UV_OBJECT)
		return bad_type(e, what, "deps", "object", v);
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const struct uv *x = v->u.obj.vals[i];
		const struct uv *o, *ver;
		char *vs = NULL;

		if (x->type != UV_OBJECT)
			return bad_type(e, what, "deps", "object", x);
		if ((o = uv_get(x, "origin")) == NULL)
			continue;	/* pkg skips a dep without origin */
		if (o->type != UV_STRING)
			return bad_type(e, what, "deps.origin", "string", o);
		if ((ver = uv_get(x, "version")) != NULL &&
		    get_string(ver, what, "deps.version", true, &vs, e) < 0)
			return -1;
		pkg_manifest_add_dep(m, v->u.obj.keys[i], o->u.str.s, vs);
		free(vs);
	}
	return 0;
}

static int
parse_kv(pkg_kvv *kv, const struct uv *v, const char *what, const char *key,
    bool bools, struct kerr *e)
{
	if (v->type != UV_OBJECT)
		return bad_type(e, what, key, "object", v);
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const struct uv *x = v->u.obj.vals[i];

		if (x->type == UV_STRING)
			pkg_kv_set(kv, v->u.obj.keys[i], x->u.str.s);
		else if (bools && x->type == UV_BOOL)
			pkg_kv_set(kv, v->u.obj.keys[i], x->u.b ? "on" : "off");
		else
			return bad_type(e, what, key, "object of strings", x);
	}
	return 0;
}

static int
parse_scripts(struct pkg_manifest *m, const struct uv *v, const char *what,
    struct kerr *e)
{
	if (v->type != UV_OBJECT)
		return bad_type(e, what, "scripts", "object", v);
	for (size_t i = 0; i < v->u.obj.n; i++) {
		int t = pkg_script_from_name(v->u.obj.keys[i]);
		const struct uv *x = v->u.obj.vals[i];

		if (t < 0)
			continue;	/* pkg skips unknown script types */
		if (x->type != UV_STRING)
			return bad_type(e, what, "scripts", "string", x);
		free(m->scripts[t]);
		m->scripts[t] = decode_dup(x->u.str.s);
	}
	return 0;
}

static int
parse_lua(struct pkg_manifest *m, const struct uv *v, const char *what,
    struct kerr *e)
{
	if (v->type != UV_OBJECT)
		return bad_type(e, what, "lua_scripts", "object", v);
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const struct uv *x = v->u.obj.vals[i];
		const char *k = v->u.obj.keys[i];
		struct pkg_kv row;

		if (x->type == UV_STRING) {
			row.key = xstrdup(k);
			row.value = xstrdup(x->u.str.s);
			vec_push(&m->lua_scripts, row);
			continue;
		}
		if (x->type != UV_ARRAY)
			return bad_type(e, what, "lua_scripts", "array", x);
		for (size_t j = 0; j < x->u.arr.n; j++) {
			const char *s = uv_str(x->u.arr.v[j]);

			if (s == NULL)
				return bad_type(e, what, "lua_scripts", "string", x->u.arr.v[j]);
			row.key = xstrdup(k);
			row.value = xstrdup(s);
			vec_push(&m->lua_scripts, row);
		}
	}
	return 0;
}

static int
parse_messages(struct pkg_manifest *m, const struct uv *v, const char *what,
    const char *key, struct kerr *e)
{
	struct pkg_message msg;

	if (v->type == UV_STRING) {
		memset(&msg, 0, sizeof(msg));
		msg.message = xstrdup(v->u.str.s);
		vec_push(&m->messages, msg);
		return 0;
	}
	if (v->type != UV_ARRAY)
		return bad_type(e, what, key, "array", v);
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct uv *x = v->u.arr.v[i];
		const struct uv *y;

		memset(&msg, 0, sizeof(msg));
		if (x->type == UV_STRING) {
			msg.message = xstrdup(x->u.str.s);
			vec_push(&m->messages, msg);
			continue;
		}
		if (x->type != UV_OBJECT)
			return bad_type(e, what, key, "array of objects", x);
		if ((y = uv_get(x, "message")) == NULL || y->type != UV_STRING)
			return kerr_set(e, "%s: key '%s': element %zu has no string 'message'",
			    what, key, i);
		msg.message = xstrdup(y->u.str.s);
		if ((y = uv_get(x, "type")) != NULL && y->type == UV_STRING)
			msg.type = xstrdup(y->u.str.s);
		if ((y = uv_get(x, "minimum_version")) != NULL && y->type == UV_STRING)
			msg.minimum_version = xstrdup(y->u.str.s);
		if ((y = uv_get(x, "maximum_version")) != NULL && y->type == UV_STRING)
			msg.maximum_version = xstrdup(y->u.str.s);
		vec_push(&m->messages, msg);
	}
	return 0;
}

static int
parse_int(const struct uv *v, const char *what, const char *key, int64_t *out,
    struct kerr *e)
{
	if (v->type != UV_INT)
		return bad_type(e, what, key, "integer", v);
	*out = v->u.i;
	return 0;
}

static int
parse_key(struct pkg_manifest *m, const char *k, const struct uv *v,
    const char *what, struct kerr *e)
{
#define STR(key, field, ints)						\
	if (strcmp(k, key) == 0)					\
		return get_string(v, what, k, ints, &m->field, e);
#define STRV(key, field, objs)						\
	if (strcmp(k, key) == 0)					\
		return get_strv(v, what, k, &m->field, objs, e);
	STR("name", name, true)
	STR("origin", origin, false)
	STR("version", version, true)
	STR("comment", comment, false)
	STR("maintainer", maintainer, false)
	STR("www", www, false)
	STR("abi", abi, false)
	STR("arch", arch, false)
	STR("prefix", prefix, false)
	STR("sum", sum, false)
	STR("dep_formula", dep_formula, false)
	STR("path", repopath, false)
	STR("repopath", repopath, false)
	STRV("licenses", licenses, false)
	STRV("categories", categories, false)
	STRV("users", users, true)
	STRV("groups", groups, true)
	STRV("shlibs_required", shlibs_required, false)
	STRV("shlibs", shlibs_required, false)
	STRV("shlibs_required_ignore", shlibs_required_ignore, false)
	STRV("shlibs_provided", shlibs_provided, false)
	STRV("shlibs_provided_ignore", shlibs_provided_ignore, false)
	STRV("conflicts", conflicts, false)
	STRV("provides", provides, false)
	STRV("requires", requires, false)
#undef STR
#undef STRV
	if (strcmp(k, "desc") == 0) {
		if (v->type != UV_STRING)
			return bad_type(e, what, k, "string", v);
		free(m->desc);
		m->desc = decode_dup(v->u.str.s);
		return 0;
	}
	if (strcmp(k, "flatsize") == 0)
		return parse_int(v, what, k, &m->flatsize, e);
	if (strcmp(k, "pkgsize") == 0)
		return parse_int(v, what, k, &m->pkgsize, e);
	if (strcmp(k, "vital") == 0) {
		if (v->type != UV_BOOL)
			return bad_type(e, what, k, "boolean", v);
		m->vital = v->u.b;
		return 0;
	}
	if (strcmp(k, "licenselogic") == 0) {
		const char *s = uv_str(v);

		if (s == NULL)
			return bad_type(e, what, k, "string", v);
		if (strcmp(s, "single") == 0)
			m->licenselogic = PKG_LICENSE_SINGLE;
		else if (strcmp(s, "or") == 0 || strcmp(s, "dual") == 0)
			m->licenselogic = PKG_LICENSE_OR;
		else if (strcmp(s, "and") == 0 || strcmp(s, "multi") == 0)
			m->licenselogic = PKG_LICENSE_AND;
		else
			return kerr_set(e, "%s: key 'licenselogic': unknown value '%s' "
			    "(single, or, and)", what, s);
		return 0;
	}
	if (strcmp(k, "deps") == 0)
		return parse_deps(m, v, what, e);
	if (strcmp(k, "options") == 0)
		return parse_kv(&m->options, v, what, k, true, e);
	if (strcmp(k, "annotations") == 0)
		return parse_kv(&m->annotations, v, what, k, false, e);
	if (strcmp(k, "files") == 0)
		return parse_files(m, v, what, e);
	if (strcmp(k, "directories") == 0 || strcmp(k, "dirs") == 0)
		return parse_dirs(m, v, what, k, e);
	if (strcmp(k, "config") == 0) {
		pkg_strv raw = VEC_INIT;
		int r = get_strv(v, what, k, &raw, false, e);

		for (size_t i = 0; r == 0 && i < raw.n; i++)
			vec_push(&m->config, decode_dup(raw.v[i]));
		pkg_strv_free(&raw);
		return r;
	}
	if (strcmp(k, "scripts") == 0)
		return parse_scripts(m, v, what, e);
	if (strcmp(k, "lua_scripts") == 0)
		return parse_lua(m, v, what, e);
	if (strcmp(k, "messages") == 0 || strcmp(k, "message") == 0)
		return parse_messages(m, v, what, k, e);
	return 0;	/* unknown keys are ignored, as pkg does */
}

struct pkg_manifest *
pkg_manifest_from_uv(const struct uv *o, const char *what, struct kerr *e)
{
	struct pkg_manifest *m = NULL;

	if (o->type != UV_OBJECT) {
		kerr_set(e, "%s: manifest is not an object", what);
		return NULL;
	}
	m = pkg_manifest_new();
	for (size_t i = 0; i < o->u.obj.n; i++) {
		if (parse_key(m, o->u.obj.keys[i], o->u.obj.vals[i], what, e) < 0) {
			pkg_manifest_free(m);
			return NULL;
		}
	}
	if (m->abi == NULL && m->arch != NULL)
		m->abi = xstrdup(m->arch);
	return m;
}

struct pkg_manifest *
pkg_manifest_parse(const char *data, size_t len, const char *what, struct kerr *e)
{
	struct uv *o = uv_parse(data, len, e);
	struct pkg_manifest *m;

	if (o == NULL) {
		kerr_prefix(e, "%s", what);
		return NULL;
	}
	m = pkg_manifest_from_uv(o, what, e);
	uv_free(o);
	return m;
}

/* --- validation -------------------------------------------------------- */

int
pkg_manifest_validate(const struct pkg_manifest *m, struct kerr *e)
{
	const struct { const char *key; const char *val; } req[] = {
		{ "origin", m->origin }, { "name", m->name },
		{ "comment", m->comment }, { "version", m->version },
		{ "desc", m->desc }, { "maintainer", m->maintainer },
		{ "www", m->www }, { "prefix", m->prefix },
	};
	const char *who = m->name ? m->name : "manifest";

	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (req[i].val == NULL || req[i].val[0] == '\0')
			return kerr_set(e, "%s: required key '%s' is missing", who,
			    req[i].key);
	if (strchr(m->name, '/') || strcmp(m->name, ".") == 0 ||
	    strcmp(m->name, "..") == 0)
		return kerr_set(e, "%s: bad package name", who);
	for (size_t i = 0; i < m->files.n; i++)
		if (m->files.v[i].path[0] != '/')
			return kerr_set(e, "%s: file '%s' is not an absolute path", who,
			    m->files.v[i].path);
	for (size_t i = 0; i < m->dirs.n; i++)
		if (m->dirs.v[i].path[0] != '/')
			return kerr_set(e, "%s: directory '%s' is not an absolute path",
			    who, m->dirs.v[i].path);
	for (size_t i = 0; i < m->config.n; i++)
		if (pkg_manifest_file(m, m->config.v[i]) == NULL)
			return kerr_set(e, "%s: config file '%s' is not in files", who,
			    m->config.v[i]);
	return 0;
}

/* --- emitting ---------------------------------------------------------- */

static void
set_str(struct uv *o, const char *key, const char *s)
{
	if (s)
		uv_set(o, key, uv_new_string(s));
}

static void
set_encoded(struct uv *o, const char *key, const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	pkg_urlencode(s, &sb);
	uv_set(o, key, uv_new_stringn(sb.buf, sb.len));
	strbuf_release(&sb);
}

static void
set_strv(struct uv *o, const char *key, const pkg_strv *v)
{
	struct uv *a;

	if (v->n == 0)
		return;
	a = uv_set(o, key, uv_new_array());
	for (size_t i = 0; i < v->n; i++)
		uv_push(a, uv_new_string(v->v[i]));
}

static void
set_kv(struct uv *o, const char *key, const pkg_kvv *kv)
{
	struct uv *x;

	if (kv->n == 0)
		return;
	x = uv_set(o, key, uv_new_object());
	for (size_t i = 0; i < kv->n; i++)
		uv_set(x, kv->v[i].key, uv_new_string(kv->v[i].value));
}

static void
perm_string(mode_t perm, char buf[16])
{
	snprintf(buf, 16, "%#4.4o", (unsigned)perm);
}

/*
 * Append key to object o without uv_set's search for an existing key: the
 * files and directories maps can hold tens of thousands of paths, already
 * unique, and a search per insert would make emitting quadratic.  Same
 * allocation scheme as uv_set, so uv_free releases it.
 */
static void
obj_append(struct uv *o, const char *key, struct uv *val)
{
	if (o->u.obj.n == o->u.obj.cap) {
		o->u.obj.cap = o->u.obj.cap ? o->u.obj.cap * 2 : 8;
		o->u.obj.keys = xreallocarray(o->u.obj.keys, o->u.obj.cap, sizeof(char *));
		o->u.obj.vals = xreallocarray(o->u.obj.vals, o->u.obj.cap,
		    sizeof(struct uv *));
	}
	o->u.obj.keys[o->u.obj.n] = xstrdup(key);
	o->u.obj.vals[o->u.obj.n++] = val;
}

static void
emit_files(struct uv *o, const struct pkg_manifest *m)
{
	struct uv *files;
	char perm[16];

	if (m->files.n == 0)
		return;
	files = uv_set(o, "files", uv_new_object());
	for (size_t i = 0; i < m->files.n; i++) {
		const struct pkg_file *f = &m->files.v[i];
		struct strbuf key = STRBUF_INIT;
		struct uv *x = uv_new_object();

		pkg_urlencode(f->path, &key);
		uv_set(x, "sum", uv_new_string(f->sum ? f->sum : "-"));
		uv_set(x, "uname", uv_new_string(f->uname ? f->uname : "root"));
		uv_set(x, "gname", uv_new_string(f->gname ? f->gname : "wheel"));
		if (f->perm != PKG_PERM_UNSET) {
			perm_string(f->perm, perm);
			uv_set(x, "perm", uv_new_string(perm));
		}
		if (f->fflags)
			uv_set(x, "fflags", uv_new_string(f->fflags));
		if (f->symlink_target)
			uv_set(x, "symlink_target", uv_new_string(f->symlink_target));
		if (f->mtime >= 0)
			uv_set(x, "mtime", uv_new_int(f->mtime));
		obj_append(files, key.buf, x);
		strbuf_release(&key);
	}
}

static void
emit_dirs(struct uv *o, const struct pkg_manifest *m)
{
	struct uv *dirs;
	char perm[16];

	if (m->dirs.n == 0)
		return;
	dirs = uv_set(o, "directories", uv_new_object());
	for (size_t i = 0; i < m->dirs.n; i++) {
		const struct pkg_dir *d = &m->dirs.v[i];
		struct strbuf key = STRBUF_INIT;
		struct uv *x = uv_new_object();

		pkg_urlencode(d->path, &key);
		uv_set(x, "uname", uv_new_string(d->uname ? d->uname : "root"));
		uv_set(x, "gname", uv_new_string(d->gname ? d->gname : "wheel"));
		if (d->perm != PKG_PERM_UNSET) {
			perm_string(d->perm, perm);
			uv_set(x, "perm", uv_new_string(perm));
		}
		obj_append(dirs, key.buf, x);
		strbuf_release(&key);
	}
}

struct uv *
pkg_manifest_to_uv(const struct pkg_manifest *m, enum pkg_emit how)
{
	static const char *const logic[] = { "single", "or", "and" };
	struct uv *o = uv_new_object();

	set_str(o, "name", m->name);
	set_str(o, "origin", m->origin);
	set_str(o, "version", m->version);
	set_str(o, "comment", m->comment);
	set_str(o, "maintainer", m->maintainer);
	set_str(o, "www", m->www);
	set_str(o, "abi", m->abi);
	set_str(o, "arch", m->arch);
	set_str(o, "prefix", m->prefix);
	set_str(o, "sum", m->sum);
	uv_set(o, "flatsize", uv_new_int(m->flatsize));
	set_str(o, "dep_formula", m->dep_formula);
	if (m->repopath) {
		set_str(o, "path", m->repopath);
		set_str(o, "repopath", m->repopath);
	}
	uv_set(o, "licenselogic", uv_new_string(logic[m->licenselogic]));
	set_strv(o, "licenses", &m->licenses);
	if (m->pkgsize >= 0)
		uv_set(o, "pkgsize", uv_new_int(m->pkgsize));
	if (m->vital)
		uv_set(o, "vital", uv_new_bool(true));
	if (m->desc)
		set_encoded(o, "desc", m->desc);
	if (m->deps.n) {
		struct uv *deps = uv_set(o, "deps", uv_new_object());

		for (size_t i = 0; i < m->deps.n; i++) {
			struct uv *d = uv_set(deps, m->deps.v[i].name, uv_new_object());

			set_str(d, "origin", m->deps.v[i].origin);
			set_str(d, "version", m->deps.v[i].version);
		}
	}
	set_strv(o, "categories", &m->categories);
	set_strv(o, "users", &m->users);
	set_strv(o, "groups", &m->groups);
	set_strv(o, "shlibs_required", &m->shlibs_required);
	set_strv(o, "shlibs_required_ignore", &m->shlibs_required_ignore);
	set_strv(o, "shlibs_provided", &m->shlibs_provided);
	set_strv(o, "shlibs_provided_ignore", &m->shlibs_provided_ignore);
	set_strv(o, "conflicts", &m->conflicts);
	set_strv(o, "provides", &m->provides);
	set_strv(o, "requires", &m->requires);
	set_kv(o, "options", &m->options);
	set_kv(o, "annotations", &m->annotations);
	if (how == PKG_EMIT_FULL) {
		emit_files(o, m);
		if (m->config.n) {
			struct uv *a = uv_set(o, "config", uv_new_array());

			for (size_t i = 0; i < m->config.n; i++) {
				struct strbuf sb = STRBUF_INIT;

				pkg_urlencode(m->config.v[i], &sb);
				uv_push(a, uv_new_stringn(sb.buf, sb.len));
				strbuf_release(&sb);
			}
		}
		emit_dirs(o, m);
		struct uv *sc = NULL;
		for (int i = 0; i < PKG_SCRIPT_MAX; i++) {
			if (m->scripts[i] == NULL)
				continue;
			if (sc == NULL)
				sc = uv_set(o, "scripts", uv_new_object());
			set_encoded(sc, script_names[i], m->scripts[i]);
		}
		if (m->lua_scripts.n) {
			struct uv *lua = uv_set(o, "lua_scripts", uv_new_object());

			for (size_t i = 0; i < m->lua_scripts.n; i++) {
				struct uv *a = uv_get(lua, m->lua_scripts.v[i].key);

				if (a == NULL)
					a = uv_set(lua, m->lua_scripts.v[i].key, uv_new_array());
				uv_push(a, uv_new_string(m->lua_scripts.v[i].value));
			}
		}
	}
	if (m->messages.n) {
		struct uv *a = uv_set(o, "messages", uv_new_array());

		for (size_t i = 0; i < m->messages.n; i++) {
			const struct pkg_message *msg = &m->messages.v[i];
			struct uv *x = uv_push(a, uv_new_object());

			set_str(x, "message", msg->message);
			set_str(x, "type", msg->type);
			set_str(x, "minimum_version", msg->minimum_version);
			set_str(x, "maximum_version", msg->maximum_version);
		}
	}
	return o;
}

void
pkg_manifest_emit(const struct pkg_manifest *m, enum pkg_emit how,
    struct strbuf *sb)
{
	struct uv *o = pkg_manifest_to_uv(m, how);

	uv_emit_json(o, sb, false);
	uv_free(o);
}

/* --- lookups and builders ---------------------------------------------- */

struct pkg_file *
pkg_manifest_file(const struct pkg_manifest *m, const char *path)
{
	for (size_t i = 0; i < m->files.n; i++)
		if (strcmp(m->files.v[i].path, path) == 0)
			return &m->files.v[i];
	return NULL;
}

struct pkg_dir *
pkg_manifest_dir(const struct pkg_manifest *m, const char *path)
{
	for (size_t i = 0; i < m->dirs.n; i++)
		if (strcmp(m->dirs.v[i].path, path) == 0)
			return &m->dirs.v[i];
	return NULL;
}

const char *
pkg_manifest_annotation(const struct pkg_manifest *m, const char *key)
{
	for (size_t i = 0; i < m->annotations.n; i++)
		if (strcmp(m->annotations.v[i].key, key) == 0)
			return m->annotations.v[i].value;
	return NULL;
}

/* Append without looking for an existing entry (parsing: the UCL reader
 * already folded repeated keys, and a lookup per file is quadratic). */
static struct pkg_file *
append_file(struct pkg_manifest *m, const char *path)
{
	struct pkg_file f;

	memset(&f, 0, sizeof(f));
	f.path = xstrdup(path);
	f.perm = PKG_PERM_UNSET;
	f.mtime = -1;
	vec_push(&m->files, f);
	return &m->files.v[m->files.n - 1];
}

struct pkg_file *
pkg_manifest_append_file(struct pkg_manifest *m, const char *path)
{
	return append_file(m, path);
}

struct pkg_file *
pkg_manifest_add_file(struct pkg_manifest *m, const char *path)
{
	struct pkg_file *old = pkg_manifest_file(m, path);

	return old ? old : append_file(m, path);
}

static struct pkg_dir *
append_dir(struct pkg_manifest *m, const char *path)
{
	struct pkg_dir d;

	memset(&d, 0, sizeof(d));
	d.path = xstrdup(path);
	d.perm = PKG_PERM_UNSET;
	vec_push(&m->dirs, d);
	return &m->dirs.v[m->dirs.n - 1];
}

struct pkg_dir *
pkg_manifest_add_dir(struct pkg_manifest *m, const char *path)
{
	struct pkg_dir *old = pkg_manifest_dir(m, path);

	return old ? old : append_dir(m, path);
}

void
pkg_manifest_add_dep(struct pkg_manifest *m, const char *name,
    const char *origin, const char *version)
{
	struct pkg_dep d;

	for (size_t i = 0; i < m->deps.n; i++) {
		if (strcmp(m->deps.v[i].name, name) == 0) {
			free(m->deps.v[i].origin);
			free(m->deps.v[i].version);
			m->deps.v[i].origin = xstrdup(origin);
			m->deps.v[i].version = version ? xstrdup(version) : NULL;
			return;
		}
	}
	d.name = xstrdup(name);
	d.origin = xstrdup(origin);
	d.version = version ? xstrdup(version) : NULL;
	vec_push(&m->deps, d);
}

char *
pkg_manifest_fullname(const struct pkg_manifest *m)
{
	return xasprintf("%s-%s", m->name ? m->name : "?",
	    m->version ? m->version : "?");
}
