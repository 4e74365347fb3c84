/*
 * bulk: plan (graph, build keys, reasons), build (sched over child
 * processes, one per port, each running build_port), record (history,
 * status, key records), publish (pkg/repo then publish).  See bulk.h.
 * Does not: print.  Calls: conf, jail, ports_tree, graph, port, build,
 * sched, status, history, publish, pkg/repo, util.
 */
#include "bulk.h"

#include "build.h"
#include "graph.h"
#include "history.h"
#include "jail.h"
#include "pkg/repo.h"
#include "ports_tree.h"
#include "publish.h"
#include "sandbox.h"
#include "sched/sched.h"
#include "util/lock.h"
#include "util/path.h"
#include "util/sha256.h"
#include "util/ucl.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef VEC(size_t) idxv;
typedef VEC(char *) strv;

struct item {
	struct graph_node *node;
	char key[SHA256_HEX_LEN + 1];
	char opthash[SHA256_HEX_LEN + 1];
	char *reason;		/* NULL: current */
	idxv deps;		/* build-time deps (items) */
	idxv rundeps;		/* RUN/LIB deps (items) */
	bool listed;
	struct uv *record;	/* the key record found, or NULL */
	size_t job, st;
	/* running */
	pid_t pid;
	int fd;
	struct strbuf buf;
	char result[1200];
	int slot;
};

struct bulk {
	const struct conf *c;
	const struct bulk_opts *o;
	const struct bulk_ui *ui;
	struct jail jail;
	char jail_id[SHA256_HEX_LEN + 1];
	char *wrkdir_save;	/* SAVE_WRKDIR: DATA/wrkdirs/JAIL-PORTS, or NULL */
	uid_t build_uid;	/* BUILD_AS_NON_ROOT: PORTBUILD_USER in the jail */
	gid_t build_gid;
	struct sandbox_layer layers[16];	/* the jail's, computed once */
	size_t nlayers;
	char *tree, *cache, *optdir;
	struct port_env env;
	struct graph g;
	VEC(struct item) items;
	char *pkgdir, *building, *keysdir, *alldir;
	char *logdir, *workbase;
	struct sched s;
	struct status st;
	struct history *hist;
	double start;
	bool hist_ok;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
say(struct bulk *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct bulk *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s && b->ui && b->ui->line)
		b->ui->line(b->ui->arg, s);
	free(s);
}

void
bulk_summary_free(struct bulk_summary *s)
{
	free(s->repo);
	free(s->logdir);
	memset(s, 0, sizeof(*s));
}

int
bulk_read_list(const char *file, char ***origins, size_t *n, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	strv v = VEC_INIT;
	char *save = NULL;

	if (path_read(file, &sb, e) < 0)
		return -1;
	for (char *l = strtok_r(sb.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *h = strchr(l, '#');
		if (h)
			*h = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		size_t len = strlen(l);
		while (len > 0 && (l[len - 1] == ' ' || l[len - 1] == '\t' || l[len - 1] == '\r'))
			l[--len] = '\0';
		if (len)
			vec_push(&v, xstrdup(l));
	}
	strbuf_release(&sb);
	*origins = v.v;
	*n = v.n;
	return 0;
}

/* ---- the jail: which tools its base already has ------------------------- */

static bool
in_jail(const struct bulk *b, const char *path)
{
	const struct sandbox_layer *layers = b->layers;
	size_t n = b->nlayers;

	for (size_t i = 0; i < n; i++) {
		const char *at = layers[i].at;
		char *p = NULL;
		if (at == NULL || strcmp(at, "/") == 0) {
			p = path_join(layers[i].path, path);
		} else {
			size_t l = strlen(at);
			if (strncmp(path, at, l) == 0 && path[l] == '/')
				p = path_join(layers[i].path, path + l);
		}
		if (p) {
			struct stat st;
			bool ok = lstat(p, &st) == 0;
			free(p);
			if (ok)
				return true;
		}
	}
	return false;
}

/* tool:origin is satisfied by the base when the tool is in its PATH. */
static bool
base_has(const struct bulk *b, const char *pattern)
{
	static const char *const dirs[] = { "/usr/local/bin", "/usr/bin", "/bin",
		"/usr/local/sbin", "/usr/sbin", "/sbin", NULL };

	if (pattern[0] == '/')
		return strcmp(pattern, "/nonexistent") != 0 && in_jail(b, pattern);
	if (strpbrk(pattern, "<>=/") || strstr(pattern, ".so"))
		return false;
	for (size_t i = 0; dirs[i]; i++) {
		char *p = xasprintf("%s/%s", dirs[i], pattern);
		bool ok = in_jail(b, p);
		free(p);
		if (ok)
			return true;
	}
	return false;
}

/* ---- keys and records --------------------------------------------------- */

static char *
record_name(const char *origin)
{
	char *s = xasprintf("%s.json", origin);

	for (char *p = s; *p; p++)
		if (*p == '/')
			*p = '%';
	return s;
}

static void
options_hash(struct bulk *b, const char *origin, char hex[SHA256_HEX_LEN + 1])
{
	char *of = port_options_file(b->optdir, origin);
	struct kerr e;

	if (of == NULL || sha256_file_hex(of, hex, NULL, &e) < 0)
		snprintf(hex, SHA256_HEX_LEN + 1, "none");
	free(of);
}

static int
cmp_dep(const void *a, const void *b, void *arg)
{
	const struct bulk *bk = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return strcmp(bk->items.v[x].node->origin, bk->items.v[y].node->origin);
}

static void
compute_key(struct bulk *b, struct item *it)
{
	struct sha256 h;
	char line[512];

	if (it->deps.n > 1)
		qsort_r(it->deps.v, it->deps.n, sizeof(size_t), cmp_dep, b);
	options_hash(b, it->node->origin, it->opthash);
	sha256_init(&h);
	snprintf(line, sizeof(line), "kiln-build-key 1\nframework %s\nfiles %s\n"
	    "options %s\njail %s\n", BULK_FRAMEWORK_VERSION, it->node->files_hash,
	    it->opthash, b->jail_id);
	sha256_update(&h, line, strlen(line));
	for (size_t i = 0; i < it->deps.n; i++) {
		struct item *d = &b->items.v[it->deps.v[i]];
		snprintf(line, sizeof(line), "dep %s %s\n", d->node->origin, d->key);
		sha256_update(&h, line, strlen(line));
	}
	sha256_final_hex(&h, it->key);
}

/* Per-file hashes of a port directory as {relpath: sha256}. */
static void
files_map(const char *dir, const char *rel, struct uv *out)
{
	char *full = rel[0] ? path_join(dir, rel) : xstrdup(dir);
	DIR *d = opendir(full);
	struct dirent *de;

	if (d == NULL) {
		free(full);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char *r, *p;
		struct stat st;
		if (de->d_name[0] == '.' || strcmp(de->d_name, "work") == 0)
			continue;
		r = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		p = path_join(dir, r);
		if (lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				files_map(dir, r, out);
			} else {
				char hex[SHA256_HEX_LEN + 1];
				struct kerr e;
				if (sha256_file_hex(p, hex, NULL, &e) == 0)
					uv_set(out, r, uv_new_string(hex));
			}
		}
		free(p);
		free(r);
	}
	closedir(d);
	free(full);
}

