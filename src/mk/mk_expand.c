/*
 * mk_expand: variable expansion and modifiers.  ${NAME:mod:mod} is read
 * once, left to right: the name (which may itself contain expressions),
 * the variable's value expanded recursively, then each modifier applied to
 * the words of that value.  Self-reference, depth and size are bounded.
 * It does not parse lines or conditions.
 * Calls: util.
 */
#include "mk/mk_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* About one unit per byte handled: a few seconds even in a fuzzing build. */
#define MK_MAX_WORK (16UL << 20)

int
mk_err(struct mk *m, struct kerr *e, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m->loc_file)
		return kerr_set(e, "%s:%d: %s", m->loc_file, m->loc_line, msg);
	return kerr_set(e, "%s: %s", m->display, msg);
}

int
mk_spend(struct mk *m, size_t units, struct kerr *e)
{
	m->work += units;
	if (m->work > MK_MAX_WORK)
		return mk_err(m, e, "evaluation takes too much work (over %lu MiB "
		    "of text handled; a .for or an expansion without bound?)",
		    MK_MAX_WORK >> 20);
	return 0;
}

const struct mk_var *
mk_lookup(const struct mk *m, const char *name, size_t n)
{
	const struct mk_var *v = mk_table_find(&m->vars, name, n);

	if (v == NULL && m->base)
		v = mk_table_find(&m->base->vars, name, n);
	return v;
}

/* One word of a value: NUL-terminated, inside its wordlist's text. */
struct word {
	char *buf;
	size_t len;
};

/* The words of a value: one copy of the text, cut at the separators. */
typedef struct {
	struct word *v;
	size_t n, cap;
	char *text;
} wordlist;

#define WORDLIST_INIT { NULL, 0, 0, NULL }

/* Split s[0..n) at blanks and newlines; one allocation for all the text. */
static void
split(const char *s, size_t n, wordlist *w)
{
	size_t i = 0;

	w->text = xmalloc(n + 1);
	memcpy(w->text, s, n);
	w->text[n] = '\0';
	while (i < n) {
		struct word wd;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
			i++;
		if (i >= n)
			break;
		wd.buf = w->text + i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
			i++;
		wd.len = (size_t)(w->text + i - wd.buf);
		w->text[i] = '\0';
		vec_push(w, wd);
	}
}

static void
words_free(wordlist *w)
{
	free(w->text);
	w->text = NULL;
	vec_free(w);
}

static void
join(struct strbuf *out, const wordlist *w, const char *sep, size_t seplen)
{
	strbuf_reset(out);
	for (size_t i = 0; i < w->n; i++) {
		if (i)
			strbuf_add(out, sep, seplen);
		strbuf_add(out, w->v[i].buf, w->v[i].len);
	}
}

/*
 * Read a modifier argument up to one of the stop characters (at nesting
 * depth 0), expanding nested expressions.  A backslash before a stop
 * character or the closing brace yields that character; other backslashes
 * are kept (glob and regex escapes).  When dollar_anchor, a '$' right
 * before a stop character is a literal '$' (the :S/:C end anchor).
 */
static int
read_arg(struct mk *m, const char *s, size_t n, size_t *ip, const char *stops,
    char endc, bool dollar_anchor, struct strbuf *out, struct kerr *e)
{
	size_t i = *ip;

	while (i < n) {
		char c = s[i];
		if (strchr(stops, c) || c == endc)
			break;
		if (c == '\\' && i + 1 < n &&
		    (strchr(stops, s[i + 1]) || s[i + 1] == endc ||
		    s[i + 1] == '\\' || s[i + 1] == '$')) {
			if (s[i + 1] == '\\' && !strchr(stops, '\\')) {
				strbuf_add(out, s + i, 2);	/* keep \\ */
			} else {
				strbuf_addch(out, s[i + 1]);
			}
			i += 2;
			continue;
		}
		if (c == '$') {
			if (dollar_anchor && i + 1 < n && strchr(stops, s[i + 1])) {
				strbuf_addch(out, '$');
				i++;
				continue;
			}
			if (mk_expand_dollar(m, s, n, &i, out, false, e) < 0)
				return -1;
			continue;
		}
		strbuf_addch(out, c);
		i++;
	}
	if (i >= n)
		return mk_err(m, e, "unclosed variable expression");
	*ip = i;
	return 0;
}

