/*
 * mk_parse: reading Makefiles.  Physical lines are joined into logical
 * lines (continuations), then each is a directive, an assignment, a rule
 * line or a recipe line of the current rule.  Conditionals and .for are
 * handled here, while reading, as bmake does; recipes are stored
 * unexpanded.  Also the public life-cycle functions of struct mk.
 * It does not expand (mk_expand.c) or evaluate conditions (mk_cond.c).
 * Calls: util.
 */
#include "mk/mk_int.h"
#include "util/path.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#define MK_MAX_INCLUDE 16

struct mline {
	char *text;	/* owned */
	int lineno;
	bool tab;	/* began with a tab: may be a recipe line */
};

typedef VEC(struct mline) mlines;

static void
lines_free(mlines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	vec_free(l);
}

/* Split text into logical lines (see §9.1 of spec/ports.md). */
static void
split_lines(const char *s, size_t n, mlines *out)
{
	size_t i = 0;
	int lineno = 1;

	while (i < n) {
		struct strbuf sb = STRBUF_INIT;
		struct mline ml;
		bool tab = s[i] == '\t';
		int first = lineno;

		for (;;) {
			size_t st = i, bs = 0;
			while (i < n && s[i] != '\n')
				i++;
			for (size_t k = i; k > st && s[k - 1] == '\\'; k--)
				bs++;
			if (bs % 2 == 1 && i < n) {
				/* continuation */
				if (tab) {
					strbuf_add(&sb, s + st, i - st);
					strbuf_addch(&sb, '\n');
					i++;
					lineno++;
					if (i < n && s[i] == '\t')
						i++;
				} else {
					strbuf_add(&sb, s + st, i - st - 1);
					while (sb.len && (sb.buf[sb.len - 1] == ' ' ||
					    sb.buf[sb.len - 1] == '\t'))
						strbuf_setlen(&sb, sb.len - 1);
					strbuf_addch(&sb, ' ');
					i++;
					lineno++;
					while (i < n && (s[i] == ' ' || s[i] == '\t'))
						i++;
				}
				continue;
			}
			strbuf_add(&sb, s + st, i - st);
			if (i < n) {
				i++;
				lineno++;
			}
			break;
		}
		ml.text = strbuf_detach(&sb, NULL);
		ml.lineno = first;
		ml.tab = tab;
		vec_push(out, ml);
	}
}

/* Recipe-style text used as a normal line: "\\\n" becomes one space. */
static void
unrecipe(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == '\n') {
			r++;
			while (r[1] == ' ' || r[1] == '\t')
				r++;
			*w++ = ' ';
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

/* Remove a # comment (not \#) and turn \# into #; trim trailing blanks. */
static void
strip_comment(char *s)
{
	char *w = s;
	int depth = 0;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == '#') {
			*w++ = '#';
			r++;
			continue;
		}
		if (r[0] == '$' && (r[1] == '{' || r[1] == '(')) {
			depth++;
			*w++ = *r++;
		} else if ((*r == '}' || *r == ')') && depth > 0) {
			depth--;
		} else if (*r == '#' && depth == 0) {
			break;
		}
		*w++ = *r;
	}
	while (w > s && isspace((unsigned char)w[-1]))
		w--;
	*w = '\0';
}

static const char *
intern_file(struct mk *m, const char *name)
{
	for (size_t i = 0; i < m->files.n; i++)
		if (strcmp(m->files.v[i], name) == 0)
			return m->files.v[i];
	vec_push(&m->files, xstrdup(name));
	return m->files.v[m->files.n - 1];
}

struct mk *
mk_new(const char *dir, const char *display, const struct mk *base)
{
	struct mk *m = xcalloc(1, sizeof(*m));

	m->dir = xstrdup(dir ? dir : ".");
	m->display = xstrdup(display ? display : m->dir);
	m->base = base;
	return m;
}

static void
target_free(struct mk_target *t)
{
	vec_free_all(&t->prereqs, free);
	for (size_t i = 0; i < t->cmds.n; i++) {
		free(t->cmds.v[i].raw);
		free(t->cmds.v[i].text);
	}
	vec_free(&t->cmds);
	free(t->name);
	free(t);
}