static struct uv *
load_record(struct bulk *b, const char *origin)
{
	char *n = record_name(origin);
	char *p = path_join(b->keysdir, n);
	struct kerr e;
	struct uv *v = uv_parse_file(p, &e);	/* NULL when missing too */

	free(p);
	free(n);
	return v;
}

static bool
packages_present(struct bulk *b, const struct uv *rec)
{
	const struct uv *pk = uv_get(rec, "packages");

	if (pk == NULL || pk->type != UV_ARRAY || pk->u.arr.n == 0)
		return false;
	for (size_t i = 0; i < pk->u.arr.n; i++) {
		const char *f = uv_str(pk->u.arr.v[i]);
		char *p = f ? path_join(b->alldir, f) : NULL;
		bool ok = p && path_exists(p);
		free(p);
		if (!ok)
			return false;
	}
	return true;
}

/* Why it = rebuilt, or NULL when its package is current.  Owned. */
static char *
reason_for(struct bulk *b, struct item *it)
{
	const struct uv *r = it->record;
	struct strbuf sb = STRBUF_INIT;
	const char *s;

	if (r == NULL)
		return xstrdup("new");
	s = uv_get_str(r, "key");
	if (s && strcmp(s, it->key) == 0)
		return packages_present(b, r) ? NULL : xstrdup("package missing");
	if ((s = uv_get_str(r, "framework")) == NULL || strcmp(s, BULK_FRAMEWORK_VERSION) != 0)
		strbuf_addstr(&sb, "kiln framework changed; ");
	if ((s = uv_get_str(r, "jail")) == NULL || strcmp(s, b->jail_id) != 0)
		strbuf_addstr(&sb, "jail changed; ");
	if ((s = uv_get_str(r, "options")) == NULL || strcmp(s, it->opthash) != 0)
		strbuf_addstr(&sb, "options changed; ");
	if ((s = uv_get_str(r, "files_hash")) == NULL || strcmp(s, it->node->files_hash) != 0) {
		char *dir = path_join(b->tree, it->node->origin);
		struct uv *now = uv_new_object();
		const struct uv *old = uv_get(r, "files");
		size_t before = sb.len;
		files_map(dir, "", now);
		for (size_t i = 0; i < now->u.obj.n; i++) {
			const char *o = old ? uv_get_str(old, now->u.obj.keys[i]) : NULL;
			if (o == NULL)
				strbuf_addf(&sb, "%s added; ", now->u.obj.keys[i]);
			else if (strcmp(o, uv_str(now->u.obj.vals[i])) != 0)
				strbuf_addf(&sb, "%s changed; ", now->u.obj.keys[i]);
		}
		for (size_t i = 0; old && old->type == UV_OBJECT && i < old->u.obj.n; i++)
			if (uv_get(now, old->u.obj.keys[i]) == NULL)
				strbuf_addf(&sb, "%s removed; ", old->u.obj.keys[i]);
		if (sb.len == before && strstr(sb.buf, "options changed") == NULL)
			strbuf_addstr(&sb, "port files changed; ");
		uv_free(now);
		free(dir);
	}
	{
		const struct uv *od = uv_get(r, "deps");
		size_t nold = od && od->type == UV_OBJECT ? od->u.obj.n : 0;
		bool setchg = nold != it->deps.n;
		for (size_t i = 0; i < it->deps.n; i++) {
			struct item *d = &b->items.v[it->deps.v[i]];
			const char *ok = od ? uv_get_str(od, d->node->origin) : NULL;
			if (ok == NULL)
				setchg = true;
			else if (strcmp(ok, d->key) != 0)
				strbuf_addf(&sb, "dependency %s changed; ", d->node->origin);
		}
		if (setchg)
			strbuf_addstr(&sb, "dependencies changed; ");
	}
	if (sb.len == 0)
		strbuf_addstr(&sb, "build key changed; ");
	strbuf_setlen(&sb, sb.len - 2);
	return strbuf_detach(&sb, NULL);
}

