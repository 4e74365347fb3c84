/*
 * test_sandbox: the library interface the build module uses: one instance,
 * several commands in order (files persist, daemons do not), dependency
 * layers merged over the host jail's /usr, tmpfs work dirs owned by the
 * build uid, binds, stdin, CPU set, peak memory, explicit environment,
 * spare network namespaces and the cgroup pool.
 * Needs root (skipped otherwise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "conf.h"
#include "jail.h"
#include "sandbox.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];
static struct conf conf;
static struct jail jail;
static struct sandbox_layer layers[16];
static size_t nlayers;

static int
setup(void **state)
{
	struct jail_spec s = { .name = "t", .method = "host" };
	struct kerr e;

	if (geteuid() != 0)
		return 0;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kiln-test-sandbox.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	conf_init(&conf);
	char *basefs = xasprintf("%s/basefs", tmpdir);
	conf_set(&conf, "BASEFS", basefs, "test");
	free(basefs);
	conf_apply_defaults(&conf);
	if (jail_create(&conf, &s, &jail, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	nlayers = jail_layers(&jail, layers, 15);
	return 0;
}

static int
teardown(void **state)
{
	struct kerr e;

	if (geteuid() != 0)
		return 0;
	jail_free(&jail);
	conf_free(&conf);
	return path_rm_rf(tmpdir, &e);
}

/* Run sh -c script in sb; output (stdout+stderr) into out. */
static struct sandbox_result
sh(struct sandbox *sb, const char *script, uid_t uid, struct strbuf *out)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "KILN_TEST=yes", NULL };
	struct sandbox_cmd cmd = { .argv = argv, .env = env, .uid = uid, .gid = uid,
		.in_fd = -1, .max_files = 256, .timeout_ms = 20000 };
	struct sandbox_result r;
	struct kerr e;
	char path[] = "/tmp/kiln-test-sandbox-out.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	cmd.out_fd = cmd.err_fd = fd;
	if (sandbox_exec(sb, &cmd, &r, &e) < 0)
		fail_msg("sandbox_exec: %s", e.msg);
	strbuf_reset(out);
	lseek(fd, 0, SEEK_SET);
	strbuf_read_fd(out, fd);
	close(fd);
	return r;
}

static void
test_phases(void **state)
{
	struct sandbox *sb;
	struct kerr e;
	struct strbuf out = STRBUF_INIT;
	struct sandbox_result r;

	if (geteuid() != 0)
		skip();
	/* A dependency layer with usr/local/bin/dep-tool, above the host jail. */
	char *dep = xasprintf("%s/dep", tmpdir);
	char *tool = xasprintf("%s/usr/local/bin", dep);
	assert_int_equal(path_mkdir_p(tool, 0755, &e), 0);
	free(tool);
	tool = xasprintf("%s/usr/local/bin/dep-tool", dep);
	assert_int_equal(path_write_atomic(tool, "#!/bin/sh\necho from-dep\n", 24, 0755, &e), 0);
	char *src = xasprintf("%s/src", tmpdir);
	assert_int_equal(path_mkdir_p(src, 0755, &e), 0);
	char *pkgs = xasprintf("%s/pkgs", tmpdir);
	assert_int_equal(path_mkdir_p(pkgs, 0755, &e), 0);

	struct sandbox_layer l[17];
	memcpy(l, layers, nlayers * sizeof(*l));
	l[nlayers] = (struct sandbox_layer){ dep, "/" };
	struct sandbox_mount m[] = {
		{ .type = SANDBOX_BIND_RO, .src = src, .dst = "/usr/ports" },
		{ .type = SANDBOX_BIND_RW, .src = pkgs, .dst = "/packages" },
		{ .type = SANDBOX_TMPFS, .dst = "/wrkdirs", .size = 64 << 20,
		  .uid = 65534, .gid = 65534, .mode = 0755 },
	};
	struct sandbox_conf c = { .name = "phases", .layers = l, .nlayers = nlayers + 1,
		.mounts = m, .nmounts = 3, .upper_size = 256 << 20, .hostname = "builder",
		.memory_max = 256 << 20, .pids_max = 64, .cpus = "0" };

	if (sandbox_open(&c, &sb, &e) < 0)
		fail_msg("sandbox_open: %s", e.msg);

	r = sh(sb, "dep-tool; hostname; echo $KILN_TEST; grep Cpus_allowed_list /proc/self/status", 0, &out);
	assert_int_equal(r.how, SANDBOX_EXITED);
	assert_string_equal(out.buf, "from-dep\nbuilder\nyes\nCpus_allowed_list:\t0\n");

	/* Phase 1 leaves files and a daemon; phase 2 sees the files only. */
	r = sh(sb, "echo x > /usr/local/lib-marker", 65534, &out);
	assert_int_equal(r.how, SANDBOX_EXITED);
	assert_int_not_equal(r.code, 0);	/* the build uid cannot write /usr/local */
	r = sh(sb, "echo configured > /wrkdirs/state && (setsid sleep 1000 &) ; echo ok", 65534, &out);
	assert_int_equal(r.code, 0);
	/* Not ls | grep: ls may be done before sh has started grep. */
	r = sh(sb, "cat /wrkdirs/state; ls /proc > /tmp/procs; grep -c '^[0-9]' /tmp/procs; "
	    "stat -c %u /wrkdirs", 65534, &out);
	assert_int_equal(r.code, 0);
	/* init, sh, ls: the daemon of the previous phase is gone */
	assert_string_equal(out.buf, "configured\n3\n65534\n");

	r = sh(sb, "echo pkg > /packages/x.pkg && echo y > /usr/local/share-marker", 0, &out);
	assert_int_equal(r.code, 0);
	r = sh(sb, "cat /usr/local/share-marker; touch /usr/ports/x 2>/dev/null || echo ro", 0, &out);
	assert_string_equal(out.buf, "y\nro\n");
	assert_true(r.peak_memory > 0);

	/* A failed command does not end the instance. */
	r = sh(sb, "exit 3", 0, &out);
	assert_int_equal(r.how, SANDBOX_EXITED);
	assert_int_equal(r.code, 3);
	r = sh(sb, "true", 0, &out);
	assert_int_equal(r.code, 0);

	assert_int_equal(sandbox_close(sb, &e), 0);
	char *pkg = xasprintf("%s/x.pkg", pkgs);
	assert_true(path_exists(pkg));
	free(pkg);
	/* The dependency layer and the host were never written. */
	char *marker = xasprintf("%s/usr/local/share-marker", dep);
	assert_false(path_exists(marker));
	assert_false(path_exists("/usr/local/share-marker"));
	free(marker);
	strbuf_release(&out);
	free(dep);
	free(tool);
	free(src);
	free(pkgs);
}

