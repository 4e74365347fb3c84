/*
 * daemon: the build queue, its job records and the schedules, as files
 * under BASEFS/daemon (formats in daemon.h).  Deciding and recording
 * only: running the bulks and serving HTTP is cmd_daemon's.
 * Calls: conf, jail, ports_tree, util.
 */
#include "daemon.h"
#include "jail.h"
#include "ports_tree.h"
#include "util/lock.h"
#include "util/path.h"
#include "util/ucl.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECENT_MAX 20

/* ---- jobs ---------------------------------------------------------------- */

void
daemon_job_init(struct daemon_job *j)
{
	memset(j, 0, sizeof(*j));
	j->exit = -1;
}

void
daemon_job_free(struct daemon_job *j)
{
	free(j->id);
	free(j->jail);
	free(j->ports);
	free(j->by);
	free(j->state);
	free(j->step);
	uv_free(j->image);
	uv_free(j->vmtest);
	vec_free_all(&j->origins, free);
	daemon_job_init(j);
}

void
daemon_jobs_free(daemon_jobs *v)
{
	for (size_t i = 0; i < v->n; i++)
		daemon_job_free(&v->v[i]);
	vec_free(v);
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

struct uv *
daemon_job_uv(const struct daemon_job *j)
{
	struct uv *o = uv_new_object(), *a = uv_new_array();
	char *bulk = xasprintf("/logs/bulk/%s-%s/latest/", j->jail, j->ports);

	uv_set(o, "id", uv_new_string(j->id));
	uv_set(o, "jail", uv_new_string(j->jail));
	uv_set(o, "ports", uv_new_string(j->ports));
	uv_set(o, "all", uv_new_bool(j->all));
	for (size_t i = 0; i < j->origins.n; i++)
		uv_push(a, uv_new_string(j->origins.v[i]));
	uv_set(o, "origins", a);
	uv_set(o, "by", uv_new_string(j->by ? j->by : "queue"));
	uv_set(o, "state", uv_new_string(j->state ? j->state : "queued"));
	uv_set(o, "submitted", uv_new_int(j->submitted));
	uv_set(o, "started", uv_new_int(j->started));
	uv_set(o, "ended", uv_new_int(j->ended));
	uv_set(o, "exit", uv_new_int(j->exit));
	if (j->started) {
		char *log = xasprintf("jobs/%s.log", j->id);
		uv_set(o, "log", uv_new_string(log));
		free(log);
	} else {
		uv_set(o, "log", uv_new_null());
	}
	uv_set(o, "bulk", uv_new_string(bulk));
	uv_set(o, "image", j->image ? uv_copy(j->image) : uv_new_null());
	uv_set(o, "vmtest", j->vmtest ? uv_copy(j->vmtest) : uv_new_null());
	uv_set(o, "step", j->step ? uv_new_string(j->step) : uv_new_null());
	free(bulk);
	return o;
}

char *
daemon_job_image_path(const struct conf *c, const struct daemon_job *j)
{
	/* the type is iso, initramfs or tar (steps_from_uv) */
	if (j->image == NULL)
		return NULL;
	return conf_path(c, "daemon/jobs/%s.%s", j->id, uv_get_str(j->image, "type"));
}

/* Is every element of the array a string (and is there at least min)? */
static bool
strings(const struct uv *a, size_t min)
{
	if (a == NULL || a->type != UV_ARRAY || a->u.arr.n < min)
		return false;
	for (size_t i = 0; i < a->u.arr.n; i++)
		if (uv_str(a->u.arr.v[i]) == NULL)
			return false;
	return true;
}

/* Refuse keys of o not in keys (NULL-terminated). */
static int
known_keys(const struct uv *o, const char *const *keys, const char *what,
    struct kerr *e)
{
	for (size_t i = 0; i < o->u.obj.n; i++) {
		int k = 0;
		while (keys[k] && strcmp(keys[k], o->u.obj.keys[i]) != 0)
			k++;
		if (keys[k] == NULL)
			return kerr_set(e, "%s: unknown key \"%s\"", what, o->u.obj.keys[i]);
	}
	return 0;
}

/*
 * The optional image and vmtest steps of a job or schedule, checked for
 * shape (daemon.h); copies into *image and *vmtest.  0 or -1.
 */
static int
steps_from_uv(const struct uv *o, const char *what, struct uv **image,
    struct uv **vmtest, struct kerr *e)
{
	static const char *const ikeys[] = { "type", "packages", "overlay", NULL };
	static const char *const vkeys[] = { "expect", "fail", "timeout", NULL };
	const struct uv *im = uv_get(o, "image"), *vt = uv_get(o, "vmtest");
	const char *t, *ov;

	*image = *vmtest = NULL;
	if (im && im->type == UV_NULL)
		im = NULL;
	if (vt && vt->type == UV_NULL)
		vt = NULL;
	if (im) {
		if (im->type != UV_OBJECT)
			return kerr_set(e, "%s: image: want an object", what);
		if (known_keys(im, ikeys, what, e) < 0)
			return -1;
		t = uv_get_str(im, "type");
		if (t == NULL || (strcmp(t, "iso") != 0 && strcmp(t, "initramfs") != 0 &&
		    strcmp(t, "tar") != 0))
			return kerr_set(e, "%s: image: type must be iso, initramfs or tar", what);
		if (!strings(uv_get(im, "packages"), 1))
			return kerr_set(e, "%s: image: packages must list at least one "
			    "package name", what);
		ov = uv_get_str(im, "overlay");
		if (uv_get(im, "overlay") && (ov == NULL || ov[0] != '/'))
			return kerr_set(e, "%s: image: overlay must be an absolute path", what);
	}
	if (vt) {
		const struct uv *to = uv_get(vt, "timeout");
		if (vt->type != UV_OBJECT)
			return kerr_set(e, "%s: vmtest: want an object", what);
		if (known_keys(vt, vkeys, what, e) < 0)
			return -1;
		if (im == NULL || strcmp(uv_get_str(im, "type"), "tar") == 0)
			return kerr_set(e, "%s: vmtest needs an iso or initramfs image step", what);
		if (!strings(uv_get(vt, "expect"), 1))
			return kerr_set(e, "%s: vmtest: expect must list at least one "
			    "regular expression", what);
		if (uv_get(vt, "fail") && !strings(uv_get(vt, "fail"), 0))
			return kerr_set(e, "%s: vmtest: fail must be a list of regular "
			    "expressions", what);
		if (to && (to->type != UV_INT || to->u.i <= 0 || to->u.i > 86400))
			return kerr_set(e, "%s: vmtest: timeout must be seconds (1-86400)", what);
	}
	*image = im ? uv_copy(im) : NULL;
	*vmtest = vt ? uv_copy(vt) : NULL;
	return 0;
}

/* Read the target part of a job or schedule: all, or origins. */
static int
targets_from_uv(const struct uv *o, const char *what, bool *all,
    daemon_strs *origins, struct kerr *e)
{
	const struct uv *a = uv_get(o, "origins");

	*all = uv_get_bool(o, "all", false);
	if (a && a->type != UV_ARRAY)
		return kerr_set(e, "%s: origins: want an array of strings", what);
	for (size_t i = 0; a && i < a->u.arr.n; i++) {
		const char *s = uv_str(a->u.arr.v[i]);
		if (s == NULL)
			return kerr_set(e, "%s: origins: want an array of strings", what);
		vec_push(origins, xstrdup(s));
	}
	return 0;
}

int
daemon_job_from_uv(const struct uv *o, const char *what, struct daemon_job *j,
    struct kerr *e)
{
	static const char *const need[] = { "id", "jail", "ports", NULL };

	daemon_job_init(j);
	if (o == NULL || o->type != UV_OBJECT)
		return kerr_set(e, "%s: not a JSON object", what);
	for (int i = 0; need[i]; i++)
		if (uv_get_str(o, need[i]) == NULL)
			return kerr_set(e, "%s: no \"%s\"", what, need[i]);
	j->id = xstrdup(uv_get_str(o, "id"));
	j->jail = xstrdup(uv_get_str(o, "jail"));
	j->ports = xstrdup(uv_get_str(o, "ports"));
	set_str(&j->by, uv_get_str(o, "by"));
	set_str(&j->state, uv_get_str(o, "state"));
	j->submitted = uv_get_int(o, "submitted", 0);
	j->started = uv_get_int(o, "started", 0);
	j->ended = uv_get_int(o, "ended", 0);
	j->exit = (int)uv_get_int(o, "exit", -1);
	set_str(&j->step, uv_get_str(o, "step"));
	if (targets_from_uv(o, what, &j->all, &j->origins, e) < 0 ||
	    steps_from_uv(o, what, &j->image, &j->vmtest, e) < 0) {
		daemon_job_free(j);
		return -1;
	}
	return 0;
}

int
daemon_job_from_request(const struct uv *o, struct daemon_job *j, struct kerr *e)
{
	static const char *const keys[] = { "jail", "ports", "all", "origins",
	    "image", "vmtest", NULL };

	daemon_job_init(j);
	if (o == NULL || o->type != UV_OBJECT)
		return kerr_set(e, "want a JSON object {\"jail\", \"ports\", "
		    "\"all\" or \"origins\"}");
	if (known_keys(o, keys, "request", e) < 0)
		return -1;
	if (uv_get_str(o, "jail") == NULL || uv_get_str(o, "ports") == NULL)
		return kerr_set(e, "\"jail\" and \"ports\" must be strings");
	j->jail = xstrdup(uv_get_str(o, "jail"));
	j->ports = xstrdup(uv_get_str(o, "ports"));
	if (targets_from_uv(o, "request", &j->all, &j->origins, e) < 0 ||
	    steps_from_uv(o, "request", &j->image, &j->vmtest, e) < 0) {
		daemon_job_free(j);
		return -1;
	}
	return 0;
}

static bool
origin_ok(const char *o)
{
	const char *slash = strchr(o, '/');

	if (slash == NULL || slash == o || slash[1] == '\0' || strchr(slash + 1, '/'))
		return false;
	for (const char *p = o; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/._+-@", *p))
			return false;
	return o[0] != '.' && slash[1] != '.';
}

int
daemon_job_check(const struct conf *c, const struct daemon_job *j, struct kerr *e)
{
	struct jail jl;
	char *dir = NULL, *cache = NULL;

	if (j->jail == NULL || j->jail[0] == '\0')
		return kerr_set(e, "no jail given");
	if (j->ports == NULL || j->ports[0] == '\0')
		return kerr_set(e, "no ports tree given");
	if (j->all == (j->origins.n > 0))
		return kerr_set(e, j->all ? "give all or origins, not both" :
		    "nothing to build: give all or at least one origin");
	for (size_t i = 0; i < j->origins.n; i++)
		if (!origin_ok(j->origins.v[i]))
			return kerr_set(e, "origin '%s': want category/name",
			    j->origins.v[i]);
	if (j->image && uv_get_str(j->image, "overlay") &&
	    !path_is_dir(uv_get_str(j->image, "overlay")))
		return kerr_set(e, "image: overlay %s is not a directory",
		    uv_get_str(j->image, "overlay"));
	if (jail_load(c, j->jail, &jl, e) < 0)
		return -1;
	jail_free(&jl);
	if (ports_tree_resolve(c, j->ports, &dir, &cache, e) < 0)
		return -1;
	free(dir);
	free(cache);
	return 0;
}

/* ---- files --------------------------------------------------------------- */

static char *
dpath(const struct conf *c, const char *rel)
{
	return conf_path(c, "daemon/%s", rel);
}

static int
write_uv(const char *path, const struct uv *v, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	uv_emit_json(v, &sb, true);
	strbuf_addch(&sb, '\n');
	rc = path_write_atomic(path, sb.buf, sb.len, 0644, e);
	strbuf_release(&sb);
	return rc;
}

static int
write_job(const char *path, const struct daemon_job *j, struct kerr *e)
{
	struct uv *o = daemon_job_uv(j);
	int rc = write_uv(path, o, e);

	uv_free(o);
	return rc;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "ID.json" names in dir, sorted; a missing dir is empty.  0 or -1. */
static int
list_ids(const char *dir, daemon_strs *ids, struct kerr *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return errno == ENOENT ? 0 : kerr_errno(e, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n > 5 && de->d_name[0] != '.' && strcmp(de->d_name + n - 5, ".json") == 0)
			vec_push(ids, xstrndup(de->d_name, n - 5));
	}
	closedir(d);
	if (ids->n)
		qsort(ids->v, ids->n, sizeof(*ids->v), cmp_name);
	return 0;
}

/* Take the queue lock, creating the layout first. */
static int
queue_lock(const struct conf *c, struct lock *l, struct kerr *e)
{
	static const char *const dirs[] = { "queue", "jobs", NULL };
	char *p;
	int rc = 0;

	for (int i = 0; dirs[i] && rc == 0; i++) {
		p = dpath(c, dirs[i]);
		rc = path_mkdir_p(p, 0755, e);
		free(p);
	}
	if (rc < 0)
		return -1;
	p = dpath(c, "queue.lock");
	rc = lock_take(l, p, "daemon queue", true, e);
	free(p);
	return rc;
}

static bool
same_uv(const struct uv *a, const struct uv *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	bool same;

	if (a == NULL || b == NULL)
		return a == b;
	uv_emit_json(a, &x, false);
	uv_emit_json(b, &y, false);
	same = strcmp(x.buf, y.buf) == 0;
	strbuf_release(&x);
	strbuf_release(&y);
	return same;
}

static bool
same_targets(const struct daemon_job *a, const struct daemon_job *b)
{
	if (strcmp(a->jail, b->jail) != 0 || strcmp(a->ports, b->ports) != 0 ||
	    a->all != b->all || a->origins.n != b->origins.n)
		return false;
	for (size_t i = 0; i < a->origins.n; i++)
		if (strcmp(a->origins.v[i], b->origins.v[i]) != 0)
			return false;
	return same_uv(a->image, b->image) && same_uv(a->vmtest, b->vmtest);
}

/*
 * Read dir/ID.json, a job whose id must be ID (the id names the files a
 * job writes, so a file may not pick another one).  A file that is not
 * such a job (written by hand?) would stop the daemon for good: it is
 * renamed ID.json.bad.  0 read, 1 put aside, -1 error.
 */
static int
read_job_file(const char *dir, const char *id, struct daemon_job *j,
    struct kerr *e)
{
	char *p = xasprintf("%s/%s.json", dir, id), *aside = NULL;
	struct kerr bad;
	struct uv *o = uv_parse_file(p, &bad);
	int rc = 0;

	if (o == NULL || daemon_job_from_uv(o, p, j, &bad) < 0) {
		rc = 1;
	} else if (strcmp(j->id, id) != 0) {
		daemon_job_free(j);
		rc = 1;
	}
	if (rc == 1) {
		aside = xasprintf("%s.bad", p);
		if (rename(p, aside) < 0 && errno != ENOENT)
			rc = kerr_errno(e, "%s", p);
	}
	uv_free(o);
	free(aside);
	free(p);
	return rc;
}

/* Queued jobs, oldest first (caller holds the queue lock). */
static int
read_queue(const struct conf *c, daemon_jobs *out, struct kerr *e)
{
	char *dir = dpath(c, "queue");
	daemon_strs ids = VEC_INIT;
	int rc = -1;

	if (list_ids(dir, &ids, e) < 0)
		goto out;
	for (size_t i = 0; i < ids.n; i++) {
		struct daemon_job j;
		int r = read_job_file(dir, ids.v[i], &j, e);
		if (r < 0)
			goto out;
		if (r == 0)
			vec_push(out, j);
	}
	rc = 0;
out:
	vec_free_all(&ids, free);
	free(dir);
	return rc;
}

int
daemon_enqueue(const struct conf *c, struct daemon_job *j, char **id,
    bool *dup, struct kerr *e)
{
	static unsigned seq;
	struct lock l = { -1, NULL };
	daemon_jobs q = VEC_INIT;
	char *path = NULL, stamp[32];
	time_t now = time(NULL);
	int rc = -1;

	*id = NULL;
	*dup = false;
	if (queue_lock(c, &l, e) < 0)
		return -1;
	if (read_queue(c, &q, e) < 0)
		goto out;
	for (size_t i = 0; i < q.n; i++)
		if (same_targets(&q.v[i], j)) {
			*id = xstrdup(q.v[i].id);
			*dup = true;
			rc = 0;
			goto out;
		}
	if (j->id == NULL) {
		/*
		 * Taken under the queue lock, so ids of all processes follow
		 * one another in time; microseconds order two from the same
		 * second, and pid and seq keep them unique.
		 */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime(&ts.tv_sec));
		j->id = xasprintf("%s-%06ld-%ld-%u", stamp, ts.tv_nsec / 1000,
		    (long)getpid(), __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	}
	if (j->by == NULL)
		j->by = xstrdup("queue");
	set_str(&j->state, "queued");
	if (j->submitted == 0)
		j->submitted = now;
	path = conf_path(c, "daemon/queue/%s.json", j->id);
	if (write_job(path, j, e) < 0)
		goto out;
	*id = xstrdup(j->id);
	rc = 0;
out:
	free(path);
	daemon_jobs_free(&q);
	lock_release(&l);
	return rc;
}

int
daemon_take(const struct conf *c, int64_t now, struct daemon_job *j,
    struct kerr *e)
{
	struct lock l = { -1, NULL };
	daemon_jobs q = VEC_INIT;
	char *qpath = NULL, *jpath = NULL;
	int rc = -1;

	daemon_job_init(j);
	if (queue_lock(c, &l, e) < 0)
		return -1;
	if (read_queue(c, &q, e) < 0)
		goto out;
	if (q.n == 0) {
		rc = 0;
		goto out;
	}
	*j = q.v[0];
	daemon_job_init(&q.v[0]);
	set_str(&j->state, "running");
	set_str(&j->step, "bulk");
	j->started = now;
	j->ended = 0;
	j->exit = -1;
	qpath = conf_path(c, "daemon/queue/%s.json", j->id);
	jpath = conf_path(c, "daemon/jobs/%s.json", j->id);
	/* The record first: a crash in between leaves a job that recovery
	 * finds running and queues again, never one that vanished. */
	if (write_job(jpath, j, e) < 0 ||
	    (unlink(qpath) < 0 && errno != ENOENT && kerr_errno(e, "%s", qpath))) {
		daemon_job_free(j);
		goto out;
	}
	rc = 1;
out:
	free(qpath);
	free(jpath);
	daemon_jobs_free(&q);
	lock_release(&l);
	return rc;
}

int
daemon_finish(const struct conf *c, struct daemon_job *j, int exit_code,
    int64_t now, struct kerr *e)
{
	char *p = conf_path(c, "daemon/jobs/%s.json", j->id);
	int rc;

	set_str(&j->state, exit_code == 0 ? "done" : "failed");
	if (exit_code == 0)
		set_str(&j->step, NULL);
	j->exit = exit_code;
	j->ended = now;
	rc = write_job(p, j, e);
	free(p);
	return rc;
}

int
daemon_requeue(const struct conf *c, struct daemon_job *j, struct kerr *e)
{
	struct lock l = { -1, NULL };
	char *qpath = NULL, *jpath = NULL;
	int rc = -1;

	if (queue_lock(c, &l, e) < 0)
		return -1;
	qpath = conf_path(c, "daemon/queue/%s.json", j->id);
	jpath = conf_path(c, "daemon/jobs/%s.json", j->id);
	set_str(&j->state, "interrupted");
	if (write_job(jpath, j, e) < 0)
		goto out;
	/* Queued again under its own id, so it is still the oldest. */
	set_str(&j->state, "queued");
	set_str(&j->step, NULL);
	j->started = 0;
	if (write_job(qpath, j, e) < 0)
		goto out;
	rc = 0;
out:
	free(qpath);
	free(jpath);
	lock_release(&l);
	return rc;
}

/*
 * Started jobs' records, newest first, at most max of them (0: all), and
 * none of those whose id is in skip.
 */
static int
read_records(const struct conf *c, size_t max, const daemon_jobs *skip,
    daemon_jobs *out, struct kerr *e)
{
	char *dir = dpath(c, "jobs");
	daemon_strs ids = VEC_INIT;
	int rc = -1;

	if (list_ids(dir, &ids, e) < 0)
		goto out;
	for (size_t i = ids.n; i-- > 0 && (max == 0 || out->n < max); ) {
		struct daemon_job j;
		bool skipped = false;
		int r;
		for (size_t k = 0; skip && k < skip->n; k++)
			if (strcmp(skip->v[k].id, ids.v[i]) == 0)
				skipped = true;
		if (skipped)
			continue;
		r = read_job_file(dir, ids.v[i], &j, e);
		if (r < 0)
			goto out;
		if (r == 0)
			vec_push(out, j);
	}
	rc = 0;
out:
	vec_free_all(&ids, free);
	free(dir);
	return rc;
}

int
daemon_recover(const struct conf *c, int *n, struct kerr *e)
{
	daemon_jobs rec = VEC_INIT;
	int rc = -1;

	*n = 0;
	if (read_records(c, 0, NULL, &rec, e) < 0)
		goto out;
	for (size_t i = 0; i < rec.n; i++) {
		if (rec.v[i].state == NULL || strcmp(rec.v[i].state, "running") != 0)
			continue;
		if (daemon_requeue(c, &rec.v[i], e) < 0)
			goto out;
		(*n)++;
	}
	rc = 0;
out:
	daemon_jobs_free(&rec);
	return rc;
}

int
daemon_list(const struct conf *c, daemon_jobs *queued, daemon_jobs *recent,
    size_t max_recent, struct kerr *e)
{
	struct lock l = { -1, NULL };
	int rc = -1;

	if (queue_lock(c, &l, e) < 0)
		return -1;
	/* a requeued job's old record is not "recent" */
	if (read_queue(c, queued, e) < 0 ||
	    (max_recent > 0 && read_records(c, max_recent, queued, recent, e) < 0))
		goto out;
	rc = 0;
out:
	lock_release(&l);
	return rc;
}

/* ---- schedules ----------------------------------------------------------- */

int64_t
daemon_parse_interval(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || v <= 0 || v > 366LL * 86400)
		return -1;
	switch (*end) {
	case '\0':
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	if (*end && end[1] != '\0')
		return -1;
	return v;
}

void
daemon_scheds_free(daemon_scheds *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].name);
		free(v->v[i].jail);
		free(v->v[i].ports);
		uv_free(v->v[i].image);
		uv_free(v->v[i].vmtest);
		vec_free_all(&v->v[i].origins, free);
	}
	vec_free(v);
}

