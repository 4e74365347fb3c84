/*
 * version: pkg's version comparison (spec/pkg-format.md §2).
 *
 * Split into epoch, PORTVERSION and revision; compare epochs, then the
 * PORTVERSIONs component by component (number, letter rank, patch level),
 * then the revisions.  Written from the description in the spec, which was
 * checked pair by pair against pkg 2.8.4 (tests/unit/data/version-pairs.txt).
 * Calls: libc only.
 */
#include "version.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct vsplit {
	const char *ver;	/* start of PORTVERSION */
	size_t len;		/* its length */
	int64_t revision;
	int64_t epoch;
};

struct vcomp {
	int64_t n;	/* number; -1 for a stage word, -2 for '*' */
	int a;		/* letter rank, 0 when none */
	int64_t pl;	/* patch level after a letter, -1 when absent */
};

/* Stage words recognised where a component has letters. */
static const struct {
	const char *word;
	int rank;
} stages[] = {
	{ "pl", 0 },
	{ "snap", 's' - 'a' + 2 },
	{ "alpha", 'a' - 'a' + 2 },
	{ "beta", 'b' - 'a' + 2 },
	{ "pre", 'p' - 'a' + 2 },
	{ "rc", 'r' - 'a' + 2 },
};

static int64_t
parse_num(const char *s, const char **end)
{
	int64_t n = 0;

	while (isdigit((unsigned char)*s)) {
		if (n < (INT64_MAX - 9) / 10)
			n = n * 10 + (*s - '0');
		s++;
	}
	if (end)
		*end = s;
	return n;
}

static void
split(const char *full, struct vsplit *v)
{
	const char *s = strrchr(full, '-');
	const char *us, *comma;

	s = s ? s + 1 : full;
	us = strrchr(s, '_');
	comma = strrchr(us ? us : s, ',');
	v->ver = s;
	v->len = strlen(s);
	v->revision = 0;
	v->epoch = 0;
	if (us) {
		v->revision = parse_num(us + 1, NULL);
		v->len = (size_t)(us - s);
	}
	if (comma) {
		v->epoch = parse_num(comma + 1, NULL);
		if ((size_t)(comma - s) < v->len)
			v->len = (size_t)(comma - s);
	}
}

/* Parse one component starting at p (p < end, *p not '+'); returns the rest. */
static const char *
component(const char *p, const char *end, struct vcomp *c)
{
	bool stage = false, haspl = false;

	c->n = 0;
	c->a = 0;
	c->pl = 0;
	if (isdigit((unsigned char)*p)) {
		c->n = parse_num(p, &p);
	} else if (*p == '*') {
		c->n = -2;
		while (p < end && *p != '+')
			p++;
	} else {
		c->n = -1;
		stage = true;
	}
	if (p < end && isalpha((unsigned char)*p)) {
		bool special = false;

		haspl = true;
		for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
			size_t wl = strlen(stages[i].word);

			if ((size_t)(end - p) >= wl &&
			    strncasecmp(p, stages[i].word, wl) == 0 &&
			    (p + wl == end || !isalpha((unsigned char)p[wl]))) {
				special = true;
				if (stage) {
					c->a = stages[i].rank;
					p += wl;
				} else {
					/* "1.0rc1" reads as "1.0.rc1": leave the word
					 * for the next component. */
					haspl = false;
				}
				break;
			}
		}
		if (!special) {
			c->a = tolower((unsigned char)*p) - 'a' + 2;
			while (p < end && isalpha((unsigned char)*p))
				p++;
		}
	}
	if (haspl) {
		if (p < end && isdigit((unsigned char)*p))
			c->pl = parse_num(p, &p);
		else
			c->pl = -1;
	}
	while (p < end && !isalnum((unsigned char)*p) && *p != '+' && *p != '*')
		p++;
	return p;
}

static int
cmp64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static int
cmp_portversion(const char *v1, size_t l1, const char *v2, size_t l2)
{
	const char *e1 = v1 + l1, *e2 = v2 + l2;
	int r = 0;

	if (l1 == l2 && strncasecmp(v1, v2, l1) == 0)
		return 0;
	while (r == 0 && (v1 < e1 || v2 < e2)) {
		struct vcomp c1 = { 0, 0, 0 }, c2 = { 0, 0, 0 };
		bool b1 = v1 == e1 || *v1 == '+';
		bool b2 = v2 == e2 || *v2 == '+';

		if (b1 && b2) {
			/* Both sides are at a '+' (or one at its end): step over. */
			if (v1 < e1)
				v1++;
			if (v2 < e2)
				v2++;
			continue;
		}
		if (!b1)
			v1 = component(v1, e1, &c1);
		if (!b2)
			v2 = component(v2, e2, &c2);
		if ((r = cmp64(c1.n, c2.n)) == 0 && (r = cmp64(c1.a, c2.a)) == 0)
			r = cmp64(c1.pl, c2.pl);
	}
	return r;
}

int
version_cmp(const char *a, const char *b)
{
	struct vsplit va, vb;
	int r;

	split(a, &va);
	split(b, &vb);
	if ((r = cmp64(va.epoch, vb.epoch)) != 0)
		return r;
	if ((r = cmp_portversion(va.ver, va.len, vb.ver, vb.len)) != 0)
		return r;
	return cmp64(va.revision, vb.revision);
}

char
version_cmp_char(const char *a, const char *b)
{
	int r = version_cmp(a, b);

	return r < 0 ? '<' : r > 0 ? '>' : '=';
}

bool
version_match(const char *v, const char *op, const char *ref)
{
	int r;

	if (op == NULL || *op == '\0')
		return true;
	r = version_cmp(v, ref);
	if (strcmp(op, "<") == 0)
		return r < 0;
	if (strcmp(op, "<=") == 0)
		return r <= 0;
	if (strcmp(op, "=") == 0 || strcmp(op, "==") == 0)
		return r == 0;
	if (strcmp(op, ">=") == 0)
		return r >= 0;
	if (strcmp(op, ">") == 0)
		return r > 0;
	if (strcmp(op, "!=") == 0)
		return r != 0;
	return false;
}