static regex_t *
re_get(struct mk *m, const char *pat, struct kerr *e)
{
	struct mk_re *r;
	int rc;

	for (int k = 0; k < MK_RE_CACHE; k++)
		if (m->re_cache[k].pat && strcmp(m->re_cache[k].pat, pat) == 0)
			return &m->re_cache[k].re;
	for (const char *p = pat; *p; p++) {
		if (*p == '\\' && p[1] >= '1' && p[1] <= '9') {
			mk_err(m, e, "back-references in a :C pattern are not supported");
			return NULL;
		}
		if (*p == '\\' && p[1])
			p++;
	}
	r = &m->re_cache[m->re_next];
	if (r->pat) {
		regfree(&r->re);
		free(r->pat);
		r->pat = NULL;
	}
	if ((rc = regcomp(&r->re, pat, REG_EXTENDED)) != 0) {
		char buf[128];
		regerror(rc, &r->re, buf, sizeof(buf));
		mk_err(m, e, "bad regular expression '%s' in :C: %s", pat, buf);
		return NULL;
	}
	r->pat = xstrdup(pat);
	m->re_next = (m->re_next + 1) % MK_RE_CACHE;
	return &r->re;
}

struct subst {
	struct strbuf lhs, rhs;
	bool anchor_start, anchor_end, global, one_word;
};

/* Append rhs with & replaced by the match (:S) or \N groups (:C). */
static void
add_repl(struct strbuf *out, const struct strbuf *rhs, const char *word,
    const regmatch_t *pm, size_t nmatch, const char *mstart, size_t mlen)
{
	for (size_t i = 0; i < rhs->len; i++) {
		char c = rhs->buf[i];
		if (c == '\\' && i + 1 < rhs->len) {
			char d = rhs->buf[i + 1];
			if (pm && d >= '0' && d <= '9') {
				size_t g = (size_t)(d - '0');
				if (g < nmatch && pm[g].rm_so >= 0)
					strbuf_add(out, word + pm[g].rm_so,
					    (size_t)(pm[g].rm_eo - pm[g].rm_so));
			} else {
				strbuf_addch(out, d);
			}
			i++;
		} else if (c == '&') {
			strbuf_add(out, mstart, mlen);
		} else {
			strbuf_addch(out, c);
		}
	}
}

static void
subst_word(const struct subst *sb, const char *w, size_t wl, struct strbuf *out,
    bool *done)
{
	const char *l = sb->lhs.buf;
	size_t ll = sb->lhs.len, i = 0;

	if (*done) {
		strbuf_add(out, w, wl);
		return;
	}
	if (sb->anchor_start || sb->anchor_end) {
		bool ok;
		size_t at;
		if (ll > wl) {
			strbuf_add(out, w, wl);
			return;
		}
		if (sb->anchor_start && sb->anchor_end)
			ok = ll == wl && memcmp(w, l, ll) == 0, at = 0;
		else if (sb->anchor_start)
			ok = memcmp(w, l, ll) == 0, at = 0;
		else
			ok = memcmp(w + wl - ll, l, ll) == 0, at = wl - ll;
		if (!ok) {
			strbuf_add(out, w, wl);
			return;
		}
		strbuf_add(out, w, at);
		add_repl(out, &sb->rhs, w, NULL, 0, w + at, ll);
		strbuf_add(out, w + at + ll, wl - at - ll);
		if (!sb->global)
			*done = sb->one_word ? true : *done;
		return;
	}
	if (ll == 0) {
		strbuf_add(out, w, wl);
		return;
	}
	while (i < wl) {
		if (i + ll <= wl && memcmp(w + i, l, ll) == 0) {
			add_repl(out, &sb->rhs, w, NULL, 0, w + i, ll);
			i += ll;
			if (!sb->global) {
				strbuf_add(out, w + i, wl - i);
				return;
			}
			continue;
		}
		strbuf_addch(out, w[i++]);
	}
}

