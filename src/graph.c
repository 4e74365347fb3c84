/*
 * graph: the ports tree as a DAG (see graph.h for the cache format).
 * Evaluation runs in rounds: each round evaluates, in parallel, every
 * requested origin not yet known, then queues the origins their
 * dependencies name.  Threads share nothing but an atomic work index;
 * each writes only its own slot.
 * Calls: port, util.
 */
#include "graph.h"
#include "util/path.h"
#include "version.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GRAPH_CACHE_VERSION "kiln-graph 3"

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void
graph_init(struct graph *g, const char *tree, const struct port_env *env,
    const char *cache_dir, int jobs)
{
	memset(g, 0, sizeof(*g));
	g->tree = xstrdup(tree);
	g->env = *env;
	g->env.portsdir = g->tree;
	g->cache_dir = cache_dir ? xstrdup(cache_dir) : NULL;
	g->jobs = jobs < 1 ? 1 : jobs;
	g->options_exist = env->options_dir && path_is_dir(env->options_dir);
}

static void
edges_free(void *vp)
{
	VEC(struct graph_edge) *v = vp;
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].pattern);
		free(v->v[i].flavor);
	}
	vec_free(v);
}

void
graph_free(struct graph *g)
{
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		edges_free(&n->deps);
		edges_free(&n->rdeps);
		free(n->origin);
		free(n->pkgname);
		free(n->error);
		free(n->ignore);
		free(n->flavor);
		free(n);
	}
	vec_free(&g->nodes);
	free(g->slots);
	free(g->tree);
	free(g->cache_dir);
	memset(g, 0, sizeof(*g));
}

struct graph_node *
graph_find(const struct graph *g, const char *origin)
{
	if (g->cap == 0)
		return NULL;
	for (size_t j = hash_str(origin) & (g->cap - 1); g->slots[j];
	    j = (j + 1) & (g->cap - 1))
		if (strcmp(g->slots[j]->origin, origin) == 0)
			return g->slots[j];
	return NULL;
}