static void
test_stdin_and_errors(void **state)
{
	struct kerr e;
	struct sandbox_result r;
	int p[2];
	char *argv[] = { "/bin/cat", NULL };
	struct sandbox_conf c = { .name = "stdin", .layers = layers, .nlayers = nlayers };
	struct sandbox_cmd cmd = { .argv = argv, .in_fd = -1, .out_fd = -1, .err_fd = -1 };

	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "hello\n", 6), 6);
	close(p[1]);
	cmd.in_fd = p[0];
	assert_int_equal(sandbox_run(&c, &cmd, &r, &e), 0);
	close(p[0]);
	assert_int_equal(r.how, SANDBOX_EXITED);
	assert_int_equal(r.output_bytes, 6);

	struct sandbox_layer bad[] = { { "/nonexistent-kiln", "/" } };
	struct sandbox_conf c2 = { .name = "bad", .layers = bad, .nlayers = 1 };
	assert_int_equal(sandbox_run(&c2, &cmd, &r, &e), -1);
	assert_non_null(strstr(e.msg, "/nonexistent-kiln: not a directory"));
	struct sandbox_layer nested[] = { layers[0], { "/usr", "/usr/lib" } };
	struct sandbox_conf c3 = { .name = "nested", .layers = nested, .nlayers = 2 };
	assert_int_equal(sandbox_run(&c3, &cmd, &r, &e), -1);
	assert_non_null(strstr(e.msg, "top-level directory"));
}

/* sandbox_prepare's spare network namespaces: fresh, private, lo up. */
static void
test_spare_netns(void **state)
{
	struct kerr e;
	struct strbuf out = STRBUF_INIT, prev = STRBUF_INIT;
	struct sandbox_conf c = { .name = "net", .layers = layers, .nlayers = nlayers };

	if (geteuid() != 0)
		skip();
	sandbox_prepare();
	for (int i = 0; i < 4; i++) {
		struct sandbox *sb;
		struct sandbox_result r;
		usleep(20000);	/* let the background thread make the spare */
		if (sandbox_open(&c, &sb, &e) < 0)
			fail_msg("sandbox_open: %s", e.msg);
		r = sh(sb, "readlink /proc/self/ns/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; "
		    "cat /sys/class/net/lo/operstate 2>/dev/null; "
		    "grep -c '^ *lo:' /proc/net/dev", 65534, &out);
		assert_int_equal(r.code, 0);
		assert_non_null(strstr(out.buf, "\nlo\n"));
		/* Never the host's namespace, never the previous sandbox's. */
		char host[64] = "";
		ssize_t n = readlink("/proc/self/ns/net", host, sizeof(host) - 1);
		assert_true(n > 0);
		assert_null(strstr(out.buf, host));
		size_t first = strcspn(out.buf, "\n");
		if (prev.len)
			assert_false(prev.len == first && memcmp(prev.buf, out.buf, first) == 0);
		strbuf_reset(&prev);
		strbuf_add(&prev, out.buf, first);
		/* lo is up (the spare's maker brought it up): loopback connects. */
		r = sh(sb, "python3 -c \"import socket; s = socket.socket(); "
		    "s.bind(('127.0.0.1', 0)); s.listen(1); "
		    "socket.create_connection(s.getsockname(), 2); print('lo up')\"", 65534, &out);
		assert_int_equal(r.code, 0);
		assert_string_equal(out.buf, "lo up\n");
		assert_int_equal(sandbox_close(sb, &e), 0);
	}
	strbuf_release(&out);
	strbuf_release(&prev);
}