static int
write_record(struct bulk *b, struct item *it, const build_strv *pkgs,
    struct kerr *e)
{
	struct uv *v = uv_new_object(), *files = uv_new_object();
	struct uv *deps = uv_new_object(), *pk = uv_new_array();
	struct strbuf sb = STRBUF_INIT;
	char *dir = path_join(b->tree, it->node->origin);
	char *n = record_name(it->node->origin), *p = path_join(b->keysdir, n);
	int rc;

	files_map(dir, "", files);
	for (size_t i = 0; i < it->deps.n; i++) {
		struct item *d = &b->items.v[it->deps.v[i]];
		uv_set(deps, d->node->origin, uv_new_string(d->key));
	}
	for (size_t i = 0; i < pkgs->n; i++) {
		const char *slash = strrchr(pkgs->v[i], '/');
		uv_push(pk, uv_new_string(slash ? slash + 1 : pkgs->v[i]));
	}
	uv_set(v, "origin", uv_new_string(it->node->origin));
	uv_set(v, "key", uv_new_string(it->key));
	uv_set(v, "framework", uv_new_string(BULK_FRAMEWORK_VERSION));
	uv_set(v, "files_hash", uv_new_string(it->node->files_hash));
	uv_set(v, "files", files);
	uv_set(v, "options", uv_new_string(it->opthash));
	uv_set(v, "jail", uv_new_string(b->jail_id));
	uv_set(v, "deps", deps);
	uv_set(v, "packages", pk);
	uv_emit_json(v, &sb, true);
	strbuf_addch(&sb, '\n');
	rc = path_mkdir_p(b->keysdir, 0755, e);
	if (rc == 0)
		rc = path_write_atomic(p, sb.buf, sb.len, 0644, e);
	strbuf_release(&sb);
	uv_free(v);
	free(p);
	free(n);
	free(dir);
	return rc;
}

/* ---- planning ----------------------------------------------------------- */

static int
plan(struct bulk *b, struct kerr *e)
{
	graph_nodes order = VEC_INIT;
	VEC(struct graph_node *) roots = VEC_INIT;
	int rc = -1;

	if (b->o->all) {
		for (size_t i = 0; i < b->g.nodes.n; i++)
			if (!(b->g.nodes.v[i]->flags & GRAPH_MISSING))
				vec_push(&roots, b->g.nodes.v[i]);
	} else {
		for (size_t i = 0; i < b->o->norigins; i++) {
			struct graph_node *n = graph_find(&b->g, b->o->origins[i]);
			if (n == NULL) {
				kerr_set(e, "%s: no such port in %s", b->o->origins[i], b->tree);
				goto out;
			}
			vec_push(&roots, n);
		}
	}
	graph_closure(&b->g, roots.v, roots.n, GRAPH_ALL_DEPS, &order);
	for (size_t i = 0; i < order.n; i++) {
		struct item it;
		if (order.v[i]->flags & GRAPH_MISSING)
			continue;	/* implicit tool deps the tree does not carry */
		memset(&it, 0, sizeof(it));
		it.node = order.v[i];
		it.node->mark = (int)b->items.n;
		it.fd = -1;
		it.slot = -1;
		vec_push(&b->items, it);
	}
	for (size_t i = 0; i < roots.n; i++)
		b->items.v[roots.v[i]->mark].listed = true;
	for (size_t i = 0; i < b->items.n; i++) {
		struct item *it = &b->items.v[i];
		for (size_t k = 0; k < it->node->deps.n; k++) {
			const struct graph_edge *ed = &it->node->deps.v[k];
			size_t di;
			bool dup = false;
			if (ed->to->flags & GRAPH_MISSING)
				continue;	/* implicit: the base provides it */
			if (base_has(b, ed->pattern))
				continue;
			di = (size_t)ed->to->mark;
			for (size_t j = 0; j < it->deps.n; j++)
				if (it->deps.v[j] == di)
					dup = true;
			if (!dup)
				vec_push(&it->deps, di);
			if (ed->type == PORT_DEP_RUN || ed->type == PORT_DEP_LIB) {
				dup = false;
				for (size_t j = 0; j < it->rundeps.n; j++)
					if (it->rundeps.v[j] == di)
						dup = true;
				if (!dup)
					vec_push(&it->rundeps, di);
			}
		}
		compute_key(b, it);
		it->record = load_record(b, it->node->origin);
		if (b->o->clean_all)
			it->reason = xstrdup("forced (-c)");
		else if (it->listed && b->o->clean_listed)
			it->reason = xstrdup("forced (-C)");
		else if (it->listed && b->o->testport)
			it->reason = xstrdup("testport");
		else
			it->reason = reason_for(b, it);
	}
	rc = 0;
out:
	vec_free(&roots);
	vec_free(&order);
	return rc;
}

/* ---- running: one child process per build ------------------------------- */

