/*
 * mk_vars: the variable table of one evaluator (an open-addressing hash
 * table, so lookups stay O(1) on ports with hundreds of variables), word
 * splitting and glob matching.  It does not expand anything (mk_expand.c)
 * or parse Makefiles (mk_parse.c).
 * Calls: util.
 */
#include "mk/mk_int.h"

#include <string.h>

uint32_t
mk_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void
table_grow(struct mk_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	struct mk_var **nv = xcalloc(ncap, sizeof(*nv));

	for (size_t i = 0; i < t->cap; i++) {
		struct mk_var *v = t->slots[i];
		if (v == NULL)
			continue;
		size_t j = v->hash & (ncap - 1);
		while (nv[j])
			j = (j + 1) & (ncap - 1);
		nv[j] = v;
	}
	free(t->slots);
	t->slots = nv;
	t->cap = ncap;
}

struct mk_var *
mk_table_find(const struct mk_table *t, const char *name, size_t n)
{
	uint32_t h;
	size_t j;

	if (t->cap == 0)
		return NULL;
	h = mk_hash(name, n);
	for (j = h & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1)) {
		struct mk_var *v = t->slots[j];
		if (v->hash == h && v->namelen == n && memcmp(v->name, name, n) == 0)
			return v->dead ? NULL : v;
	}
	return NULL;
}

struct mk_var *
mk_table_get(struct mk_table *t, const char *name, size_t n)
{
	uint32_t h = mk_hash(name, n);
	struct mk_var *v;
	size_t j;

	if (t->cap) {
		for (j = h & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1)) {
			v = t->slots[j];
			if (v->hash == h && v->namelen == n &&
			    memcmp(v->name, name, n) == 0) {
				return v;
			}
		}
	}
	if ((t->n + 1) * 4 >= t->cap * 3)
		table_grow(t);
	v = xcalloc(1, sizeof(*v));
	v->name = xstrndup(name, n);
	v->namelen = n;
	v->hash = h;
	v->dead = true;
	strbuf_init(&v->val, 0);
	for (j = h & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1))
		;
	t->slots[j] = v;
	t->n++;
	vec_push(&t->order, v);
	return v;
}

void
mk_table_free(struct mk_table *t)
{
	for (size_t i = 0; i < t->order.n; i++) {
		strbuf_release(&t->order.v[i]->val);
		free(t->order.v[i]->name);
		free(t->order.v[i]);
	}
	vec_free(&t->order);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

void
mk_var_setval(struct mk_var *v, const char *s, size_t n)
{
	strbuf_reset(&v->val);
	strbuf_add(&v->val, s, n);
	v->dollar = memchr(s, '$', n) != NULL;
	v->dead = false;
}

void
mk_var_append(struct mk_var *v, const char *s, size_t n)
{
	if (v->dead) {
		mk_var_setval(v, s, n);
		return;
	}
	if (n == 0)
		return;
	if (v->val.len)
		strbuf_addch(&v->val, ' ');
	strbuf_add(&v->val, s, n);
	if (memchr(s, '$', n))
		v->dollar = true;
}

static bool
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

void
mk_split_words(const char *s, mk_words *words)
{
	const char *p = s;

	for (;;) {
		const char *start;
		char q = 0;

		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		for (; *p; p++) {
			if (q) {
				if (*p == '\\' && q == '"' && p[1])
					p++;
				else if (*p == q)
					q = 0;
			} else if (*p == '\\' && p[1]) {
				p++;
			} else if (*p == '"' || *p == '\'') {
				q = *p;
			} else if (is_blank(*p)) {
				break;
			}
		}
		vec_push(words, xstrndup(start, (size_t)(p - start)));
	}
}

void
mk_words_free(mk_words *words)
{
	vec_free_all(words, free);
}

void
mk_unquote(char *s)
{
	char *w = s, q = 0;

	for (char *r = s; *r; r++) {
		if (q) {
			if (*r == q)
				q = 0;
			else if (*r == '\\' && q == '"' && (r[1] == '"' || r[1] == '\\'))
				*w++ = *++r;
			else
				*w++ = *r;
		} else if (*r == '"' || *r == '\'') {
			q = *r;
		} else if (*r == '\\' && r[1]) {
			*w++ = *++r;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Match one character class at p (after '['); returns the end or NULL. */
static const char *
glob_class(const char *p, unsigned char c, bool *matched)
{
	bool neg = false, ok = false;

	if (*p == '!' || *p == '^') {
		neg = true;
		p++;
	}
	if (*p == ']') {
		ok = c == ']';
		p++;
	}
	while (*p && *p != ']') {
		unsigned char lo = (unsigned char)*p, hi;
		if (lo == '\\' && p[1])
			lo = (unsigned char)*++p;
		p++;
		hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			hi = (unsigned char)*p;
			if (hi == '\\' && p[1])
				hi = (unsigned char)*++p;
			p++;
		}
		if (c >= lo && c <= hi)
			ok = true;
	}
	if (*p != ']')
		return NULL;
	*matched = ok != neg;
	return p + 1;
}

/*
 * The classic two-pointer glob: remember the last '*' and where the word
 * was when we met it; on a mismatch retry one character further.  Each
 * word position is revisited at most once per star, so time is linear in
 * practice and never exponential.
 */
bool
mk_glob(const char *pat, const char *w)
{
	const char *star = NULL, *wstar = NULL;

	while (*w) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			if (*pat == '\0')
				return true;
			star = pat;
			wstar = w;
			continue;
		}
		if (*pat == '?') {
			pat++;
			w++;
			continue;
		}
		if (*pat == '[') {
			bool m = false;
			const char *end = glob_class(pat + 1, (unsigned char)*w, &m);
			if (end && m) {
				pat = end;
				w++;
				continue;
			}
			if (end == NULL && *w == '[') {
				pat++;
				w++;
				continue;
			}
		} else {
			char pc = *pat;
			const char *next = pat + 1;
			if (pc == '\\' && pat[1]) {
				pc = pat[1];
				next = pat + 2;
			}
			if (pc && pc == *w) {
				pat = next;
				w++;
				continue;
			}
		}
		if (star == NULL)
			return false;
		pat = star;
		w = ++wstar;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}