/* kiln-PID-* directories under kiln's v1 cgroup of controller c; -1 if no v1. */
static int
count_cgroups(const char *c, char *first, size_t len)
{
	char line[512], *dir = NULL, prefix[64];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (b && (size_t)(b - a - 1) == strlen(c) && strncmp(a + 1, c, strlen(c)) == 0) {
			b[1 + strcspn(b + 1, "\n")] = '\0';
			dir = xasprintf("/sys/fs/cgroup/%s%s", c, strcmp(b + 1, "/") ? b + 1 : "");
		}
	}
	fclose(f);
	if (!dir || !path_is_dir(dir)) {
		free(dir);
		return -1;
	}
	snprintf(prefix, sizeof(prefix), "kiln-%ld-", (long)getpid());
	char *cmd = xasprintf("ls %s", dir);
	FILE *p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			if (n++ == 0 && first)
				snprintf(first, len, "%.*s", (int)strcspn(line, "\n"), line);
		}
	if (p)
		pclose(p);
	free(cmd);
	free(dir);
	return n;
}

/* sandbox_reap(true), then wait for the reaper; how many sets are left. */
static int
wait_no_cgroups(void)
{
	int left = 0;

	sandbox_reap(true);
	for (int i = 0; i < 300; i++) {
		left = count_cgroups("memory", NULL, 0) + count_cgroups("pids", NULL, 0);
		if (left == 0)
			break;
		usleep(10000);
	}
	return left;
}

/*
 * The cgroup pool (on after sandbox_prepare): a finished sandbox's cgroups
 * serve the next one with the same limits, which sees none of the old
 * one's memory peak, OOM kills or refused forks; sandbox_reap(true)
 * removes them.
 */
static void
test_cgroup_pool(void **state)
{
	struct kerr e;
	struct strbuf out = STRBUF_INIT;
	struct sandbox *sb;
	struct sandbox_result r;
	struct sandbox_conf c = { .name = "pool", .layers = layers, .nlayers = nlayers,
		.upper_size = 256 << 20, .memory_max = 48 << 20, .pids_max = 16 };
	char name1[128] = "", name2[128] = "";

	if (geteuid() != 0)
		skip();
	if (count_cgroups("memory", NULL, 0) < 0 || count_cgroups("pids", NULL, 0) < 0)
		skip();	/* the pool is for cgroup v1 */
	sandbox_prepare();
	/* Not 0 when an earlier test failed with its sandbox open. */
	assert_int_equal(wait_no_cgroups(), 0);
	if (sandbox_open(&c, &sb, &e) < 0)
		fail_msg("sandbox_open: %s", e.msg);
	assert_int_equal(count_cgroups("memory", name1, sizeof(name1)), 1);
	r = sh(sb, "for i in $(seq 40); do sleep 5 & done 2>/dev/null; true", 0, &out);
	assert_true(r.forks_refused > 0);
	r = sh(sb, "head -c 100M /dev/zero > /tmp/fill", 0, &out);
	assert_int_equal(r.how, SANDBOX_OOM);
	assert_true(r.peak_memory > 40 << 20);
	assert_int_equal(sandbox_close(sb, &e), 0);
	/* Recycled once its init is reaped. */
	for (int i = 0; i < 100; i++) {
		usleep(20000);
		sandbox_reap(false);
	}
	if (sandbox_open(&c, &sb, &e) < 0)
		fail_msg("sandbox_open: %s", e.msg);
	assert_int_equal(count_cgroups("memory", name2, sizeof(name2)), 1);
	assert_string_equal(name1, name2);	/* the same set, reused */
	r = sh(sb, "echo small > /tmp/x; cat /tmp/x", 0, &out);
	assert_int_equal(r.how, SANDBOX_EXITED);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.forks_refused, 0);
	assert_true(r.peak_memory < 40 << 20);	/* the old peak is gone */
	assert_int_equal(sandbox_close(sb, &e), 0);
	/* Other limits: a set of its own. */
	c.pids_max = 32;
	if (sandbox_open(&c, &sb, &e) < 0)
		fail_msg("sandbox_open: %s", e.msg);
	count_cgroups("memory", name2, sizeof(name2));
	r = sh(sb, "true", 0, &out);
	assert_int_equal(r.code, 0);
	assert_int_equal(sandbox_close(sb, &e), 0);
	/* sandbox_reap(true) leaves nothing: the reaper removes the sets. */
	assert_int_equal(wait_no_cgroups(), 0);
	strbuf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_stdin_and_errors),
		cmocka_unit_test(test_spare_netns),
		cmocka_unit_test(test_cgroup_pool),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