int
daemon_sched_load(const char *path, daemon_scheds *out, struct kerr *e)
{
	struct uv *root = uv_parse_file(path, e);
	int rc;

	if (root == NULL)
		return -1;
	rc = daemon_sched_parse(root, path, out, e);
	uv_free(root);
	return rc;
}

int
daemon_sched_parse(const struct uv *root, const char *path, daemon_scheds *out,
    struct kerr *e)
{
	static const char *const skeys[] = { "jail", "ports", "every", "all",
	    "origins", "image", "vmtest", NULL };
	int rc = -1;

	if (root->type != UV_OBJECT) {
		kerr_set(e, "%s: want schedules as NAME { ... } blocks", path);
		goto out;
	}
	for (size_t i = 0; i < root->u.obj.n; i++) {
		const char *name = root->u.obj.keys[i];
		const struct uv *o = root->u.obj.vals[i];
		struct daemon_sched s = { 0 };
		char *what = xasprintf("%s: schedule %s", path, name);
		const char *every;
		int bad = 0;

		if (o->type != UV_OBJECT)
			bad = kerr_set(e, "%s: want a { ... } block", what);
		else if (known_keys(o, skeys, what, e) < 0)
			bad = -1;
		else if (uv_get_str(o, "jail") == NULL || uv_get_str(o, "ports") == NULL)
			bad = kerr_set(e, "%s: needs jail and ports", what);
		else if ((every = uv_get_str(o, "every")) == NULL)
			bad = kerr_set(e, "%s: needs every (for example \"6h\")", what);
		else if ((s.every = daemon_parse_interval(every)) < 10)
			bad = kerr_set(e, "%s: every = \"%s\": want N, Ns, Nm, Nh or Nd, "
			    "at least 10 seconds", what, every);
		else if (targets_from_uv(o, what, &s.all, &s.origins, e) < 0 ||
		    steps_from_uv(o, what, &s.image, &s.vmtest, e) < 0)
			bad = -1;
		else if (s.all == (s.origins.n > 0))
			bad = kerr_set(e, "%s: %s", what, s.all ?
			    "give all or origins, not both" : "needs all = yes or origins");
		if (bad < 0) {
			vec_free_all(&s.origins, free);
			uv_free(s.image);
			uv_free(s.vmtest);
			free(what);
			goto out;
		}
		free(what);
		s.name = xstrdup(name);
		s.jail = xstrdup(uv_get_str(o, "jail"));
		s.ports = xstrdup(uv_get_str(o, "ports"));
		vec_push(out, s);
	}
	rc = 0;
out:
	if (rc < 0)
		daemon_scheds_free(out);
	return rc;
}