static int
regex_word(struct mk *m, regex_t *re, const struct strbuf *rhs, bool global,
    const char *w, struct strbuf *out, struct kerr *e)
{
	regmatch_t pm[10];
	size_t off = 0, wl = strlen(w);
	int flags = 0;

	while (off <= wl) {
		if (regexec(re, w + off, 10, pm, flags) != 0)
			break;
		strbuf_add(out, w + off, (size_t)pm[0].rm_so);
		/* Offsets in pm are relative to w + off. */
		add_repl(out, rhs, w + off, pm, 10, w + off + pm[0].rm_so,
		    (size_t)(pm[0].rm_eo - pm[0].rm_so));
		if (pm[0].rm_eo == pm[0].rm_so) {
			if (off + (size_t)pm[0].rm_eo < wl)
				strbuf_addch(out, w[off + (size_t)pm[0].rm_eo]);
			off += (size_t)pm[0].rm_eo + 1;
		} else {
			off += (size_t)pm[0].rm_eo;
		}
		flags = REG_NOTBOL;
		if (!global)
			break;
	}
	if (off < wl)
		strbuf_add(out, w + off, wl - off);
	return 0;
}

/* :S or :C: parse the delimited parts and flags, then apply. */
static int
mod_subst(struct mk *m, const char *s, size_t n, size_t *ip, char endc,
    struct strbuf *val, struct kerr *e)
{
	size_t i = *ip;
	char kind = s[i++], delim;
	char stops[3];
	struct subst sb = { STRBUF_INIT, STRBUF_INIT, false, false, false, false };
	wordlist w = WORDLIST_INIT;
	struct strbuf out = STRBUF_INIT;
	regex_t *re = NULL;
	int rc = -1;
	bool done = false;

	if (i >= n || s[i] == endc || s[i] == ':' || s[i] == '\\' || s[i] == '$')
		return mk_err(m, e, "missing delimiter for :%c", kind);
	delim = s[i++];
	stops[0] = delim;
	stops[1] = '\0';
	if (kind == 'S' && i < n && s[i] == '^') {
		sb.anchor_start = true;
		i++;
	}
	if (read_arg(m, s, n, &i, stops, '\0', true, &sb.lhs, e) < 0)
		goto out;
	i++;
	if (kind == 'S' && sb.lhs.len && sb.lhs.buf[sb.lhs.len - 1] == '$' &&
	    (sb.lhs.len < 2 || sb.lhs.buf[sb.lhs.len - 2] != '\\')) {
		sb.anchor_end = true;
		strbuf_setlen(&sb.lhs, sb.lhs.len - 1);
	}
	if (read_arg(m, s, n, &i, stops, '\0', false, &sb.rhs, e) < 0)
		goto out;
	i++;
	for (; i < n && s[i] != ':' && s[i] != endc; i++) {
		if (s[i] == 'g')
			sb.global = true;
		else if (s[i] == '1')
			sb.one_word = true;
		else if (s[i] == 'W')
			;
		else {
			mk_err(m, e, "unknown flag '%c' for :%c", s[i], kind);
			goto out;
		}
	}
	if (kind == 'C' && (re = re_get(m, sb.lhs.buf, e)) == NULL)
		goto out;
	split(val->buf, val->len, &w);
	for (size_t k = 0; k < w.n; k++) {
		if (k)
			strbuf_addch(&out, ' ');
		if (kind == 'S') {
			subst_word(&sb, w.v[k].buf, w.v[k].len, &out, &done);
		} else if (done) {
			strbuf_add(&out, w.v[k].buf, w.v[k].len);
		} else {
			size_t before = out.len;
			regex_word(m, re, &sb.rhs, sb.global, w.v[k].buf, &out, e);
			if (sb.one_word && (out.len != before + w.v[k].len ||
			    memcmp(out.buf + before, w.v[k].buf, w.v[k].len) != 0))
				done = true;
		}
		if (out.len > MK_MAX_LEN) {
			mk_err(m, e, "expansion too large");
			goto out;
		}
	}
	strbuf_reset(val);
	strbuf_add(val, out.buf, out.len);
	*ip = i;
	rc = 0;
out:
	strbuf_release(&sb.lhs);
	strbuf_release(&sb.rhs);
	strbuf_release(&out);
	words_free(&w);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	const struct word *x = a, *y = b;
	return strcmp(x->buf, y->buf);
}