void
mk_free(struct mk *m)
{
	if (m == NULL)
		return;
	mk_table_free(&m->vars);
	vec_free_all(&m->targets, target_free);
	vec_free_all(&m->make_targets, free);
	vec_free_all(&m->files, free);
	vec_free_all(&m->warnings, free);
	vec_free(&m->cur);
	for (int k = 0; k < MK_RE_CACHE; k++) {
		if (m->re_cache[k].pat) {
			regfree(&m->re_cache[k].re);
			free(m->re_cache[k].pat);
		}
	}
	free(m->sysroot);
	free(m->dir);
	free(m->display);
	free(m);
}

void
mk_set_hook(struct mk *m, mk_sys_hook hook, void *arg)
{
	m->hook = hook;
	m->hook_arg = arg;
}

void
mk_add_make_target(struct mk *m, const char *target)
{
	vec_push(&m->make_targets, xstrdup(target));
}

void
mk_set_sysroot(struct mk *m, const char *root)
{
	free(m->sysroot);
	m->sysroot = root ? xstrdup(root) : NULL;
}

const char *
mk_dir(const struct mk *m)
{
	return m->dir;
}

const char *
mk_display(const struct mk *m)
{
	return m->display;
}

const char *
mk_raw(const struct mk *m, const char *name)
{
	const struct mk_var *v = mk_lookup(m, name, strlen(name));
	return v ? v->val.buf : NULL;
}

bool
mk_defined_own(const struct mk *m, const char *name)
{
	return mk_table_find(&m->vars, name, strlen(name)) != NULL;
}

bool
mk_where(const struct mk *m, const char *name, const char **file, int *line)
{
	const struct mk_var *v = mk_table_find(&m->vars, name, strlen(name));

	if (v == NULL || v->file == NULL)
		return false;
	*file = v->file;
	*line = v->line;
	return true;
}

bool
mk_assigned(const struct mk *m, const char *name)
{
	const struct mk_var *v = mk_table_find(&m->vars, name, strlen(name));
	return v && v->file != NULL;
}

bool
mk_defined(const struct mk *m, const char *name)
{
	return mk_lookup(m, name, strlen(name)) != NULL;
}

void
mk_set(struct mk *m, const char *name, const char *value, bool cmdline)
{
	struct mk_var *v = mk_table_get(&m->vars, name, strlen(name));

	mk_var_setval(v, value, strlen(value));
	v->cmdline = cmdline;
	v->file = NULL;
	v->line = 0;
}

void
mk_unset(struct mk *m, const char *name)
{
	struct mk_var *v = mk_table_find(&m->vars, name, strlen(name));

	if (v && !v->cmdline) {
		v->dead = true;
		strbuf_reset(&v->val);
	}
}

int
mk_assign(struct mk *m, const char *name, enum mk_op op, const char *value,
    struct kerr *e)
{
	size_t nl = strlen(name);
	struct mk_var *v = mk_table_find(&m->vars, name, nl);
	struct strbuf x = STRBUF_INIT;

	if (v && v->cmdline)
		return 0;
	switch (op) {
	case MK_DEFAULT:
		if (v)
			return 0;
		/* FALLTHROUGH */
	case MK_ASSIGN:
		v = mk_table_get(&m->vars, name, nl);
		mk_var_setval(v, value, strlen(value));
		break;
	case MK_APPEND:
		if (v == NULL) {
			/* append to the framework's default, as bmake would */
			const struct mk_var *b = m->base ?
			    mk_table_find(&m->base->vars, name, nl) : NULL;
			v = mk_table_get(&m->vars, name, nl);
			if (b)
				mk_var_setval(v, b->val.buf, b->val.len);
		}
		mk_var_append(v, value, strlen(value));
		break;
	case MK_EXPAND:
		if (mk_expand_n(m, value, strlen(value), &x, true, e) < 0) {
			strbuf_release(&x);
			return -1;
		}
		v = mk_table_get(&m->vars, name, nl);
		mk_var_setval(v, x.buf, x.len);
		strbuf_release(&x);
		break;
	}
	v->file = m->loc_file;
	v->line = m->loc_line;
	return 0;
}

size_t
mk_ntargets(const struct mk *m)
{
	return m->targets.n;
}

const struct mk_target *
mk_target_at(const struct mk *m, size_t i)
{
	return i < m->targets.n ? m->targets.v[i] : NULL;
}

const struct mk_target *
mk_target(const struct mk *m, const char *name)
{
	for (size_t i = 0; i < m->targets.n; i++)
		if (strcmp(m->targets.v[i]->name, name) == 0)
			return m->targets.v[i];
	return NULL;
}

