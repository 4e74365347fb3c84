/*
 * graph: the ports tree as a DAG (see graph.h for the cache format and
 * the change-detection rules).  Evaluation runs in rounds: each round
 * stats and, where needed, evaluates in parallel every requested origin
 * not yet known, then queues the origins their dependencies name.
 * Threads share nothing but an atomic work index and read-only data
 * (the cache buffer); each writes only its own job.  Only the main
 * thread touches nodes and the arena.  A port's stat signature is
 * graph_sig.c's.
 * Calls: port, version, util.
 */
#include "graph.h"
#include "graph_int.h"
#include "util/path.h"
#include "version.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#define GRAPH_CACHE_VERSION "kiln-graph 4"

static uint32_t
hash_mem(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* ---- the arena: every string and node of a graph, freed at once ---- */

struct graph_arena {
	struct graph_arena *next;
	size_t used, size;
	char mem[];
};

static void *
arena_alloc(struct graph *g, size_t n)
{
	struct graph_arena *a = g->arena;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (a == NULL || a->size - a->used < n) {
		size_t sz = n > 65536 ? n : 262144;
		a = xmalloc(sizeof(*a) + sz);
		a->next = g->arena;
		a->used = 0;
		a->size = sz;
		g->arena = a;
	}
	p = a->mem + a->used;
	a->used += n;
	return p;
}

static char *
arena_strndup(struct graph *g, const char *s, size_t n)
{
	char *p = arena_alloc(g, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *
arena_str(struct graph *g, const char *s)
{
	return s ? arena_strndup(g, s, strlen(s)) : NULL;
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

void
graph_free(struct graph *g)
{
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		vec_free(&n->deps);
		vec_free(&n->rdeps);
		free(n->dirs);
	}
	while (g->arena) {
		struct graph_arena *a = g->arena;
		g->arena = a->next;
		free(a);
	}
	vec_free(&g->nodes);
	free(g->slots);
	free(g->tree);
	free(g->cache_dir);
	memset(g, 0, sizeof(*g));
}

static struct graph_node *
find_n(const struct graph *g, const char *origin, size_t len, uint32_t h)
{
	if (g->cap == 0)
		return NULL;
	for (size_t j = h & (g->cap - 1); g->slots[j]; j = (j + 1) & (g->cap - 1)) {
		const struct graph_node *n = g->slots[j];
		if (n->hash == h && strncmp(n->origin, origin, len) == 0 &&
		    n->origin[len] == '\0')
			return g->slots[j];
	}
	return NULL;
}

struct graph_node *
graph_find(const struct graph *g, const char *origin)
{
	size_t len = strlen(origin);
	return find_n(g, origin, len, hash_mem(origin, len));
}

static void
index_grow(struct graph *g, size_t want)
{
	size_t ncap = g->cap ? g->cap : 1024;
	struct graph_node **ns;

	while (want * 2 >= ncap)
		ncap *= 2;
	if (ncap == g->cap)
		return;
	ns = xcalloc(ncap, sizeof(*ns));
	for (size_t i = 0; i < g->nodes.n; i++) {
		size_t j;
		for (j = g->nodes.v[i]->hash & (ncap - 1); ns[j]; j = (j + 1) & (ncap - 1))
			;
		ns[j] = g->nodes.v[i];
	}
	free(g->slots);
	g->slots = ns;
	g->cap = ncap;
}

static struct graph_node *
node_get_n(struct graph *g, const char *origin, size_t len)
{
	uint32_t h = hash_mem(origin, len);
	struct graph_node *n = find_n(g, origin, len, h);
	size_t j;
	char *key;

	if (n)
		return n;
	index_grow(g, g->nodes.n + 1);
	/* the key right before the node's hot fields: a lookup touches one
	 * place */
	key = arena_alloc(g, ((len + 16) & ~(size_t)15) + sizeof(*n));
	n = (struct graph_node *)(key + ((len + 16) & ~(size_t)15));
	memset(n, 0, sizeof(*n));
	memcpy(key, origin, len);
	key[len] = '\0';
	n->origin = key;
	n->hash = h;
	for (j = h & (g->cap - 1); g->slots[j]; j = (j + 1) & (g->cap - 1))
		;
	g->slots[j] = n;
	vec_push(&g->nodes, n);
	return n;
}

static struct graph_node *
node_get(struct graph *g, const char *origin)
{
	return node_get_n(g, origin, strlen(origin));
}

int
graph_cmp_str(const void *a, const void *b)
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
	struct dirent *de;

	if ((d = opendir(tree)) == NULL)
		return kerr_errno(e, "%s", tree);
	while ((de = readdir(d)) != NULL) {
		struct dirent *ce;
		char *cat;
		if (de->d_name[0] == '.' || strcmp(de->d_name, "Mk") == 0 ||
		    strcmp(de->d_name, "distfiles") == 0 ||
		    strcmp(de->d_name, "Templates") == 0 ||
		    strcmp(de->d_name, "Keywords") == 0 ||
		    strcmp(de->d_name, "Tools") == 0)
			continue;
		cat = path_join(tree, de->d_name);
		if ((c = opendir(cat)) != NULL) {
			size_t cl = strlen(de->d_name);
			while ((ce = readdir(c)) != NULL) {
				char *o;
				size_t nl;
				if (ce->d_name[0] == '.')
					continue;
				if (!(check ? is_port_dir(cat, ce->d_name) :
				    (ce->d_type == DT_DIR || ce->d_type == DT_UNKNOWN ||
				    ce->d_type == DT_LNK)))
					continue;
				/* category/name, without printf: 30,000 of them */
				nl = strlen(ce->d_name);
				o = xmalloc(cl + nl + 2);
				memcpy(o, de->d_name, cl);
				o[cl] = '/';
				memcpy(o + cl + 1, ce->d_name, nl + 1);
				vec_push(origins, o);
			}
			closedir(c);
		}
		free(cat);
	}
	closedir(d);
	if (origins->n > 0)
		qsort(origins->v, origins->n, sizeof(*origins->v), graph_cmp_str);
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

/* ---- the cache file, read whole; records are spans of it ---- */

/* Split the line at p (ending at '\n' or end) into at most max fields;
 * returns how many, and sets *next past the line. */
int
graph_split_line(const char *p, const char *end, struct field *f, int max,
    const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	int n = 0;

	if (nl == NULL)
		nl = end;
	while (n < max) {
		const char *t = memchr(p, '\t', (size_t)(nl - p));
		if (t == NULL || n == max - 1) {
			f[n].s = p;
			f[n++].n = (size_t)(nl - p);
			break;
		}
		f[n].s = p;
		f[n++].n = (size_t)(t - p);
		p = t + 1;
	}
	*next = nl < end ? nl + 1 : end;
	return n;
}

bool
graph_field_is(const struct field *f, const char *s)
{
	return f->n == strlen(s) && memcmp(f->s, s, f->n) == 0;
}

#define P_FIELDS 9	/* P key sig racy hash pkgname flavor error ignore */
#define D_FIELDS 6	/* D type key flavor implicit pattern */

struct crec {
	const char *start, *end;	/* the record: its P line to the next P */
	const char *key;
	size_t klen;
	uint32_t h;
	bool used;
};

struct cache {
	char *buf;			/* the file, mapped read-only, or NULL */
	size_t len;
	bool valid;			/* header matched */
	VEC(struct crec) recs;
	size_t *slots;			/* index + 1 into recs, 0 = empty */
	size_t cap;
};

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
cache_read(const struct graph *g, struct cache *c)
{
	char *path, *eh, *hdr = NULL;
	const char *p, *end;
	struct stat st;
	int fd = -1;

	if (g->cache_dir == NULL)
		return;
	path = cache_path(g);
	eh = env_hash(g);
	hdr = xasprintf("%s %s\n", GRAPH_CACHE_VERSION, eh);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0 ||
	    (size_t)st.st_size < strlen(hdr))
		goto out;
	/* mapped, not read: no copy; the writer renames a new file into
	 * place, so the mapped one never changes under us */
	c->len = (size_t)st.st_size;
	c->buf = mmap(NULL, c->len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (c->buf == MAP_FAILED) {
		c->buf = NULL;
		goto out;
	}
	if (memcmp(c->buf, hdr, strlen(hdr)) != 0)
		goto out;
	c->valid = true;
	p = c->buf + strlen(hdr);
	/* complete lines only: a torn last line is no record */
	if ((end = memrchr(p, '\n', (size_t)(c->buf + c->len - p))) == NULL)
		end = p;
	else
		end++;
	/* a record runs from its P line to the next one (memmem skips the
	 * D lines in one sweep) */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *np = memmem(nl, (size_t)(end - nl), "\nP\t", 3);
		const char *next = np ? np + 1 : end;
		const char *t;
		if (p[0] == 'P' && p[1] == '\t' &&
		    (t = memchr(p + 2, '\t', (size_t)(nl - p - 2))) != NULL)
			vec_push(&c->recs, ((struct crec){ p, next, p + 2,
			    (size_t)(t - p - 2), hash_mem(p + 2, (size_t)(t - p - 2)),
			    false }));
		p = next;
	}
	c->cap = 1024;
	while (c->recs.n * 2 >= c->cap)
		c->cap *= 2;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	for (size_t i = 0; i < c->recs.n; i++) {
		size_t j;
		for (j = c->recs.v[i].h & (c->cap - 1); c->slots[j]; j = (j + 1) & (c->cap - 1))
			;
		c->slots[j] = i + 1;
	}
out:
	if (fd >= 0)
		close(fd);
	free(hdr);
	free(path);
	free(eh);
}

static struct crec *
cache_find(struct cache *c, const char *key)
{
	size_t len = strlen(key);
	uint32_t h = hash_mem(key, len);

	if (c->cap == 0)
		return NULL;
	for (size_t j = h & (c->cap - 1); c->slots[j]; j = (j + 1) & (c->cap - 1)) {
		struct crec *r = &c->recs.v[c->slots[j] - 1];
		if (r->h == h && r->klen == len && memcmp(r->key, key, len) == 0)
			return r;
	}
	return NULL;
}

static void
cache_free(struct cache *c)
{
	if (c->buf)
		munmap(c->buf, c->len);
	vec_free(&c->recs);
	free(c->slots);
}

/* Whether s can be a cache field: no tab, no newline, not empty. */
static bool
cacheable(const char *s)
{
	return s[0] && strpbrk(s, "\t\n") == NULL;
}

static void
oneline(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		strbuf_addch(sb, *s == '\n' || *s == '\t' ? ' ' : *s);
}

static bool
node_cacheable(const struct graph_node *n)
{
	if (!cacheable(n->origin) || (n->pkgname && !cacheable(n->pkgname)) ||
	    (n->flavor && !cacheable(n->flavor)))
		return false;
	for (size_t k = 0; k < n->deps.n; k++) {
		const struct graph_edge *d = &n->deps.v[k];
		if (!cacheable(d->to->origin) || !cacheable(d->pattern) ||
		    (d->flavor && !cacheable(d->flavor)))
			return false;
	}
	return true;
}

static void
record_format(struct strbuf *sb, const struct graph_node *n)
{
	strbuf_addf(sb, "P\t%s\t%s\t%d\t%s\t%s\t%s\t", n->origin, n->sig, n->racy,
	    n->files_hash, n->pkgname ? n->pkgname : "-", n->flavor ? n->flavor : "-");
	if (n->error)
		oneline(sb, n->error);
	else
		strbuf_addch(sb, '-');
	strbuf_addch(sb, '\t');
	if (n->ignore && n->ignore[0])
		oneline(sb, n->ignore);
	else
		strbuf_addch(sb, '-');
	strbuf_addch(sb, '\n');
	if (n->dirs)
		strbuf_addstr(sb, n->dirs);
	for (size_t k = 0; k < n->deps.n; k++) {
		const struct graph_edge *d = &n->deps.v[k];
		strbuf_addf(sb, "D\t%d\t%s\t%s\t%d\t%s\n", (int)d->type,
		    d->to->origin, d->flavor ? d->flavor : "-", d->implicit,
		    d->pattern);
	}
}

/*
 * Write the cache when it would differ from the file: a node evaluated or
 * re-stamped, a cached record dropped (full runs), or no valid file.
 * Unchanged records are copied verbatim.
 */
static int
cache_write(struct graph *g, struct cache *c, bool full, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = NULL, *eh = NULL;
	bool dirty = !c->valid;
	int rc = -1;

	g->cache_written = false;
	if (g->cache_dir == NULL)
		return 0;
	for (size_t i = 0; i < g->nodes.n && !dirty; i++) {
		const struct graph_node *n = g->nodes.v[i];
		if ((n->flags & GRAPH_EVALUATED) && n->crec == NULL && node_cacheable(n))
			dirty = true;
	}
	for (size_t i = 0; i < c->recs.n && !dirty; i++)
		if (full && !c->recs.v[i].used)
			dirty = true;
	if (!dirty)
		return 0;
	if (path_mkdir_p(g->cache_dir, 0755, e) < 0)
		goto out;
	path = cache_path(g);
	eh = env_hash(g);
	strbuf_init(&sb, c->len + 4096);
	strbuf_addf(&sb, "%s %s\n", GRAPH_CACHE_VERSION, eh);
	for (size_t i = 0; i < g->nodes.n; i++) {
		const struct graph_node *n = g->nodes.v[i];
		if (!(n->flags & GRAPH_EVALUATED))
			continue;
		if (n->crec)
			strbuf_add(&sb, n->crec, n->creclen);
		else if (node_cacheable(n))
			record_format(&sb, n);
	}
	for (size_t i = 0; i < c->recs.n && !full; i++)
		if (!c->recs.v[i].used)
			strbuf_add(&sb, c->recs.v[i].start,
			    (size_t)(c->recs.v[i].end - c->recs.v[i].start));
	if (path_write_atomic(path, sb.buf, sb.len, 0644, e) < 0)
		goto out;
	g->cache_written = true;
	rc = 0;
out:
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
	const struct crec *cached;	/* borrowed, or NULL */
	int rootfd;
	struct timespec racy_from;
	/* results */
	char sig[SHA256_HEX_LEN + 1];
	char hash[SHA256_HEX_LEN + 1];
	struct port *port;
	char *error;
	char *dirs;		/* S lines, owned */
	bool racy;
	bool from_cache;	/* metadata from the cached record */
	bool rehashed;		/* ... after its contents were hashed again */
	bool same;		/* ... and the record stays as it is */
	bool not_a_port;	/* no Makefile: a scanned directory that is no port */
	/* from_cache: the record parsed (parse_cached), for absorb */
	struct graph_arena *chunk;	/* its strings, owned until absorbed */
	struct graph_edge *edges;	/* owned until absorbed */
	struct field *keys;	/* node keys of edges whose to is still NULL */
	size_t nedges;
	bool need_main;		/* some edge needs the main thread (absorb) */
	struct graph_node *node;	/* borrowed: this job's node */
	char *pkgname, *flavor, *error_c, *ignore;	/* in chunk */
};

struct pool {
	struct job *jobs;
	size_t n;
	atomic_size_t next;
};

/*
 * Whether a cached record is well-formed: P with its fields, then S lines,
 * then D lines with known types.  Fills f with the P fields.
 */
static bool
record_ok(const struct crec *r, struct field *f)
{
	const char *p = r->start, *next;

	if (graph_split_line(p, r->end, f, P_FIELDS, &next) != P_FIELDS || f[2].n != 16 ||
	    f[3].n != 1 || (f[3].s[0] != '0' && f[3].s[0] != '1') ||
	    f[4].n != SHA256_HEX_LEN)
		return false;
	for (p = next; p < r->end; p = next) {
		struct field d[D_FIELDS];
		if (p[0] == 'S' && p[1] == '\t') {
			graph_split_line(p, r->end, d, 1, &next);
			continue;
		}
		if (graph_split_line(p, r->end, d, D_FIELDS, &next) != D_FIELDS ||
		    !graph_field_is(&d[0], "D") || d[1].n != 1 || d[1].s[0] < '0' ||
		    d[1].s[0] >= '0' + PORT_DEP_NTYPES || d[2].n == 0 ||
		    d[4].n != 1 || d[5].n == 0)
			return false;
	}
	return true;
}

/*
 * Marks while graph_load runs: -1 scheduled in this round, -2 queued for
 * the next one (once is enough), 0 otherwise.
 */
#define MARK_SCHEDULED	(-1)
#define MARK_QUEUED	(-2)

/* Whether a node must be queued for a later round. */
static bool
to_queue(const struct graph_node *to)
{
	return !(to->flags & (GRAPH_EVALUATED | GRAPH_MISSING)) &&
	    to->mark != MARK_SCHEDULED &&
	    to->mark != MARK_QUEUED;
}

static void
queue_node(mk_words *queue, struct graph_node *to)
{
	to->mark = MARK_QUEUED;
	vec_push(queue, xstrdup(to->origin));
}

static char *
chunk_str(struct graph_arena *a, const struct field *f, bool dash_null)
{
	char *p;

	if (dash_null && f->n == 1 && f->s[0] == '-')
		return NULL;
	p = a->mem + a->used;
	memcpy(p, f->s, f->n);
	p[f->n] = '\0';
	a->used += f->n + 1;
	return p;
}

/*
 * Parse a record (checked by record_ok) into the job: strings into one
 * chunk (the record's length bounds them), edges resolved to the nodes
 * that exist already.  Workers only read the index: the main thread
 * changes it between rounds, never during one.
 */
static void
parse_cached(struct job *j)
{
	const struct crec *r = j->cached;
	struct field f[P_FIELDS];
	const char *p, *q, *next;
	size_t nd = 0, k = 0;
	struct graph_arena *a = xmalloc(sizeof(*a) + (size_t)(r->end - r->start));
	const struct graph *g = j->g;
	uint32_t *hs;

	a->next = NULL;
	a->used = 0;
	a->size = (size_t)(r->end - r->start);
	j->chunk = a;
	graph_split_line(r->start, r->end, f, P_FIELDS, &p);
	memcpy(j->hash, f[4].s, SHA256_HEX_LEN);
	j->hash[SHA256_HEX_LEN] = '\0';
	j->pkgname = chunk_str(a, &f[5], true);
	j->flavor = chunk_str(a, &f[6], true);
	j->error_c = chunk_str(a, &f[7], true);
	j->ignore = chunk_str(a, &f[8], true);
	for (q = p; q < r->end; q = (const char *)memchr(q, '\n', (size_t)(r->end - q)) + 1)
		nd += q[0] == 'D';
	j->edges = xcalloc(nd ? nd : 1, sizeof(*j->edges));
	j->keys = xcalloc(nd ? nd : 1, sizeof(*j->keys));
	hs = xcalloc(nd ? nd : 1, sizeof(*hs));
	for (; p < r->end && k < nd; p = next) {
		struct field d[D_FIELDS];
		struct graph_edge *ed = &j->edges[k];
		if (p[0] != 'D') {
			next = (const char *)memchr(p, '\n', (size_t)(r->end - p)) + 1;
			continue;	/* an S line */
		}
		graph_split_line(p, r->end, d, D_FIELDS, &next);
		/* d[2] is already the node key (origin@flavor) */
		j->keys[k] = d[2];
		hs[k] = hash_mem(d[2].s, d[2].n);
		/* the lookups below miss the cache: start the loads now */
		if (g->cap)
			__builtin_prefetch(&g->slots[hs[k] & (g->cap - 1)]);
		ed->type = (enum port_dep_type)(d[1].s[0] - '0');
		ed->implicit = d[4].s[0] == '1';
		ed->pattern = chunk_str(a, &d[5], false);
		ed->flavor = chunk_str(a, &d[3], true);
		k++;
	}
	j->nedges = k;
	for (k = 0; k < j->nedges && g->cap; k++) {
		const struct graph_node *s = g->slots[hs[k] & (g->cap - 1)];
		if (s) {
			__builtin_prefetch(&s->hash);
			__builtin_prefetch((const char *)s - 16);	/* the key */
		}
	}
	for (k = 0; k < j->nedges; k++) {
		struct graph_edge *ed = &j->edges[k];
		ed->to = find_n(g, j->keys[k].s, j->keys[k].n, hs[k]);
		/* flags and marks change in absorb, between rounds (to_queue) */
		if (ed->to == NULL || to_queue(ed->to))
			j->need_main = true;
		else
			j->keys[k].s = NULL;	/* nothing for absorb to do */
	}
	if (!j->need_main) {
		free(j->keys);
		j->keys = NULL;
	}
	free(hs);
}

static void
run_job(struct job *j)
{
	struct kerr e;
	char *dir, *of, *origin = xstrdup(j->origin), *at = strchr(origin, '@');
	struct port_env env = j->g->env;
	struct graph_walk *w = xmalloc(sizeof(*w));	/* PATH_MAX: not on the stack */
	struct field f[P_FIELDS];
	bool trusted = false;

	/* "category/name@flavor" evaluates that flavor of the port */
	if (at) {
		*at = '\0';
		env.flavor = at + 1;
	}
	if (j->cached && !record_ok(j->cached, f))
		j->cached = NULL;
	/* a racy record's sig and S lines are not evidence of anything */
	trusted = j->cached && f[3].s[0] == '0';
	w->g = j->g;
	w->racy = w->makefile = w->unsure = false;
	w->rootfd = j->rootfd;
	w->racy_from = j->racy_from;
	strbuf_init(&w->dirs, 256);
	if (!graph_port_walk(w, origin, trusted ? j->cached->start : NULL,
	    trusted ? j->cached->end : NULL)) {
		j->not_a_port = true;
		goto out;
	}
	graph_hex16(j->sig, w->sig);
	j->racy = w->racy || w->unsure;
	j->dirs = strbuf_detach(&w->dirs, NULL);
	if (trusted && !w->unsure && memcmp(f[2].s, j->sig, 16) == 0) {
		const char *s = f[P_FIELDS - 1].s + f[P_FIELDS - 1].n + 1;
		const char *d = s;
		while (d < j->cached->end && d[0] == 'S')
			d = (const char *)memchr(d, '\n', (size_t)(j->cached->end - d)) + 1;
		j->from_cache = true;
		j->same = !j->racy && strlen(j->dirs) == (size_t)(d - s) &&
		    memcmp(j->dirs, s, (size_t)(d - s)) == 0;
		if (j->same) {
			/* freed by the thread that allocated it: cheaper */
			free(j->dirs);
			j->dirs = NULL;
		}
		parse_cached(j);
		goto out;
	}
	dir = path_join(j->g->tree, origin);
	of = port_options_file(j->g->env.options_dir, origin);
	if (port_files_hash(dir, of, j->hash, &e) < 0)
		j->error = xstrdup(e.msg);
	else if (j->cached && memcmp(f[4].s, j->hash, SHA256_HEX_LEN) == 0) {
		j->from_cache = j->rehashed = true;
		parse_cached(j);
	}
	else if (port_load(&env, origin, &j->port, &e) < 0)
		j->error = xstrdup(e.msg);
	free(dir);
	free(of);
out:
	strbuf_release(&w->dirs);
	free(w);
	free(origin);
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

/* The node key of a dependency: origin, or origin@flavor. */
static char *
dep_key(const char *origin, const char *flavor)
{
	return flavor && *flavor ? xasprintf("%s@%s", origin, flavor) : xstrdup(origin);
}

static void
add_edge(struct graph_node *from, struct graph_node *to, enum port_dep_type t,
    bool implicit, char *pattern, char *flavor)
{
	vec_push(&from->deps, ((struct graph_edge){ .to = to, .pattern = pattern,
	    .flavor = flavor, .type = t, .implicit = implicit }));
}

/* A node's metadata and edges from the record its job parsed. */
static void
absorb_cached(struct graph *g, struct graph_node *n, struct job *j,
    mk_words *queue)
{
	/* the chunk joins the arena behind the chunk being filled */
	if (g->arena) {
		j->chunk->next = g->arena->next;
		g->arena->next = j->chunk;
	} else {
		g->arena = j->chunk;
	}
	j->chunk = NULL;
	memcpy(n->files_hash, j->hash, sizeof(n->files_hash));
	n->pkgname = j->pkgname;
	n->flavor = j->flavor;
	n->error = j->error_c;
	n->ignore = j->ignore;
	n->deps.v = j->edges;
	n->deps.n = n->deps.cap = j->nedges;
	j->edges = NULL;
	for (size_t k = 0; k < n->deps.n && j->need_main; k++) {
		struct graph_node *to;
		if (j->keys[k].s == NULL)
			continue;
		to = n->deps.v[k].to;
		if (to == NULL)
			to = n->deps.v[k].to = node_get_n(g, j->keys[k].s, j->keys[k].n);
		if (to_queue(to))
			queue_node(queue, to);
	}
}

/* Record one job's result in its node; queue new origins. */
static void
absorb(struct graph *g, struct job *j, mk_words *queue)
{
	struct graph_node *n = j->node;
	char *ign;

	if (j->not_a_port) {
		n->flags |= GRAPH_MISSING;
		return;
	}
	memcpy(n->sig, j->sig, sizeof(n->sig));
	n->racy = j->racy;
	n->flags |= GRAPH_EVALUATED;
	if (j->from_cache) {
		n->flags |= GRAPH_FROM_CACHE;
		g->cached++;
		g->rehashed += j->rehashed;
		absorb_cached(g, n, j, queue);
		if (j->same) {
			n->crec = j->cached->start;
			n->creclen = (size_t)(j->cached->end - j->cached->start);
		} else {
			n->dirs = j->dirs;
			j->dirs = NULL;
		}
		return;
	}
	g->evaluated++;
	n->dirs = j->dirs;
	j->dirs = NULL;
	memcpy(n->files_hash, j->hash, sizeof(n->files_hash));
	if (j->error) {
		n->error = arena_str(g, j->error);
		return;
	}
	n->pkgname = arena_str(g, j->port->pkgname);
	n->flavor = arena_str(g, j->port->flavor);
	ign = ignore_reason(j->port);
	n->ignore = arena_str(g, ign);
	free(ign);
	/* The port's own deps, then its subpackages' (the framework checks
	 * those too before it builds). */
	for (size_t s = 0; s < j->port->pkgs.n; s++) {
		const struct port_dep *dv = s == 0 ? j->port->deps.v : j->port->pkgs.v[s].deps.v;
		size_t dn = s == 0 ? j->port->deps.n : j->port->pkgs.v[s].deps.n;
		for (size_t k = 0; k < dn; k++) {
			const struct port_dep *d = &dv[k];
			char *key = dep_key(d->origin, d->flavor);
			struct graph_node *to = node_get(g, key);
			add_edge(n, to, d->type, d->implicit, arena_str(g, d->pattern),
			    arena_str(g, d->flavor));
			if (to_queue(to))
				queue_node(queue, to);
			free(key);
		}
	}
}

void
graph_rdeps(struct graph *g)
{
	if (g->rdeps_built)
		return;
	g->rdeps_built = true;
	for (size_t i = 0; i < g->nodes.n; i++)
		for (size_t k = 0; k < g->nodes.v[i]->deps.n; k++)
			g->nodes.v[i]->deps.v[k].to->rdeps.cap++;
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		size_t cap = n->rdeps.cap;
		n->rdeps.cap = 0;
		if (cap > 0)
			vec_reserve(&n->rdeps, cap);
	}
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		for (size_t k = 0; k < n->deps.n; k++) {
			struct graph_edge re = n->deps.v[k];
			struct graph_node *to = re.to;
			re.to = n;
			to->rdeps.v[to->rdeps.n++] = re;
		}
	}
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
		const char *at;
		if ((at = strchr(n->origin, '@')) == NULL || !(n->flags & GRAPH_EVALUATED))
			continue;
		plain = find_n(g, n->origin, (size_t)(at - n->origin),
		    hash_mem(n->origin, (size_t)(at - n->origin)));
		if (plain && (plain->flags & GRAPH_EVALUATED) && plain->flavor &&
		    strcmp(plain->flavor, at + 1) == 0) {
			n->flags |= GRAPH_ALIAS;
			n->alias = plain;
			any = true;
		}
	}
	if (!any)
		return;
	/* the alias's dependents now depend on the plain node */
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		for (size_t k = 0; k < n->deps.n; k++)
			if (n->deps.v[k].to->flags & GRAPH_ALIAS)
				n->deps.v[k].to = n->deps.v[k].to->alias;
	}
	for (size_t i = 0; i < g->nodes.n; i++)
		if (g->nodes.v[i]->flags & GRAPH_ALIAS)
			vec_free(&g->nodes.v[i]->deps);
}

