/*
 * bench/sandbox/driver: time kiln's sandbox (linked from libkilnlib, so
 * the kiln binary's own start-up is not counted) running /bin/true N
 * times in a full root: a host jail (three overlays over the jail
 * skeleton, /usr and /etc), tmpfs upper layer and /tmp, fresh /proc and
 * /dev, five namespaces plus the cgroup namespace, cgroup memory and pids
 * limits.  Prints one duration per line in microseconds.
 * Usage: driver BASEFS N
 */
#include "conf.h"
#include "jail.h"
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: driver BASEFS N\n");
		return 2;
	}
	conf_init(&c);
	conf_set(&c, "BASEFS", argv[1], "bench");
	conf_apply_defaults(&c);
	if (jail_load(&c, "bench", &j, &e) < 0 && jail_create(&c, &s, &j, &e) < 0) {
		fprintf(stderr, "driver: %s\n", e.msg);
		return 1;
	}
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
	for (int i = 0; i < n; i++) {
		struct sandbox_result r;
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (sandbox_run(&sc, &cmd, &r, &e) < 0 || r.how != SANDBOX_EXITED || r.code) {
			fprintf(stderr, "driver: run %d failed: %s\n", i, e.msg);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%ld\n", (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000);
	}
	jail_free(&j);
	conf_free(&c);
	return 0;
}