/* The package files of item i and its runtime closure, for a build's deps. */
static void
dep_closure(struct bulk *b, size_t i, bool *seen, strv *pkgs)
{
	struct item *it = &b->items.v[i];

	for (size_t k = 0; k < it->deps.n; k++) {
		size_t d = it->deps.v[k];
		if (seen[d])
			continue;
		seen[d] = true;
		struct uv *rec = load_record(b, b->items.v[d].node->origin);
		const struct uv *pk = rec ? uv_get(rec, "packages") : NULL;
		for (size_t j = 0; pk && pk->type == UV_ARRAY && j < pk->u.arr.n; j++)
			if (uv_str(pk->u.arr.v[j]))
				vec_push(pkgs, path_join(b->alldir, uv_str(pk->u.arr.v[j])));
		uv_free(rec);
		/* a dependency's runtime dependencies come along */
		struct item *di = &b->items.v[d];
		for (size_t r = 0; r < di->rundeps.n; r++) {
			size_t rr = di->rundeps.v[r];
			if (seen[rr])
				continue;
			seen[rr] = true;
			struct uv *rec2 = load_record(b, b->items.v[rr].node->origin);
			const struct uv *pk2 = rec2 ? uv_get(rec2, "packages") : NULL;
			for (size_t j = 0; pk2 && pk2->type == UV_ARRAY && j < pk2->u.arr.n; j++)
				if (uv_str(pk2->u.arr.v[j]))
					vec_push(pkgs, path_join(b->alldir, uv_str(pk2->u.arr.v[j])));
			uv_free(rec2);
		}
	}
}

static void
child_say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
child_say(int fd, const char *fmt, ...)
{
	va_list ap;
	char buf[1400];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	for (int i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	buf[n++] = '\n';
	(void)write_full(fd, buf, (size_t)n);
}

struct child_phase {
	int fd;
};

static void
child_phase_cb(void *arg, const char *phase)
{
	child_say(((struct child_phase *)arg)->fd, "phase %s", phase);
}

/* In the child: build item i, write its key record, report on fd. */
static void __attribute__((noreturn))
child_build(struct bulk *b, size_t i, int slot, int fd)
{
	struct item *it = &b->items.v[i];
	struct port *p = NULL;
	struct kerr e;
	struct build_ctx bc = { 0 };
	struct build_req rq = { 0 };
	struct build_result res;
	struct child_phase cp = { fd };
	strv pkgs = VEC_INIT, rundeps = VEC_INIT;
	bool *seen = xcalloc(b->items.n, 1);
	char *logfile, *work, *header;
	uint64_t mem = 0;
	const char *mm = conf_get(b->c, "MAX_MEMORY");

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(3);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (port_load(&b->env, it->node->origin, &p, &e) < 0) {
		child_say(fd, "result fail load 0 0 %s", e.msg);
		_exit(1);
	}
	dep_closure(b, i, seen, &pkgs);
	vec_push(&pkgs, (char *)NULL);
	for (size_t k = 0; k < it->rundeps.n; k++) {
		struct item *d = &b->items.v[it->rundeps.v[k]];
		const char *pn = d->node->pkgname;
		const char *dash = pn ? strrchr(pn, '-') : NULL;
		if (dash)
			vec_push(&rundeps, xasprintf("%.*s %s %s", (int)(dash - pn), pn,
			    d->node->origin, dash + 1));
	}
	vec_push(&rundeps, (char *)NULL);
	if (mm)
		(void)conf_parse_size(mm, 1024ULL * 1024 * 1024, &mem);
	bc.conf = b->c;
	bc.jail = &b->jail;
	bc.distdir = conf_get(b->c, "DISTFILES_CACHE");
	bc.outdir = b->alldir;
	(void)conf_parse_size(conf_get(b->c, "KILN_LOG_LIMIT"), 1, &bc.log_limit);
	bc.memory_max = mem;
	bc.uid = b->build_uid;
	bc.gid = b->build_gid;
	bc.wrkdir_save = b->wrkdir_save;
	bc.timeout_ms = (unsigned)(conf_get_int(b->c, "MAX_EXECUTION_TIME", 86400) * 1000);
	bc.nohang_ms = (unsigned)(conf_get_int(b->c, "NOHANG_TIME", 7200) * 1000);
	bc.test_mode = (b->o->test || b->o->testport) && it->listed;
	bc.qa_nonfatal = bc.test_mode && b->o->keep_going;
	{
		/* USE_TMPFS: yes, wrkdir or all put WRKDIR on tmpfs (see build.h). */
		mk_words w = VEC_INIT;
		const char *ut = conf_get(b->c, "USE_TMPFS");
		const char *tl = conf_get(b->c, "TMPFS_LIMIT");
		mk_split_words(ut ? ut : "", &w);
		for (size_t k = 0; k < w.n; k++)
			if (!strcasecmp(w.v[k], "yes") || !strcasecmp(w.v[k], "wrkdir") ||
			    !strcasecmp(w.v[k], "all"))
				bc.wrk_tmpfs = true;
		mk_words_free(&w);
		if (bc.wrk_tmpfs && tl && *tl &&
		    conf_parse_size(tl, 1ULL << 30, &bc.wrk_tmpfs_size) < 0) {
			child_say(fd, "result fail setup 0 0 TMPFS_LIMIT=%s: not a size", tl);
			_exit(1);
		}
	}
	logfile = xasprintf("%s/logs/%s.log", b->logdir, it->node->pkgname);
	work = xasprintf("%s/%02d", b->workbase, slot + 1);
	header = xasprintf("=> build key %s\n=> reason: %s\n", it->key,
	    it->reason ? it->reason : "?");
	rq.port = p;
	rq.portsdir = b->tree;
	rq.workroot = work;
	rq.logfile = logfile;
	rq.header = header;
	rq.dep_pkgs = pkgs.v;
	rq.rundeps = rundeps.v;
	rq.phase = child_phase_cb;
	rq.arg = &cp;
	/* A spare network namespace made while the build sets up and fetches,
	 * and cgroups reused between this build's sandboxes. */
	sandbox_prepare();
	int brc = build_port(&bc, &rq, &res, &e);
	sandbox_reap(true);	/* the result means nothing of the build is left */
	if (brc < 0) {
		child_say(fd, "result fail setup 0 0 %s", e.msg);
		_exit(1);
	}
	if (res.ok && write_record(b, it, &res.packages, &e) < 0) {
		res.ok = false;
		snprintf(res.phase, sizeof(res.phase), "package");
		snprintf(res.msg, sizeof(res.msg), "%.1000s", e.msg);
	}
	/* On success the message is the first QA warning (-k), if any. */
	child_say(fd, "result %s %s %llu %.3f %s", res.ok ? "ok" : "fail",
	    res.ok ? "-" : res.phase, (unsigned long long)res.peak_memory,
	    res.elapsed, res.ok ? res.qa_msg : res.msg);
	_exit(res.ok ? 0 : 1);
}

static int
job_start(void *arg, struct sched *s, size_t job, int slot)
{
	struct bulk *b = arg;
	size_t i;
	int p[2];
	pid_t pid;

	for (i = 0; i < b->items.n; i++)
		if (b->items.v[i].job == job && b->items.v[i].reason)
			break;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child_build(b, i, slot, p[1]);
	}
	close(p[1]);
	b->items.v[i].pid = pid;
	b->items.v[i].fd = p[0];
	b->items.v[i].slot = slot;
	strbuf_reset(&b->items.v[i].buf);
	b->items.v[i].result[0] = '\0';
	status_set(&b->st, b->items.v[i].st, ST_BUILDING, "starting", NULL, slot, now_s());
	{
		struct strbuf ev = STRBUF_INIT;
		status_event_line(&b->st, b->items.v[i].st, now_s(), &ev);
		strbuf_rtrim(&ev);
		say(b, "%s", ev.buf);
		strbuf_release(&ev);
	}
	return 0;
}