/*
 * schedules.state as an object; caller frees.  Missing or unreadable, it
 * is empty: every schedule falls due once, and the file is written anew.
 */
static struct uv *
read_sched_state(const struct conf *c)
{
	char *p = dpath(c, "schedules.state");
	struct kerr e;
	struct uv *st = path_exists(p) ? uv_parse_file(p, &e) : NULL;

	free(p);
	if (st == NULL || st->type != UV_OBJECT) {
		uv_free(st);
		return uv_new_object();
	}
	return st;
}

/* The job a schedule queues (daemon_job_free). */
static void
sched_job(const struct daemon_sched *d, struct daemon_job *j)
{
	daemon_job_init(j);
	j->jail = xstrdup(d->jail);
	j->ports = xstrdup(d->ports);
	j->all = d->all;
	for (size_t k = 0; k < d->origins.n; k++)
		vec_push(&j->origins, xstrdup(d->origins.v[k]));
	j->image = d->image ? uv_copy(d->image) : NULL;
	j->vmtest = d->vmtest ? uv_copy(d->vmtest) : NULL;
	j->by = xasprintf("schedule:%s", d->name);
}

int
daemon_sched_check(const struct conf *c, const daemon_scheds *s,
    const char *path, struct kerr *e)
{
	for (size_t i = 0; i < s->n; i++) {
		struct daemon_job j;
		int rc;
		sched_job(&s->v[i], &j);
		rc = daemon_job_check(c, &j, e);
		daemon_job_free(&j);
		if (rc < 0) {
			kerr_prefix(e, "%s: schedule %s", path, s->v[i].name);
			return -1;
		}
	}
	return 0;
}