void
mk_foreach(const struct mk *m,
    void (*fn)(const char *name, const char *raw, void *arg), void *arg)
{
	for (size_t i = 0; i < m->vars.order.n; i++) {
		const struct mk_var *v = m->vars.order.v[i];
		if (!v->dead)
			fn(v->name, v->val.buf, arg);
	}
}

size_t
mk_nwarnings(const struct mk *m)
{
	return m->warnings.n;
}

const char *
mk_warning_at(const struct mk *m, size_t i)
{
	return i < m->warnings.n ? m->warnings.v[i] : NULL;
}

/* ---- reading ---- */

struct cstate {
	bool active;	/* this branch is being read */
	bool taken;	/* some branch of this .if was taken */
	bool parent;	/* the enclosing context is active */
	bool seen_else;
	int line;
};

struct reader {
	struct mk *m;
	const char *file;	/* interned display name */
	VEC(struct cstate) conds;
	struct kerr *e;
};

static int process(struct reader *r, mlines *l, size_t from, size_t to);
static int include_file(struct mk *m, const char *rel, bool optional,
    struct kerr *e);

static bool
active(const struct reader *r)
{
	return r->conds.n == 0 || r->conds.v[r->conds.n - 1].active;
}

static struct mk_target *
target_get(struct mk *m, const char *name)
{
	struct mk_target *t;

	for (size_t i = 0; i < m->targets.n; i++)
		if (strcmp(m->targets.v[i]->name, name) == 0)
			return m->targets.v[i];
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->file = m->loc_file;
	t->line = m->loc_line;
	vec_push(&m->targets, t);
	return t;
}

static int
add_recipe(struct reader *r, const char *raw)
{
	struct mk *m = r->m;
	const char *p = raw;
	unsigned flags = 0;

	while (*p == '@' || *p == '-' || *p == '+' || *p == ' ' || *p == '\t') {
		if (*p == '@')
			flags |= MK_CMD_SILENT;
		else if (*p == '-')
			flags |= MK_CMD_IGNORE;
		else if (*p == '+')
			flags |= MK_CMD_ALWAYS;
		p++;
	}
	for (size_t i = 0; i < m->cur.n; i++) {
		struct mk_target *t = m->cur.v[i];
		struct mk_cmd c = { xstrdup(raw), xstrdup(p), flags, r->file,
		    m->loc_line };
		vec_push(&t->cmds, c);
	}
	return 0;
}

/* Expand s and split into words (plain blanks). */
static int
expand_words(struct mk *m, const char *s, mk_words *w, struct kerr *e)
{
	struct strbuf x = STRBUF_INIT;
	int rc = mk_expand(m, s, &x, e);

	if (rc == 0)
		mk_split_words(x.buf, w);
	strbuf_release(&x);
	return rc;
}

static int
rule_line(struct reader *r, char *line, size_t colon)
{
	struct mk *m = r->m;
	mk_words names = VEC_INIT, pre = VEC_INIT;
	int rc = -1;

	if (line[colon + 1] == ':')
		return mk_err(m, r->e, "'::' rules are not supported");
	if (line[colon + 1] == '!')
		return mk_err(m, r->e, "'!' rules are not supported");
	line[colon] = '\0';
	if (expand_words(m, line, &names, r->e) < 0 ||
	    expand_words(m, line + colon + 1, &pre, r->e) < 0)
		goto out;
	if (names.n == 0) {
		mk_err(m, r->e, "rule without a target name");
		goto out;
	}
	m->cur.n = 0;
	for (size_t i = 0; i < names.n; i++) {
		struct mk_target *t = target_get(m, names.v[i]);
		if (t->cmds.n > 0) {
			mk_err(m, r->e, "target %s already has commands (from %s:%d)",
			    t->name, t->file, t->line);
			goto out;
		}
		for (size_t k = 0; k < pre.n; k++)
			vec_push(&t->prereqs, xstrdup(pre.v[k]));
		vec_push(&m->cur, t);
	}
	rc = 0;
out:
	mk_words_free(&names);
	mk_words_free(&pre);
	return rc;
}

