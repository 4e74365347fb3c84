/*
 * kiln serve [-l ADDR:PORT]: serve what kiln publishes over HTTP until
 * SIGINT or SIGTERM: POUDRIERE_DATA/packages at /packages (the signed
 * repositories, for pkg and kiln's client) and POUDRIERE_DATA/logs at
 * /logs (each bulk's index.html, status.json and build logs).  One line per
 * request on stdout (kiln -q serve: none).
 */
#include "cmd/cmd.h"
#include "http.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void
log_request(void *arg, const char *method, const char *url, unsigned status,
    unsigned long long bytes)
{
	(void)arg;
	pthread_mutex_lock(&log_lock);
	printf("%s %s %u %llu\n", method, url, status, bytes);
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
}

int
cmd_serve(int argc, char **argv, struct kctx *k)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = conf_get(&k->conf, "KILN_HTTP_LISTEN");
	const char *data = conf_get(&k->conf, "POUDRIERE_DATA");
	char *dirs[2] = { path_join(data, "packages"), path_join(data, "logs") };
	struct http_mount m[2] = { { "/packages", dirs[0] }, { "/logs", dirs[1] } };
	struct http_server *s = NULL;
	struct kerr e;
	sigset_t set;
	int c, sig, rc = EXIT_FAIL;

	cmd_getopt_reset();
	while ((c = getopt_long(argc, argv, "l:h", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
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
	for (int i = 0; i < 2; i++)
		if (path_mkdir_p(dirs[i], 0755, &e) < 0) {
			rc = cmd_fail(&e);
			goto out;
		}
	/* Block the stop signals before the server's threads start. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (http_start(listen, m, 2, NULL, k->verbose < 0 ? NULL : log_request, NULL, &s, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	printf("=> serving on port %u (%s): /packages/ from %s, /logs/ from %s\n",
	    http_port(s), listen, dirs[0], dirs[1]);
	fflush(stdout);
	while (sigwait(&set, &sig) != 0)
		;
	printf("=> stopped by signal %d\n", sig);
	rc = EXIT_OK;
out:
	http_stop(s);
	free(dirs[0]);
	free(dirs[1]);
	return rc;
}
