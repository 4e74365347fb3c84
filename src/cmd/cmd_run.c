/*
 * kiln run: one command in a fresh sandbox of a jail, the tool to debug
 * builds with and the surface the sandbox's escape tests attack.  Exit
 * status: the command's; 128+N for signal N; 120 sandbox failure, 123
 * memory limit, 124 wall-clock limit, 125 no-output limit, 126/127 could
 * not execute (sandbox.h).  A limit hit is one line on stderr.
 */
#include "cmd/cmd.h"
#include "jail.h"
#include "sandbox.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_MEMORY = 256, O_PIDS, O_TIMEOUT, O_NOHANG, O_RO, O_RW, O_UID, O_GID,
	O_FILES, O_CPUS, O_TMPFS, O_CWD, O_HOSTNAME };

static int
parse_secs(const char *s, unsigned *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 4e6)
		return -1;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	if (*ms == 0 && v > 0)
		*ms = 1;
	return 0;
}

static int
parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || *out > max || s[0] == '-' ? -1 : 0;
}

/* HOSTPATH[:PATH] → a bind mount. */
static int
parse_bind(const char *arg, enum sandbox_mount_type type, struct sandbox_mount *m)
{
	const char *colon = strchr(arg, ':');

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->src = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
	m->dst = xstrdup(colon ? colon + 1 : arg);
	return m->src[0] == '/' && m->dst[0] == '/' ? 0 : -1;
}

