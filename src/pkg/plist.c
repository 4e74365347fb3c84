/*
 * plist: the packing-list reader (see plist.h).  One pass over the lines
 * with sticky state (prefix, owner, group, mode); keywords come from one
 * table; script snippets are collected per script type and appended to
 * the manifest at the end.  Calls: util, pkg/manifest.
 */
#include "pkg/plist.h"

#include "util/path.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A set of file paths, so "listed twice" and the unlisted-files walk stay
 * linear on packages with many thousands of files. */
struct pathset {
	char **slot;	/* borrowed from the manifest's files */
	size_t cap, n;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static bool
pathset_has(const struct pathset *ps, const char *s)
{
	if (ps->cap == 0)
		return false;
	for (size_t i = hash_str(s) & (ps->cap - 1); ps->slot[i]; i = (i + 1) & (ps->cap - 1))
		if (strcmp(ps->slot[i], s) == 0)
			return true;
	return false;
}

static void
pathset_add(struct pathset *ps, char *s)
{
	if ((ps->n + 1) * 2 > ps->cap) {
		struct pathset bigger = { NULL, ps->cap ? ps->cap * 2 : 64, 0 };

		bigger.slot = xcalloc(bigger.cap, sizeof(char *));
		for (size_t i = 0; i < ps->cap; i++)
			if (ps->slot[i])
				pathset_add(&bigger, ps->slot[i]);
		free(ps->slot);
		*ps = bigger;
	}
	size_t i = hash_str(s) & (ps->cap - 1);
	while (ps->slot[i])
		i = (i + 1) & (ps->cap - 1);
	ps->slot[i] = s;
	ps->n++;
}

struct pstate {
	struct pathset listed;
	const char *what;
	int line;
	const char *stagedir;
	struct pkg_manifest *m;
	char *prefix;		/* current @cwd */
	char *owner, *group;	/* sticky, NULL = default */
	mode_t mode;		/* sticky, PKG_PERM_UNSET = from stage */
	char *last_file;	/* as listed, for %F */
	char *last_abs;		/* absolute, for %B */
	struct strbuf scripts[PKG_SCRIPT_MAX];
	bool ldconfig;
};

/* Per-line attributes from "@kw(owner,group,mode)". */
struct attrs {
	char *owner, *group;
	mode_t mode;
};

static int
perr(struct pstate *s, struct kerr *e, const char *fmt, const char *arg)
{
	kerr_set(e, "%s:%d: ", s->what, s->line);
	size_t l = strlen(e->msg);
	snprintf(e->msg + l, sizeof(e->msg) - l, fmt, arg);
	return -1;
}

static char *
abs_path(struct pstate *s, const char *p)
{
	char *j, *n;

	if (p[0] == '/')
		j = xstrdup(p);
	else
		j = path_join(s->prefix, p);
	n = path_normalize(j);
	free(j);
	return n;
}

/* Expand %D %F %f %B %% in a command. */
static void
expand(struct pstate *s, const char *cmd, struct strbuf *out)
{
	for (const char *p = cmd; *p; p++) {
		if (*p != '%' || p[1] == '\0') {
			strbuf_addch(out, *p);
			continue;
		}
		p++;
		switch (*p) {
		case 'D':
			strbuf_addstr(out, s->prefix);
			break;
		case 'F':
			strbuf_addstr(out, s->last_file ? s->last_file : "");
			break;
		case 'f': {
			const char *f = s->last_file ? s->last_file : "";
			const char *b = strrchr(f, '/');
			strbuf_addstr(out, b ? b + 1 : f);
			break;
		}
		case 'B': {
			const char *f = s->last_abs ? s->last_abs : "";
			const char *b = strrchr(f, '/');
			if (b)
				strbuf_add(out, f, (size_t)(b - f));
			break;
		}
		case '%':
			strbuf_addch(out, '%');
			break;
		default:
			strbuf_addch(out, '%');
			strbuf_addch(out, *p);
		}
	}
}

static void
add_script(struct pstate *s, enum pkg_script t, const char *text)
{
	strbuf_addstr(&s->scripts[t], text);
	if (s->scripts[t].len && s->scripts[t].buf[s->scripts[t].len - 1] != '\n')
		strbuf_addch(&s->scripts[t], '\n');
}

static int
add_file(struct pstate *s, const char *arg, const struct attrs *a, bool config,
    struct kerr *e)
{
	char *abs = abs_path(s, arg);
	char *staged;
	struct stat st;
	struct pkg_file *f;

