/*
 * kiln daemon [-l ADDR:PORT] [-s SCHEDULES]: run queued and scheduled
 * bulks one after another (each a `kiln bulk` child process, its output in
 * BASEFS/daemon/jobs/ID.log) and serve, until SIGINT or SIGTERM:
 *	/packages/, /logs/   as `kiln serve` does
 *	/daemon/             status.json, job records and logs, a web page
 *	/api/status          GET: status.json
 *	/api/builds          POST {"jail", "ports", "all" | "origins"}: queue
 *	/api/jobs/ID         GET: one job's record
 * A stop interrupts the running bulk (SIGTERM; it stops cleanly) and puts
 * its job back at the head of the queue, so the next start resumes it.
 */
#include "cmd/cmd.h"
#include "daemon.h"
#include "http.h"
#include "util/child.h"
#include "util/lock.h"
#include "util/path.h"
#include "util/ucl.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/*
 * The job being built and its current process, shared with the runner
 * thread.  The runner writes only step, done, exit_code and errmsg (and
 * c.pid, through child_run); the main thread reads them.
 */
enum { STEP_BULK, STEP_IMAGE, STEP_VMTEST };
static const char *const step_names[] = { "bulk", "image", "vmtest" };

struct runner {
	const struct conf *conf;
	const char *exe;
	struct daemon_job job;
	struct child c;
	pthread_t thread;
	bool active;		/* main thread only */
	int stop;		/* set by the main thread: start no further step */
	int step;		/* STEP_*: running, or the one that failed */
	int done;		/* set by the runner when it ends */
	int exit_code;
	char errmsg[sizeof(((struct kerr *)0)->msg) + 16];	/* why a step could not start */
};

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;
	char when[32];
	time_t now = time(NULL);

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	printf("[%s] ", when);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

typedef VEC(char *) argvec;

/* `kiln -c CONF -B BASEFS` (pointers borrowed from the runner). */
static void
kiln_argv(const struct runner *r, argvec *argv)
{
	const struct conf *c = r->conf;

	vec_push(argv, (char *)r->exe);
	if (c->file) {
		vec_push(argv, "-c");
		vec_push(argv, c->file);
	}
	vec_push(argv, "-B");
	vec_push(argv, (char *)conf_get(c, "BASEFS"));
}

/* Push each string of the array a (may be NULL), after flag when set. */
static void
push_strings(argvec *argv, const char *flag, const struct uv *a)
{
	for (size_t i = 0; a && a->type == UV_ARRAY && i < a->u.arr.n; i++) {
		if (flag)
			vec_push(argv, (char *)flag);
		vec_push(argv, (char *)uv_str(a->u.arr.v[i]));
	}
}

/* The argv of a step; strings borrowed from the job (buf holds numbers). */
static void
step_argv(const struct runner *r, int step, const char *out, char *buf,
    size_t len, argvec *argv)
{
	const struct daemon_job *j = &r->job;

	kiln_argv(r, argv);
	if (step == STEP_BULK) {
		const char *bulk[] = { "bulk", "-j", j->jail, "-p", j->ports, NULL };
		for (int i = 0; bulk[i]; i++)
			vec_push(argv, (char *)bulk[i]);
		if (j->all)
			vec_push(argv, "-a");
		for (size_t i = 0; i < j->origins.n; i++)
			vec_push(argv, j->origins.v[i]);
	} else if (step == STEP_IMAGE) {
		const char *image[] = { "image", "-j", j->jail, "-p", j->ports, "-t",
		    uv_get_str(j->image, "type"), "-o", out, NULL };
		for (int i = 0; image[i]; i++)
			vec_push(argv, (char *)image[i]);
		if (uv_get_str(j->image, "overlay")) {
			vec_push(argv, "-c");
			vec_push(argv, (char *)uv_get_str(j->image, "overlay"));
		}
		push_strings(argv, NULL, uv_get(j->image, "packages"));
	} else {
		vec_push(argv, "vm");
		vec_push(argv, "test");
		vec_push(argv, (char *)out);
		push_strings(argv, "--expect", uv_get(j->vmtest, "expect"));
		push_strings(argv, "--fail", uv_get(j->vmtest, "fail"));
		if (uv_get(j->vmtest, "timeout")) {
			snprintf(buf, len, "%lld", (long long)uv_get_int(j->vmtest, "timeout", 0));
			vec_push(argv, "--timeout");
			vec_push(argv, buf);
		}
	}
	vec_push(argv, NULL);
}