int
cmd_run(int argc, char **argv, struct kctx *k)
{
	static const struct option longopts[] = {
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "pids", required_argument, NULL, O_PIDS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "nohang", required_argument, NULL, O_NOHANG },
		{ "ro", required_argument, NULL, O_RO },
		{ "rw", required_argument, NULL, O_RW },
		{ "uid", required_argument, NULL, O_UID },
		{ "gid", required_argument, NULL, O_GID },
		{ "files", required_argument, NULL, O_FILES },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "tmpfs-size", required_argument, NULL, O_TMPFS },
		{ "cwd", required_argument, NULL, O_CWD },
		{ "hostname", required_argument, NULL, O_HOSTNAME },
		{ NULL, 0, NULL, 0 },
	};
	struct sandbox_conf sc = { 0 };
	struct sandbox_cmd cmd = { 0 };
	struct sandbox_result r;
	struct sandbox_layer layers[16];
	VEC(struct sandbox_mount) mounts = VEC_INIT;
	VEC(char *) env = VEC_INIT;
	struct jail j = { 0 };
	struct kerr e;
	const char *jname = NULL, *v;
	unsigned long long n;
	bool gid_set = false;
	int ch, rc = EXIT_FAIL;
	char desc[256];

	cmd.in_fd = 0;
	cmd.out_fd = 1;
	cmd.err_fd = 2;
	if ((v = conf_get(&k->conf, "MAX_MEMORY")) && *v &&
	    conf_parse_size(v, 1ULL << 30, &sc.memory_max) < 0)
		return cmd_failf("run: MAX_MEMORY=%s: not a size", v);
	if ((v = conf_get(&k->conf, "TMPFS_LIMIT")) && *v &&
	    conf_parse_size(v, 1ULL << 30, &sc.upper_size) < 0)
		return cmd_failf("run: TMPFS_LIMIT=%s: not a size", v);
	cmd.max_files = (uint64_t)conf_get_int(&k->conf, "MAX_FILES", 8192);
	sc.hostname = conf_get(&k->conf, "BUILDER_HOSTNAME");

	cmd_getopt_reset();
	/* "+": options end at the command. */
	while ((ch = getopt_long(argc, argv, "+j:ne:", longopts, NULL)) != -1) {
		struct sandbox_mount m;
		switch (ch) {
		case 'j': jname = optarg; break;
		case 'n': sc.network = true; break;
		case 'e':
			if (!strchr(optarg, '='))
				return cmd_failf("run: -e %s: expected VAR=VALUE", optarg);
			vec_push(&env, optarg);
			break;
		case O_MEMORY:
			if (conf_parse_size(optarg, 1ULL << 20, &sc.memory_max) < 0)
				return cmd_failf("run: --memory %s: not a size (512M, 2G)", optarg);
			break;
		case O_TMPFS:
			if (conf_parse_size(optarg, 1ULL << 20, &sc.upper_size) < 0)
				return cmd_failf("run: --tmpfs-size %s: not a size", optarg);
			break;
		case O_PIDS:
			if (parse_num(optarg, 1U << 22, &n) < 0 || n == 0)
				return cmd_failf("run: --pids %s: not a positive number", optarg);
			sc.pids_max = n;
			break;
		case O_FILES:
			if (parse_num(optarg, 1U << 20, &n) < 0 || n < 3)
				return cmd_failf("run: --files %s: need a number of at least 3", optarg);
			cmd.max_files = n;
			break;
		case O_TIMEOUT:
			if (parse_secs(optarg, &cmd.timeout_ms) < 0)
				return cmd_failf("run: --timeout %s: not a number of seconds", optarg);
			break;
		case O_NOHANG:
			if (parse_secs(optarg, &cmd.nohang_ms) < 0)
				return cmd_failf("run: --nohang %s: not a number of seconds", optarg);
			break;
		case O_RO:
		case O_RW:
			if (parse_bind(optarg, ch == O_RO ? SANDBOX_BIND_RO : SANDBOX_BIND_RW, &m) < 0) {
				free((char *)m.src);
				free((char *)m.dst);
				return cmd_failf("run: --%s %s: need HOSTPATH[:PATH], both absolute",
				    ch == O_RO ? "ro" : "rw", optarg);
			}
			vec_push(&mounts, m);
			break;
		case O_UID:
		case O_GID:
			if (parse_num(optarg, UINT_MAX - 1, &n) < 0)
				return cmd_failf("run: --%s %s: not a number", ch == O_UID ? "uid" : "gid",
				    optarg);
			if (ch == O_UID)
				cmd.uid = (uid_t)n;
			else
				cmd.gid = (gid_t)n, gid_set = true;
			break;
		case O_CPUS: sc.cpus = optarg; break;
		case O_CWD: cmd.cwd = optarg; break;
		case O_HOSTNAME: sc.hostname = optarg; break;
		default: goto usage;
		}
	}
	if (!jname || optind >= argc)
		goto usage;
	if (!gid_set)
		cmd.gid = cmd.uid == 0 ? 0 : (gid_t)cmd.uid;
	if (jail_load(&k->conf, jname, &j, &e) < 0) {
		cmd_fail(&e);
		goto out;
	}
	sc.name = jname;
	if (!sc.hostname || !*sc.hostname)
		sc.hostname = jname;
	sc.layers = layers;
	sc.nlayers = jail_layers(&j, layers, 16);
	sc.mounts = mounts.v;
	sc.nmounts = mounts.n;

	/* An explicit environment: nothing of kiln's own is passed on. */
	char *base_env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		cmd.uid == 0 ? "HOME=/root" : "HOME=/",
		cmd.uid == 0 ? "USER=root" : "USER=nobody",
		"LANG=C.UTF-8", NULL,
	};
	VEC(char *) full = VEC_INIT;
	for (int i = 0; base_env[i]; i++) {
		bool over = false;
		size_t kl = strcspn(base_env[i], "=") + 1;
		for (size_t x = 0; x < env.n; x++)
			if (strncmp(env.v[x], base_env[i], kl) == 0)
				over = true;
		if (!over)
			vec_push(&full, base_env[i]);
	}
	for (size_t x = 0; x < env.n; x++)
		vec_push(&full, env.v[x]);
	vec_push(&full, NULL);
	cmd.env = full.v;
	cmd.argv = argv + optind;

	if (sandbox_run(&sc, &cmd, &r, &e) < 0) {
		vec_free(&full);
		sandbox_reap(true);
		cmd_fail(&e);
		rc = SANDBOX_EXIT_FAILED;
		goto out;
	}
	vec_free(&full);
	sandbox_reap(true);	/* nothing of the run outlives kiln run */
	rc = sandbox_exit_code(&r);
	if (r.forks_refused)
		fprintf(stderr, "kiln: run: process limit hit: %llu forks refused (--pids %llu)\n",
		    (unsigned long long)r.forks_refused, (unsigned long long)sc.pids_max);
	switch (r.how) {
	case SANDBOX_TIMEOUT:
	case SANDBOX_NOHANG:
	case SANDBOX_OOM:
	case SANDBOX_LOST:
		fprintf(stderr, "kiln: run: %s (exit %d)\n", sandbox_describe(&r, desc,
		    sizeof(desc)), rc);
		break;
	default:
		break;
	}
out:
	for (size_t i = 0; i < mounts.n; i++) {
		free((char *)mounts.v[i].src);
		free((char *)mounts.v[i].dst);
	}
	vec_free(&mounts);
	vec_free(&env);
	jail_free(&j);
	return rc;
usage:
	rc = cmd_usage(k);
	goto out;
}