	if (abs == NULL)
		return perr(s, e, "%s: path climbs above /", arg);
	staged = path_join(s->stagedir, abs);
	if (lstat(staged, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))) {
		free(staged);
		perr(s, e, "%s: not in the stage directory (or not a file)", abs);
		free(abs);
		return -1;
	}
	free(staged);
	if (pathset_has(&s->listed, abs)) {
		perr(s, e, "%s: listed twice", abs);
		free(abs);
		return -1;
	}
	f = pkg_manifest_append_file(s->m, abs);
	pathset_add(&s->listed, f->path);
	if (a->owner || s->owner)
		f->uname = xstrdup(a->owner ? a->owner : s->owner);
	if (a->group || s->group)
		f->gname = xstrdup(a->group ? a->group : s->group);
	f->perm = a->mode != PKG_PERM_UNSET ? a->mode : s->mode;
	if (config)
		pkg_strv_push(&s->m->config, abs);
	free(s->last_file);
	free(s->last_abs);
	s->last_file = xstrdup(arg);
	s->last_abs = abs;
	return 0;
}

static int
add_dir(struct pstate *s, const char *arg, const struct attrs *a, struct kerr *e)
{
	char *abs = abs_path(s, arg);
	char *staged;
	struct pkg_dir *d;

	if (abs == NULL)
		return perr(s, e, "%s: path climbs above /", arg);
	staged = path_join(s->stagedir, abs);
	if (!path_is_dir(staged)) {
		free(staged);
		perr(s, e, "%s: directory not in the stage directory", abs);
		free(abs);
		return -1;
	}
	free(staged);
	d = pkg_manifest_add_dir(s->m, abs);
	if (a->owner || s->owner)
		d->uname = xstrdup(a->owner ? a->owner : s->owner);
	if (a->group || s->group)
		d->gname = xstrdup(a->group ? a->group : s->group);
	d->perm = a->mode != PKG_PERM_UNSET ? a->mode : s->mode;
	free(abs);
	return 0;
}

/* Single-quote s for a shell script. */
static void
shq(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

static int
kw_sample(struct pstate *s, char *arg, const struct attrs *a, struct kerr *e)
{
	char *sp = arg + strcspn(arg, " \t");
	char *target_arg = NULL, *sample, *target;
	struct strbuf sb = STRBUF_INIT;

	if (*sp) {
		*sp++ = '\0';
		while (isspace((unsigned char)*sp))
			sp++;
		if (*sp)
			target_arg = sp;
	}
	if (add_file(s, arg, a, false, e) < 0)
		return -1;
	sample = xstrdup(s->last_abs);
	if (target_arg) {
		target = abs_path(s, target_arg);
	} else {
		size_t l = strlen(sample);

		if (l < 8 || strcmp(sample + l - 7, ".sample") != 0) {
			free(sample);
			return perr(s, e, "@sample %s: name does not end in .sample and "
			    "no target is given", arg);
		}
		target = xstrndup(sample, l - 7);
	}
	if (target == NULL) {
		free(sample);
		return perr(s, e, "@sample %s: target climbs above /", arg);
	}
	strbuf_addstr(&sb, "if [ ! -e \"${PKG_ROOTDIR}\"");
	shq(&sb, target);
	strbuf_addstr(&sb, " ]; then /bin/cp -p \"${PKG_ROOTDIR}\"");
	shq(&sb, sample);
	strbuf_addstr(&sb, " \"${PKG_ROOTDIR}\"");
	shq(&sb, target);
	strbuf_addstr(&sb, "; fi\n");
	add_script(s, PKG_SCRIPT_POST_INSTALL, sb.buf);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "if cmp -s \"${PKG_ROOTDIR}\"");
	shq(&sb, sample);
	strbuf_addstr(&sb, " \"${PKG_ROOTDIR}\"");
	shq(&sb, target);
	strbuf_addstr(&sb, "; then rm -f \"${PKG_ROOTDIR}\"");
	shq(&sb, target);
	strbuf_addstr(&sb, "; elif [ -e \"${PKG_ROOTDIR}\"");
	shq(&sb, target);
	strbuf_addstr(&sb, " ]; then echo \"You may need to remove ${PKG_ROOTDIR}");
	strbuf_addstr(&sb, target);
	strbuf_addstr(&sb, " by hand if it is no longer needed.\"; fi\n");
	add_script(s, PKG_SCRIPT_PRE_DEINSTALL, sb.buf);
	strbuf_release(&sb);
	free(sample);
	free(target);
	return 0;
}

