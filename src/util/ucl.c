/*
 * ucl: a UCL-subset parser and JSON emitter (see ucl.h for the syntax).
 */
#include "util/ucl.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UV_MAX_DEPTH 128

struct uparser {
	const char *p, *end, *start;
	struct kerr *e;
	int depth;
	bool failed;
};

static struct uv *
uv_new(enum uv_type t)
{
	struct uv *v = xcalloc(1, sizeof(*v));

	v->type = t;
	return v;
}

struct uv *uv_new_object(void) { return uv_new(UV_OBJECT); }
struct uv *uv_new_array(void) { return uv_new(UV_ARRAY); }
struct uv *uv_new_null(void) { return uv_new(UV_NULL); }

struct uv *
uv_new_stringn(const char *s, size_t len)
{
	struct uv *v = uv_new(UV_STRING);

	v->u.str.s = xmalloc(len + 1);
	memcpy(v->u.str.s, s, len);
	v->u.str.s[len] = '\0';
	v->u.str.len = len;
	return v;
}

struct uv *
uv_new_string(const char *s)
{
	return uv_new_stringn(s, strlen(s));
}

struct uv *
uv_new_int(int64_t i)
{
	struct uv *v = uv_new(UV_INT);

	v->u.i = i;
	return v;
}

struct uv *
uv_new_bool(bool b)
{
	struct uv *v = uv_new(UV_BOOL);

	v->u.b = b;
	return v;
}

void
uv_free(struct uv *v)
{
	if (v == NULL)
		return;
	switch (v->type) {
	case UV_STRING:
		free(v->u.str.s);
		break;
	case UV_ARRAY:
		for (size_t i = 0; i < v->u.arr.n; i++)
			uv_free(v->u.arr.v[i]);
		free(v->u.arr.v);
		break;
	case UV_OBJECT:
		for (size_t i = 0; i < v->u.obj.n; i++) {
			free(v->u.obj.keys[i]);
			uv_free(v->u.obj.vals[i]);
		}
		free(v->u.obj.keys);
		free(v->u.obj.vals);
		break;
	default:
		break;
	}
	free(v);
}

static ssize_t
uv_index(const struct uv *o, const char *key)
{
	if (o == NULL || o->type != UV_OBJECT)
		return -1;
	for (size_t i = 0; i < o->u.obj.n; i++)
		if (strcmp(o->u.obj.keys[i], key) == 0)
			return (ssize_t)i;
	return -1;
}

struct uv *
uv_set(struct uv *o, const char *key, struct uv *val)
{
	ssize_t i = uv_index(o, key);

	if (i >= 0) {
		uv_free(o->u.obj.vals[i]);
		o->u.obj.vals[i] = val;
		return val;
	}
	if (o->u.obj.n == o->u.obj.cap) {
		o->u.obj.cap = o->u.obj.cap ? o->u.obj.cap * 2 : 8;
		o->u.obj.keys = xreallocarray(o->u.obj.keys, o->u.obj.cap, sizeof(char *));
		o->u.obj.vals = xreallocarray(o->u.obj.vals, o->u.obj.cap, sizeof(struct uv *));
	}
	o->u.obj.keys[o->u.obj.n] = xstrdup(key);
	o->u.obj.vals[o->u.obj.n++] = val;
	return val;
}

bool
uv_remove(struct uv *o, const char *key)
{
	ssize_t i = uv_index(o, key);

	if (i < 0)
		return false;
	free(o->u.obj.keys[i]);
	uv_free(o->u.obj.vals[i]);
	memmove(o->u.obj.keys + i, o->u.obj.keys + i + 1,
	    (o->u.obj.n - (size_t)i - 1) * sizeof(char *));
	memmove(o->u.obj.vals + i, o->u.obj.vals + i + 1,
	    (o->u.obj.n - (size_t)i - 1) * sizeof(struct uv *));
	o->u.obj.n--;
	return true;
}

