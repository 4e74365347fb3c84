/*
 * mk_cond: the expressions of .if and .elif.  Recursive descent over
 *	or  := and ('||' and)*
 *	and := not ('&&' not)*
 *	not := '!' not | '(' or ')' | func '(' arg ')' | cmp
 *	cmp := operand [op operand]
 * with numeric comparison when both sides are numbers, string comparison
 * (== and != only) otherwise, and a lone operand true when non-empty and
 * not 0.  A bare word alone means defined(word), as in bmake.
 * It does not read lines; mk_parse.c calls it.
 * Calls: util.
 */
#include "mk/mk_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct cond {
	struct mk *m;
	const char *s;
	size_t n, i;
	struct kerr *e;
	int depth;
	int noeval;	/* inside a short-circuited operand: no type errors */
};

static void
skip_ws(struct cond *c)
{
	while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t'))
		c->i++;
}

static int
bad(struct cond *c, const char *why)
{
	return mk_err(c->m, c->e, "malformed conditional (%.*s): %s",
	    (int)(c->n > 80 ? 80 : c->n), c->s, why);
}

static bool
parse_number(const char *s, double *out)
{
	char *end;
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return false;
	if (!(isdigit((unsigned char)*p) || ((*p == '-' || *p == '+' || *p == '.') &&
	    (isdigit((unsigned char)p[1]) || p[1] == '.'))))
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		*out = (double)strtoull(p, &end, 16);
	else
		*out = strtod(p, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0';
}

/* Read an operand: ${...}, "quoted" or a bare word. */
static int
operand(struct cond *c, struct strbuf *out, bool *bare)
{
	*bare = false;
	skip_ws(c);
	if (c->i >= c->n)
		return bad(c, "missing operand");
	if (c->s[c->i] == '"') {
		c->i++;
		while (c->i < c->n && c->s[c->i] != '"') {
			if (c->s[c->i] == '\\' && c->i + 1 < c->n) {
				strbuf_addch(out, c->s[c->i + 1]);
				c->i += 2;
			} else if (c->s[c->i] == '$') {
				if (mk_expand_dollar(c->m, c->s, c->n, &c->i, out,
				    false, c->e) < 0)
					return -1;
			} else {
				strbuf_addch(out, c->s[c->i++]);
			}
		}
		if (c->i >= c->n)
			return bad(c, "unfinished string");
		c->i++;
		return 0;
	}
	if (c->s[c->i] == '$') {
		/* one expression, possibly glued to more text */
		while (c->i < c->n && c->s[c->i] == '$')
			if (mk_expand_dollar(c->m, c->s, c->n, &c->i, out, false,
			    c->e) < 0)
				return -1;
		return 0;
	}
	*bare = true;
	while (c->i < c->n && !strchr(" \t!=<>()&|\"", c->s[c->i])) {
		if (c->s[c->i] == '$') {
			if (mk_expand_dollar(c->m, c->s, c->n, &c->i, out, false,
			    c->e) < 0)
				return -1;
			continue;
		}
		strbuf_addch(out, c->s[c->i++]);
	}
	if (out->len == 0)
		return bad(c, "missing operand");
	return 0;
}

static bool
truthy(const char *s)
{
	double d;

	if (parse_number(s, &d))
		return d != 0;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s != '\0';
}

/* The argument of a function call: up to the matching ')'. */
static int
func_arg(struct cond *c, struct strbuf *raw)
{
	int depth = 0;

	while (c->i < c->n) {
		char ch = c->s[c->i];
		if (ch == ')' && depth == 0)
			break;
		if (ch == '(' || ch == '{')
			depth++;
		else if ((ch == ')' || ch == '}') && depth > 0)
			depth--;
		strbuf_addch(raw, ch);
		c->i++;
	}
	if (c->i >= c->n)
		return bad(c, "missing ')'");
	c->i++;
	return 0;
}

static int
call(struct cond *c, const char *fn, size_t fnlen, bool *res)
{
	struct strbuf raw = STRBUF_INIT, arg = STRBUF_INIT;
	struct mk *m = c->m;
	int rc = -1;

	if (func_arg(c, &raw) < 0)
		goto out;
	if (fnlen == 5 && memcmp(fn, "empty", 5) == 0) {
		struct strbuf expr = STRBUF_INIT;
		size_t k = 0;
		strbuf_addstr(&expr, "${");
		strbuf_add(&expr, raw.buf, raw.len);
		strbuf_addch(&expr, '}');
		rc = mk_expand_dollar(m, expr.buf, expr.len, &k, &arg, false, c->e);
		strbuf_release(&expr);
		if (rc < 0)
			goto out;
		*res = true;
		for (size_t j = 0; j < arg.len; j++)
			if (!isspace((unsigned char)arg.buf[j]))
				*res = false;
		rc = 0;
		goto out;
	}
	if (mk_expand_n(m, raw.buf, raw.len, &arg, false, c->e) < 0)
		goto out;
	strbuf_trim(&arg);
	if (fnlen == 7 && memcmp(fn, "defined", 7) == 0) {
		*res = mk_lookup(m, arg.buf, arg.len) != NULL ||
		    strcmp(arg.buf, ".CURDIR") == 0;
	} else if (fnlen == 4 && memcmp(fn, "make", 4) == 0) {
		*res = false;
		for (size_t k = 0; k < m->make_targets.n; k++)
			if (mk_glob(arg.buf, m->make_targets.v[k]))
				*res = true;
	} else if (fnlen == 6 && memcmp(fn, "target", 6) == 0) {
		*res = mk_target(m, arg.buf) != NULL;
	} else if (fnlen == 6 && memcmp(fn, "exists", 6) == 0) {
		struct stat st;
		char *p = NULL;
		if (arg.buf[0] == '/')
			p = m->sysroot ? xasprintf("%s%s", m->sysroot, arg.buf) : NULL;
		else
			p = xasprintf("%s/%s", m->dir, arg.buf);
		*res = p && strstr(arg.buf, "..") == NULL && stat(p, &st) == 0;
		free(p);
	} else {
		mk_err(m, c->e, "function %.*s() is not supported", (int)fnlen, fn);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&raw);
	strbuf_release(&arg);
	return rc;
}

static int cond_or(struct cond *c, bool *res);

static int
cmp(struct cond *c, bool *res)
{
	struct strbuf l = STRBUF_INIT, r = STRBUF_INIT;
	char op[3] = { 0, 0, 0 };
	bool lbare, rbare;
	double a, b;
	int rc = -1;

	if (operand(c, &l, &lbare) < 0)
		goto out;
	skip_ws(c);
	if (c->i < c->n && strchr("=!<>", c->s[c->i]) &&
	    !(c->s[c->i] == '!' && c->i + 1 < c->n && c->s[c->i + 1] != '=')) {
		op[0] = c->s[c->i++];
		if (c->i < c->n && c->s[c->i] == '=')
			op[1] = c->s[c->i++];
		if ((op[0] == '=' || op[0] == '!') && op[1] != '=') {
			bad(c, "unknown operator");
			goto out;
		}
		if (operand(c, &r, &rbare) < 0)
			goto out;
		if (parse_number(l.buf, &a) && parse_number(r.buf, &b)) {
			if (strcmp(op, "==") == 0) *res = a == b;
			else if (strcmp(op, "!=") == 0) *res = a != b;
			else if (strcmp(op, "<") == 0) *res = a < b;
			else if (strcmp(op, "<=") == 0) *res = a <= b;
			else if (strcmp(op, ">") == 0) *res = a > b;
			else *res = a >= b;
		} else if (strcmp(op, "==") == 0) {
			*res = strcmp(l.buf, r.buf) == 0;
		} else if (strcmp(op, "!=") == 0) {
			*res = strcmp(l.buf, r.buf) != 0;
		} else if (c->noeval) {
			*res = false;
		} else {
			mk_err(c->m, c->e, "comparison with '%s' needs numbers, got "
			    "'%s' and '%s'", op, l.buf, r.buf);
			goto out;
		}
	} else if (lbare && !parse_number(l.buf, &a)) {
		*res = mk_lookup(c->m, l.buf, l.len) != NULL;
	} else {
		*res = truthy(l.buf);
	}
	rc = 0;
out:
	strbuf_release(&l);
	strbuf_release(&r);
	return rc;
}

static int
cond_not(struct cond *c, bool *res)
{
	size_t st;

	if (++c->depth > 100)
		return bad(c, "nested too deeply");
	skip_ws(c);
	if (c->i >= c->n)
		return bad(c, "missing operand");
	if (c->s[c->i] == '!') {
		c->i++;
		if (cond_not(c, res) < 0)
			return -1;
		*res = !*res;
		c->depth--;
		return 0;
	}
	if (c->s[c->i] == '(') {
		c->i++;
		if (cond_or(c, res) < 0)
			return -1;
		skip_ws(c);
		if (c->i >= c->n || c->s[c->i] != ')')
			return bad(c, "missing ')'");
		c->i++;
		c->depth--;
		return 0;
	}
	st = c->i;
	while (c->i < c->n && isalpha((unsigned char)c->s[c->i]))
		c->i++;
	if (c->i > st && c->i < c->n && c->s[c->i] == '(') {
		size_t fl = c->i - st;
		c->i++;
		if (call(c, c->s + st, fl, res) < 0)
			return -1;
		c->depth--;
		return 0;
	}
	c->i = st;
	if (cmp(c, res) < 0)
		return -1;
	c->depth--;
	return 0;
}

static int
cond_and(struct cond *c, bool *res)
{
	bool r;

	if (cond_not(c, res) < 0)
		return -1;
	for (;;) {
		skip_ws(c);
		if (c->i + 1 < c->n && c->s[c->i] == '&' && c->s[c->i + 1] == '&') {
			c->i += 2;
			c->noeval += !*res;
			if (cond_not(c, &r) < 0)
				return -1;
			c->noeval -= !*res;
			*res = *res && r;
		} else {
			return 0;
		}
	}
}

static int
cond_or(struct cond *c, bool *res)
{
	bool r;

	if (cond_and(c, res) < 0)
		return -1;
	for (;;) {
		skip_ws(c);
		if (c->i + 1 < c->n && c->s[c->i] == '|' && c->s[c->i + 1] == '|') {
			c->i += 2;
			c->noeval += *res;
			if (cond_and(c, &r) < 0)
				return -1;
			c->noeval -= *res;
			*res = *res || r;
		} else {
			return 0;
		}
	}
}

int
mk_cond_eval(struct mk *m, const char *s, bool *result, struct kerr *e)
{
	struct cond c = { m, s, strlen(s), 0, e, 0, 0 };

	if (cond_or(&c, result) < 0)
		return -1;
	skip_ws(&c);
	if (c.i != c.n)
		return bad(&c, "unexpected text after the expression");
	return 0;
}