static struct graph_node *
node_get(struct graph *g, const char *origin)
{
	struct graph_node *n = graph_find(g, origin);
	size_t j;

	if (n)
		return n;
	if ((g->nodes.n + 1) * 2 >= g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 1024;
		struct graph_node **ns = xcalloc(ncap, sizeof(*ns));
		for (size_t i = 0; i < g->nodes.n; i++) {
			for (j = hash_str(g->nodes.v[i]->origin) & (ncap - 1); ns[j];
			    j = (j + 1) & (ncap - 1))
				;
			ns[j] = g->nodes.v[i];
		}
		free(g->slots);
		g->slots = ns;
		g->cap = ncap;
	}
	n = xcalloc(1, sizeof(*n));
	n->origin = xstrdup(origin);
	for (j = hash_str(origin) & (g->cap - 1); g->slots[j]; j = (j + 1) & (g->cap - 1))
		;
	g->slots[j] = n;
	vec_push(&g->nodes, n);
	return n;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_port_dir(const char *dir, const char *name)
{
	char *mf = xasprintf("%s/%s/Makefile", dir, name);
	struct stat st;
	bool ok = stat(mf, &st) == 0 && S_ISREG(st.st_mode);
	free(mf);
	return ok;
}

/*
 * Category/port directories.  check: only those with a Makefile (one stat
 * each); otherwise every subdirectory, and the evaluation finds out.
 */
static int
scan(const char *tree, mk_words *origins, bool check, struct kerr *e)
{
	DIR *d, *c;
	struct dirent *de, *ce;

	if ((d = opendir(tree)) == NULL)
		return kerr_errno(e, "%s", tree);
	while ((de = readdir(d)) != NULL) {
		char *cat;
		if (de->d_name[0] == '.' || strcmp(de->d_name, "Mk") == 0 ||
		    strcmp(de->d_name, "distfiles") == 0 ||
		    strcmp(de->d_name, "Templates") == 0 ||
		    strcmp(de->d_name, "Keywords") == 0 ||
		    strcmp(de->d_name, "Tools") == 0)
			continue;
		cat = path_join(tree, de->d_name);
		if ((c = opendir(cat)) != NULL) {
			while ((ce = readdir(c)) != NULL) {
				if (ce->d_name[0] == '.')
					continue;
				if (check ? is_port_dir(cat, ce->d_name) :
				    (ce->d_type == DT_DIR || ce->d_type == DT_UNKNOWN ||
				    ce->d_type == DT_LNK))
					vec_push(origins, xasprintf("%s/%s", de->d_name,
					    ce->d_name));
			}
			closedir(c);
		}
		free(cat);
	}
	closedir(d);
	if (origins->n > 0)
		qsort(origins->v, origins->n, sizeof(*origins->v), cmp_str);
	return 0;
}

/* is_port_dir for a node key (origin or origin@flavor). */
static bool
is_port_dir_key(const char *tree, const char *key)
{
	char *o = xstrdup(key), *at = strchr(o, '@');
	bool ok;

	if (at)
		*at = '\0';
	ok = is_port_dir(tree, o);
	free(o);
	return ok;
}

int
graph_scan(const char *tree, mk_words *origins, struct kerr *e)
{
	return scan(tree, origins, true, e);
}

/* ---- stat signatures ---- */

/* Hash the stat data of a directory tree; true when it holds a Makefile. */
static bool
sig_dir(struct sha256 *h, const char *path, int depth)
{
	DIR *d;
	struct dirent *de;
	mk_words names = VEC_INIT;
	bool makefile = false;

	if (depth > 8 || (d = opendir(path)) == NULL)
		return false;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (depth == 0 && strncmp(de->d_name, "work", 4) == 0)
			continue;
		vec_push(&names, xstrdup(de->d_name));
	}
	if (names.n > 0)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		struct stat st;
		char buf[160];
		/* relative to the directory's fd: no path walk per file */
		if (fstatat(dirfd(d), names.v[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
			int n = snprintf(buf, sizeof(buf), "%s/%lld/%lld.%ld/%llu/%o",
			    names.v[i], (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			    st.st_mtim.tv_nsec, (unsigned long long)st.st_ino,
			    (unsigned)st.st_mode);
			sha256_update(h, buf, (size_t)n + 1);
			if (S_ISREG(st.st_mode) && strcmp(names.v[i], "Makefile") == 0)
				makefile = true;
			if (S_ISDIR(st.st_mode)) {
				char *sub = path_join(path, names.v[i]);
				sig_dir(h, sub, depth + 1);
				free(sub);
			}
		}
	}
	closedir(d);
	mk_words_free(&names);
	return makefile;
}

/* The stat signature of a port; false when the directory has no Makefile. */
static bool
port_sig(const struct graph *g, const char *origin, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256 h;
	char *dir = path_join(g->tree, origin);
	char *of = port_options_file(g->env.options_dir, origin);
	struct stat st;

	bool ok;

	sha256_init(&h);
	ok = sig_dir(&h, dir, 0);
	if (of && g->options_exist && stat(of, &st) == 0) {
		char buf[96];
		int n = snprintf(buf, sizeof(buf), "options/%lld/%lld.%ld",
		    (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		    st.st_mtim.tv_nsec);
		sha256_update(&h, buf, (size_t)n);
	}
	sha256_final_hex(&h, hex);
	free(dir);
	free(of);
	return ok;
}

/* ---- the cache ---- */

struct centry {
	char *origin, *sig, *hash, *pkgname, *error, *flavor, *ignore;
	char *deps;	/* the D lines, raw */
};
typedef VEC(struct centry) centries;

static char *
env_hash(const struct graph *g)
{
	char hex[SHA256_HEX_LEN + 1];
	char *s = xasprintf("%s %s %s|%s|%s|%s|%s|%s|%s", port_framework_id(), __DATE__, __TIME__,
	    g->env.arch ? g->env.arch : "", g->env.opsys ? g->env.opsys : "",
	    g->env.osversion ? g->env.osversion : "", g->env.options_dir ?
	    g->env.options_dir : "", g->env.flavor ? g->env.flavor : "",
	    g->env.sysroot ? g->env.sysroot : "");
	sha256_buf_hex(s, strlen(s), hex);
	free(s);
	return xstrdup(hex);
}

static char *
cache_path(const struct graph *g)
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_buf_hex(g->tree, strlen(g->tree), hex);
	return xasprintf("%s/graph-%.16s", g->cache_dir, hex);
}

static void
cache_read(const struct graph *g, centries *out)
{
	struct strbuf sb = STRBUF_INIT;
	char *path, *eh, *line, *nl;
	struct centry *cur = NULL;

	if (g->cache_dir == NULL)
		return;
	path = cache_path(g);
	eh = env_hash(g);
	if (strbuf_read_file(&sb, path) < 0)
		goto out;
	line = sb.buf;
	nl = strchr(line, '\n');
	if (nl == NULL)
		goto out;
	*nl = '\0';
	if (strncmp(line, GRAPH_CACHE_VERSION " ", strlen(GRAPH_CACHE_VERSION) + 1) != 0 ||
	    strcmp(line + strlen(GRAPH_CACHE_VERSION) + 1, eh) != 0)
		goto out;
	for (line = nl + 1; *line; line = nl + 1) {
		char *f[8];
		int nf = 0;
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		if (line[0] == 'D' && cur) {
			size_t ol = cur->deps ? strlen(cur->deps) : 0;
			size_t ll = strlen(line);
			cur->deps = xrealloc(cur->deps, ol + ll + 2);
			memcpy(cur->deps + ol, line, ll);
			cur->deps[ol + ll] = '\n';
			cur->deps[ol + ll + 1] = '\0';
			continue;
		}
		if (line[0] != 'P')
			continue;
		for (char *c = line; nf < 8; ) {
			f[nf++] = c;
			c = strchr(c, '\t');
			if (c == NULL)
				break;
			*c++ = '\0';
		}
		if (nf != 8)
			continue;
		vec_push(out, ((struct centry){ xstrdup(f[1]), xstrdup(f[2]),
		    xstrdup(f[3]), xstrdup(f[4]), xstrdup(f[6]), xstrdup(f[5]),
		    xstrdup(f[7]), NULL }));
		cur = &out->v[out->n - 1];
	}
out:
	free(path);
	free(eh);
	strbuf_release(&sb);
}

static void
centries_free(centries *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].origin); free(c->v[i].sig); free(c->v[i].hash);
		free(c->v[i].pkgname); free(c->v[i].error); free(c->v[i].deps);
		free(c->v[i].flavor);
		free(c->v[i].ignore);
	}
	vec_free(c);
}