/* Per-word :R :E :H :T. */
static void
path_mod(char kind, struct strbuf *val)
{
	wordlist w = WORDLIST_INIT;
	struct strbuf out = STRBUF_INIT;

	split(val->buf, val->len, &w);
	for (size_t k = 0; k < w.n; k++) {
		const char *b = w.v[k].buf;
		size_t l = w.v[k].len;
		const char *slash = memrchr(b, '/', l);
		const char *dot = memrchr(b, '.', l);
		if (dot && slash && dot < slash)
			dot = NULL;
		if (k)
			strbuf_addch(&out, ' ');
		switch (kind) {
		case 'R':
			strbuf_add(&out, b, dot ? (size_t)(dot - b) : l);
			break;
		case 'E':
			if (dot)
				strbuf_add(&out, dot + 1, l - (size_t)(dot - b) - 1);
			break;
		case 'H':
			if (slash)
				strbuf_add(&out, b, slash == b ? 1 : (size_t)(slash - b));
			else
				strbuf_addch(&out, '.');
			break;
		case 'T':
			if (slash)
				strbuf_add(&out, slash + 1, l - (size_t)(slash - b) - 1);
			else
				strbuf_add(&out, b, l);
			break;
		}
	}
	strbuf_reset(val);
	strbuf_add(val, out.buf, out.len);
	strbuf_release(&out);
	words_free(&w);
}

static bool
parse_long(const char *s, long *out)
{
	char *end;
	if (*s == '\0')
		return false;
	*out = strtol(s, &end, 10);
	return *end == '\0';
}

/*
 * Words a..b (1-based, a > b walks backwards) of w into out.  Only the
 * indices that name a word are visited, so :[1..999999999999] costs what
 * the word list costs.
 */
static void
select_range(const wordlist *w, long a, long b, struct strbuf *out)
{
	long n = (long)w->n, step = a <= b ? 1 : -1;
	long from = step > 0 ? a : (a < n ? a : n);
	long to = step > 0 ? (b < n ? b : n) : b;

	for (long k = from; step > 0 ? k <= to : k >= to; k += step) {
		if (out->len)
			strbuf_addch(out, ' ');
		strbuf_add(out, w->v[k - 1].buf, w->v[k - 1].len);
	}
}

/* :[...] word selection. */
static int
mod_select(struct mk *m, const char *s, size_t n, size_t *ip, char endc,
    struct strbuf *val, struct kerr *e)
{
	struct strbuf arg = STRBUF_INIT;
	wordlist w = WORDLIST_INIT;
	size_t i = *ip + 1;
	long a, b;
	char *dots;
	int rc = -1;