int
daemon_sched_tick(const struct conf *c, const daemon_scheds *s, int64_t now,
    int *n, struct kerr *e)
{
	struct uv *st = read_sched_state(c);
	char *p = NULL;
	bool changed = false;
	int rc = -1;

	*n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct daemon_sched *d = &s->v[i];
		const struct uv *last = uv_get(st, d->name);
		struct daemon_job j;
		char *id = NULL;
		bool dup;
		int r;

		if (last && last->type == UV_INT && now < last->u.i + d->every)
			continue;
		sched_job(d, &j);
		r = daemon_enqueue(c, &j, &id, &dup, e);
		daemon_job_free(&j);
		free(id);
		if (r < 0)
			goto out;
		uv_set(st, d->name, uv_new_int(now));
		changed = true;
		if (!dup)
			(*n)++;
	}
	rc = 0;
out:
	if (changed) {
		struct kerr e2;
		p = dpath(c, "schedules.state");
		if (write_uv(p, st, rc < 0 ? &e2 : e) < 0)
			rc = -1;
	}
	free(p);
	uv_free(st);
	return rc;
}

/* ---- the snapshot -------------------------------------------------------- */

static struct uv *
jobs_uv(const daemon_jobs *v)
{
	struct uv *a = uv_new_array();

	for (size_t i = 0; i < v->n; i++)
		uv_push(a, daemon_job_uv(&v->v[i]));
	return a;
}