static void
oneline(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		strbuf_addch(sb, *s == '\n' || *s == '\t' ? ' ' : *s);
}

static int
cache_write(const struct graph *g, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	char *path, *eh;
	int rc;

	if (g->cache_dir == NULL)
		return 0;
	if (path_mkdir_p(g->cache_dir, 0755, e) < 0)
		return -1;
	path = cache_path(g);
	eh = env_hash(g);
	strbuf_addf(&sb, "%s %s\n", GRAPH_CACHE_VERSION, eh);
	for (size_t i = 0; i < g->nodes.n; i++) {
		const struct graph_node *n = g->nodes.v[i];
		if (!(n->flags & GRAPH_EVALUATED))
			continue;
		strbuf_addf(&sb, "P\t%s\t%s\t%s\t%s\t%s\t", n->origin, n->sig,
		    n->files_hash, n->pkgname ? n->pkgname : "-",
		    n->flavor ? n->flavor : "-");
		if (n->error)
			oneline(&sb, n->error);
		else
			strbuf_addch(&sb, '-');
		strbuf_addch(&sb, '\t');
		if (n->ignore && n->ignore[0])
			oneline(&sb, n->ignore);
		else
			strbuf_addch(&sb, '-');
		strbuf_addch(&sb, '\n');
		for (size_t k = 0; k < n->deps.n; k++) {
			const struct graph_edge *d = &n->deps.v[k];
			strbuf_addf(&sb, "D\t%d\t%s\t%s\t%d\t%s\n", (int)d->type,
			    d->to->origin, d->flavor ? d->flavor : "-", d->implicit,
			    d->pattern);
		}
	}
	rc = path_write_atomic(path, sb.buf, sb.len, 0644, e);
	free(path);
	free(eh);
	strbuf_release(&sb);
	return rc;
}

/* ---- evaluation ---- */