/* An assignment or a rule line; anything else is an error. */
static int
plain_line(struct reader *r, char *line)
{
	struct mk *m = r->m;
	long eq = -1, colon = -1;
	int depth = 0;
	enum mk_op op = MK_ASSIGN;
	size_t nend;
	char *name, *value;
	struct strbuf xname = STRBUF_INIT;
	int rc;

	for (size_t i = 0; line[i]; i++) {
		char c = line[i];
		if (c == '$' && (line[i + 1] == '{' || line[i + 1] == '(')) {
			depth++;
			i++;
			continue;
		}
		if ((c == '}' || c == ')') && depth > 0) {
			depth--;
			continue;
		}
		if (depth)
			continue;
		if (c == '=') {
			eq = (long)i;
			break;
		}
		if (c == ':' && colon < 0) {
			if (line[i + 1] == '=') {
				eq = (long)i + 1;
				break;
			}
			colon = (long)i;
		}
	}
	if (eq < 0 || (colon >= 0 && colon < eq - 1)) {
		if (colon >= 0)
			return rule_line(r, line, (size_t)colon);
		return mk_err(m, r->e, "cannot parse this line (not an assignment, "
		    "rule or directive): %.60s", line);
	}
	m->cur.n = 0;	/* an assignment ends the rule */
	nend = (size_t)eq;
	if (nend > 0) {
		switch (line[nend - 1]) {
		case '+': op = MK_APPEND; nend--; break;
		case '?': op = MK_DEFAULT; nend--; break;
		case ':': op = MK_EXPAND; nend--;
			if (nend > 0 && line[nend - 1] == ':')
				return mk_err(m, r->e, "'::=' assignments are not supported");
			break;
		case '!':
			return mk_err(m, r->e, "'!=' (shell command assignment) is not supported");
		default: break;
		}
	}
	value = line + eq + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	line[nend] = '\0';
	name = line;
	while (*name == ' ' || *name == '\t')
		name++;
	for (char *p = name + strlen(name); p > name && isspace((unsigned char)p[-1]); )
		*--p = '\0';
	if (*name == '\0')
		return mk_err(m, r->e, "assignment without a variable name");
	if (strchr(name, '$')) {
		if (mk_expand(m, name, &xname, r->e) < 0) {
			strbuf_release(&xname);
			return -1;
		}
		name = xname.buf;
	}
	rc = 0;
	if (*name == '\0' || strpbrk(name, " \t")) {
		rc = mk_err(m, r->e, "bad variable name '%s'", name);
	} else if (strcmp(name, "MASTERDIR") == 0 && strcmp(m->display, "framework") != 0) {
		rc = mk_err(m, r->e, "MASTERDIR (slave ports) is not supported");
	} else {
		rc = mk_assign(m, name, op, value, r->e);
	}
	strbuf_release(&xname);
	return rc;
}

/* Is the directive word w (length n) equal to s? */
static bool
word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

static int
dir_include(struct reader *r, const char *arg, bool optional)
{
	struct mk *m = r->m;
	struct strbuf x = STRBUF_INIT;
	size_t len = strlen(arg);
	int rc = -1;

	if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>') {
		enum mk_sys which;
		if (strcmp(arg, "<bsd.port.mk>") == 0)
			which = MK_SYS_PORT;
		else if (strcmp(arg, "<bsd.port.options.mk>") == 0)
			which = MK_SYS_OPTIONS;
		else if (strcmp(arg, "<bsd.port.pre.mk>") == 0)
			which = MK_SYS_PRE;
		else if (strcmp(arg, "<bsd.port.post.mk>") == 0)
			which = MK_SYS_POST;
		else
			return mk_err(m, r->e, ".include %s is not supported (only "
			    "bsd.port.mk, bsd.port.options.mk, bsd.port.pre.mk, "
			    "bsd.port.post.mk)", arg);
		if (m->hook == NULL)
			return 0;
		return m->hook(m, which, m->hook_arg, r->e);
	}
	if (len < 2 || arg[0] != '"' || arg[len - 1] != '"')
		return mk_err(m, r->e, "malformed .include (expected \"file\" or <file>)");
	if (mk_expand_n(m, arg + 1, len - 2, &x, false, r->e) < 0)
		goto out;
	rc = include_file(m, x.buf, optional, r->e);
out:
	strbuf_release(&x);
	return rc;
}

