/*
 * bench/sandbox/driver: time kiln's sandbox against bubblewrap, running
 * /bin/true N times each, interleaved so that both see the same machine
 * load; then `kiln run` N times.  kiln's side is the library (linked from libkilnlib, so the kiln
 * binary's own start-up is not counted): a host jail (three overlays over
 * the jail skeleton, /usr and /etc), tmpfs upper layer and /tmp, fresh
 * /proc and /dev, five namespaces plus the cgroup namespace, cgroup memory
 * and pids limits, seccomp, uid switch.  Like a long-running caller it
 * calls sandbox_prepare: a spare network namespace is made in the
 * background, and a closed sandbox's cgroups serve a later one once its
 * init has exited.  The namespaces are torn down in the background after
 * sandbox_close (by the kernel), so that work competes with the next
 * iterations instead of being timed inside one.  Prints "kiln|bwrap|kilnrun MICROSECONDS" lines.
 * Usage: driver BASEFS N KILN_BIN -- BWRAP_ARGV...
 */
#include "conf.h"
#include "jail.h"
#include "sandbox.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static long
usec(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000;
}

/* Run argv to completion; its duration in microseconds, or -1. */
static long
spawn_time(char **argv, char **env)
{
	struct timespec a, b;
	pid_t pid;
	int st;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, env) != 0)
		return -1;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return usec(&a, &b);
}

int
main(int argc, char **argv)
{
	struct conf c;
	struct jail j;
	struct jail_spec s = { .name = "bench", .method = "host" };
	struct sandbox_layer layers[16];
	struct kerr e;
	char *args[] = { "/bin/true", NULL };
	char *env[] = { "PATH=/usr/bin:/bin", NULL };
	int n;

	if (argc < 6 || (n = atoi(argv[2])) <= 0 || strcmp(argv[4], "--") != 0) {
		fprintf(stderr, "usage: driver BASEFS N KILN_BIN -- BWRAP_ARGV...\n");
		return 2;
	}
	conf_init(&c);
	conf_set(&c, "BASEFS", argv[1], "bench");
	conf_apply_defaults(&c);
	if (jail_load(&c, "bench", &j, &e) < 0 && jail_create(&c, &s, &j, &e) < 0) {
		fprintf(stderr, "driver: %s\n", e.msg);
		return 1;
	}
	char *conf_env = NULL;
	if (asprintf(&conf_env, "KILN_CONF=%s/kiln.conf", argv[1]) < 0)
		return 1;
	FILE *f = fopen(conf_env + strlen("KILN_CONF="), "w");
	if (!f)
		return 1;
	fprintf(f, "BASEFS=%s\n", argv[1]);
	fclose(f);
	char *run_env[] = { conf_env, "PATH=/usr/bin:/bin", NULL };
	char *run_argv[] = { argv[3], "run", "-j", "bench", "--memory", "512M", "--pids",
		"256", "--uid", "65534", "--", "/bin/true", NULL };

	struct sandbox_conf sc = {
		.name = "bench", .layers = layers, .nlayers = jail_layers(&j, layers, 16),
		.upper_size = 1ULL << 30, .memory_max = 512ULL << 20, .pids_max = 256,
		.hostname = "bench",
	};
	struct sandbox_cmd cmd = {
		.argv = args, .env = env, .uid = 65534, .gid = 65534,
		.in_fd = -1, .out_fd = -1, .err_fd = 2, .max_files = 1024,
		.timeout_ms = 10000,
	};
	sandbox_prepare();	/* as a bulk does: a spare network namespace */
	for (int i = 0; i < n; i++) {
		struct sandbox_result r;
		struct timespec a, b;
		long t;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (sandbox_run(&sc, &cmd, &r, &e) < 0 || r.how != SANDBOX_EXITED || r.code) {
			fprintf(stderr, "driver: run %d failed: %s\n", i, e.msg);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("kiln %ld\n", usec(&a, &b));
		if ((t = spawn_time(argv + 5, environ)) < 0) {
			fprintf(stderr, "driver: %s failed\n", argv[5]);
			return 1;
		}
		printf("bwrap %ld\n", t);
	}
	/* The binary separately: its exit work would disturb the pair above. */
	for (int i = 0; i < n; i++) {
		long t = spawn_time(run_argv, run_env);
		if (t < 0) {
			fprintf(stderr, "driver: kiln run failed\n");
			return 1;
		}
		printf("kilnrun %ld\n", t);
	}
	free(conf_env);
	jail_free(&j);
	conf_free(&c);
	return 0;
}