/* "IGNORE: why" / "BROKEN: why" from the port's final values, or NULL. */
static char *
ignore_reason(struct port *p)
{
	static const char *const vars[] = { "IGNORE", "BROKEN" };
	char *r = NULL;

	for (size_t i = 0; i < 2 && r == NULL; i++) {
		struct strbuf sb = STRBUF_INIT;
		struct kerr e;
		if (port_var(p, vars[i], &sb, &e) == 0) {
			strbuf_trim(&sb);
			if (sb.len > 0)
				r = xasprintf("%s: %s", vars[i], sb.buf);
		}
		strbuf_release(&sb);
	}
	return r;
}

struct job {
	const struct graph *g;
	char *origin;		/* borrowed */
	const struct centry *cached;
	/* results */
	char sig[SHA256_HEX_LEN + 1];
	char hash[SHA256_HEX_LEN + 1];
	struct port *port;
	char *error;
	bool from_cache;
	bool not_a_port;	/* no Makefile: a scanned directory that is no port */
	char *plain;		/* origin without @flavor, owned */
};

struct pool {
	struct job *jobs;
	size_t n;
	atomic_size_t next;
};

static void
run_job(struct job *j)
{
	struct kerr e;
	char *dir, *of, *origin = xstrdup(j->origin), *at = strchr(origin, '@');
	struct port_env env = j->g->env;

	/* "category/name@flavor" evaluates that flavor of the port */
	if (at) {
		*at = '\0';
		env.flavor = at + 1;
	}
	j->plain = origin;
	if (!port_sig(j->g, origin, j->sig)) {
		j->not_a_port = true;
		return;
	}
	if (j->cached && strcmp(j->cached->sig, j->sig) == 0) {
		j->from_cache = true;
		return;
	}
	dir = path_join(j->g->tree, origin);
	of = port_options_file(j->g->env.options_dir, origin);
	if (port_files_hash(dir, of, j->hash, &e) < 0)
		j->error = xstrdup(e.msg);
	else if (port_load(&env, origin, &j->port, &e) < 0)
		j->error = xstrdup(e.msg);
	free(dir);
	free(of);
}

static void *
worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		run_job(&p->jobs[i]);
	return NULL;
}

static const struct centry *
centry_find(const centries *c, const char *origin)
{
	/* the cache is written in node order; callers look up in that order */
	static _Thread_local size_t hint;
	for (size_t k = 0; k < c->n; k++) {
		size_t i = (hint + k) % c->n;
		if (strcmp(c->v[i].origin, origin) == 0) {
			hint = i + 1;
			return &c->v[i];
		}
	}
	return NULL;
}

/* The node key of a dependency: origin, or origin@flavor. */
static char *
dep_key(const char *origin, const char *flavor)
{
	return flavor && *flavor ? xasprintf("%s@%s", origin, flavor) : xstrdup(origin);
}

static void
add_edge(struct graph_node *from, struct graph_node *to, enum port_dep_type t,
    bool implicit, const char *pattern, const char *flavor)
{
	struct graph_edge fe = { t, to, implicit, xstrdup(pattern),
	    flavor ? xstrdup(flavor) : NULL };
	struct graph_edge re = { t, from, implicit, xstrdup(pattern),
	    flavor ? xstrdup(flavor) : NULL };
	vec_push(&from->deps, fe);
	vec_push(&to->rdeps, re);
}