struct cache_reader {
	const struct graph *g;
	struct cache *c;
};

static void *
cache_reader(void *arg)
{
	struct cache_reader *r = arg;

	cache_read(r->g, r->c);
	return NULL;
}

/* Run one round of jobs over origins with the graph's threads. */
static void
run_round(struct graph *g, struct cache *c, mk_words *round, int rootfd,
    struct timespec racy_from, mk_words *next)
{
	struct pool pool;
	pthread_t *th;
	int nth;

	pool.n = round->n;
	pool.jobs = xcalloc(round->n ? round->n : 1, sizeof(*pool.jobs));
	atomic_init(&pool.next, 0);
	for (size_t i = 0; i < round->n; i++) {
		struct crec *r = cache_find(c, round->v[i]);
		pool.jobs[i].g = g;
		pool.jobs[i].origin = round->v[i];
		pool.jobs[i].cached = r;
		pool.jobs[i].node = graph_find(g, round->v[i]);
		pool.jobs[i].rootfd = rootfd;
		pool.jobs[i].racy_from = racy_from;
		if (r)
			r->used = true;
	}
	nth = g->jobs < (int)round->n ? g->jobs : (int)round->n;
	th = xcalloc((size_t)(nth > 0 ? nth : 1), sizeof(*th));
	for (int t = 1; t < nth; t++)
		if (pthread_create(&th[t], NULL, worker, &pool) != 0)
			th[t] = 0;
	worker(&pool);
	for (int t = 1; t < nth; t++)
		if (th[t])
			pthread_join(th[t], NULL);
	free(th);
	for (size_t i = 0; i < round->n; i++)
		absorb(g, &pool.jobs[i], next);
	for (size_t i = 0; i < round->n; i++) {
		pool.jobs[i].node->mark = 0;
		free(pool.jobs[i].error);
		free(pool.jobs[i].dirs);
		free(pool.jobs[i].chunk);
		free(pool.jobs[i].edges);
		free(pool.jobs[i].keys);
		port_free(pool.jobs[i].port);
	}
	free(pool.jobs);
}

