/*
 * kiln status [-j JAIL -p PORTS] [BUILD] [--json]: read a bulk's
 * status.json (the latest build by default) and print it as a summary or
 * as JSON.  A snapshot that says "running" while its process is gone is
 * reported as "stopped".
 */
#include "cmd/cmd.h"
#include "status.h"
#include "util/path.h"
#include "util/ucl.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The newest BULKDIR/NAME/latest/status.json by mtime; caller frees. */
static char *
find_latest(const char *bulkdir)
{
	DIR *d = opendir(bulkdir);
	struct dirent *de;
	char *best = NULL;
	time_t best_t = 0;

	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *p;
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s/latest/status.json", bulkdir, de->d_name);
		if (stat(p, &st) == 0 && (best == NULL || st.st_mtime >= best_t)) {
			free(best);
			best = p;
			best_t = st.st_mtime;
		} else {
			free(p);
		}
	}
	closedir(d);
	return best;
}

static void
print_summary(const struct uv *v)
{
	const struct uv *c = uv_get(v, "counts"), *b = uv_get(v, "builders");
	const struct uv *ports = uv_get(v, "ports");
	char b1[32], b2[32];
	int64_t eta = uv_get_int(v, "eta", -1);

	printf("%s-%s %s: %s, elapsed %s, ETA %s\n", uv_get_str(v, "jail"),
	    uv_get_str(v, "tree"), uv_get_str(v, "build"), uv_get_str(v, "state"),
	    status_fmt_duration((double)uv_get_int(v, "elapsed", 0), b1, sizeof(b1)),
	    eta < 0 ? "?" : status_fmt_duration((double)eta, b2, sizeof(b2)));
	printf("  queued %lld  building %lld  built %lld  failed %lld  skipped %lld"
	    "  ignored %lld  (of %lld)\n",
	    (long long)uv_get_int(c, "queued", 0), (long long)uv_get_int(c, "building", 0),
	    (long long)uv_get_int(c, "built", 0), (long long)uv_get_int(c, "failed", 0),
	    (long long)uv_get_int(c, "skipped", 0), (long long)uv_get_int(c, "ignored", 0),
	    (long long)uv_get_int(c, "total", 0));
	for (size_t i = 0; b && b->type == UV_ARRAY && i < b->u.arr.n; i++) {
		const struct uv *x = b->u.arr.v[i];
		const char *o = uv_get_str(x, "origin");
		if (o && strcmp(uv_get_str(v, "state"), "running") == 0)
			printf("  [%02lld] %-32s %-14s %s\n", (long long)uv_get_int(x, "id", 0),
			    o, uv_get_str(x, "phase") ? uv_get_str(x, "phase") : "",
			    status_fmt_duration((double)uv_get_int(x, "elapsed", 0), b1,
			    sizeof(b1)));
	}
	for (size_t i = 0; ports && ports->type == UV_ARRAY && i < ports->u.arr.n; i++) {
		const struct uv *x = ports->u.arr.v[i];
		const char *s = uv_get_str(x, "state");
		if (s == NULL)
			continue;
		if (strcmp(s, "failed") == 0)
			printf("  failed  %s (phase %s)%s%s\n", uv_get_str(x, "origin"),
			    uv_get_str(x, "phase") ? uv_get_str(x, "phase") : "?",
			    uv_get_str(x, "log") ? ", log " : "",
			    uv_get_str(x, "log") ? uv_get_str(x, "log") : "");
		else if (strcmp(s, "skipped") == 0)
			printf("  skipped %s (depends on %s)\n", uv_get_str(x, "origin"),
			    uv_get_str(x, "cause") ? uv_get_str(x, "cause") : "?");
		else if (strcmp(s, "ignored") == 0)
			printf("  ignored %s (%s)\n", uv_get_str(x, "origin"),
			    uv_get_str(x, "cause") ? uv_get_str(x, "cause") : "");
	}
}

int
cmd_status(int argc, char **argv, struct kctx *k)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *jail = NULL, *ports = NULL, *build = "latest";
	bool json = false;
	char *bulkdir = NULL, *file = NULL;
	struct uv *v = NULL;
	struct kerr e;
	int ch, rc = EXIT_FAIL;

	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "j:p:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': jail = optarg; break;
		case 'p': ports = optarg; break;
		case 'J': json = true; break;
		case 'h':
		default: return cmd_usage(k);
		}
	}
	if (optind < argc)
		build = argv[optind++];
	if (optind < argc)
		return cmd_usage(k);
	bulkdir = xasprintf("%s/logs/bulk", conf_get(&k->conf, "POUDRIERE_DATA"));
	if (jail || ports || strcmp(build, "latest") != 0) {
		file = xasprintf("%s/%s-%s/%s/status.json", bulkdir,
		    jail ? jail : "main", ports ? ports : "default", build);
	} else if ((file = find_latest(bulkdir)) == NULL) {
		cmd_failf("status: no bulk has run yet (nothing under %s)", bulkdir);
		goto out;
	}
	if ((v = uv_parse_file(file, &e)) == NULL) {
		if (!path_exists(file))
			cmd_failf("status: %s: no such build", file);
		else
			cmd_fail(&e);
		goto out;
	}
	/* A live snapshot whose process is gone was killed. */
	if (uv_get_str(v, "state") && strcmp(uv_get_str(v, "state"), "running") == 0) {
		pid_t pid = (pid_t)uv_get_int(v, "pid", 0);
		if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
			uv_set(v, "state", uv_new_string("stopped"));
	}
	if (json) {
		struct strbuf sb = STRBUF_INIT;
		uv_emit_json(v, &sb, true);
		printf("%s\n", sb.buf);
		strbuf_release(&sb);
	} else {
		print_summary(v);
	}
	rc = EXIT_OK;
out:
	uv_free(v);
	free(file);
	free(bulkdir);
	return rc;
}