/* Run one step with its output appended to fd.  Its exit code, or -1. */
static int
run_step(struct runner *r, int step, int fd, char *const *env, const char *out)
{
	argvec argv = VEC_INIT;
	struct strbuf head = STRBUF_INIT;
	char num[32];
	struct kerr e;
	int code = -1;

	step_argv(r, step, out, num, sizeof(num), &argv);
	strbuf_addstr(&head, "==> kiln daemon:");
	for (size_t i = 1; argv.v[i]; i++)
		strbuf_addf(&head, " %s", argv.v[i]);
	strbuf_addch(&head, '\n');
	(void)!write(fd, head.buf, head.len);
	child_init(&r->c, argv.v, env);
	r->c.out_fd = r->c.err_fd = fd;
	if (child_run(&r->c, &e) < 0)
		snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s", step_names[step], e.msg);
	else
		code = child_exit_code(&r->c);
	strbuf_release(&head);
	vec_free(&argv);
	return code;
}

/* The runner thread: the job's steps in order, until one fails. */
static void *
run_job(void *arg)
{
	struct runner *r = arg;
	const struct conf *c = r->conf;
	argvec env = VEC_INIT;
	char *log = conf_path(c, "daemon/jobs/%s.log", r->job.id);
	char *out = daemon_job_image_path(c, &r->job);
	int last = r->job.vmtest ? STEP_VMTEST : r->job.image ? STEP_IMAGE : STEP_BULK;
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	struct kerr e;

	r->exit_code = -1;
	for (char **p = environ; *p; p++)
		if (strncmp(*p, "KILN_NO_LIVE=", 13) != 0)
			vec_push(&env, *p);
	vec_push(&env, "KILN_NO_LIVE=1");
	vec_push(&env, NULL);
	if (fd < 0)
		snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s", log, strerror(errno));
	for (int step = STEP_BULK; fd >= 0 && step <= last; step++) {
		if (step > STEP_BULK && __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
			r->exit_code = -1;	/* not done: its steps did not all run */
			break;
		}
		__atomic_store_n(&r->step, step, __ATOMIC_RELEASE);
		/* an earlier, interrupted run may have left an image behind */
		if (step == STEP_IMAGE && path_exists(out) && path_rm_rf(out, &e) < 0) {
			snprintf(r->errmsg, sizeof(r->errmsg), "%s", e.msg);
			break;
		}
		r->exit_code = run_step(r, step, fd, env.v, out);
		if (r->exit_code != 0)
			break;
	}
	if (fd >= 0)
		close(fd);
	vec_free(&env);
	free(log);
	free(out);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---- the API ------------------------------------------------------------- */

static void
json_error(struct strbuf *out, const char *msg)
{
	struct uv *o = uv_new_object();

	uv_set(o, "error", uv_new_string(msg));
	uv_emit_json(o, out, false);
	strbuf_addch(out, '\n');
	uv_free(o);
}

static unsigned
api_builds(const struct conf *c, const char *body, size_t len, struct strbuf *out)
{
	struct kerr e;
	struct uv *req = uv_parse(body, len, &e), *o;
	struct daemon_job j;
	char *id = NULL;
	bool dup;
	unsigned status = 400;

	daemon_job_init(&j);
	if (req == NULL) {
		char msg[sizeof(e.msg) + 32];
		snprintf(msg, sizeof(msg), "request body: %s", e.msg);
		json_error(out, msg);
		goto out;
	}
	if (daemon_job_from_request(req, &j, &e) < 0) {
		json_error(out, e.msg);
		goto out;
	}
	j.by = xstrdup("api");
	if (daemon_job_check(c, &j, &e) < 0) {
		json_error(out, e.msg);
		goto out;
	}
	if (daemon_enqueue(c, &j, &id, &dup, &e) < 0) {
		json_error(out, e.msg);
		status = 500;
		goto out;
	}
	o = uv_new_object();
	uv_set(o, "id", uv_new_string(id));
	uv_set(o, "queued", uv_new_bool(!dup));
	uv_set(o, "already_queued", uv_new_bool(dup));
	uv_emit_json(o, out, false);
	strbuf_addch(out, '\n');
	uv_free(o);
	status = dup ? 200 : 201;
out:
	free(id);
	daemon_job_free(&j);
	uv_free(req);
	return status;
}

/* GET a file under BASEFS/daemon as the answer. */
static unsigned
api_file(const struct conf *c, const char *rel, struct strbuf *out)
{
	char *p = conf_path(c, "daemon/%s", rel);
	struct kerr e;
	unsigned status = 200;

	if (path_read(p, out, &e) < 0) {
		strbuf_reset(out);
		json_error(out, "not found");
		status = 404;
	}
	free(p);
	return status;
}

static unsigned
api(void *arg, const char *method, const char *url, const char *body, size_t len,
    struct strbuf *out)
{
	const struct conf *c = arg;
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	unsigned status;

	if (strcmp(url, "/api/status") == 0 && get)
		return api_file(c, "status.json", out);
	if (strcmp(url, "/api/builds") == 0 && strcmp(method, "POST") == 0)
		return api_builds(c, body, len, out);
	if (strncmp(url, "/api/jobs/", 10) == 0 && get) {
		const char *id = url + 10;
		char *rel;
		if (id[0] == '\0' || strchr(id, '/') || id[0] == '.') {
			json_error(out, "not found");
			return 404;
		}
		rel = xasprintf("jobs/%s.json", id);
		status = api_file(c, rel, out);
		free(rel);
		if (status == 404) {
			strbuf_reset(out);
			rel = xasprintf("queue/%s.json", id);
			status = api_file(c, rel, out);
			free(rel);
		}
		return status;
	}
	if (strcmp(url, "/api/status") == 0 || strcmp(url, "/api/builds") == 0 ||
	    strncmp(url, "/api/jobs/", 10) == 0) {
		json_error(out, "method not allowed");
		return 405;
	}
	json_error(out, "no such API (GET /api/status, POST /api/builds, GET /api/jobs/ID)");
	return 404;
}

/* ---- the page ------------------------------------------------------------ */

static const char index_html[] =
"<!doctype html>\n"
"<html><head><meta charset=\"utf-8\"><title>kiln daemon</title>\n"
"<style>body{font:14px sans-serif;margin:1em}table{border-collapse:collapse}"
"td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
".failed,.interrupted{color:#b00}.done{color:#070}.running{color:#05a}</style>\n"
"</head><body><h1>kiln daemon</h1><p id=\"state\">loading status.json...</p>\n"
"<h2>Building</h2><div id=\"current\"></div>\n"
"<h2>Queue</h2><div id=\"queue\"></div>\n"
"<h2>Recent</h2><div id=\"recent\"></div>\n"
"<h2>Schedules</h2><div id=\"schedules\"></div>\n"
"<script>\n"
"function t(s){return s?new Date(s*1000).toLocaleString():''}\n"
"function esc(s){return String(s).replace(/[&<>\"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','\"':'&quot;'}[c]))}\n"
"function what(j){return j.all?'all':j.origins.map(esc).join(' ')}\n"
"function jobs(l){if(!l.length)return'<p>none</p>';\n"
" return '<table><tr><th>id</th><th>state</th><th>jail</th><th>ports</th><th>what</th>'+\n"
"  '<th>by</th><th>started</th><th>ended</th><th>log</th></tr>'+l.map(j=>'<tr><td>'+esc(j.id)+\n"
"  '</td><td class=\"'+esc(j.state)+'\">'+esc(j.state)+(j.step?' ['+esc(j.step)+']':'')+\n"
"  (j.exit>0?' ('+j.exit+')':'')+'</td><td>'+\n"
"  esc(j.jail)+'</td><td>'+esc(j.ports)+'</td><td>'+what(j)+'</td><td>'+esc(j.by)+'</td><td>'+\n"
"  t(j.started)+'</td><td>'+t(j.ended)+'</td><td>'+(j.log?'<a href=\"'+esc(j.log)+'\">log</a> '+\n"
"  '<a href=\"'+esc(j.bulk)+'\">bulk</a>':'')+'</td></tr>').join('')+'</table>'}\n"
"function load(){fetch('status.json',{cache:'no-store'}).then(r=>r.json()).then(s=>{\n"
" document.getElementById('state').textContent='state: '+s.state+', updated '+t(s.updated);\n"
" document.getElementById('current').innerHTML=s.current?jobs([s.current]):'<p>idle</p>';\n"
" document.getElementById('queue').innerHTML=jobs(s.queue);\n"
" document.getElementById('recent').innerHTML=jobs(s.recent);\n"
" document.getElementById('schedules').innerHTML=s.schedules.length?'<table><tr><th>name</th>'+\n"
"  '<th>jail</th><th>ports</th><th>what</th><th>every (s)</th><th>last</th><th>next</th></tr>'+\n"
"  s.schedules.map(d=>'<tr><td>'+esc(d.name)+'</td><td>'+esc(d.jail)+'</td><td>'+esc(d.ports)+\n"
"  '</td><td>'+what(d)+'</td><td>'+d.every+'</td><td>'+t(d.last)+'</td><td>'+t(d.next)+\n"
"  '</td></tr>').join('')+'</table>':'<p>none</p>'}).catch(e=>{\n"
" document.getElementById('state').textContent='cannot read status.json: '+e})}\n"
"load();setInterval(load,2000);\n"
"</script></body></html>\n";

/* ---- the loop ------------------------------------------------------------ */

struct loop {
	const struct conf *conf;
	struct runner run;
	daemon_scheds scheds;
	const char *listen;
	int64_t started;
	bool stopping;
	char *waiting;		/* the job said to wait for its bulk area */
	struct timespec queue_mtime;	/* of daemon/queue, last seen */
};

static void
write_status(struct loop *l, const char *state)
{
	if (l->run.active) {
		free(l->run.job.step);
		l->run.job.step = xstrdup(step_names[__atomic_load_n(&l->run.step,
		    __ATOMIC_ACQUIRE)]);
	}
	struct daemon_state ds = {
		.state = state, .listen = l->listen, .started = l->started,
		.current = l->run.active ? &l->run.job : NULL, .scheds = &l->scheds,
	};
	struct kerr e;

	if (daemon_status_write(l->conf, &ds, time(NULL), &e) < 0)
		say("warning: %s", e.msg);
}

/* The runner finished: record the job (or queue it again when stopping). */
static void
reap(struct loop *l)
{
	struct runner *r = &l->run;
	struct kerr e;
	int rc;

	pthread_join(r->thread, NULL);
	r->active = false;
	free(r->job.step);
	r->job.step = xstrdup(step_names[r->step]);
	if (r->errmsg[0])
		say("job %s: %s", r->job.id, r->errmsg);
	if (l->stopping && r->exit_code != 0) {
		rc = daemon_requeue(l->conf, &r->job, &e);
		if (rc == 0)
			say("job %s interrupted; queued again", r->job.id);
	} else {
		rc = daemon_finish(l->conf, &r->job, r->exit_code, time(NULL), &e);
		if (rc == 0 && r->exit_code == 0)
			say("job %s done", r->job.id);
		else if (rc == 0)
			say("job %s failed in its %s step (exit %d)", r->job.id,
			    r->job.step, r->exit_code);
	}
	if (rc < 0)
		say("error: job %s: %s", r->job.id, e.msg);
	daemon_job_free(&r->job);
}

/*
 * Is the bulk area of the oldest queued job free?  A bulk started by hand,
 * or left running by a daemon that was killed, holds it: the job waits
 * (said once) instead of failing at once.
 */
static bool
head_can_start(struct loop *l)
{
	daemon_jobs q = VEC_INIT, r = VEC_INIT;
	struct lock lk = { -1, NULL };
	struct kerr e;
	char *area;
	bool ok = true;

	if (daemon_list(l->conf, &q, &r, 0, &e) < 0 || q.n == 0)
		goto out;
	area = xasprintf("bulk-%s-%s", q.v[0].jail, q.v[0].ports);
	if (conf_lock_area(l->conf, area, "kiln daemon", &lk, &e) < 0) {
		ok = false;
		if (l->waiting == NULL || strcmp(l->waiting, q.v[0].id) != 0) {
			say("job %s waits: %s", q.v[0].id, e.msg);
			free(l->waiting);
			l->waiting = xstrdup(q.v[0].id);
		}
	}
	lock_release(&lk);
	free(area);
out:
	daemon_jobs_free(&q);
	daemon_jobs_free(&r);
	return ok;
}

/* Start the oldest queued job when nothing runs.  0 or -1. */
static int
start_next(struct loop *l)
{
	struct runner *r = &l->run;
	struct strbuf what = STRBUF_INIT;
	struct kerr e;
	int got = head_can_start(l) ? daemon_take(l->conf, time(NULL), &r->job, &e) : 0;

	if (got < 0) {
		say("error: %s", e.msg);
		return -1;
	}
	if (got == 0)
		return 0;
	r->done = 0;
	r->stop = 0;
	r->step = STEP_BULK;
	r->errmsg[0] = '\0';
	child_init(&r->c, NULL, NULL);
	if (pthread_create(&r->thread, NULL, run_job, r) != 0) {
		say("error: cannot start a thread for job %s", r->job.id);
		daemon_finish(l->conf, &r->job, -1, time(NULL), &e);
		daemon_job_free(&r->job);
		return -1;
	}
	r->active = true;
	strbuf_addstr(&what, r->job.all ? " -a" : "");
	for (size_t i = 0; i < r->job.origins.n; i++)
		strbuf_addf(&what, " %s", r->job.origins.v[i]);
	if (r->job.image)
		strbuf_addf(&what, ", then an image (%s)%s", uv_get_str(r->job.image, "type"),
		    r->job.vmtest ? " and a VM test" : "");
	say("job %s started: bulk -j %s -p %s%s (log daemon/jobs/%s.log)",
	    r->job.id, r->job.jail, r->job.ports, what.buf, r->job.id);
	strbuf_release(&what);
	return 0;
}

/* Has the queue directory changed since the last call? */
static bool
queue_changed(struct loop *l)
{
	char *dir = conf_path(l->conf, "daemon/queue");
	struct stat st;
	bool changed = false;

	if (stat(dir, &st) == 0 && (st.st_mtim.tv_sec != l->queue_mtime.tv_sec ||
	    st.st_mtim.tv_nsec != l->queue_mtime.tv_nsec)) {
		l->queue_mtime = st.st_mtim;
		changed = true;
	}
	free(dir);
	return changed;
}

static void
run_loop(struct loop *l, const sigset_t *set)
{
	struct timespec tick = { 1, 0 };
	pid_t signalled = 0;	/* the step process sent SIGTERM */
	int shown_step = -1;	/* the running job's step in status.json */

	write_status(l, "idle");
	for (;;) {
		int sig = sigtimedwait(set, NULL, &tick);
		bool changed = false;

		if ((sig == SIGINT || sig == SIGTERM) && !l->stopping) {
			say("stopping (signal %d)%s", sig, l->run.active ?
			    ": interrupting the running job" : "");
			l->stopping = true;
			changed = true;
		}
		if (l->run.active && __atomic_load_n(&l->run.done, __ATOMIC_ACQUIRE)) {
			reap(l);
			changed = true;
		} else if (l->run.active &&
		    __atomic_load_n(&l->run.step, __ATOMIC_ACQUIRE) != shown_step) {
			changed = true;		/* the job went on to its next step */
		}
		if (l->stopping) {
			pid_t pid = __atomic_load_n(&l->run.c.pid, __ATOMIC_ACQUIRE);
			if (!l->run.active)
				break;
			__atomic_store_n(&l->run.stop, 1, __ATOMIC_RELEASE);
			if (pid > 0 && pid != signalled) {
				kill(-pid, SIGTERM);
				signalled = pid;
			}
			if (changed)
				write_status(l, "stopping");
			continue;
		}
		if (l->scheds.n > 0) {
			struct kerr e;
			int n;
			if (daemon_sched_tick(l->conf, &l->scheds, time(NULL), &n, &e) < 0)
				say("error: schedules: %s", e.msg);
			else if (n > 0) {
				say("%d scheduled job%s queued", n, n == 1 ? "" : "s");
				changed = true;
			}
		}
		if (!l->run.active) {
			start_next(l);
			changed = changed || l->run.active;
		}
		/* kiln queue and the API add files: status.json shows them */
		if (queue_changed(l))
			changed = true;
		if (changed) {
			shown_step = __atomic_load_n(&l->run.step, __ATOMIC_ACQUIRE);
			write_status(l, l->run.active ? "building" : "idle");
		}
	}
	write_status(l, "stopped");
}

int
cmd_daemon(int argc, char **argv, struct kctx *k)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "schedules", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct conf *c = &k->conf;
	const char *data = conf_get(c, "POUDRIERE_DATA");
	const char *sched_file = conf_get(c, "KILN_SCHEDULES");
	bool sched_given = false;
	char *dirs[3] = { path_join(data, "packages"), path_join(data, "logs"),
	    conf_path(c, "daemon") };
	struct http_mount m[3] = { { "/packages", dirs[0] }, { "/logs", dirs[1] },
	    { "/daemon", dirs[2] } };
	struct http_api a = { "/api", api, (void *)c };
	struct loop l = { .conf = c, .listen = conf_get(c, "KILN_HTTP_LISTEN") };
	struct http_server *s = NULL;
	struct lock lk = { -1, NULL };
	char *html = NULL, *exe = NULL, *listen_at = NULL;
	struct kerr e;
	sigset_t set;
	int ch, n, rc = EXIT_FAIL;

	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "l:s:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'l':
			l.listen = optarg;
			break;
		case 's':
			sched_file = optarg;
			sched_given = true;
			break;
		default:
			rc = cmd_usage(k);
			goto out;
		}
	}
	if (optind != argc) {
		rc = cmd_usage(k);
		goto out;
	}
	if (conf_lock_area(c, "daemon", "kiln daemon", &lk, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	if (sched_file && (sched_given || path_exists(sched_file)) &&
	    (daemon_sched_load(sched_file, &l.scheds, &e) < 0 ||
	    daemon_sched_check(c, &l.scheds, sched_file, &e) < 0)) {
		rc = cmd_fail(&e);
		goto out;
	}
	if ((exe = path_readlink("/proc/self/exe", &e)) == NULL) {
		rc = cmd_fail(&e);
		goto out;
	}
	l.run.conf = c;
	l.run.exe = exe;
	for (int i = 0; i < 3; i++)
		if (path_mkdir_p(dirs[i], 0755, &e) < 0) {
			rc = cmd_fail(&e);
			goto out;
		}
	html = path_join(dirs[2], "index.html");
	if (path_write_atomic(html, index_html, sizeof(index_html) - 1, 0644, &e) < 0 ||
	    daemon_recover(c, &n, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	if (n > 0)
		say("%d job%s interrupted by an earlier stop queued again", n, n == 1 ? "" : "s");
	/* Block the stop signals before any thread starts. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (http_start(l.listen, m, 3, &a, NULL, NULL, &s, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	/* status.json names the port really listened on (-l ADDR:0) */
	{
		const char *colon = strrchr(l.listen, ':');
		listen_at = colon ? xasprintf("%.*s:%u", (int)(colon - l.listen), l.listen,
		    http_port(s)) : xasprintf("127.0.0.1:%u", http_port(s));
		l.listen = listen_at;
	}
	l.started = time(NULL);
	say("kiln daemon on %s: /daemon/ (status), /api/, /packages/, /logs/; "
	    "%zu schedule%s", l.listen, l.scheds.n, l.scheds.n == 1 ? "" : "s");
	run_loop(&l, &set);
	say("stopped");
	rc = EXIT_OK;
out:
	http_stop(s);
	daemon_scheds_free(&l.scheds);
	free(l.waiting);
	lock_release(&lk);
	for (int i = 0; i < 3; i++)
		free(dirs[i]);
	free(html);
	free(exe);
	free(listen_at);
	return rc;
}