/* Substitute the .for variable into one body line; -1 past MK_MAX_LEN. */
static int
for_subst(const char *line, const char *var, const char *word, struct strbuf *out)
{
	size_t vl = strlen(var);

	for (const char *p = line; *p; p++) {
		if (out->len > MK_MAX_LEN)
			return -1;
		if (p[0] == '$' && p[1] == '$') {
			strbuf_add(out, p, 2);
			p++;
			continue;
		}
		if (p[0] == '$' && (p[1] == '{' || p[1] == '(') &&
		    strncmp(p + 2, var, vl) == 0) {
			char endc = p[1] == '{' ? '}' : ')';
			char after = p[2 + vl];
			if (after == endc) {
				strbuf_addstr(out, word);
				p += 2 + vl;
				continue;
			}
			if (after == ':') {
				strbuf_addstr(out, p[1] == '{' ? "${:U" : "$(:U");
				for (const char *w = word; *w; w++) {
					if (*w == ':' || *w == endc || *w == '$' || *w == '\\')
						strbuf_addch(out, '\\');
					strbuf_addch(out, *w);
				}
				p += 1 + vl;	/* the ':' is copied next */
				continue;
			}
		}
		if (p[0] == '$' && vl == 1 && p[1] == var[0]) {
			strbuf_addstr(out, word);
			p++;
			continue;
		}
		strbuf_addch(out, *p);
	}
	return 0;
}

/* .for: lines [i+1, end) are the body; *next is past .endfor. */
static int
dir_for(struct reader *r, mlines *l, size_t i, size_t to, const char *arg,
    size_t *next)
{
	struct mk *m = r->m;
	int depth = 1, rc = -1;
	size_t k, end = 0;
	const char *in;
	char *var = NULL;
	mk_words words = VEC_INIT;

	for (k = i + 1; k < to; k++) {
		const char *t = l->v[k].text;
		if (t[0] != '.')
			continue;
		t++;
		while (*t == ' ' || *t == '\t')
			t++;
		if (strncmp(t, "for", 3) == 0 && !isalnum((unsigned char)t[3]))
			depth++;
		else if (strncmp(t, "endfor", 6) == 0 && !isalnum((unsigned char)t[6]))
			if (--depth == 0) {
				end = k;
				break;
			}
	}
	if (depth != 0)
		return mk_err(m, r->e, ".for without .endfor");
	in = strstr(arg, " in ");
	if (in == NULL)
		in = strstr(arg, "\tin\t");
	if (in == NULL)
		return mk_err(m, r->e, "malformed .for (expected .for VAR in LIST)");
	var = xstrndup(arg, (size_t)(in - arg));
	for (char *p = var + strlen(var); p > var && isspace((unsigned char)p[-1]); )
		*--p = '\0';
	{
		char *v = var;
		while (*v == ' ' || *v == '\t')
			v++;
		memmove(var, v, strlen(v) + 1);
	}
	if (*var == '\0') {
		mk_err(m, r->e, "malformed .for (no variable)");
		goto out;
	}
	if (strpbrk(var, " \t")) {
		mk_err(m, r->e, ".for with several variables is not supported");
		goto out;
	}
	if (expand_words(m, in + 4, &words, r->e) < 0)
		goto out;
	if (m->for_depth >= 32) {
		mk_err(m, r->e, ".for loops nested too deeply");
		goto out;
	}
	m->for_depth++;
	for (size_t w = 0; w < words.n; w++) {
		mlines body = VEC_INIT;
		for (k = i + 1; k < end; k++) {
			struct strbuf sb = STRBUF_INIT;
			struct mline ml;
			rc = for_subst(l->v[k].text, var, words.v[w], &sb) < 0 ?
			    mk_err(m, r->e, ".for body line grows too large") :
			    mk_spend(m, sb.len, r->e);
			if (rc < 0) {
				strbuf_release(&sb);
				lines_free(&body);
				m->for_depth--;
				goto out;
			}
			ml.text = strbuf_detach(&sb, NULL);
			ml.lineno = l->v[k].lineno;
			ml.tab = l->v[k].tab;
			vec_push(&body, ml);
		}
		rc = process(r, &body, 0, body.n);
		lines_free(&body);
		if (rc < 0) {
			m->for_depth--;
			goto out;
		}
		rc = -1;
	}
	m->for_depth--;
	*next = end + 1;
	rc = 0;
out:
	free(var);
	mk_words_free(&words);
	return rc;
}