/* Record one job's result in its node; queue new origins. */
static void
absorb(struct graph *g, struct job *j, mk_words *queue)
{
	struct graph_node *n = node_get(g, j->origin);

	if (j->not_a_port) {
		n->flags |= GRAPH_MISSING;
		return;
	}
	memcpy(n->sig, j->sig, sizeof(n->sig));
	n->flags |= GRAPH_EVALUATED;
	if (j->from_cache) {
		const struct centry *c = j->cached;
		n->flags |= GRAPH_FROM_CACHE;
		g->cached++;
		snprintf(n->files_hash, sizeof(n->files_hash), "%s", c->hash);
		n->pkgname = strcmp(c->pkgname, "-") ? xstrdup(c->pkgname) : NULL;
		n->error = strcmp(c->error, "-") ? xstrdup(c->error) : NULL;
		n->flavor = strcmp(c->flavor, "-") ? xstrdup(c->flavor) : NULL;
		n->ignore = strcmp(c->ignore, "-") ? xstrdup(c->ignore) : NULL;
		for (char *l = c->deps, *nl; l && *l; l = nl + 1) {
			char *f[6], *line;
			int nf = 0;
			nl = strchr(l, '\n');
			line = xstrndup(l, (size_t)(nl - l));
			for (char *s = line; nf < 6; ) {
				f[nf++] = s;
				s = strchr(s, '\t');
				if (s == NULL)
					break;
				*s++ = '\0';
			}
			if (nf == 6) {
				/* f[2] is already the node key (origin@flavor) */
				struct graph_node *to = node_get(g, f[2]);
				n = graph_find(g, j->origin);	/* node_get may rehash */
				add_edge(n, to, (enum port_dep_type)atoi(f[1]), f[4][0] == '1',
				    f[5], strcmp(f[3], "-") ? f[3] : NULL);
				if (!(to->flags & GRAPH_EVALUATED))
					vec_push(queue, xstrdup(f[2]));
			}
			free(line);
		}
		return;
	}
	g->evaluated++;
	memcpy(n->files_hash, j->hash, sizeof(n->files_hash));
	if (j->error) {
		n->error = j->error;
		j->error = NULL;
		return;
	}
	n->pkgname = xstrdup(j->port->pkgname);
	n->flavor = j->port->flavor ? xstrdup(j->port->flavor) : NULL;
	n->ignore = ignore_reason(j->port);
	/* The port's own deps, then its subpackages' (the framework checks
	 * those too before it builds). */
	for (size_t s = 0; s < j->port->pkgs.n; s++) {
		const struct port_dep *dv = s == 0 ? j->port->deps.v : j->port->pkgs.v[s].deps.v;
		size_t dn = s == 0 ? j->port->deps.n : j->port->pkgs.v[s].deps.n;
		for (size_t k = 0; k < dn; k++) {
			const struct port_dep *d = &dv[k];
			char *key = dep_key(d->origin, d->flavor);
			struct graph_node *to = node_get(g, key);
			n = graph_find(g, j->origin);
			add_edge(n, to, d->type, d->implicit, d->pattern, d->flavor);
			if (!(to->flags & GRAPH_EVALUATED))
				vec_push(queue, key);
			else
				free(key);
		}
	}
	port_free(j->port);
	j->port = NULL;
}

static int
check_missing_and_cycles(struct graph *g, struct kerr *e);

/*
 * A dependency on origin@F where F is origin's default flavor is the same
 * port as origin: point such edges at the plain node and retire the
 * flavored one (GRAPH_ALIAS), so that a port is never scheduled twice.
 */
static void
merge_default_flavors(struct graph *g)
{
	bool any = false;

	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i], *plain;
		char *o, *at;
		if ((at = strchr(n->origin, '@')) == NULL || !(n->flags & GRAPH_EVALUATED))
			continue;
		o = xstrndup(n->origin, (size_t)(at - n->origin));
		plain = graph_find(g, o);
		free(o);
		if (plain && (plain->flags & GRAPH_EVALUATED) && plain->flavor &&
		    strcmp(plain->flavor, at + 1) == 0) {
			n->flags |= GRAPH_ALIAS;
			n->alias = plain;
			any = true;
		}
	}
	if (!any)
		return;
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		for (size_t k = 0; k < n->deps.n; k++)
			if (n->deps.v[k].to->flags & GRAPH_ALIAS)
				n->deps.v[k].to = n->deps.v[k].to->alias;
		for (size_t k = 0; k < n->rdeps.n; k++)
			if (n->rdeps.v[k].to->flags & GRAPH_ALIAS)
				n->rdeps.v[k].to = n->rdeps.v[k].to->alias;
	}
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		if (!(n->flags & GRAPH_ALIAS))
			continue;
		/* the alias's dependents now depend on the plain node */
		for (size_t k = 0; k < n->rdeps.n; k++) {
			struct graph_edge r = n->rdeps.v[k];
			r.pattern = xstrdup(r.pattern);
			r.flavor = r.flavor ? xstrdup(r.flavor) : NULL;
			vec_push(&n->alias->rdeps, r);
		}
		edges_free(&n->rdeps);
		edges_free(&n->deps);
	}
}

