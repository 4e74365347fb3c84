/*
 * kiln queue -j JAIL -p PORTS (-a | ORIGIN...): queue a bulk for the
 * daemon (a file in BASEFS/daemon/queue; the daemon need not be running,
 * it starts the job when it next runs).  kiln queue -l [--json]: the
 * queued jobs, oldest first, and the recent started ones, newest first.
 */
#include "cmd/cmd.h"
#include "daemon.h"
#include "util/ucl.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void
print_jobs(const char *title, const daemon_jobs *v)
{
	printf("%s:\n", title);
	if (v->n == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < v->n; i++) {
		const struct daemon_job *j = &v->v[i];
		printf("  %-28s %-11s %s %s", j->id, j->state ? j->state : "queued",
		    j->jail, j->ports);
		if (j->all)
			printf(" -a");
		for (size_t k = 0; k < j->origins.n; k++)
			printf(" %s", j->origins.v[k]);
		printf("  (%s", j->by ? j->by : "queue");
		if (j->exit >= 0 && j->ended)
			printf(", exit %d", j->exit);
		printf(")\n");
	}
}

static int
list(const struct conf *c, bool json)
{
	daemon_jobs queued = VEC_INIT, recent = VEC_INIT;
	struct kerr e;
	int rc;

	if (daemon_list(c, &queued, &recent, 20, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	if (json) {
		struct uv *o = uv_new_object(), *q = uv_new_array(), *r = uv_new_array();
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < queued.n; i++)
			uv_push(q, daemon_job_uv(&queued.v[i]));
		for (size_t i = 0; i < recent.n; i++)
			uv_push(r, daemon_job_uv(&recent.v[i]));
		uv_set(o, "queue", q);
		uv_set(o, "recent", r);
		uv_emit_json(o, &sb, true);
		printf("%s\n", sb.buf);
		strbuf_release(&sb);
		uv_free(o);
	} else {
		print_jobs("queued", &queued);
		print_jobs("recent", &recent);
	}
	rc = EXIT_OK;
out:
	daemon_jobs_free(&queued);
	daemon_jobs_free(&recent);
	return rc;
}

int
cmd_queue(int argc, char **argv, struct kctx *k)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_job j;
	struct kerr e;
	char *id = NULL;
	bool listing = false, json = false, dup;
	int ch, rc = EXIT_FAIL;

	daemon_job_init(&j);
	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "j:p:alh", lo, NULL)) != -1) {
		switch (ch) {
		case 'j': free(j.jail); j.jail = xstrdup(optarg); break;
		case 'p': free(j.ports); j.ports = xstrdup(optarg); break;
		case 'a': j.all = true; break;
		case 'l': listing = true; break;
		case 'J': json = true; break;
		default:
			rc = cmd_usage(k);
			goto out;
		}
	}
	if (listing) {
		rc = optind == argc && !j.jail && !j.ports && !j.all ?
		    list(&k->conf, json) : cmd_usage(k);
		goto out;
	}
	if (json || j.jail == NULL || j.ports == NULL || (!j.all && optind == argc)) {
		rc = cmd_usage(k);
		goto out;
	}
	for (int i = optind; i < argc; i++)
		vec_push(&j.origins, xstrdup(argv[i]));
	j.by = xstrdup("queue");
	if (daemon_job_check(&k->conf, &j, &e) < 0 ||
	    daemon_enqueue(&k->conf, &j, &id, &dup, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	printf(dup ? "already queued as %s\n" : "queued %s\n", id);
	rc = EXIT_OK;
out:
	free(id);
	daemon_job_free(&j);
	return rc;
}
