/*
 * kiln bulk / kiln testport: parse poudriere's flags, run bulk_run, and
 * show it: on a terminal a live view redrawn in place (builders with
 * port, phase and elapsed time; counts; ETA), otherwise one line per
 * event.  Exit status: 0 when everything built, else 1 and a line with
 * the failed and skipped counts; 2 for usage errors.
 */
#include "bulk.h"
#include "cmd/cmd.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct view {
	bool tty;
	int drawn;		/* lines of the live view on screen */
	double last;
};

static void
erase(struct view *v)
{
	if (v->drawn > 0) {
		printf("\033[%dA\033[J", v->drawn);
		v->drawn = 0;
	}
}

static void
ui_line(void *arg, const char *line)
{
	struct view *v = arg;

	if (v->tty)
		erase(v);
	printf("%s\n", line);
	fflush(stdout);
}

static void
ui_tick(void *arg, const struct status *st, double now, bool final)
{
	struct view *v = arg;
	struct strbuf sb = STRBUF_INIT;
	int lines = 0;

	if (!v->tty)
		return;
	if (!final && now - v->last < 0.2)
		return;
	v->last = now;
	erase(v);
	if (final)
		return;
	status_render(st, now, &sb);
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '\n')
			lines++;
	fputs(sb.buf, stdout);
	fflush(stdout);
	v->drawn = lines;
	strbuf_release(&sb);
}

static int
run(int argc, char **argv, struct kctx *k, bool testport)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bulk_opts o;
	struct view v = { 0 };
	struct bulk_ui ui = { ui_line, ui_tick, &v };
	struct bulk_summary s;
	struct kerr e;
	char **list = NULL;
	size_t nlist = 0;
	const char *file = NULL;
	int ch, rc;

	memset(&o, 0, sizeof(o));
	o.jail = "main";
	o.ports = "default";
	o.testport = testport;
	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, testport ? "j:p:J:o:nkh" :
	    "j:p:J:f:anctCkTh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': o.jail = optarg; break;
		case 'p': o.ports = optarg; break;
		case 'J': o.jobs = atoi(optarg); break;
		case 'f': file = optarg; break;
		case 'a': o.all = true; break;
		case 'n': o.dry_run = true; break;
		case 'c': o.clean_all = true; break;
		case 'C': o.clean_listed = true; break;
		case 't': o.test = true; break;
		case 'k': o.keep_going = true; break;
		case 'T': o.try_broken = true; break;
		case 'o': argv[--optind] = optarg; break;
		default: return cmd_usage(k);
		}
	}
	if (file) {
		if (bulk_read_list(file, &list, &nlist, &e) < 0)
			return cmd_fail(&e);
		o.origins = list;
		o.norigins = nlist;
	} else {
		o.origins = argv + optind;
		o.norigins = (size_t)(argc - optind);
	}
	if ((o.all && (o.norigins > 0 || file)) || (!o.all && o.norigins == 0) ||
	    (testport && o.norigins != 1)) {
		for (size_t i = 0; i < nlist; i++)
			free(list[i]);
		free(list);
		return cmd_usage(k);
	}
	v.tty = isatty(STDOUT_FILENO) && getenv("KILN_NO_LIVE") == NULL;
	rc = bulk_run(&k->conf, &o, &ui, &s, &e);
	for (size_t i = 0; i < nlist; i++)
		free(list[i]);
	free(list);
	if (rc < 0)
		return cmd_fail(&e);
	if (o.dry_run) {
		printf("=> dry run (-n): %zu to build, %zu current; nothing was built\n",
		    s.queued, s.current);
		bulk_summary_free(&s);
		return EXIT_OK;
	}
	if (s.built + s.failed + s.skipped + s.ignored > 0)
		printf("=> built %zu, failed %zu, skipped %zu, ignored %zu, current %zu\n",
		    s.built, s.failed, s.skipped, s.ignored, s.current);
	if (s.logdir)
		printf("=> logs: %s\n", s.logdir);
	rc = s.failed + s.skipped > 0 ? EXIT_FAIL : EXIT_OK;
	if (rc != EXIT_OK)
		fprintf(stderr, "kiln: bulk: %zu failed, %zu skipped\n", s.failed, s.skipped);
	bulk_summary_free(&s);
	return rc;
}

int
cmd_bulk(int argc, char **argv, struct kctx *k)
{
	return run(argc, argv, k, false);
}

int
cmd_testport(int argc, char **argv, struct kctx *k)
{
	return run(argc, argv, k, true);
}