struct uv *
uv_push(struct uv *a, struct uv *val)
{
	if (a->u.arr.n == a->u.arr.cap) {
		a->u.arr.cap = a->u.arr.cap ? a->u.arr.cap * 2 : 8;
		a->u.arr.v = xreallocarray(a->u.arr.v, a->u.arr.cap, sizeof(struct uv *));
	}
	a->u.arr.v[a->u.arr.n++] = val;
	return val;
}

struct uv *
uv_copy(const struct uv *v)
{
	struct uv *c;

	switch (v->type) {
	case UV_STRING:
		return uv_new_stringn(v->u.str.s, v->u.str.len);
	case UV_ARRAY:
		c = uv_new_array();
		for (size_t i = 0; i < v->u.arr.n; i++)
			uv_push(c, uv_copy(v->u.arr.v[i]));
		return c;
	case UV_OBJECT:
		c = uv_new_object();
		for (size_t i = 0; i < v->u.obj.n; i++)
			uv_set(c, v->u.obj.keys[i], uv_copy(v->u.obj.vals[i]));
		return c;
	default:
		c = uv_new(v->type);
		c->u = v->u;
		return c;
	}
}

struct uv *
uv_get(const struct uv *o, const char *key)
{
	ssize_t i = uv_index(o, key);

	return i < 0 ? NULL : o->u.obj.vals[i];
}

const char *
uv_str(const struct uv *v)
{
	return v && v->type == UV_STRING ? v->u.str.s : NULL;
}

const char *
uv_get_str(const struct uv *o, const char *key)
{
	return uv_str(uv_get(o, key));
}

int64_t
uv_get_int(const struct uv *o, const char *key, int64_t def)
{
	const struct uv *v = uv_get(o, key);
	char *end;

	if (v == NULL)
		return def;
	if (v->type == UV_INT)
		return v->u.i;
	if (v->type == UV_FLOAT)
		return (int64_t)v->u.f;
	if (v->type == UV_STRING && v->u.str.len > 0) {
		errno = 0;
		long long n = strtoll(v->u.str.s, &end, 10);
		if (errno == 0 && *end == '\0')
			return n;
	}
	return def;
}

static int
uv_word_bool(const char *s)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		return 1;
	if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off"))
		return 0;
	return -1;
}

bool
uv_get_bool(const struct uv *o, const char *key, bool def)
{
	const struct uv *v = uv_get(o, key);

	if (v == NULL)
		return def;
	if (v->type == UV_BOOL)
		return v->u.b;
	if (v->type == UV_INT)
		return v->u.i != 0;
	if (v->type == UV_STRING) {
		int b = uv_word_bool(v->u.str.s);
		return b < 0 ? def : b;
	}
	return def;
}

/* ---- parser ---- */

