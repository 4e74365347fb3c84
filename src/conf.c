/*
 * conf: kiln.conf parsing, defaults, origins, BASEFS paths and locks
 * (see conf.h for the file format and search order).
 */
#include "conf.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct conf_key conf_keys[] = {
	{ "BASEFS", "/var/lib/kiln", "root of jails, ports trees, packages, logs and caches" },
	{ "POUDRIERE_DATA", "${BASEFS}/data", "packages, logs and caches" },
	{ "DISTFILES_CACHE", "${BASEFS}/distfiles", "where fetched distfiles are kept" },
	{ "ZPOOL", NULL, "ZFS pool for jails and builders (FreeBSD); unset: plain directories" },
	{ "ZROOTFS", "/poudriere", "dataset under ZPOOL that holds kiln's datasets" },
	{ "NO_ZFS", "no", "never use ZFS even when ZPOOL is set" },
	{ "FREEBSD_HOST", NULL, "mirror that FreeBSD jail bases are fetched from" },
	{ "RESOLV_CONF", NULL, "resolv.conf copied into builders while they fetch" },
	{ "USE_TMPFS", "yes", "put build work directories on tmpfs (yes, no, wrkdir, data, all)" },
	{ "TMPFS_LIMIT", NULL, "size cap of each builder tmpfs, GiB unless suffixed" },
	{ "MAX_MEMORY", NULL, "memory limit of each build, GiB unless suffixed (resident, tmpfs included)" },
	{ "MAX_MEMORY_*", NULL, "MAX_MEMORY for one package base" },
	{ "MAX_FILES", "8192", "open-files limit of each build process" },
	{ "MAX_FILES_*", NULL, "MAX_FILES for one package base" },
	{ "PARALLEL_JOBS", NULL, "builder slots; unset: the number of CPUs" },
	{ "PREPARE_PARALLEL_JOBS", NULL, "parallelism of port evaluation; unset: 1.25 x CPUs" },
	{ "ALLOW_MAKE_JOBS", "no", "let each build run make -jN" },
	{ "ALLOW_MAKE_JOBS_PACKAGES", NULL, "package globs allowed make -jN when ALLOW_MAKE_JOBS is no" },
	{ "PRIORITY_BOOST", NULL, "package globs scheduled first, with their dependency chains" },
	{ "PKG_REPO_SIGNING_KEY", NULL, "RSA private key that signs the repository catalog" },
	{ "SIGNING_COMMAND", NULL, "external command that signs the catalog (fingerprint repositories)" },
	{ "KEEP_OLD_PACKAGES", "no", "keep previous repository generations" },
	{ "KEEP_OLD_PACKAGES_COUNT", "5", "how many previous repository generations to keep" },
	{ "COMMIT_PACKAGES_ON_FAILURE", "yes", "publish the repository even when some ports failed" },
	{ "ATOMIC_PACKAGE_REPOSITORY", "yes", "publish a new generation by one atomic switch" },
	{ "CHECK_CHANGED_OPTIONS", "verbose", "rebuild when options changed (yes, verbose, no)" },
	{ "CHECK_CHANGED_DEPS", "yes", "rebuild when dependencies changed" },
	{ "BUILDER_HOSTNAME", NULL, "host name inside builders; unset: the jail name" },
	{ "MAX_EXECUTION_TIME", "86400", "wall-clock limit of one build phase, seconds" },
	{ "MAX_EXECUTION_TIME_*", NULL, "MAX_EXECUTION_TIME for one phase (EXTRACT, INSTALL, PACKAGE, DEINSTALL)" },
	{ "NOHANG_TIME", "7200", "kill a build that printed nothing for this many seconds" },
	{ "RESTRICT_NETWORKING", "yes", "network only while fetching" },
	{ "ALLOW_NETWORKING_PACKAGES", NULL, "package globs that keep the network while building" },
	{ "BUILD_AS_NON_ROOT", "yes", "run build phases as PORTBUILD_USER" },
	{ "PORTBUILD_USER", "nobody", "user that builds run as" },
	{ "PORTBUILD_UID", "65534", "uid that builds run as" },
	{ "PORTBUILD_GID", "65534", "gid that builds run as" },
	{ "CCACHE_DIR", NULL, "ccache directory shared by builders" },
	{ "SAVE_WRKDIR", "no", "keep the work directory of failed builds" },
	{ "URL_BASE", NULL, "base URL of the web status pages" },
	{ "HTML_TYPE", "inline", "web status page type" },
	{ "TRIM_ORPHANED_BUILD_DEPS", "yes", "drop build-only dependencies nothing requested needs" },
	{ "DELETE_UNQUEUED_PACKAGES", "no", "delete packages no longer in the bulk's list" },
	{ "PKG_NO_VERSION_FOR_DEPS", "no", "do not rebuild dependents only because a dependency's version changed" },
	{ "MASTER_SITE_OVERRIDE", NULL, "sites tried before a port's MASTER_SITES (the environment variable wins)" },
	/* kiln's own keys */
	{ "KILN_BUILD_MEMORY", "2G", "expected peak memory of a build with no history" },
	{ "KILN_LOG_LIMIT", "64M", "size cap of one port's build log" },
	{ "KILN_HTTP_LISTEN", "127.0.0.1:8080", "address and port kiln serve and kiln daemon listen on" },
	{ "KILN_SCHEDULES", "/usr/local/etc/kiln-schedules.ucl", "the daemon's schedules (used when the file exists)" },
	{ NULL, NULL, NULL },
};