static int
directive(struct reader *r, mlines *l, size_t i, size_t to, char *line,
    size_t *next)
{
	struct mk *m = r->m;
	char *p = line + 1, *w, *arg;
	size_t wl;
	bool res;

	while (*p == ' ' || *p == '\t')
		p++;
	w = p;
	while (isalpha((unsigned char)*p) || *p == '-' || *p == '_')
		p++;
	wl = (size_t)(p - w);
	arg = p;
	while (*arg == ' ' || *arg == '\t')
		arg++;
	*next = i + 1;

	/* Conditionals are tracked even while skipping. */
	if (word_is(w, wl, "if") || word_is(w, wl, "ifdef") || word_is(w, wl, "ifndef")) {
		struct cstate cs = { false, false, active(r), false, m->loc_line };
		if (cs.parent) {
			if (word_is(w, wl, "if")) {
				if (mk_cond_eval(m, arg, &res, r->e) < 0)
					return -1;
			} else {
				struct strbuf x = STRBUF_INIT;
				if (mk_expand(m, arg, &x, r->e) < 0) {
					strbuf_release(&x);
					return -1;
				}
				strbuf_trim(&x);
				res = mk_lookup(m, x.buf, x.len) != NULL;
				strbuf_release(&x);
				if (word_is(w, wl, "ifndef"))
					res = !res;
			}
			cs.active = cs.taken = res;
		}
		vec_push(&r->conds, cs);
		return 0;
	}
	if (word_is(w, wl, "elif")) {
		struct cstate *cs;
		if (r->conds.n == 0)
			return mk_err(m, r->e, ".elif without .if");
		cs = &r->conds.v[r->conds.n - 1];
		if (cs->seen_else)
			return mk_err(m, r->e, ".elif after .else");
		if (!cs->parent || cs->taken) {
			cs->active = false;
			return 0;
		}
		if (mk_cond_eval(m, arg, &res, r->e) < 0)
			return -1;
		cs->active = cs->taken = res;
		return 0;
	}
	if (word_is(w, wl, "else")) {
		struct cstate *cs;
		if (r->conds.n == 0)
			return mk_err(m, r->e, ".else without .if");
		cs = &r->conds.v[r->conds.n - 1];
		if (cs->seen_else)
			return mk_err(m, r->e, "second .else for the .if at line %d",
			    cs->line);
		cs->seen_else = true;
		cs->active = cs->parent && !cs->taken;
		cs->taken = true;
		return 0;
	}
	if (word_is(w, wl, "endif")) {
		if (r->conds.n == 0)
			return mk_err(m, r->e, ".endif without .if");
		r->conds.n--;
		return 0;
	}
	if (word_is(w, wl, "elifdef") || word_is(w, wl, "elifndef") ||
	    word_is(w, wl, "elifmake") || word_is(w, wl, "elifnmake") ||
	    word_is(w, wl, "ifmake") || word_is(w, wl, "ifnmake"))
		return mk_err(m, r->e, ".%.*s is not supported", (int)wl, w);
	if (!active(r)) {
		/* Skip a whole .for body without reading it. */
		if (word_is(w, wl, "for")) {
			int depth = 1;
			for (size_t k = i + 1; k < to; k++) {
				const char *t = l->v[k].text;
				if (t[0] != '.')
					continue;
				t++;
				while (*t == ' ' || *t == '\t')
					t++;
				if (strncmp(t, "for", 3) == 0 && !isalnum((unsigned char)t[3]))
					depth++;
				else if (strncmp(t, "endfor", 6) == 0 &&
				    !isalnum((unsigned char)t[6]) && --depth == 0) {
					*next = k + 1;
					return 0;
				}
			}
			return mk_err(m, r->e, ".for without .endfor");
		}
		return 0;
	}
	if (word_is(w, wl, "for"))
		return dir_for(r, l, i, to, arg, next);
	if (word_is(w, wl, "endfor"))
		return mk_err(m, r->e, ".endfor without .for");
	if (word_is(w, wl, "include"))
		return dir_include(r, arg, false);
	if (word_is(w, wl, "sinclude"))
		return dir_include(r, arg, true);
	if (word_is(w, wl, "error") || word_is(w, wl, "warning") ||
	    word_is(w, wl, "info")) {
		struct strbuf x = STRBUF_INIT;
		if (mk_expand(m, arg, &x, r->e) < 0) {
			strbuf_release(&x);
			return -1;
		}
		if (w[0] == 'e') {
			mk_err(m, r->e, ".error: %s", x.buf);
			strbuf_release(&x);
			return -1;
		}
		vec_push(&m->warnings, xasprintf("%s:%d: %s", r->file, m->loc_line,
		    x.buf));
		strbuf_release(&x);
		return 0;
	}
	if (wl > 0 && isupper((unsigned char)w[0])) {
		/* a special target such as .PHONY: */
		if (word_is(w, wl, "PHONY") && (*p == ':' || *arg == ':')) {
			m->cur.n = 0;
			return 0;
		}
		return mk_err(m, r->e, "special target .%.*s is not supported",
		    (int)wl, w);
	}
	if (wl == 0)
		return mk_err(m, r->e, "malformed directive");
	return mk_err(m, r->e, ".%.*s is not supported", (int)wl, w);
}