static void
up_error(struct uparser *u, const char *what)
{
	int line = 1, col = 1;

	if (u->failed)
		return;
	for (const char *q = u->start; q < u->p && q < u->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	kerr_set(u->e, "%d:%d: %s", line, col, what);
	u->failed = true;
}

/* Skip whitespace and comments. */
static void
up_skip(struct uparser *u)
{
	while (u->p < u->end) {
		char c = *u->p;
		if (isspace((unsigned char)c)) {
			u->p++;
		} else if (c == '#' || (c == '/' && u->p + 1 < u->end && u->p[1] == '/')) {
			while (u->p < u->end && *u->p != '\n')
				u->p++;
		} else if (c == '/' && u->p + 1 < u->end && u->p[1] == '*') {
			int nest = 1;
			u->p += 2;
			while (u->p < u->end && nest > 0) {
				if (u->p + 1 < u->end && u->p[0] == '/' && u->p[1] == '*') {
					nest++;
					u->p += 2;
				} else if (u->p + 1 < u->end && u->p[0] == '*' && u->p[1] == '/') {
					nest--;
					u->p += 2;
				} else {
					u->p++;
				}
			}
			if (nest > 0) {
				up_error(u, "unterminated comment");
				return;
			}
		} else {
			break;
		}
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
utf8_put(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, 0xc0 | (cp >> 6));
		strbuf_addch(sb, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, 0xe0 | (cp >> 12));
		strbuf_addch(sb, 0x80 | ((cp >> 6) & 0x3f));
		strbuf_addch(sb, 0x80 | (cp & 0x3f));
	} else {
		strbuf_addch(sb, 0xf0 | (cp >> 18));
		strbuf_addch(sb, 0x80 | ((cp >> 12) & 0x3f));
		strbuf_addch(sb, 0x80 | ((cp >> 6) & 0x3f));
		strbuf_addch(sb, 0x80 | (cp & 0x3f));
	}
}

/* A "double quoted" string with JSON escapes; u->p at the opening quote. */
static int
up_dquote(struct uparser *u, struct strbuf *sb)
{
	const char *open = u->p;

	u->p++;
	while (u->p < u->end && *u->p != '"') {
		char c = *u->p++;
		if (c != '\\') {
			strbuf_addch(sb, c);
			continue;
		}
		if (u->p >= u->end)
			break;
		c = *u->p++;
		switch (c) {
		case 'n': strbuf_addch(sb, '\n'); break;
		case 't': strbuf_addch(sb, '\t'); break;
		case 'r': strbuf_addch(sb, '\r'); break;
		case 'b': strbuf_addch(sb, '\b'); break;
		case 'f': strbuf_addch(sb, '\f'); break;
		case 'u': {
			unsigned cp = 0;
			for (int i = 0; i < 4; i++) {
				int h = u->p < u->end ? hexval(*u->p) : -1;
				if (h < 0) {
					up_error(u, "bad \\u escape in string");
					return -1;
				}
				cp = cp * 16 + (unsigned)h;
				u->p++;
			}
			utf8_put(sb, cp);
			break;
		}
		default:
			strbuf_addch(sb, c);	/* \" \\ \/ and lenient others */
		}
	}
	if (u->p >= u->end) {
		u->p = open;	/* point at where the string began */
		up_error(u, "unterminated string");
		return -1;
	}
	u->p++;
	return 0;
}

static int
up_squote(struct uparser *u, struct strbuf *sb)
{
	const char *open = u->p;

	u->p++;
	while (u->p < u->end && *u->p != '\'') {
		if (*u->p == '\\' && u->p + 1 < u->end && u->p[1] == '\'')
			u->p++;
		strbuf_addch(sb, *u->p++);
	}
	if (u->p >= u->end) {
		u->p = open;	/* point at where the string began */
		up_error(u, "unterminated string");
		return -1;
	}
	u->p++;
	return 0;
}

/* <<TAG\n ... \nTAG heredoc; u->p at "<<". */
static int
up_heredoc(struct uparser *u, struct strbuf *sb)
{
	const char *tag = u->p + 2, *q = tag;

	while (q < u->end && isupper((unsigned char)*q))
		q++;
	size_t taglen = (size_t)(q - tag);
	if (taglen == 0 || q >= u->end || *q != '\n') {
		up_error(u, "heredoc needs an upper-case tag followed by a newline");
		return -1;
	}
	const char *body = q + 1, *line = body;
	while (line < u->end) {
		const char *nl = memchr(line, '\n', (size_t)(u->end - line));
		const char *le = nl ? nl : u->end;
		if ((size_t)(le - line) == taglen && memcmp(line, tag, taglen) == 0) {
			size_t blen = line > body ? (size_t)(line - body - 1) : 0;
			strbuf_add(sb, body, blen);
			u->p = le;
			return 0;
		}
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	up_error(u, "unterminated heredoc");
	return -1;
}

static bool
up_wordch(char c)
{
	return !(isspace((unsigned char)c) || c == ',' || c == ';' || c == ']' ||
	    c == '}' || c == '{' || c == '[' || c == '"' || c == '\'' ||
	    c == '#' || c == ':' || c == '=');
}

static bool
up_keych(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' ||
	    c == '/' || c == '+' || c == '@' || c == '%' || c == '*';
}

static struct uv *up_value(struct uparser *u);
static int up_members(struct uparser *u, struct uv *obj, char close);

static struct uv *
up_word_value(struct uparser *u)
{
	const char *s = u->p;

	/* A bare value runs to the end of the line or a separator. */
	while (u->p < u->end && *u->p != '\n' && *u->p != ',' && *u->p != ';' &&
	    *u->p != ']' && *u->p != '}' && *u->p != '#')
		u->p++;
	const char *e = u->p;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e == s) {
		up_error(u, "expected a value");
		return NULL;
	}
	char *w = xstrndup(s, (size_t)(e - s));
	struct uv *v;
	int b = uv_word_bool(w);
	char *endp;
	if (b >= 0) {
		v = uv_new_bool(b);
	} else if (strcmp(w, "null") == 0) {
		v = uv_new_null();
	} else {
		errno = 0;
		long long n = strtoll(w, &endp, 10);
		if (*w && *endp == '\0' && errno == 0 && (isdigit((unsigned char)*w) || *w == '-')) {
			v = uv_new_int(n);
		} else {
			double d = strtod(w, &endp);
			if (*w && *endp == '\0' && (isdigit((unsigned char)*w) || *w == '-') &&
			    isfinite(d)) {
				v = uv_new(UV_FLOAT);
				v->u.f = d;
			} else {
				v = uv_new_stringn(s, (size_t)(e - s));
			}
		}
	}
	free(w);
	return v;
}

static struct uv *
up_value(struct uparser *u)
{
	struct strbuf sb = STRBUF_INIT;
	struct uv *v = NULL;

	up_skip(u);
	if (u->failed)
		return NULL;
	if (u->p >= u->end) {
		up_error(u, "expected a value, found the end of the input");
		return NULL;
	}
	if (u->depth >= UV_MAX_DEPTH) {
		up_error(u, "nesting is too deep");
		return NULL;
	}
	switch (*u->p) {
	case '{':
		u->p++;
		u->depth++;
		v = uv_new_object();
		if (up_members(u, v, '}') < 0) {
			uv_free(v);
			v = NULL;
		}
		u->depth--;
		break;
	case '[':
		u->p++;
		u->depth++;
		v = uv_new_array();
		for (;;) {
			up_skip(u);
			if (u->failed)
				break;
			if (u->p >= u->end) {
				up_error(u, "unterminated array (missing ']')");
				break;
			}
			if (*u->p == ']') {
				u->p++;
				break;
			}
			struct uv *el = up_value(u);
			if (el == NULL)
				break;
			uv_push(v, el);
			up_skip(u);
			if (u->p < u->end && (*u->p == ',' || *u->p == ';'))
				u->p++;
		}
		u->depth--;
		if (u->failed) {
			uv_free(v);
			v = NULL;
		}
		break;
	case '"':
		if (up_dquote(u, &sb) == 0)
			v = uv_new_stringn(sb.buf, sb.len);
		break;
	case '\'':
		if (up_squote(u, &sb) == 0)
			v = uv_new_stringn(sb.buf, sb.len);
		break;
	case '<':
		if (u->p + 1 < u->end && u->p[1] == '<') {
			if (up_heredoc(u, &sb) == 0)
				v = uv_new_stringn(sb.buf, sb.len);
			break;
		}
		/* fall through */
	default:
		if (*u->p == '}' || *u->p == ']' || *u->p == ',' || *u->p == ';') {
			up_error(u, "expected a value");
			break;
		}
		v = up_word_value(u);
	}
	strbuf_release(&sb);
	return v;
}

/*
 * A hash index of one object's keys while it is parsed, so that an object
 * with many keys (a package manifest's files map holds one per file) is
 * read in linear time; uv_set's search would make it quadratic.  Slots
 * hold position + 1 (0 is empty).
 */
struct up_keyidx {
	size_t *slot;
	size_t cap;
};

static size_t
up_keyhash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return (size_t)h;
}