static const struct conf_key *
conf_key_find(const char *name)
{
	for (const struct conf_key *k = conf_keys; k->name; k++) {
		size_t len = strlen(k->name);
		if (k->name[len - 1] == '*') {
			if (strncmp(name, k->name, len - 1) == 0 && name[len - 1] != '\0')
				return k;
		} else if (strcmp(name, k->name) == 0) {
			return k;
		}
	}
	return NULL;
}

void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
}

void
conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->entries.n; i++) {
		free(c->entries.v[i].key);
		free(c->entries.v[i].value);
		free(c->entries.v[i].origin);
	}
	vec_free(&c->entries);
	vec_free_all(&c->warnings, free);
	free(c->file);
	c->file = NULL;
}

static struct conf_entry *
conf_entry_find(const struct conf *c, const char *key)
{
	for (size_t i = 0; i < c->entries.n; i++)
		if (strcmp(c->entries.v[i].key, key) == 0)
			return &c->entries.v[i];
	return NULL;
}

void
conf_set(struct conf *c, const char *key, const char *value, const char *origin)
{
	struct conf_entry *ent = conf_entry_find(c, key);

	if (ent == NULL) {
		struct conf_entry ne = { xstrdup(key), NULL, NULL };
		vec_push(&c->entries, ne);
		ent = &c->entries.v[c->entries.n - 1];
	}
	free(ent->value);
	free(ent->origin);
	ent->value = xstrdup(value);
	ent->origin = xstrdup(origin);
}

const char *
conf_get(const struct conf *c, const char *key)
{
	struct conf_entry *ent = conf_entry_find(c, key);

	return ent ? ent->value : NULL;
}

const char *
conf_origin(const struct conf *c, const char *key)
{
	struct conf_entry *ent = conf_entry_find(c, key);

	return ent ? ent->origin : NULL;
}

const char *
conf_get_for(const struct conf *c, const char *key, const char *suffix)
{
	char *k = xasprintf("%s_%s", key, suffix);
	const char *v = conf_get(c, k);

	free(k);
	return v ? v : conf_get(c, key);
}

bool
conf_get_bool(const struct conf *c, const char *key)
{
	const char *v = conf_get(c, key);

	if (v == NULL)
		return false;
	return strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0 || strcasecmp(v, "on") == 0;
}