	if (read_arg(m, s, n, &i, "]", endc, false, &arg, e) < 0)
		goto out;
	if (s[i] != ']') {
		mk_err(m, e, "unclosed :[ modifier");
		goto out;
	}
	i++;
	split(val->buf, val->len, &w);
	if (strcmp(arg.buf, "#") == 0) {
		strbuf_reset(val);
		strbuf_addf(val, "%zu", w.n);
	} else if (strcmp(arg.buf, "*") == 0 || strcmp(arg.buf, "@") == 0 ||
	    strcmp(arg.buf, "0") == 0) {
		/* the value as one word / as words: no change to the text */
	} else {
		if ((dots = strstr(arg.buf, "..")) != NULL) {
			*dots = '\0';
			if (!parse_long(arg.buf, &a) || !parse_long(dots + 2, &b)) {
				mk_err(m, e, "bad modifier :[%s..%s]", arg.buf, dots + 2);
				goto out;
			}
		} else if (parse_long(arg.buf, &a)) {
			b = a;
		} else {
			mk_err(m, e, "bad modifier :[%s]", arg.buf);
			goto out;
		}
		if (a < 0)
			a = (long)w.n + a + 1;
		if (b < 0)
			b = (long)w.n + b + 1;
		strbuf_reset(val);
		if (a >= 1 && b >= 1)
			select_range(&w, a, b, val);
	}
	*ip = i;
	rc = 0;
out:
	strbuf_release(&arg);
	words_free(&w);
	return rc;
}

/* Apply the modifier starting at s[*ip]; *ip ends on ':' or endc. */
static int
apply_mod(struct mk *m, const char *s, size_t n, size_t *ip, char endc,
    struct strbuf *val, bool *defined, struct kerr *e)
{
	size_t i = *ip;
	char c = i < n ? s[i] : '\0';
	struct strbuf arg = STRBUF_INIT;
	wordlist w = WORDLIST_INIT;
	int rc = -1;