int
daemon_status_write(const struct conf *c, const struct daemon_state *ds,
    int64_t now, struct kerr *e)
{
	daemon_jobs queued = VEC_INIT, recent = VEC_INIT;
	struct uv *o = NULL, *sa, *st = NULL;
	char *p = NULL;
	int rc = -1;

	if (daemon_list(c, &queued, &recent, RECENT_MAX, e) < 0)
		goto out;
	st = read_sched_state(c);
	o = uv_new_object();
	uv_set(o, "state", uv_new_string(ds->state));
	uv_set(o, "pid", uv_new_int((int64_t)getpid()));
	uv_set(o, "listen", ds->listen ? uv_new_string(ds->listen) : uv_new_null());
	uv_set(o, "started", uv_new_int(ds->started));
	uv_set(o, "updated", uv_new_int(now));
	uv_set(o, "current", ds->current ? daemon_job_uv(ds->current) : uv_new_null());
	uv_set(o, "queue", jobs_uv(&queued));
	/* the running job's record is the current one, not a recent one */
	if (ds->current)
		for (size_t i = 0; i < recent.n; i++)
			if (strcmp(recent.v[i].id, ds->current->id) == 0) {
				daemon_job_free(&recent.v[i]);
				memmove(&recent.v[i], &recent.v[i + 1],
				    (recent.n - i - 1) * sizeof(*recent.v));
				recent.n--;
				break;
			}
	uv_set(o, "recent", jobs_uv(&recent));
	sa = uv_new_array();
	for (size_t i = 0; ds->scheds && i < ds->scheds->n; i++) {
		const struct daemon_sched *d = &ds->scheds->v[i];
		const struct uv *last = uv_get(st, d->name);
		struct uv *so = uv_new_object(), *oa = uv_new_array();
		int64_t l = last && last->type == UV_INT ? last->u.i : 0;
		uv_set(so, "name", uv_new_string(d->name));
		uv_set(so, "jail", uv_new_string(d->jail));
		uv_set(so, "ports", uv_new_string(d->ports));
		uv_set(so, "all", uv_new_bool(d->all));
		for (size_t k = 0; k < d->origins.n; k++)
			uv_push(oa, uv_new_string(d->origins.v[k]));
		uv_set(so, "origins", oa);
		uv_set(so, "every", uv_new_int(d->every));
		uv_set(so, "last", uv_new_int(l));
		uv_set(so, "next", uv_new_int(l ? l + d->every : now));
		uv_push(sa, so);
	}
	uv_set(o, "schedules", sa);
	p = dpath(c, "status.json");
	rc = write_uv(p, o, e);
out:
	free(p);
	uv_free(o);
	uv_free(st);
	daemon_jobs_free(&queued);
	daemon_jobs_free(&recent);
	return rc;
}