int
graph_load(struct graph *g, char *const *origins, size_t n, struct kerr *e)
{
	mk_words queue = VEC_INIT, all = VEC_INIT;
	struct cache cache = { NULL, 0, false, VEC_INIT, NULL, 0 };
	struct timespec racy_from;
	struct cache_reader cr;
	pthread_t reader;
	int rc = -1, rootfd = -1;
	bool reading, scanned_ok = true;
	bool full = origins == NULL || n == 0;
	bool scanned = full;	/* first round: all exist */

	if (g->rdeps_built) {
		/* rebuilt on demand over the grown graph */
		for (size_t i = 0; i < g->nodes.n; i++)
			vec_free(&g->nodes.v[i]->rdeps);
		g->rdeps_built = false;
	}
	g->evaluated = g->cached = g->rehashed = 0;
	g->cache_written = false;
	/* before any stat: what changes from here on is racy */
	clock_gettime(CLOCK_REALTIME, &racy_from);
	racy_from.tv_sec -= GRAPH_RACY_SECONDS;
	if (g->coarse_times)
		racy_from.tv_nsec = 0;
	if ((rootfd = open(g->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		kerr_errno(e, "%s", g->tree);
		goto out;
	}
	/* read the cache while the tree is scanned */
	cr.g = g;
	cr.c = &cache;
	reading = pthread_create(&reader, NULL, cache_reader, &cr) == 0;
	if (!reading)
		cache_read(g, &cache);
	if (full) {
		scanned_ok = scan(g->tree, &all, false, e) == 0;
		index_grow(g, all.n + all.n / 8);
		queue = all;	/* moved */
		memset(&all, 0, sizeof(all));
	} else {
		for (size_t i = 0; i < n; i++)
			vec_push(&queue, xstrdup(origins[i]));
	}
	if (reading)
		pthread_join(reader, NULL);
	if (!scanned_ok)
		goto out;
	while (queue.n > 0) {
		mk_words round = VEC_INIT, next = VEC_INIT;

		/* this round: queued origins not yet known and present in the tree */
		for (size_t i = 0; i < queue.n; i++) {
			struct graph_node *gn = graph_find(g, queue.v[i]);
			if (gn && ((gn->flags & (GRAPH_EVALUATED | GRAPH_MISSING)) ||
			    gn->mark == MARK_SCHEDULED))
				continue;
			if (!(scanned && gn == NULL) && !is_port_dir_key(g->tree, queue.v[i])) {
				gn = node_get(g, queue.v[i]);
				gn->flags |= GRAPH_MISSING;
				gn->mark = 0;
				continue;
			}
			node_get(g, queue.v[i])->mark = MARK_SCHEDULED;
			vec_push(&round, queue.v[i]);
			queue.v[i] = NULL;
		}
		mk_words_free(&queue);
		run_round(g, &cache, &round, rootfd, racy_from, &next);
		/* round.v strings were moved out of the queue: free them here */
		mk_words_free(&round);
		queue = next;
		scanned = false;
	}
	if (cache_write(g, &cache, full, e) < 0)
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
	/* cached records were borrowed from the buffer freed here */
	for (size_t i = 0; i < g->nodes.n; i++) {
		g->nodes.v[i]->crec = NULL;
		g->nodes.v[i]->creclen = 0;
	}
	if (rootfd >= 0)
		close(rootfd);
	cache_free(&cache);
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
 * Does version v satisfy constraint c (">=1.2", ">1<2", "=3")?
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

/* A pkg>=ver dependency is met by the version the tree has. */
static bool
version_ok(const struct graph_edge *d)
{
	const char *op = strpbrk(d->pattern, "<>=");
	const char *ver;

	if (op == NULL || d->to->pkgname == NULL ||
	    (ver = strrchr(d->to->pkgname, '-')) == NULL)
		return true;
	return constraint_ok(ver + 1, op);
}

static int
check_missing_and_cycles(struct graph *g, struct kerr *e)
{
	graph_nodes stack = VEC_INIT;
	const struct graph_node *vn = NULL;	/* first unmet version: vn, ve */
	const struct graph_edge *ve = NULL;
	int rc = 0;

	/* One pass: missing origins fail; implicit ones the tree does not
	 * carry come from the jail (edges dropped); unmet versions are
	 * reported after cycles, as a cycle is the worse news. */
	for (size_t i = 0; i < g->nodes.n; i++) {
		struct graph_node *n = g->nodes.v[i];
		size_t o = 0;
		for (size_t k = 0; k < n->deps.n; k++) {
			struct graph_edge *d = &n->deps.v[k];
			if (d->to->flags & GRAPH_MISSING) {
				if (d->implicit)
					continue;
				vec_free(&stack);
				return kerr_set(e, "%s depends on %s (%s_DEPENDS %s), which is "
				    "not in the ports tree %s", n->origin, d->to->origin,
				    port_dep_type_name(d->type), d->pattern, g->tree);
			}
			if (ve == NULL && !version_ok(d)) {
				vn = n;
				ve = &n->deps.v[o];
			}
			n->deps.v[o++] = *d;
		}
		n->deps.n = o;
		n->mark = 0;
	}
	for (size_t i = 0; i < g->nodes.n && rc == 0; i++)
		if (g->nodes.v[i]->mark == 0 &&
		    !(g->nodes.v[i]->flags & (GRAPH_MISSING | GRAPH_ALIAS)))
			rc = dfs_cycle(g->nodes.v[i], &stack, e);
	vec_free(&stack);
	if (rc == 0 && ve)
		rc = kerr_set(e, "%s needs %s (%s_DEPENDS) but %s provides %s",
		    vn->origin, ve->pattern, port_dep_type_name(ve->type),
		    ve->to->origin, ve->to->pkgname);
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