int
graph_load(struct graph *g, char *const *origins, size_t n, struct kerr *e)
{
	mk_words queue = VEC_INIT, all = VEC_INIT;
	centries cache = VEC_INIT;
	int rc = -1;
	bool scanned = origins == NULL || n == 0;	/* first round: all exist */

	if (origins == NULL || n == 0) {
		if (scan(g->tree, &all, false, e) < 0)
			goto out;
		for (size_t i = 0; i < all.n; i++)
			vec_push(&queue, xstrdup(all.v[i]));
	} else {
		for (size_t i = 0; i < n; i++)
			vec_push(&queue, xstrdup(origins[i]));
	}
	cache_read(g, &cache);
	while (queue.n > 0) {
		struct pool pool;
		mk_words round = VEC_INIT, next = VEC_INIT;
		pthread_t *th;
		int nth;

		/* this round: queued origins not yet known and present in the tree */
		for (size_t i = 0; i < queue.n; i++) {
			struct graph_node *gn = graph_find(g, queue.v[i]);
			if (gn && ((gn->flags & (GRAPH_EVALUATED | GRAPH_MISSING)) ||
			    gn->mark == -1))
				continue;
			if (!(scanned && gn == NULL) && !is_port_dir_key(g->tree, queue.v[i])) {
				node_get(g, queue.v[i])->flags |= GRAPH_MISSING;
				continue;
			}
			node_get(g, queue.v[i])->mark = -1;	/* scheduled */
			vec_push(&round, queue.v[i]);
			queue.v[i] = NULL;
		}
		for (size_t i = 0; i < round.n; i++)
			node_get(g, round.v[i])->mark = 0;
		mk_words_free(&queue);
		pool.n = round.n;
		pool.jobs = xcalloc(round.n ? round.n : 1, sizeof(*pool.jobs));
		atomic_init(&pool.next, 0);
		for (size_t i = 0; i < round.n; i++) {
			pool.jobs[i].g = g;
			pool.jobs[i].origin = round.v[i];
			pool.jobs[i].cached = centry_find(&cache, round.v[i]);
		}
		nth = g->jobs < (int)round.n ? g->jobs : (int)round.n;
		th = xcalloc((size_t)(nth > 0 ? nth : 1), sizeof(*th));
		for (int t = 1; t < nth; t++)
			if (pthread_create(&th[t], NULL, worker, &pool) != 0)
				th[t] = 0;
		worker(&pool);
		for (int t = 1; t < nth; t++)
			if (th[t])
				pthread_join(th[t], NULL);
		free(th);
		for (size_t i = 0; i < round.n; i++) {
			absorb(g, &pool.jobs[i], &next);
			free(pool.jobs[i].error);
			free(pool.jobs[i].plain);
			port_free(pool.jobs[i].port);
		}
		free(pool.jobs);
		/* round.v strings were moved out of the queue: free them here */
		mk_words_free(&round);
		queue = next;
		scanned = false;
	}
	if (cache_write(g, e) < 0)
		goto out;
	merge_default_flavors(g);
	for (size_t i = 0; i < g->nodes.n; i++) {
		if (g->nodes.v[i]->error) {
			kerr_set(e, "%s", g->nodes.v[i]->error);
			goto out;
		}
	}
	if (check_missing_and_cycles(g, e) < 0)
		goto out;
	rc = 0;
out:
	centries_free(&cache);
	mk_words_free(&queue);
	mk_words_free(&all);
	return rc;
}

/* ---- checks and traversals ---- */

static int
dfs_cycle(struct graph_node *n, graph_nodes *stack, struct kerr *e)
{
	n->mark = 1;
	vec_push(stack, n);
	for (size_t i = 0; i < n->deps.n; i++) {
		struct graph_node *to = n->deps.v[i].to;
		if (to->mark == 1) {
			struct strbuf sb = STRBUF_INIT;
			size_t k = stack->n;
			while (k > 0 && stack->v[k - 1] != to)
				k--;
			for (size_t j = k - 1; j < stack->n; j++)
				strbuf_addf(&sb, "%s -> ", stack->v[j]->origin);
			strbuf_addstr(&sb, to->origin);
			kerr_set(e, "dependency cycle: %s", sb.buf);
			strbuf_release(&sb);
			return -1;
		}
		if (to->mark == 0 && dfs_cycle(to, stack, e) < 0)
			return -1;
	}
	n->mark = 2;
	stack->n--;
	return 0;
}

