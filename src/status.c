/*
 * status: one bulk's state → status.json (atomic rename), index.html, the
 * terminal live view's text and one-line events.  See status.h for the
 * JSON fields.  Does not: print.  Calls: util.
 */
#include "status.h"

#include "util/path.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const state_names[ST_NSTATES] = {
	"queued", "building", "built", "failed", "skipped", "ignored"
};

const char *
status_state_name(enum status_state s)
{
	return state_names[s];
}

const char *
status_fmt_duration(double secs, char *buf, size_t len)
{
	long s = secs < 0 ? 0 : (long)(secs + 0.5);

	if (s >= 3600)
		snprintf(buf, len, "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, len, "%lds", s);
	return buf;
}

void
status_init(struct status *st, const char *jail, const char *ports,
    const char *build, const char *dir, int nslots, double now)
{
	memset(st, 0, sizeof(*st));
	st->jail = xstrdup(jail);
	st->ports_name = xstrdup(ports);
	st->build = xstrdup(build);
	st->dir = xstrdup(dir);
	st->started = now;
	st->nslots = nslots < 1 ? 1 : nslots;
	st->slots = xcalloc((size_t)st->nslots, sizeof(*st->slots));
	for (int i = 0; i < st->nslots; i++)
		st->slots[i].port = -1;
}

void
status_free(struct status *st)
{
	for (size_t i = 0; i < st->ports.n; i++) {
		struct status_port *p = &st->ports.v[i];
		free(p->origin);
		free(p->pkgname);
		free(p->phase);
		free(p->cause);
		free(p->reason);
		free(p->log);
	}
	vec_free(&st->ports);
	free(st->slots);
	free(st->jail);
	free(st->ports_name);
	free(st->build);
	free(st->dir);
	memset(st, 0, sizeof(*st));
}

size_t
status_add(struct status *st, const char *origin, const char *pkgname,
    double expected, const char *reason)
{
	struct status_port p;

	memset(&p, 0, sizeof(p));
	p.origin = xstrdup(origin);
	p.pkgname = xstrdup(pkgname ? pkgname : origin);
	p.state = ST_QUEUED;
	p.expected = expected;
	p.reason = reason ? xstrdup(reason) : NULL;
	vec_push(&st->ports, p);
	st->counts[ST_QUEUED]++;
	return st->ports.n - 1;
}

static void
replace(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

void
status_set(struct status *st, size_t port, enum status_state s,
    const char *phase, const char *cause, int slot, double now)
{
	struct status_port *p = &st->ports.v[port];

	for (int i = 0; i < st->nslots; i++)
		if (st->slots[i].port == (long)port)
			st->slots[i].port = -1;
	if (p->state == ST_BUILDING && s != ST_BUILDING)
		p->elapsed = now - p->started;
	if (s == ST_BUILDING) {
		p->started = now;
		if (slot >= 0 && slot < st->nslots)
			st->slots[slot].port = (long)port;
	}
	st->counts[p->state]--;
	p->state = s;
	st->counts[s]++;
	replace(&p->phase, phase);
	replace(&p->cause, cause);
}

void
status_phase(struct status *st, size_t port, const char *phase)
{
	replace(&st->ports.v[port].phase, phase);
}

void
status_set_log(struct status *st, size_t port, const char *log)
{
	replace(&st->ports.v[port].log, log);
}

double
status_eta(const struct status *st, double now)
{
	double queued = 0, longest = 0;
	bool any = false;

	for (size_t i = 0; i < st->ports.n; i++) {
		const struct status_port *p = &st->ports.v[i];
		if (p->state == ST_QUEUED) {
			queued += p->expected;
			any = true;
		} else if (p->state == ST_BUILDING) {
			double left = p->expected - (now - p->started);
			if (left < 1)
				left = 1;
			queued += left;
			if (left > longest)
				longest = left;
			any = true;
		}
	}
	if (!any)
		return st->done ? 0 : -1;
	queued /= st->nslots;
	return queued > longest ? queued : longest;
}

static void
json_str(struct strbuf *out, const char *key, const char *v, bool comma)
{
	strbuf_addf(out, "\"%s\":", key);
	if (v) {
		strbuf_addch(out, '"');
		strbuf_add_json_escaped(out, v);
		strbuf_addch(out, '"');
	} else {
		strbuf_addstr(out, "null");
	}
	if (comma)
		strbuf_addch(out, ',');
}

void
status_json(const struct status *st, double now, struct strbuf *out)
{
	double eta = status_eta(st, now);

	strbuf_addch(out, '{');
	json_str(out, "jail", st->jail, true);
	json_str(out, "tree", st->ports_name, true);
	json_str(out, "build", st->build, true);
	json_str(out, "state", st->done ? "done" : "running", true);
	strbuf_addf(out, "\"pid\":%ld,\"started\":%.0f,\"updated\":%.0f,"
	    "\"elapsed\":%.1f,", (long)getpid(), st->started, now, now - st->started);
	if (eta >= 0)
		strbuf_addf(out, "\"eta\":%.0f,", eta);
	else
		strbuf_addstr(out, "\"eta\":null,");
	strbuf_addstr(out, "\"counts\":{");
	for (int s = 0; s < ST_NSTATES; s++)
		strbuf_addf(out, "\"%s\":%zu,", state_names[s], st->counts[s]);
	strbuf_addf(out, "\"total\":%zu},\"builders\":[", st->ports.n);
	for (int i = 0; i < st->nslots; i++) {
		long pi = st->slots[i].port;
		const struct status_port *p = pi >= 0 ? &st->ports.v[pi] : NULL;
		strbuf_addf(out, "%s{\"id\":%d,", i ? "," : "", i + 1);
		json_str(out, "state", p ? "building" : "idle", true);
		json_str(out, "origin", p ? p->origin : NULL, true);
		json_str(out, "pkgname", p ? p->pkgname : NULL, true);
		json_str(out, "phase", p ? p->phase : NULL, true);
		strbuf_addf(out, "\"elapsed\":%.1f}", p ? now - p->started : 0.0);
	}
	strbuf_addstr(out, "],\"ports\":[");
	for (size_t i = 0; i < st->ports.n; i++) {
		const struct status_port *p = &st->ports.v[i];
		strbuf_addstr(out, i ? ",{" : "{");
		json_str(out, "origin", p->origin, true);
		json_str(out, "pkgname", p->pkgname, true);
		json_str(out, "state", state_names[p->state], true);
		json_str(out, "phase", p->phase, true);
		json_str(out, "cause", p->cause, true);
		json_str(out, "reason", p->reason, true);
		json_str(out, "log", p->log, true);
		strbuf_addf(out, "\"elapsed\":%.1f}", p->state == ST_BUILDING ?
		    now - p->started : p->elapsed);
	}
	strbuf_addstr(out, "]}\n");
}

/*
 * The web page: static, reads status.json next to it every 2 seconds and
 * renders counts, builders and the port table.  No server side.
 */
static const char index_html[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
    "<title>kiln bulk</title>\n<style>\n"
    "body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}\n"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}\n"
    ".built{color:#080}.failed{color:#c00}.skipped{color:#a60}"
    ".building{color:#06c}.ignored{color:#888}\n</style></head><body>\n"
    "<h1 id=\"title\">kiln bulk</h1><p id=\"summary\"></p>\n"
    "<h2>Builders</h2><table id=\"builders\"></table>\n"
    "<h2>Ports</h2><table id=\"ports\"></table>\n<script>\n"
    "function dur(s){if(s==null)return '?';s=Math.round(s);var h=Math.floor(s/3600),"
    "m=Math.floor(s/60)%60,x=s%60;return (h?h+'h':'')+(h||m?m+'m':'')+x+'s';}\n"
    "function esc(t){return t==null?'':String(t).replace(/[&<>\"]/g,function(c){"
    "return {'&':'&amp;','<':'&lt;','>':'&gt;','\"':'&quot;'}[c];});}\n"
    "function row(c,cells){return '<tr class=\"'+c+'\">'+cells.map(function(x){"
    "return '<td>'+x+'</td>';}).join('')+'</tr>';}\n"
    "function show(d){document.getElementById('title').textContent="
    "'kiln bulk '+d.jail+'-'+d.tree+' '+d.build+' ('+d.state+')';\n"
    " var c=d.counts;document.getElementById('summary').textContent="
    "'queued '+c.queued+', building '+c.building+', built '+c.built+', failed '+"
    "c.failed+', skipped '+c.skipped+', ignored '+c.ignored+' of '+c.total+"
    "'; elapsed '+dur(d.elapsed)+', ETA '+dur(d.eta);\n"
    " var b='<tr><th>#</th><th>port</th><th>phase</th><th>elapsed</th></tr>';\n"
    " d.builders.forEach(function(x){b+=row(x.state,[x.id,esc(x.origin||'idle'),"
    "esc(x.phase),x.origin?dur(x.elapsed):'']);});\n"
    " document.getElementById('builders').innerHTML=b;\n"
    " var p='<tr><th>origin</th><th>package</th><th>state</th><th>phase</th>"
    "<th>cause</th><th>reason</th><th>time</th><th>log</th></tr>';\n"
    " d.ports.forEach(function(x){p+=row(x.state,[esc(x.origin),esc(x.pkgname),"
    "x.state,esc(x.phase),esc(x.cause),esc(x.reason),dur(x.elapsed),"
    "x.log?'<a href=\"'+encodeURI(x.log)+'\">log</a>':'']);});\n"
    " document.getElementById('ports').innerHTML=p;}\n"
    "function load(){fetch('status.json',{cache:'no-store'}).then(function(r){"
    "return r.json();}).then(function(d){show(d);if(d.state=='running')"
    "setTimeout(load,2000);}).catch(function(){setTimeout(load,2000);});}\n"
    "load();\n</script></body></html>\n";

int
status_write(const struct status *st, double now, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	char *p = path_join(st->dir, "status.json");
	char *html = path_join(st->dir, "index.html");
	int rc = -1;

	status_json(st, now, &sb);
	if (path_write_atomic(p, sb.buf, sb.len, 0644, e) < 0)
		goto out;
	if (!path_exists(html) && path_write_atomic(html, index_html,
	    sizeof(index_html) - 1, 0644, e) < 0)
		goto out;
	rc = 0;
out:
	free(html);
	free(p);
	strbuf_release(&sb);
	return rc;
}

void
status_render(const struct status *st, double now, struct strbuf *out)
{
	char b1[32], b2[32];
	double eta = status_eta(st, now);

	strbuf_addf(out, "[%s-%s %s] elapsed %s, ETA %s\n", st->jail,
	    st->ports_name, st->build, status_fmt_duration(now - st->started, b1,
	    sizeof(b1)), eta < 0 ? "?" : status_fmt_duration(eta, b2, sizeof(b2)));
	strbuf_addf(out, "  queued %zu  building %zu  built %zu  failed %zu"
	    "  skipped %zu  ignored %zu  (of %zu)\n", st->counts[ST_QUEUED],
	    st->counts[ST_BUILDING], st->counts[ST_BUILT], st->counts[ST_FAILED],
	    st->counts[ST_SKIPPED], st->counts[ST_IGNORED], st->ports.n);
	for (int i = 0; i < st->nslots; i++) {
		long pi = st->slots[i].port;
		if (pi < 0) {
			strbuf_addf(out, "  [%02d] idle\n", i + 1);
			continue;
		}
		const struct status_port *p = &st->ports.v[pi];
		strbuf_addf(out, "  [%02d] %-32s %-14s %s\n", i + 1, p->origin,
		    p->phase ? p->phase : "", status_fmt_duration(now - p->started,
		    b1, sizeof(b1)));
	}
}

void
status_event_line(const struct status *st, size_t port, double now,
    struct strbuf *out)
{
	const struct status_port *p = &st->ports.v[port];
	char b1[32], b2[32];

	strbuf_addf(out, "[%s] [%zu/%zu] ", status_fmt_duration(now - st->started,
	    b1, sizeof(b1)), st->counts[ST_BUILT] + st->counts[ST_FAILED] +
	    st->counts[ST_SKIPPED] + st->counts[ST_IGNORED], st->ports.n);
	switch (p->state) {
	case ST_BUILDING:
		strbuf_addf(out, "building %s (%s)", p->origin, p->pkgname);
		break;
	case ST_BUILT:
		strbuf_addf(out, "built %s (%s) in %s", p->origin, p->pkgname,
		    status_fmt_duration(p->elapsed, b2, sizeof(b2)));
		break;
	case ST_FAILED:
		strbuf_addf(out, "failed %s (%s) in phase %s after %s", p->origin,
		    p->pkgname, p->phase ? p->phase : "?",
		    status_fmt_duration(p->elapsed, b2, sizeof(b2)));
		break;
	case ST_SKIPPED:
		strbuf_addf(out, "skipped %s: depends on %s", p->origin,
		    p->cause ? p->cause : "?");
		break;
	case ST_IGNORED:
		strbuf_addf(out, "ignored %s: %s", p->origin, p->cause ? p->cause : "");
		break;
	case ST_QUEUED:
	case ST_NSTATES:
		strbuf_addf(out, "queued %s", p->origin);
		break;
	}
	strbuf_addch(out, '\n');
}
