/*
 * client_query: the read-only side of the client: `pkg query` formats
 * over installed packages and `pkg check -s` (installed files against
 * their recorded checksums).  Does not change ROOT or the database.
 * Calls: util, pkg/db, pkg/manifest, pkg/checksum.
 */
#include "pkg/client.h"

#include "pkg/checksum.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The multi-line pattern of fmt ('d', 'r', 'F', ...) or 0. */
static char
multi_of(const char *fmt)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == '\0')
			break;
		if (strchr("drFOADCL", *p))
			return *p;
	}
	return 0;
}

static size_t
multi_count(char kind, const struct pkg_manifest *m, const pkg_strv *rdeps)
{
	switch (kind) {
	case 'd': return m->deps.n;
	case 'r': return rdeps->n;
	case 'F': return m->files.n;
	case 'O': return m->options.n;
	case 'A': return m->annotations.n;
	case 'D': return m->dirs.n;
	case 'C': return m->categories.n;
	case 'L': return m->licenses.n;
	default: return 1;
	}
}

static void
add_str(struct strbuf *sb, const char *s)
{
	strbuf_addstr(sb, s ? s : "");
}

/* Expand one line of fmt for item idx of the multi-line pattern. */
static int
expand(const char *fmt, const struct pkg_manifest *m, bool automatic,
    const char *repo, const pkg_strv *rdeps, size_t idx, struct strbuf *out,
    struct kerr *e)
{
	for (const char *p = fmt; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			strbuf_addch(out, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
			continue;
		}
		if (*p != '%') {
			strbuf_addch(out, *p);
			continue;
		}
		p++;
		switch (*p) {
		case '%': strbuf_addch(out, '%'); break;
		case 'n': add_str(out, m->name); break;
		case 'v': add_str(out, m->version); break;
		case 'o': add_str(out, m->origin); break;
		case 'c': add_str(out, m->comment); break;
		case 'e': add_str(out, m->desc); break;
		case 'w': add_str(out, m->www); break;
		case 'm': add_str(out, m->maintainer); break;
		case 'p': add_str(out, m->prefix); break;
		case 'q': add_str(out, m->abi); break;
		case 'R': add_str(out, repo && *repo ? repo : "unknown-repository"); break;
		case 'a': strbuf_addch(out, automatic ? '1' : '0'); break;
		case 'k': strbuf_addch(out, '0'); break;
		case 's':
			if (p[1] == 'h') {
				const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
				double v = (double)m->flatsize;
				int i = 0;

				while (v >= 1024 && i < 4) {
					v /= 1024;
					i++;
				}
				strbuf_addf(out, i ? "%.1f%s" : "%.0f%s", v, u[i]);
				p++;
			} else {
				if (p[1] == 'b')
					p++;
				strbuf_addf(out, "%lld", (long long)m->flatsize);
			}
			break;
		case 'd': {
			const struct pkg_dep *d = &m->deps.v[idx];
			p++;
			add_str(out, *p == 'o' ? d->origin : *p == 'v' ? d->version :
			    d->name);
			break;
		}
		case 'r':
			p++;
			add_str(out, rdeps->v[idx]);
			break;
		case 'F':
			p++;
			add_str(out, *p == 's' ? m->files.v[idx].sum : m->files.v[idx].path);
			break;
		case 'O':
			p++;
			add_str(out, *p == 'v' ? m->options.v[idx].value :
			    m->options.v[idx].key);
			break;
		case 'A':
			p++;
			add_str(out, *p == 'v' ? m->annotations.v[idx].value :
			    m->annotations.v[idx].key);
			break;
		case 'D': add_str(out, m->dirs.v[idx].path); break;
		case 'C': add_str(out, m->categories.v[idx]); break;
		case 'L': add_str(out, m->licenses.v[idx]); break;
		default:
			return kerr_set(e, "query format '%s': unknown pattern '%%%c'",
			    fmt, *p ? *p : ' ');
		}
		if (*p == '\0')
			break;
	}
	return 0;
}

/* Check fmt's patterns once (so an empty list still reports errors). */
static int
check_fmt(const char *fmt, struct kerr *e)
{
	static const struct { char p; const char *subs; } multi[] = {
		{ 'd', "nov" }, { 'r', "n" }, { 'F', "ps" }, { 'O', "kv" },
		{ 'A', "tv" },
	};

	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == '\0' || !strchr("%nvocewmpqRaksdrFOADCL", *p))
			return kerr_set(e, "query format '%s': unknown pattern '%%%c'",
			    fmt, *p ? *p : ' ');
		for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++)
			if (multi[i].p == *p && (p[1] == '\0' ||
			    !strchr(multi[i].subs, p[1])))
				return kerr_set(e, "query format '%s': '%%%c' needs one "
				    "of %s after it (e.g. %%%c%c)", fmt, *p,
				    multi[i].subs, *p, multi[i].subs[0]);
	}
	return 0;
}