/*
 * Does version v satisfy constraint c (">=1.2", ">1<2", "=3")?  On failure
 */
static bool
constraint_ok(const char *v, const char *c)
{
	while (*c) {
		char op[3] = { 0, 0, 0 };
		char ref[256];
		size_t n = 0;
		op[0] = *c++;
		if (*c == '=')
			op[1] = *c++;
		while (*c && !strchr("<>=!", *c) && n + 1 < sizeof(ref))
			ref[n++] = *c++;
		ref[n] = '\0';
		if (!version_match(v, op, ref))
			return false;
	}
	return true;
}

/* pkg>=ver dependencies must be met by the version the tree has. */
static int
check_versions(struct graph *g, struct kerr *e)
{
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		for (size_t k = 0; k < n->deps.n; k++) {
			const struct graph_edge *d = &n->deps.v[k];
			const char *op = strpbrk(d->pattern, "<>=");
			const char *ver;
			if (op == NULL || d->to->pkgname == NULL ||
			    (ver = strrchr(d->to->pkgname, '-')) == NULL)
				continue;
			if (!constraint_ok(ver + 1, op))
				return kerr_set(e, "%s needs %s (%s_DEPENDS) but %s provides %s",
				    n->origin, d->pattern, port_dep_type_name(d->type),
				    d->to->origin, d->to->pkgname);
		}
	}
	return 0;
}

static int
check_missing_and_cycles(struct graph *g, struct kerr *e)
{
	graph_nodes stack = VEC_INIT;
	int rc = 0;

	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		for (size_t k = 0; k < n->deps.n; k++) {
			struct graph_edge *d = &n->deps.v[k];
			if (!(d->to->flags & GRAPH_MISSING) || d->implicit)
				continue;
			vec_free(&stack);
			return kerr_set(e, "%s depends on %s (%s_DEPENDS %s), which is "
			    "not in the ports tree %s", n->origin, d->to->origin,
			    port_dep_type_name(d->type), d->pattern, g->tree);
		}
	}
	/* Implicit dependencies the tree does not carry come from the jail. */
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		size_t o = 0;
		for (size_t k = 0; k < n->deps.n; k++) {
			if (n->deps.v[k].to->flags & GRAPH_MISSING) {
				free(n->deps.v[k].pattern);
				free(n->deps.v[k].flavor);
				continue;
			}
			n->deps.v[o++] = n->deps.v[k];
		}
		n->deps.n = o;
		n->mark = 0;
	}
	for (size_t i = 0; i < g->nodes.n && rc == 0; i++)
		if (g->nodes.v[i]->mark == 0 &&
		    !(g->nodes.v[i]->flags & (GRAPH_MISSING | GRAPH_ALIAS)))
			rc = dfs_cycle(g->nodes.v[i], &stack, e);
	vec_free(&stack);
	if (rc == 0)
		rc = check_versions(g, e);
	return rc;
}

static void
post_order(struct graph_node *n, unsigned mask, graph_nodes *out, int depth)
{
	n->mark = 1;
	for (size_t i = 0; i < n->deps.n; i++) {
		struct graph_node *to = n->deps.v[i].to;
		if ((mask & (1u << n->deps.v[i].type)) && to->mark == 0 &&
		    !(to->flags & GRAPH_MISSING) && depth < 100000)
			post_order(to, mask, out, depth + 1);
	}
	vec_push(out, n);
}

void
graph_closure(struct graph *g, struct graph_node *const *roots, size_t n,
    unsigned mask, graph_nodes *out)
{
	for (size_t i = 0; i < g->nodes.n; i++)
		g->nodes.v[i]->mark = 0;
	for (size_t i = 0; i < n; i++)
		if (roots[i]->mark == 0)
			post_order(roots[i], mask, out, 0);
}