long long
conf_get_int(const struct conf *c, const char *key, long long def)
{
	const char *v = conf_get(c, key);
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end != '\0')
		return def;
	return n;
}

int
conf_parse_size(const char *s, uint64_t unit_default, uint64_t *out)
{
	char *end;
	double n;
	uint64_t unit = unit_default;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtod(s, &end);
	if (errno || n < 0)
		return -1;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': unit = 1ULL << 10; break;
		case 'm': case 'M': unit = 1ULL << 20; break;
		case 'g': case 'G': unit = 1ULL << 30; break;
		case 't': case 'T': unit = 1ULL << 40; break;
		case 'b': case 'B': unit = 1; break;
		default: return -1;
		}
		end++;
		if (unit > 1 && (strcmp(end, "") == 0 || strcmp(end, "B") == 0 ||
		    strcmp(end, "iB") == 0 || strcmp(end, "b") == 0))
			end += strlen(end);
		if (*end)
			return -1;
	}
	*out = (uint64_t)(n * (double)unit);
	return 0;
}

/* Look a ${NAME} reference up: keys set so far, defaults, environment. */
static const char *
conf_lookup_ref(struct conf *c, const char *name)
{
	const char *v = conf_get(c, name);
	const struct conf_key *k;

	if (v)
		return v;
	if ((k = conf_key_find(name)) != NULL && k->def && strchr(k->def, '$') == NULL)
		return k->def;
	return getenv(name);
}

/*
 * Expand $NAME and ${NAME} in s (length n) into out.  Returns -1 and names
 * the reference when it is malformed.
 */
static int
conf_expand(struct conf *c, const char *s, size_t n, struct strbuf *out,
    const char *where, struct kerr *e)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			strbuf_addch(out, s[++i]);
			continue;
		}
		if (s[i] != '$') {
			strbuf_addch(out, s[i]);
			continue;
		}
		size_t start, end;
		if (i + 1 < n && s[i + 1] == '{') {
			start = i + 2;
			end = start;
			while (end < n && s[end] != '}')
				end++;
			if (end >= n)
				return kerr_set(e, "%s: unterminated ${ in value", where);
			i = end;
		} else {
			start = end = i + 1;
			while (end < n && (isalnum((unsigned char)s[end]) || s[end] == '_'))
				end++;
			if (end == start) {
				strbuf_addch(out, '$');
				continue;
			}
			i = end - 1;
		}
		char *name = xstrndup(s + start, end - start);
		const char *v = conf_lookup_ref(c, name);
		free(name);
		if (v)
			strbuf_addstr(out, v);
	}
	return 0;
}