static ssize_t
up_keyidx_find(const struct up_keyidx *ix, const struct uv *obj, const char *key)
{
	if (ix->cap == 0)
		return -1;
	for (size_t i = up_keyhash(key) & (ix->cap - 1); ix->slot[i];
	    i = (i + 1) & (ix->cap - 1))
		if (strcmp(obj->u.obj.keys[ix->slot[i] - 1], key) == 0)
			return (ssize_t)(ix->slot[i] - 1);
	return -1;
}

static void
up_keyidx_put(struct up_keyidx *ix, const struct uv *obj, size_t pos)
{
	size_t i;

	if ((obj->u.obj.n) * 2 > ix->cap) {
		free(ix->slot);
		ix->cap = ix->cap ? ix->cap * 2 : 16;
		while (obj->u.obj.n * 2 > ix->cap)
			ix->cap *= 2;
		ix->slot = xcalloc(ix->cap, sizeof(size_t));
		for (size_t k = 0; k < obj->u.obj.n; k++) {
			for (i = up_keyhash(obj->u.obj.keys[k]) & (ix->cap - 1); ix->slot[i];
			    i = (i + 1) & (ix->cap - 1))
				;
			ix->slot[i] = k + 1;
		}
		return;	/* pos was among them */
	}
	for (i = up_keyhash(obj->u.obj.keys[pos]) & (ix->cap - 1); ix->slot[i];
	    i = (i + 1) & (ix->cap - 1))
		;
	ix->slot[i] = pos + 1;
}