	if (mk_spend(m, MK_EXPR_COST + val->len, e) < 0)
		return -1;
	switch (c) {
	case 'M':
	case 'N': {
		struct strbuf out = STRBUF_INIT;
		size_t k;
		i++;
		if (read_arg(m, s, n, &i, ":", endc, false, &arg, e) < 0)
			goto out;
		split(val->buf, val->len, &w);
		for (k = 0; k < w.n; k++) {
			bool hit = mk_glob(arg.buf, w.v[k].buf);
			if (hit == (c == 'M')) {
				if (out.len)
					strbuf_addch(&out, ' ');
				strbuf_add(&out, w.v[k].buf, w.v[k].len);
			}
		}
		strbuf_reset(val);
		strbuf_add(val, out.buf, out.len);
		strbuf_release(&out);
		break;
	}
	case 'S':
	case 'C':
		if (mod_subst(m, s, n, &i, endc, val, e) < 0)
			goto out;
		break;
	case 'R':
	case 'E':
	case 'H':
	case 'T':
		if (i + 1 < n && s[i + 1] != ':' && s[i + 1] != endc)
			goto unsupported;
		path_mod(c, val);
		i++;
		break;
	case 'U':
	case 'D':
		i++;
		if (read_arg(m, s, n, &i, ":", endc, false, &arg, e) < 0)
			goto out;
		if ((c == 'U') != *defined) {
			strbuf_reset(val);
			strbuf_add(val, arg.buf, arg.len);
		} else if (c == 'D') {
			strbuf_reset(val);
		}
		*defined = true;
		break;
	case 'Q': {
		struct strbuf out = STRBUF_INIT;
		if (i + 1 < n && s[i + 1] != ':' && s[i + 1] != endc)
			goto unsupported;
		for (size_t k = 0; k < val->len; k++) {
			if (strchr(" \t\n\"'\\$`|&;<>()*?[]#~=%!{}", val->buf[k]))
				strbuf_addch(&out, '\\');
			strbuf_addch(&out, val->buf[k]);
		}
		strbuf_reset(val);
		strbuf_add(val, out.buf, out.len);
		strbuf_release(&out);
		i++;
		break;
	}
	case 'O':
		if (i + 1 < n && s[i + 1] != ':' && s[i + 1] != endc)
			goto unsupported;
		split(val->buf, val->len, &w);
		if (w.n > 0)
			qsort(w.v, w.n, sizeof(*w.v), cmp_str);
		join(val, &w, " ", 1);
		i++;
		break;
	case 'u': {
		size_t o = 0;
		if (i + 1 < n && s[i + 1] != ':' && s[i + 1] != endc)
			goto unsupported;
		split(val->buf, val->len, &w);
		for (size_t k = 0; k < w.n; k++) {
			if (o && strcmp(w.v[o - 1].buf, w.v[k].buf) == 0)
				continue;
			w.v[o++] = w.v[k];
		}
		w.n = o;
		join(val, &w, " ", 1);
		i++;
		break;
	}
	case 't':
		if (i + 1 < n && (s[i + 1] == 'l' || s[i + 1] == 'u') &&
		    (i + 2 >= n || s[i + 2] == ':' || s[i + 2] == endc)) {
			for (size_t k = 0; k < val->len; k++)
				val->buf[k] = (char)(s[i + 1] == 'l' ?
				    tolower((unsigned char)val->buf[k]) :
				    toupper((unsigned char)val->buf[k]));
			i += 2;
		} else if (i + 1 < n && s[i + 1] == 's') {
			char sep[2] = { 0, 0 };
			size_t seplen = 0;
			i += 2;
			if (i < n && s[i] == '\\' && i + 1 < n) {
				if (s[i + 1] == 'n')
					sep[0] = '\n';
				else if (s[i + 1] == 't')
					sep[0] = '\t';
				else
					sep[0] = s[i + 1];
				seplen = 1;
				i += 2;
			} else if (i < n && s[i] != ':' && s[i] != endc) {
				sep[0] = s[i++];
				seplen = 1;
			}
			if (i < n && s[i] != ':' && s[i] != endc)
				goto unsupported;
			split(val->buf, val->len, &w);
			join(val, &w, sep, seplen);
		} else {
			goto unsupported;
		}
		break;
	case '[':
		if (mod_select(m, s, n, &i, endc, val, e) < 0)
			goto out;
		break;
	default:
		goto unsupported;
	}
	if (i < n && s[i] != ':' && s[i] != endc) {
		/* a modifier followed by junk, e.g. :Rx */
		goto unsupported;
	}
	*ip = i;
	rc = 0;
	goto out;
unsupported: {
		size_t len = 0;
		while (i + len < n && s[i + len] != ':' && s[i + len] != endc && len < 20)
			len++;
		mk_err(m, e, "modifier ':%.*s' is not supported", (int)(len ? len : 1),
		    i < n ? s + i : "");
	}
out:
	strbuf_release(&arg);
	words_free(&w);
	return rc;
}

/* Expand a variable's value into out, guarding against self-reference. */
static int
expand_var(struct mk *m, const struct mk_var *v, struct strbuf *out,
    struct kerr *e)
{
	const char *sf;
	int sl, rc;

	if (mk_spend(m, v->val.len, e) < 0)
		return -1;
	if (!v->dollar) {
		strbuf_add(out, v->val.buf, v->val.len);
		return 0;
	}
	for (int k = 0; k < m->depth; k++)
		if (m->stack[k] == v)
			return mk_err(m, e, "variable %s refers to itself", v->name);
	if (m->depth >= MK_MAX_DEPTH)
		return mk_err(m, e, "variable expansion nested too deeply (at %s)",
		    v->name);
	m->stack[m->depth++] = v;
	sf = m->loc_file;
	sl = m->loc_line;
	if (v->file && !m->loc_file) {
		m->loc_file = v->file;
		m->loc_line = v->line;
	}
	rc = mk_expand_n(m, v->val.buf, v->val.len, out, false, e);
	m->loc_file = sf;
	m->loc_line = sl;
	m->depth--;
	return rc;
}