int
client_query(struct client *c, const char *fmt, const char *name,
    struct strbuf *out, struct kerr *e)
{
	pkgdb_rows rows = VEC_INIT;
	char kind = multi_of(fmt);
	int rc = -1;

	if (check_fmt(fmt, e) < 0)
		return -1;
	if (c->db == NULL)
		return name ? kerr_set(e, "%s: not installed", name) : 0;
	if (pkgdb_list(c->db, &rows, e) < 0)
		goto out;
	bool found = false;
	for (size_t i = 0; i < rows.n; i++) {
		struct pkg_manifest *m;
		pkg_strv rdeps = VEC_INIT;
		bool automatic;
		size_t cnt;
		int r = 0;

		if (name && strcmp(rows.v[i].name, name) != 0)
			continue;
		found = true;
		m = pkgdb_get(c->db, rows.v[i].name, &automatic, e);
		if (m == NULL)
			goto out;
		if (kind == 'r')
			r = pkgdb_rdeps(c->db, m->name, &rdeps, e);
		cnt = kind ? multi_count(kind, m, &rdeps) : 1;
		for (size_t k = 0; k < cnt && r == 0; k++) {
			r = expand(fmt, m, automatic, rows.v[i].repo, &rdeps, k, out, e);
			if (r == 0)
				strbuf_addch(out, '\n');
		}
		pkg_strv_free(&rdeps);
		pkg_manifest_free(m);
		if (r < 0)
			goto out;
	}
	if (name && !found) {
		kerr_set(e, "%s: not installed", name);
		goto out;
	}
	rc = 0;
out:
	pkgdb_rows_free(&rows);
	return rc;
}

static void
report(struct client *c, const char *fmt, const char *a, const char *b,
    const char *d)
{
	struct strbuf sb = STRBUF_INIT;

	if (c->say == NULL)
		return;
	strbuf_addf(&sb, fmt, a, b, d);
	c->say(c->arg, sb.buf);
	strbuf_release(&sb);
}

int
client_check_sums(struct client *c, char *const *names, size_t n,
    struct kerr *e)
{
	pkgdb_rows rows = VEC_INIT;
	int bad = 0;

	if (c->db == NULL)
		return n ? kerr_set(e, "%s: not installed", names[0]) : 0;
	if (pkgdb_list(c->db, &rows, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t k = 0; k < rows.n && !found; k++)
			found = strcmp(rows.v[k].name, names[i]) == 0;
		if (!found) {
			pkgdb_rows_free(&rows);
			return kerr_set(e, "%s: not installed", names[i]);
		}
	}
	for (size_t i = 0; i < rows.n; i++) {
		struct pkg_manifest *m;
		bool want = n == 0;
		char full[512];

		for (size_t k = 0; k < n && !want; k++)
			want = strcmp(rows.v[i].name, names[k]) == 0;
		if (!want)
			continue;
		m = pkgdb_get(c->db, rows.v[i].name, NULL, e);
		if (m == NULL) {
			bad = -1;
			break;
		}
		snprintf(full, sizeof(full), "%s-%s", m->name, m->version);
		for (size_t k = 0; k < m->files.n; k++) {
			const struct pkg_file *f = &m->files.v[k];
			char *abs, *sum = NULL;
			enum pkg_cksum_type t;
			struct kerr fe;

			if (f->sum == NULL || f->sum[0] == '\0' || strcmp(f->sum, "-") == 0)
				continue;
			if (pkg_cksum_type_of(f->sum, &t, &fe) < 0)
				continue;
			abs = strcmp(c->rootdir, "/") == 0 ? xstrdup(f->path) :
			    xasprintf("%s%s", c->rootdir, f->path);
			if (f->symlink_target) {
				char *target = path_readlink(abs, NULL);

				if (target) {
					sum = pkg_cksum_symlink(t, target);
					free(target);
				}
			} else {
				sum = pkg_cksum_file(t, abs, NULL, &fe);
			}
			if (sum == NULL) {
				report(c, "%s: %s: %s", full, f->path, "missing");
				bad++;
			} else if (strcmp(sum, f->sum) != 0) {
				report(c, "%s: %s: %s", full, f->path, "checksum mismatch");
				bad++;
			}
			free(sum);
			free(abs);
		}
		pkg_manifest_free(m);
	}
	pkgdb_rows_free(&rows);
	return bad;
}