static int
process(struct reader *r, mlines *l, size_t from, size_t to)
{
	struct mk *m = r->m;
	size_t i = from;

	while (i < to) {
		struct mline *ml = &l->v[i];
		char *line;
		size_t next = i + 1;
		int rc = 0;

		m->loc_file = r->file;
		m->loc_line = ml->lineno;
		if (mk_spend(m, MK_LINE_COST + strlen(ml->text), r->e) < 0)
			return -1;
		if (ml->tab && m->cur.n > 0 && active(r)) {
			/* a recipe line, kept as written */
			rc = add_recipe(r, ml->text + 1);
			if (rc < 0)
				return -1;
			i = next;
			continue;
		}
		line = xstrdup(ml->text);
		if (ml->tab)
			unrecipe(line);
		strip_comment(line);
		if (line[0] == '.') {
			rc = directive(r, l, i, to, line, &next);
		} else if (!active(r)) {
			rc = 0;
		} else {
			const char *p = line;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p)
				rc = plain_line(r, line);
		}
		free(line);
		if (rc < 0)
			return -1;
		i = next;
	}
	return 0;
}

static int
parse_text(struct mk *m, const char *display, const char *text, size_t len,
    struct kerr *e)
{
	struct reader r = { m, intern_file(m, display), VEC_INIT, e };
	mlines l = VEC_INIT;
	const char *sf = m->loc_file;
	int sl = m->loc_line, rc;

	if (memchr(text, '\0', len)) {
		m->loc_file = r.file;
		m->loc_line = 1;
		rc = mk_err(m, e, "file contains a NUL byte");
		goto out;
	}
	split_lines(text, len, &l);
	m->cur.n = 0;
	rc = process(&r, &l, 0, l.n);
	if (rc == 0 && r.conds.n > 0) {
		m->loc_line = r.conds.v[r.conds.n - 1].line;
		rc = mk_err(m, e, ".if without .endif");
	}
	m->cur.n = 0;
out:
	lines_free(&l);
	vec_free(&r.conds);
	m->loc_file = sf;
	m->loc_line = sl;
	return rc;
}

int
mk_parse_string(struct mk *m, const char *name, const char *text, size_t len,
    struct kerr *e)
{
	return parse_text(m, name, text, len, e);
}

static int
include_file(struct mk *m, const char *rel, bool optional, struct kerr *e)
{
	char *full = NULL, *norm = NULL, *disp = NULL;
	struct strbuf sb = STRBUF_INIT;
	int rc = -1;

	if (m->include_depth >= MK_MAX_INCLUDE)
		return mk_err(m, e, "includes nested too deeply");
	full = rel[0] == '/' ? xstrdup(rel) : path_join(m->dir, rel);
	norm = path_normalize(full);
	if (norm == NULL || !path_is_under(norm, m->dir) || strcmp(norm, m->dir) == 0) {
		if (m->loc_file)
			mk_err(m, e, "include of %s outside the port directory is "
			    "not supported", rel);
		else
			kerr_set(e, "%s: %s is outside the port directory", m->display, rel);
		goto out;
	}
	disp = xasprintf("%s/%s", m->display, norm + strlen(m->dir) +
	    (m->dir[strlen(m->dir) - 1] == '/' ? 0 : 1));
	if (strbuf_read_file(&sb, norm) < 0) {
		if (errno == ENOENT && optional) {
			rc = 0;
			goto out;
		}
		if (m->loc_file)
			mk_err(m, e, "cannot read %s: %s", disp, strerror(errno));
		else
			kerr_errno(e, "%s", disp);
		goto out;
	}
	m->include_depth++;
	rc = parse_text(m, disp, sb.buf, sb.len, e);
	m->include_depth--;
out:
	strbuf_release(&sb);
	free(full);
	free(norm);
	free(disp);
	return rc;
}

int
mk_parse_file(struct mk *m, const char *path, bool optional, struct kerr *e)
{
	return include_file(m, path, optional, e);
}