static bool
conf_valid_key(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* Parse the value part of one line into out.  0 or -1. */
static int
conf_parse_value(struct conf *c, const char *p, struct strbuf *out,
    const char *where, struct kerr *e)
{
	while (*p && !isspace((unsigned char)*p) && *p != '#') {
		if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');
			if (q == NULL)
				return kerr_set(e, "%s: unterminated single quote", where);
			strbuf_add(out, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else if (*p == '"') {
			const char *q = p + 1;
			while (*q && *q != '"')
				q += (*q == '\\' && q[1]) ? 2 : 1;
			if (*q != '"')
				return kerr_set(e, "%s: unterminated double quote", where);
			if (conf_expand(c, p + 1, (size_t)(q - p - 1), out, where, e) < 0)
				return -1;
			p = q + 1;
		} else {
			const char *q = p;
			while (*q && !isspace((unsigned char)*q) && *q != '#' &&
			    *q != '\'' && *q != '"')
				q += (*q == '\\' && q[1]) ? 2 : 1;
			if (conf_expand(c, p, (size_t)(q - p), out, where, e) < 0)
				return -1;
			p = q;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p && *p != '#')
		return kerr_set(e, "%s: unexpected text after the value: '%s' "
		    "(quote values that contain spaces)", where, p);
	return 0;
}

int
conf_read_file(struct conf *c, const char *path, struct kerr *e)
{
	struct strbuf file = STRBUF_INIT, val = STRBUF_INIT;
	int rc = -1, lineno = 0;
	char *line, *next;

	if (path_read(path, &file, e) < 0)
		goto out;
	for (line = file.buf; line && *line; line = next) {
		char where[1200], origin[1200];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (strncmp(p, "export", 6) == 0 && isspace((unsigned char)p[6])) {
			p += 6;
			while (isspace((unsigned char)*p))
				p++;
		}
		char *eq = strchr(p, '=');
		if (eq == NULL) {
			kerr_set(e, "%s: expected KEY=value, got '%s'", where, p);
			goto out;
		}
		if (!conf_valid_key(p, (size_t)(eq - p))) {
			kerr_set(e, "%s: '%.*s' is not a valid key name "
			    "(letters, digits and _; no spaces around '=')",
			    where, (int)(eq - p), p);
			goto out;
		}
		char *key = xstrndup(p, (size_t)(eq - p));
		strbuf_reset(&val);
		if (conf_parse_value(c, eq + 1, &val, where, e) < 0) {
			free(key);
			goto out;
		}
		if (conf_key_find(key) == NULL) {
			char *w = xasprintf("%s: unknown key %s (ignored by kiln)", where, key);
			vec_push(&c->warnings, w);
		}
		conf_set(c, key, val.buf, origin);
		free(key);
	}
	free(c->file);
	c->file = xstrdup(path);
	rc = 0;
out:
	strbuf_release(&file);
	strbuf_release(&val);
	return rc;
}

void
conf_apply_defaults(struct conf *c)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char buf[32];

	if (ncpu < 1)
		ncpu = 1;
	for (const struct conf_key *k = conf_keys; k->name; k++) {
		struct strbuf v = STRBUF_INIT;
		if (k->def == NULL || conf_get(c, k->name))
			continue;
		conf_expand(c, k->def, strlen(k->def), &v, "default", NULL);
		conf_set(c, k->name, v.buf, "default");
		strbuf_release(&v);
	}
	if (conf_get(c, "PARALLEL_JOBS") == NULL) {
		snprintf(buf, sizeof(buf), "%ld", ncpu);
		conf_set(c, "PARALLEL_JOBS", buf, "default (CPUs online)");
	}
	if (conf_get(c, "PREPARE_PARALLEL_JOBS") == NULL) {
		snprintf(buf, sizeof(buf), "%ld", (ncpu * 5 + 3) / 4);
		conf_set(c, "PREPARE_PARALLEL_JOBS", buf, "default (1.25 x CPUs)");
	}
}

int
conf_load(struct conf *c, const char *explicit, struct kerr *e)
{
	static const char *const standard[] = {
		"/usr/local/etc/kiln.conf", "/etc/kiln.conf", NULL,
	};
	const char *env = getenv("KILN_CONF");

	if (explicit)
		return conf_read_file(c, explicit, e);
	if (env && *env)
		return conf_read_file(c, env, e);
	for (const char *const *p = standard; *p; p++)
		if (access(*p, F_OK) == 0)
			return conf_read_file(c, *p, e);
	return 0;
}

char *
conf_path(const struct conf *c, const char *fmt, ...)
{
	const char *base = conf_get(c, "BASEFS");
	struct strbuf rel = STRBUF_INIT;
	va_list ap;
	char *p;

	va_start(ap, fmt);
	strbuf_vaddf(&rel, fmt, ap);
	va_end(ap);
	p = path_join(base ? base : "/var/lib/kiln", rel.buf);
	strbuf_release(&rel);
	return p;
}

int
conf_lock_area(const struct conf *c, const char *area, const char *what,
    struct lock *l, struct kerr *e)
{
	char *p = conf_path(c, ".locks/%s.lock", area);
	int rc = lock_take(l, p, what, false, e);

	free(p);
	return rc;
}