static void
tick(struct bulk *b, bool final)
{
	struct kerr e;
	double t = now_s();

	(void)status_write(&b->st, t, &e);
	if (b->ui && b->ui->tick)
		b->ui->tick(b->ui->arg, &b->st, t, final);
}

/* A line from a child: "phase X" or "result ...". */
static void
child_line(struct bulk *b, struct item *it, const char *line)
{
	if (strncmp(line, "phase ", 6) == 0) {
		status_phase(&b->st, it->st, line + 6);
		tick(b, false);
	} else if (strncmp(line, "result ", 7) == 0) {
		snprintf(it->result, sizeof(it->result), "%s", line + 7);
	}
}

static void
finish(struct bulk *b, struct item *it, int wstatus)
{
	char okw[8] = "", phase[32] = "", msg[1024] = "";
	unsigned long long mem = 0;
	double el = 0;
	bool ok;
	struct kerr e;
	double t = now_s();

	if (it->result[0])
		sscanf(it->result, "%7s %31s %llu %lf %1023[^\n]", okw, phase, &mem, &el, msg);
	ok = strcmp(okw, "ok") == 0 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
	if (!it->result[0]) {
		snprintf(phase, sizeof(phase), "%s", b->st.ports.v[it->st].phase ?
		    b->st.ports.v[it->st].phase : "?");
		snprintf(msg, sizeof(msg), "builder process died (%s %d)",
		    WIFSIGNALED(wstatus) ? "signal" : "exit",
		    WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
		el = t - b->st.ports.v[it->st].started;
	}
	status_set(&b->st, it->st, ok ? ST_BUILT : ST_FAILED, ok ? NULL : phase,
	    ok ? NULL : msg, -1, t);
	b->st.ports.v[it->st].elapsed = el;
	if (b->hist)
		(void)history_record(b->hist, it->node->origin, it->node->pkgname, el,
		    mem, ok, &e);
	{
		struct strbuf ev = STRBUF_INIT;
		status_event_line(&b->st, it->st, t, &ev);
		strbuf_rtrim(&ev);
		if (!ok)
			strbuf_addf(&ev, ": %s", msg);
		else if (msg[0])
			strbuf_addf(&ev, " with QA warnings (-k): %s", msg);
		say(b, "%s", ev.buf);
		strbuf_release(&ev);
	}
	sched_job_end(&b->s, it->job, ok);
	tick(b, false);
}

static int
job_wait(void *arg, struct sched *s, struct kerr *e)
{
	struct bulk *b = arg;
	struct pollfd pf[64];
	size_t who[64];
	int n = 0;

	for (size_t i = 0; i < b->items.n && n < 64; i++)
		if (b->items.v[i].fd >= 0) {
			pf[n].fd = b->items.v[i].fd;
			pf[n].events = POLLIN;
			who[n++] = i;
		}
	if (n == 0)
		return kerr_set(e, "bulk: nothing to wait for");
	if (poll(pf, (nfds_t)n, 1000) < 0) {
		if (errno == EINTR)
			return 0;
		return kerr_errno(e, "poll");
	}
	for (int k = 0; k < n; k++) {
		struct item *it = &b->items.v[who[k]];
		char buf[4096];
		ssize_t r;
		if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(it->fd, buf, sizeof(buf));
		if (r > 0) {
			char *nl;
			strbuf_add(&it->buf, buf, (size_t)r);
			while ((nl = memchr(it->buf.buf, '\n', it->buf.len)) != NULL) {
				*nl = '\0';
				child_line(b, it, it->buf.buf);
				size_t used = (size_t)(nl - it->buf.buf) + 1;
				memmove(it->buf.buf, it->buf.buf + used, it->buf.len - used);
				strbuf_setlen(&it->buf, it->buf.len - used);
			}
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* EOF: the child is done. */
		int ws = 0;
		close(it->fd);
		it->fd = -1;
		while (waitpid(it->pid, &ws, 0) < 0 && errno == EINTR)
			;
		finish(b, it, ws);
	}
	tick(b, false);
	return 0;
}

static void
job_event(void *arg, struct sched *s, size_t job)
{
	struct bulk *b = arg;
	struct sched_job *j = &s->jobs.v[job];

	if (j->state != SCHED_SKIPPED && j->state != SCHED_IGNORED)
		return;
	for (size_t i = 0; i < b->items.n; i++) {
		struct item *it = &b->items.v[i];
		if (!it->reason || it->job != job)
			continue;
		if (j->state == SCHED_SKIPPED) {
			status_set(&b->st, it->st, ST_SKIPPED, NULL,
			    s->jobs.v[j->cause].name, -1, now_s());
			struct strbuf ev = STRBUF_INIT;
			status_event_line(&b->st, it->st, now_s(), &ev);
			strbuf_rtrim(&ev);
			say(b, "%s", ev.buf);
			strbuf_release(&ev);
		}
		break;
	}
}

/* ---- publish ------------------------------------------------------------- */

/*
 * How the catalog is signed: PKG_REPO_SIGNING_KEY or SIGNING_COMMAND (an
 * empty value is unset), never both.  0 or -1.
 */
static int
signer_conf(const struct conf *c, struct pkg_signer *s, struct kerr *e)
{
	const char *key = conf_get(c, "PKG_REPO_SIGNING_KEY");
	const char *cmd = conf_get(c, "SIGNING_COMMAND");

	s->keyfile = key && *key ? key : NULL;
	s->command = cmd && *cmd ? cmd : NULL;
	if (s->keyfile && s->command)
		return kerr_set(e, "PKG_REPO_SIGNING_KEY (%s) and SIGNING_COMMAND (%s) "
		    "are both set: sign with one", conf_origin(c, "PKG_REPO_SIGNING_KEY"),
		    conf_origin(c, "SIGNING_COMMAND"));
	return 0;
}

static int
index_and_publish(struct bulk *b, struct bulk_summary *sum, struct kerr *e)
{
	struct pkg_repo_opts ro;
	struct pkg_repo_stats rs;
	long keep = conf_get_bool(b->c, "KEEP_OLD_PACKAGES") ?
	    conf_get_int(b->c, "KEEP_OLD_PACKAGES_COUNT", 5) : 0;

	pkg_repo_opts_init(&ro);
	if (signer_conf(b->c, &ro.signer, e) < 0)
		return -1;
	memset(&rs, 0, sizeof(rs));
	say(b, "=> indexing %s%s", b->building, ro.signer.keyfile ? " (signed with "
	    "PKG_REPO_SIGNING_KEY)" : ro.signer.command ? " (signed by SIGNING_COMMAND)" :
	    " (unsigned: no PKG_REPO_SIGNING_KEY or SIGNING_COMMAND)");
	if (pkg_repo_create(b->building, &ro, &rs, e) < 0)
		return -1;
	if (publish_commit(b->pkgdir, (long)time(NULL), (int)keep, e) < 0)
		return -1;
	sum->published = true;
	sum->repo = xstrdup(b->pkgdir);
	say(b, "=> published %zu packages: %s (.latest -> a new generation)",
	    rs.packages, b->pkgdir);
	return 0;
}

/* ---- the whole run ------------------------------------------------------- */

static void
free_bulk(struct bulk *b)
{
	for (size_t i = 0; i < b->items.n; i++) {
		struct item *it = &b->items.v[i];
		free(it->reason);
		vec_free(&it->deps);
		vec_free(&it->rundeps);
		uv_free(it->record);
		strbuf_release(&it->buf);
		if (it->fd >= 0)
			close(it->fd);
	}
	vec_free(&b->items);
	if (b->hist)
		history_close(b->hist);
	graph_free(&b->g);
	jail_free(&b->jail);
	sched_free(&b->s);
	status_free(&b->st);
	free(b->tree);
	free(b->cache);
	free(b->optdir);
	free(b->pkgdir);
	free(b->building);
	free(b->keysdir);
	free(b->alldir);
	free(b->logdir);
	free(b->workbase);
	free(b->wrkdir_save);
}

static int
nslots(const struct bulk *b)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (b->o->jobs > 0)
		return b->o->jobs;
	if (conf_get(b->c, "PARALLEL_JOBS"))
		return (int)conf_get_int(b->c, "PARALLEL_JOBS", cpus > 0 ? cpus : 1);
	return cpus > 0 ? (int)cpus : 1;
}

/* The memory budget: MAX_MEMORY x slots, else 3/4 of the machine's RAM. */
static uint64_t
mem_budget(const struct bulk *b, int slots)
{
	uint64_t per = 0;
	const char *mm = conf_get(b->c, "MAX_MEMORY");
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	uint64_t ram = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;

	if (mm && conf_parse_size(mm, 1024ULL * 1024 * 1024, &per) == 0 && per > 0)
		return per * (uint64_t)slots;
	return ram / 4 * 3;
}

static int
graph_jobs(const struct conf *c)
{
	long long n = conf_get_int(c, "PREPARE_PARALLEL_JOBS", 0);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n > 0)
		return (int)(n > 256 ? 256 : n);
	return cpus > 0 ? (int)(cpus + cpus / 4) : 1;
}