/* Insert with UCL's merge rule for repeated object keys. */
static void
up_insert(struct uv *obj, struct up_keyidx *ix, const char *key, struct uv *val)
{
	ssize_t at = up_keyidx_find(ix, obj, key);
	struct uv *old = at >= 0 ? obj->u.obj.vals[at] : NULL;

	if (old && old->type == UV_OBJECT && val->type == UV_OBJECT) {
		for (size_t i = 0; i < val->u.obj.n; i++) {
			uv_set(old, val->u.obj.keys[i], val->u.obj.vals[i]);
			free(val->u.obj.keys[i]);
		}
		val->u.obj.n = 0;
		uv_free(val);
		return;
	}
	if (old) {
		uv_free(old);
		obj->u.obj.vals[at] = val;
		return;
	}
	if (obj->u.obj.n == obj->u.obj.cap) {
		obj->u.obj.cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 8;
		obj->u.obj.keys = xreallocarray(obj->u.obj.keys, obj->u.obj.cap,
		    sizeof(char *));
		obj->u.obj.vals = xreallocarray(obj->u.obj.vals, obj->u.obj.cap,
		    sizeof(struct uv *));
	}
	obj->u.obj.keys[obj->u.obj.n] = xstrdup(key);
	obj->u.obj.vals[obj->u.obj.n++] = val;
	up_keyidx_put(ix, obj, obj->u.obj.n - 1);
}

/* Members of an object up to close ('}' or '\0' for the top level). */
static int
up_members(struct uparser *u, struct uv *obj, char close)
{
	struct strbuf key = STRBUF_INIT;
	struct up_keyidx ix = { NULL, 0 };
	int rc = -1;

	/* The object may already hold keys: the first put indexes them all. */
	if (obj->u.obj.n > 0)
		up_keyidx_put(&ix, obj, obj->u.obj.n - 1);
	for (;;) {
		up_skip(u);
		if (u->failed)
			goto out;
		if (u->p >= u->end) {
			if (close == '\0')
				break;
			up_error(u, "missing '}'");
			goto out;
		}
		if (*u->p == close) {
			u->p++;
			break;
		}
		strbuf_reset(&key);
		if (*u->p == '"') {
			if (up_dquote(u, &key) < 0)
				goto out;
		} else if (*u->p == '\'') {
			if (up_squote(u, &key) < 0)
				goto out;
		} else if (*u->p == '.') {
			up_error(u, "macros (.include, .priority, ...) are not supported");
			goto out;
		} else if (up_keych(*u->p)) {
			while (u->p < u->end && up_keych(*u->p))
				strbuf_addch(&key, *u->p++);
		} else {
			up_error(u, "expected a key");
			goto out;
		}
		/* Separator: optional ':' or '=' (may not share the line with nothing). */
		while (u->p < u->end && (*u->p == ' ' || *u->p == '\t'))
			u->p++;
		if (u->p < u->end && (*u->p == ':' || *u->p == '='))
			u->p++;
		else if (u->p < u->end && !(*u->p == '{' || *u->p == '[' ||
		    *u->p == '"' || *u->p == '\'' || up_wordch(*u->p))) {
			up_error(u, "expected ':' or '=' after the key");
			goto out;
		}
		struct uv *val = up_value(u);
		if (val == NULL)
			goto out;
		up_insert(obj, &ix, key.buf, val);
		up_skip(u);
		if (u->p < u->end && (*u->p == ',' || *u->p == ';'))
			u->p++;
	}
	rc = 0;
out:
	free(ix.slot);
	strbuf_release(&key);
	return rc;
}