int
mk_expand_dollar(struct mk *m, const char *s, size_t n, size_t *ip,
    struct strbuf *out, bool keep_dollar, struct kerr *e)
{
	size_t i = *ip + 1;
	char endc;
	struct strbuf name = STRBUF_INIT, val = STRBUF_INIT;
	const struct mk_var *v;
	bool defined;
	int rc = -1;

	if (mk_spend(m, MK_EXPR_COST, e) < 0)
		return -1;
	if (i >= n) {
		strbuf_addch(out, '$');
		*ip = i;
		return 0;
	}
	if (s[i] == '$') {
		strbuf_addstr(out, keep_dollar ? "$$" : "$");
		*ip = i + 1;
		return 0;
	}
	if (s[i] != '{' && s[i] != '(') {
		/* $X: a one-letter variable */
		v = mk_lookup(m, s + i, 1);
		*ip = i + 1;
		return v ? expand_var(m, v, out, e) : 0;
	}
	endc = s[i] == '{' ? '}' : ')';
	i++;
	if (m->nest >= 200)
		return mk_err(m, e, "variable expressions nested too deeply");
	m->nest++;
	while (i < n && s[i] != ':' && s[i] != endc) {
		if (s[i] == '$') {
			if (mk_expand_dollar(m, s, n, &i, &name, false, e) < 0)
				goto out;
			continue;
		}
		strbuf_addch(&name, s[i++]);
	}
	if (i >= n) {
		mk_err(m, e, "unclosed variable expression");
		goto out;
	}
	v = name.len ? mk_lookup(m, name.buf, name.len) : NULL;
	if (v == NULL && name.len == 7 && memcmp(name.buf, ".CURDIR", 7) == 0) {
		strbuf_addstr(&val, m->dir);
		defined = true;
	} else {
		defined = v != NULL;
		if (v && expand_var(m, v, &val, e) < 0)
			goto out;
	}
	while (s[i] == ':') {
		i++;
		if (apply_mod(m, s, n, &i, endc, &val, &defined, e) < 0)
			goto out;
		if (i >= n) {
			mk_err(m, e, "unclosed variable expression");
			goto out;
		}
	}
	/* s[i] == endc */
	if (keep_dollar) {
		/* := keeps $$ of values too */
		for (size_t k = 0; k < val.len; k++) {
			if (val.buf[k] == '$')
				strbuf_addch(out, '$');
			strbuf_addch(out, val.buf[k]);
		}
	} else {
		strbuf_add(out, val.buf, val.len);
	}
	if (out->len > MK_MAX_LEN) {
		mk_err(m, e, "expansion too large");
		goto out;
	}
	*ip = i + 1;
	rc = 0;
out:
	m->nest--;
	strbuf_release(&name);
	strbuf_release(&val);
	return rc;
}

int
mk_expand_n(struct mk *m, const char *s, size_t n, struct strbuf *out,
    bool keep_dollar, struct kerr *e)
{
	size_t i = 0;

	while (i < n) {
		const char *d = memchr(s + i, '$', n - i);
		if (d == NULL) {
			strbuf_add(out, s + i, n - i);
			break;
		}
		strbuf_add(out, s + i, (size_t)(d - (s + i)));
		i = (size_t)(d - s);
		if (mk_expand_dollar(m, s, n, &i, out, keep_dollar, e) < 0)
			return -1;
	}
	if (out->len > MK_MAX_LEN)
		return mk_err(m, e, "expansion too large");
	return 0;
}

int
mk_expand(struct mk *m, const char *s, struct strbuf *out, struct kerr *e)
{
	return mk_expand_n(m, s, strlen(s), out, false, e);
}

int
mk_value(struct mk *m, const char *name, struct strbuf *out, struct kerr *e)
{
	const struct mk_var *v = mk_lookup(m, name, strlen(name));

	if (v == NULL)
		return 0;
	return expand_var(m, v, out, e);
}