static int
kw_shell(struct pstate *s, char *arg, const struct attrs *a, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;

	if (add_file(s, arg, a, false, e) < 0)
		return -1;
	strbuf_addstr(&sb, "shells=\"${PKG_ROOTDIR}/etc/shells\"; "
	    "grep -qxF ");
	shq(&sb, s->last_abs);
	strbuf_addstr(&sb, " \"$shells\" 2>/dev/null || echo ");
	shq(&sb, s->last_abs);
	strbuf_addstr(&sb, " >> \"$shells\"\n");
	add_script(s, PKG_SCRIPT_POST_INSTALL, sb.buf);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "shells=\"${PKG_ROOTDIR}/etc/shells\"; if [ -f \"$shells\" ]; "
	    "then grep -vxF ");
	shq(&sb, s->last_abs);
	strbuf_addstr(&sb, " \"$shells\" > \"$shells.kiln\"; cat \"$shells.kiln\" > "
	    "\"$shells\"; rm -f \"$shells.kiln\"; fi\n");
	add_script(s, PKG_SCRIPT_PRE_DEINSTALL, sb.buf);
	strbuf_release(&sb);
	return 0;
}

static int
kw_info(struct pstate *s, char *arg, const struct attrs *a, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir;

	if (add_file(s, arg, a, false, e) < 0)
		return -1;
	dir = xstrndup(s->last_abs, (size_t)(strrchr(s->last_abs, '/') - s->last_abs));
	strbuf_addstr(&sb, "if command -v indexinfo >/dev/null 2>&1; then indexinfo "
	    "\"${PKG_ROOTDIR}\"");
	shq(&sb, dir);
	strbuf_addstr(&sb, "; fi\n");
	add_script(s, PKG_SCRIPT_POST_INSTALL, sb.buf);
	add_script(s, PKG_SCRIPT_POST_DEINSTALL, sb.buf);
	strbuf_release(&sb);
	free(dir);
	return 0;
}

static int
kw_rmtry(struct pstate *s, char *arg, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	char *abs = abs_path(s, arg);

	if (abs == NULL)
		return perr(s, e, "@rmtry %s: path climbs above /", arg);
	strbuf_addstr(&sb, "rm -f \"${PKG_ROOTDIR}\"");
	shq(&sb, abs);
	strbuf_addstr(&sb, " 2>/dev/null || true\n");
	add_script(s, PKG_SCRIPT_POST_DEINSTALL, sb.buf);
	strbuf_release(&sb);
	free(abs);
	return 0;
}

static int
kw_exec(struct pstate *s, enum pkg_script t, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;

	expand(s, arg, &sb);
	add_script(s, t, sb.buf);
	strbuf_release(&sb);
	return 0;
}

static void
set_sticky(char **slot, const char *arg)
{
	free(*slot);
	*slot = *arg ? xstrdup(arg) : NULL;
}