struct uv *
uv_parse(const char *data, size_t len, struct kerr *e)
{
	struct uparser u = { data, data + len, data, e, 0, false };
	struct uv *v;

	if (len > 0 && memchr(data, '\0', len)) {
		kerr_set(e, "1:1: input contains a NUL byte");
		return NULL;
	}
	up_skip(&u);
	if (u.failed)
		return NULL;
	if (u.p < u.end && (*u.p == '{' || *u.p == '[')) {
		v = up_value(&u);
		if (v == NULL)
			return NULL;
		up_skip(&u);
		if (!u.failed && u.p < u.end) {
			up_error(&u, "unexpected text after the end of the document");
			uv_free(v);
			return NULL;
		}
		if (u.failed) {
			uv_free(v);
			return NULL;
		}
		return v;
	}
	v = uv_new_object();
	if (up_members(&u, v, '\0') < 0) {
		uv_free(v);
		return NULL;
	}
	return v;
}

struct uv *
uv_parse_file(const char *path, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	struct uv *v = NULL;

	if (path_read(path, &sb, e) == 0) {
		v = uv_parse(sb.buf, sb.len, e);
		if (v == NULL)
			kerr_prefix(e, "%s", path);
	}
	strbuf_release(&sb);
	return v;
}

/* ---- emitter ---- */

static void
emit_indent(struct strbuf *sb, bool pretty, int level)
{
	if (!pretty)
		return;
	strbuf_addch(sb, '\n');
	for (int i = 0; i < level; i++)
		strbuf_addstr(sb, "  ");
}

static void
emit_string(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	strbuf_add_json_escaped(sb, s);
	strbuf_addch(sb, '"');
}

static void
emit(const struct uv *v, struct strbuf *sb, bool pretty, int level)
{
	switch (v->type) {
	case UV_NULL: strbuf_addstr(sb, "null"); break;
	case UV_BOOL: strbuf_addstr(sb, v->u.b ? "true" : "false"); break;
	case UV_INT: strbuf_addf(sb, "%lld", (long long)v->u.i); break;
	case UV_FLOAT: {
		size_t at = sb->len;
		strbuf_addf(sb, "%.17g", v->u.f);
		/* Keep it a float when read back ("-0" would become an int). */
		if (strcspn(sb->buf + at, ".eEn") == sb->len - at)
			strbuf_addstr(sb, ".0");
		break;
	}
	case UV_STRING: emit_string(sb, v->u.str.s); break;
	case UV_ARRAY:
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < v->u.arr.n; i++) {
			if (i)
				strbuf_addch(sb, ',');
			emit_indent(sb, pretty, level + 1);
			emit(v->u.arr.v[i], sb, pretty, level + 1);
		}
		if (v->u.arr.n)
			emit_indent(sb, pretty, level);
		strbuf_addch(sb, ']');
		break;
	case UV_OBJECT:
		strbuf_addch(sb, '{');
		for (size_t i = 0; i < v->u.obj.n; i++) {
			if (i)
				strbuf_addch(sb, ',');
			emit_indent(sb, pretty, level + 1);
			emit_string(sb, v->u.obj.keys[i]);
			strbuf_addstr(sb, pretty ? ": " : ":");
			emit(v->u.obj.vals[i], sb, pretty, level + 1);
		}
		if (v->u.obj.n)
			emit_indent(sb, pretty, level);
		strbuf_addch(sb, '}');
		break;
	}
}

void
uv_emit_json(const struct uv *v, struct strbuf *sb, bool pretty)
{
	emit(v, sb, pretty, 0);
}