int
bulk_run(const struct conf *c, const struct bulk_opts *o,
    const struct bulk_ui *ui, struct bulk_summary *sum, struct kerr *e)
{
	struct bulk b;
	struct lock lk;
	bool locked = false, resumed = false;
	char *area = NULL, *name = NULL;
	size_t nbuild = 0, ncurrent = 0;
	static const struct sched_ops ops = { job_start, job_wait, job_event };
	uint64_t defmem = 2ULL << 30;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	memset(sum, 0, sizeof(*sum));
	b.c = c;
	b.o = o;
	b.ui = ui;
	b.start = now_s();
	sched_init(&b.s, 1, 0);
	if (jail_load(c, o->jail, &b.jail, e) < 0)
		goto out;
	if (jail_identity(&b.jail, b.jail_id, e) < 0)
		goto out;
	if (conf_get_bool(c, "BUILD_AS_NON_ROOT") &&
	    jail_user(&b.jail, conf_get(c, "PORTBUILD_USER"), &b.build_uid,
	    &b.build_gid, e) < 0) {
		kerr_prefix(e, "PORTBUILD_USER");
		goto out;
	}
	{
		struct pkg_signer sg;	/* refuse a bad pair before building */
		if (signer_conf(c, &sg, e) < 0)
			goto out;
	}
	b.nlayers = jail_layers(&b.jail, b.layers, 16);
	if (ports_tree_resolve(c, o->ports, &b.tree, &b.cache, e) < 0)
		goto out;
	area = xasprintf("bulk-%s-%s", o->jail, o->ports);
	if (!o->dry_run) {
		if (conf_lock_area(c, area, "bulk", &lk, e) < 0)
			goto out;
		locked = true;
	}
	b.optdir = conf_path(c, "options");
	b.env.options_dir = b.optdir;
	b.env.portsdir = b.tree;
	b.env.site_override = getenv("MASTER_SITE_OVERRIDE") ?
	    getenv("MASTER_SITE_OVERRIDE") : conf_get(c, "MASTER_SITE_OVERRIDE");
	graph_init(&b.g, b.tree, &b.env, getenv("KILN_NO_CACHE") ? NULL : b.cache,
	    graph_jobs(c));
	if (graph_load(&b.g, o->all ? NULL : o->origins, o->all ? 0 : o->norigins, e) < 0)
		goto out;
	b.env.portsdir = b.tree;

	b.pkgdir = xasprintf("%s/packages/%s-%s", conf_get(c, "POUDRIERE_DATA"), o->jail,
	    o->ports);
	if (conf_get_bool(c, "SAVE_WRKDIR"))
		b.wrkdir_save = xasprintf("%s/wrkdirs/%s-%s", conf_get(c, "POUDRIERE_DATA"),
		    o->jail, o->ports);
	/*
	 * Plan against what a run starts from without writing anything: an
	 * interrupted bulk's .building, else the published generation.  Only
	 * a bulk with work to do makes .building (a hard-link copy), so a
	 * no-op bulk costs reading the tree and the key records.
	 */
	{
		char *bd = path_join(b.pkgdir, ".building");
		if (path_is_dir(bd)) {
			b.building = bd;
			resumed = true;
		} else {
			free(bd);
			b.building = publish_latest(b.pkgdir);
			if (b.building == NULL)
				b.building = path_join(b.pkgdir, ".none");
		}
	}
	b.keysdir = path_join(b.building, ".kiln/keys");
	b.alldir = path_join(b.building, "All");
	if (plan(&b, e) < 0)
		goto out;
	for (size_t i = 0; i < b.items.n; i++) {
		if (b.items.v[i].reason) {
			nbuild++;
			say(&b, "rebuild %s (%s): %s", b.items.v[i].node->origin,
			    b.items.v[i].node->pkgname, b.items.v[i].reason);
		} else {
			ncurrent++;
		}
	}
	sum->current = ncurrent;
	if (nbuild == 0) {
		say(&b, "=> nothing to build: all %zu packages are current%s", ncurrent,
		    resumed ? "" : "; the repository is unchanged");
	} else {
		say(&b, "=> %zu to build, %zu current%s", nbuild, ncurrent,
		    resumed ? " (resuming an interrupted bulk)" : "");
	}
	if (o->dry_run) {
		sum->queued = nbuild;
		rc = 0;
		goto out;
	}
	if (nbuild == 0 && !resumed) {
		rc = 0;
		goto out;
	}
	if (!resumed) {
		bool r2;
		free(b.building);
		free(b.keysdir);
		free(b.alldir);
		b.building = NULL;
		b.keysdir = b.alldir = NULL;
		if (publish_prepare(b.pkgdir, &b.building, &r2, e) < 0)
			goto out;
		b.keysdir = path_join(b.building, ".kiln/keys");
		b.alldir = path_join(b.building, "All");
	}

	/* Build directory, status, history. */
	{
		char tb[64];
		time_t t = time(NULL);
		strftime(tb, sizeof(tb), "%Y-%m-%d_%Hh%Mm%Ss", localtime(&t));
		name = xstrdup(tb);
	}
	b.logdir = xasprintf("%s/logs/bulk/%s-%s/%s", conf_get(c, "POUDRIERE_DATA"),
	    o->jail, o->ports, name);
	{
		char *logs = path_join(b.logdir, "logs");
		char *latest = xasprintf("%s/logs/bulk/%s-%s/latest", conf_get(c,
		    "POUDRIERE_DATA"), o->jail, o->ports);
		char *tmp = xasprintf("%s.new", latest);
		int r = path_mkdir_p(logs, 0755, e);
		free(logs);
		if (r == 0) {
			unlink(tmp);
			if (symlink(name, tmp) < 0 || rename(tmp, latest) < 0)
				r = kerr_errno(e, "%s", latest);
		}
		free(tmp);
		free(latest);
		if (r < 0)
			goto out;
	}
	sum->logdir = xstrdup(b.logdir);
	b.workbase = xasprintf("%s/.wrk/%s-%s", conf_get(c, "POUDRIERE_DATA"), o->jail,
	    o->ports);
	{
		char *hp = xasprintf("%s/cache", conf_get(c, "POUDRIERE_DATA"));
		char *hf = path_join(hp, "history.sqlite");
		struct kerr he;
		if (path_mkdir_p(hp, 0755, &he) == 0)
			b.hist = history_open(hf, &he);
		free(hp);
		free(hf);
	}
	(void)conf_parse_size(conf_get(c, "KILN_BUILD_MEMORY"), 1, &defmem);
	{
		int slots = nslots(&b);
		sched_free(&b.s);
		sched_init(&b.s, slots, mem_budget(&b, slots));
		status_init(&b.st, o->jail, o->ports, name, b.logdir, slots, b.start);
	}
	for (size_t i = 0; i < b.items.n; i++) {
		struct item *it = &b.items.v[i];
		double dur = 60;
		uint64_t mem = defmem;
		bool boost = false;
		const char *pb = conf_get(c, "PRIORITY_BOOST");
		if (!it->reason)
			continue;
		if (b.hist) {
			double d;
			uint64_t m;
			if (history_estimate(b.hist, it->node->origin, &d, &m) == 1) {
				dur = d > 0 ? d : dur;
				if (m > 0)
					mem = m;
			}
		}
		if (pb) {
			mk_words w = VEC_INIT;
			const char *pn = it->node->pkgname;
			const char *dash = strrchr(pn, '-');
			char *base = dash ? xstrndup(pn, (size_t)(dash - pn)) : xstrdup(pn);
			mk_split_words(pb, &w);
			for (size_t k = 0; k < w.n; k++)
				if (mk_glob(w.v[k], base))
					boost = true;
			mk_words_free(&w);
			free(base);
		}
		it->job = sched_add(&b.s, it->node->origin, dur, mem, boost);
		it->st = status_add(&b.st, it->node->origin, it->node->pkgname, dur, it->reason);
		{
			char *ln = xasprintf("logs/%s.log", it->node->pkgname);
			status_set_log(&b.st, it->st, ln);
			free(ln);
		}
		/* IGNORE / BROKEN (after options): not built; dependents skip. */
		if (it->node->ignore && !(o->try_broken &&
		    strncmp(it->node->ignore, "BROKEN:", 7) == 0)) {
			struct strbuf ev = STRBUF_INIT;
			sched_mark_ignored(&b.s, it->job);
			status_set(&b.st, it->st, ST_IGNORED, NULL, it->node->ignore, -1,
			    now_s());
			status_event_line(&b.st, it->st, now_s(), &ev);
			strbuf_rtrim(&ev);
			say(&b, "%s", ev.buf);
			strbuf_release(&ev);
		}
	}
	for (size_t i = 0; i < b.items.n; i++) {
		struct item *it = &b.items.v[i];
		if (!it->reason)
			continue;
		for (size_t k = 0; k < it->deps.n; k++) {
			struct item *d = &b.items.v[it->deps.v[k]];
			if (d->reason)
				sched_add_dep(&b.s, it->job, d->job);
		}
	}
	tick(&b, false);
	if (sched_run(&b.s, &ops, &b, e) < 0)
		goto out;
	b.st.done = true;
	sum->built = b.st.counts[ST_BUILT];
	sum->failed = b.st.counts[ST_FAILED];
	sum->skipped = b.st.counts[ST_SKIPPED];
	sum->ignored = b.st.counts[ST_IGNORED];
	tick(&b, true);
	if (sum->failed + sum->skipped > 0 && !conf_get_bool(c, "COMMIT_PACKAGES_ON_FAILURE")) {
		say(&b, "=> not published: %zu failed, %zu skipped and "
		    "COMMIT_PACKAGES_ON_FAILURE=no (kept in %s for the next run)",
		    sum->failed, sum->skipped, b.building);
	} else if (index_and_publish(&b, sum, e) < 0) {
		goto out;
	}
	rc = 0;
out:
	if (locked)
		lock_release(&lk);
	free(area);
	free(name);
	free_bulk(&b);
	return rc;
}