static int
parse_mode(struct pstate *s, const char *arg, mode_t *out, struct kerr *e)
{
	char *end;
	long n;

	if (*arg == '\0') {
		*out = PKG_PERM_UNSET;
		return 0;
	}
	n = strtol(arg, &end, 8);
	if (*end != '\0' || n < 0 || n > 07777)
		return perr(s, e, "bad mode '%s' (want octal like 0644)", arg);
	*out = (mode_t)n;
	return 0;
}

/* "@kw(o,g,m[,fflags])": split off the attributes. */
static int
parse_attrs(struct pstate *s, char *paren, struct attrs *a, struct kerr *e)
{
	char *close = strchr(paren, ')');
	char *fields[4] = { NULL, NULL, NULL, NULL };
	int n = 0;
	char *p = paren + 1;

	if (close == NULL)
		return perr(s, e, "unclosed '(' in '%s'", paren);
	*close = '\0';
	while (n < 4) {
		fields[n++] = p;
		p = strchr(p, ',');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (fields[0] && *fields[0])
		a->owner = fields[0];
	if (fields[1] && *fields[1])
		a->group = fields[1];
	if (fields[2] && parse_mode(s, fields[2], &a->mode, e) < 0)
		return -1;
	return 0;
}

static int
do_line(struct pstate *s, char *line, struct kerr *e)
{
	struct attrs a = { NULL, NULL, PKG_PERM_UNSET };
	char *kw, *arg, *paren;

	if (line[0] != '@')
		return add_file(s, line, &a, false, e);
	kw = line + 1;
	arg = kw + strcspn(kw, " \t");
	if (*arg) {
		*arg++ = '\0';
		while (isspace((unsigned char)*arg))
			arg++;
	}
	if ((paren = strchr(kw, '(')) != NULL) {
		if (parse_attrs(s, paren, &a, e) < 0)
			return -1;
		*paren = '\0';
	}
	if (*kw == '\0')
		return *arg ? add_file(s, arg, &a, false, e) :
		    perr(s, e, "%s", "'@(...)' without a file");
	if (strcmp(kw, "comment") == 0)
		return 0;
	if (strcmp(kw, "cwd") == 0 || strcmp(kw, "setprefix") == 0) {
		free(s->prefix);
		s->prefix = xstrdup(*arg ? arg : s->m->prefix);
		return 0;
	}
	if (strcmp(kw, "mode") == 0)
		return parse_mode(s, arg, &s->mode, e);
	if (strcmp(kw, "owner") == 0) {
		set_sticky(&s->owner, arg);
		return 0;
	}
	if (strcmp(kw, "group") == 0) {
		set_sticky(&s->group, arg);
		return 0;
	}
	if (strcmp(kw, "ldconfig") == 0) {
		s->ldconfig = true;
		return 0;
	}
	if (strcmp(kw, "preexec") == 0)
		return kw_exec(s, PKG_SCRIPT_PRE_INSTALL, arg);
	if (strcmp(kw, "postexec") == 0 || strcmp(kw, "exec") == 0)
		return kw_exec(s, PKG_SCRIPT_POST_INSTALL, arg);
	if (strcmp(kw, "preunexec") == 0 || strcmp(kw, "unexec") == 0)
		return kw_exec(s, PKG_SCRIPT_PRE_DEINSTALL, arg);
	if (strcmp(kw, "postunexec") == 0)
		return kw_exec(s, PKG_SCRIPT_POST_DEINSTALL, arg);
	if (*arg == '\0')
		return perr(s, e, "@%s needs an argument", kw);
	if (strcmp(kw, "dir") == 0)
		return add_dir(s, arg, &a, e);
	if (strcmp(kw, "config") == 0)
		return add_file(s, arg, &a, true, e);
	if (strcmp(kw, "sample") == 0)
		return kw_sample(s, arg, &a, e);
	if (strcmp(kw, "shell") == 0)
		return kw_shell(s, arg, &a, e);
	if (strcmp(kw, "info") == 0)
		return kw_info(s, arg, &a, e);
	if (strcmp(kw, "rmtry") == 0)
		return kw_rmtry(s, arg, e);
	return perr(s, e, "unknown keyword '@%s'", kw);
}

/* Walk the stage and collect files and symlinks no line named. */
static int
walk_unlisted(const char *stagedir, const char *rel, const struct pathset *m,
    pkg_strv *out, struct kerr *e)
{
	char *dir = path_join(stagedir, rel);
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		rc = kerr_errno(e, "%s", dir);
		free(dir);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *child, *full;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		child = xasprintf("%s/%s", strcmp(rel, "/") == 0 ? "" : rel, de->d_name);
		full = path_join(stagedir, child);
		if (lstat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = walk_unlisted(stagedir, child, m, out, e);
			else if (!pathset_has(m, child))
				pkg_strv_push(out, child);
		}
		free(full);
		free(child);
	}
	closedir(d);
	free(dir);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
pkg_plist_parse(const char *text, size_t len, const char *what,
    const char *stagedir, struct pkg_manifest *m, pkg_strv *unlisted,
    struct kerr *e)
{
	struct pstate s;
	const char *p = text, *end = text + len;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.what = what;
	s.stagedir = stagedir;
	s.m = m;
	s.mode = PKG_PERM_UNSET;
	if (m->prefix == NULL)
		m->prefix = xstrdup("/usr/local");
	s.prefix = xstrdup(m->prefix);
	for (size_t i = 0; i < m->files.n; i++)
		pathset_add(&s.listed, m->files.v[i].path);
	for (int i = 0; i < PKG_SCRIPT_MAX; i++)
		strbuf_init(&s.scripts[i], 0);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xstrndup(p, l);
		size_t ll;
		int r = 0;

		s.line++;
		p = nl ? nl + 1 : end;
		ll = strlen(line);
		if (ll != l) {
			free(line);
			perr(&s, e, "%s", "NUL byte in line");
			goto out;
		}
		while (ll > 0 && isspace((unsigned char)line[ll - 1]))
			line[--ll] = '\0';
		if (ll > 0 && line[0] != '#')
			r = do_line(&s, line, e);
		free(line);
		if (r < 0)
			goto out;
	}
	if (s.ldconfig) {
		const char *ld = "if [ -x /usr/sbin/service ] && [ -e /etc/rc.d/ldconfig ]; "
		    "then /usr/sbin/service ldconfig restart >/dev/null; "
		    "elif command -v ldconfig >/dev/null 2>&1; then ldconfig; fi\n";

		add_script(&s, PKG_SCRIPT_POST_INSTALL, ld);
		add_script(&s, PKG_SCRIPT_POST_DEINSTALL, ld);
	}
	for (int i = 0; i < PKG_SCRIPT_MAX; i++) {
		char *old;

		if (s.scripts[i].len == 0)
			continue;
		old = m->scripts[i];
		if (old) {
			size_t ol = strlen(old);

			m->scripts[i] = xasprintf("%s%s%s", old,
			    ol && old[ol - 1] != '\n' ? "\n" : "", s.scripts[i].buf);
			free(old);
		} else {
			m->scripts[i] = xstrdup(s.scripts[i].buf);
		}
	}
	if (unlisted) {
		if (walk_unlisted(stagedir, "/", &s.listed, unlisted, e) < 0)
			goto out;
		if (unlisted->n > 1)
			qsort(unlisted->v, unlisted->n, sizeof(char *), cmp_str);
	}
	rc = 0;
out:
	for (int i = 0; i < PKG_SCRIPT_MAX; i++)
		strbuf_release(&s.scripts[i]);
	free(s.prefix);
	free(s.owner);
	free(s.group);
	free(s.last_file);
	free(s.last_abs);
	free(s.listed.slot);
	return rc;
}

int
pkg_plist_read(const char *path, const char *stagedir, struct pkg_manifest *m,
    pkg_strv *unlisted, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = -1;

	if (path_read(path, &sb, e) == 0)
		rc = pkg_plist_parse(sb.buf, sb.len, path, stagedir, m, unlisted, e);
	strbuf_release(&sb);
	return rc;
}
