/*
 * kiln: the command table and main().  Parses the global options, finds
 * the command, checks once what its row says it needs (root, the
 * configuration, the BASEFS layout), and runs it.  Exit status: 0 ok,
 * 1 failure, 2 usage error.
 */
#include "cmd/cmd.h"
#include "util/log.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct cmd kiln_commands[] = {
	{ "help", cmd_help, 0, "show help for kiln or one command",
	  "kiln help [COMMAND]" },
	{ "version", cmd_version, 0, "print kiln's version",
	  "kiln version" },
	{ "config", cmd_config, CMD_CONF,
	  "print the effective configuration and where each value came from",
	  "kiln config [--json]\n"
	  "  --json    print a JSON object: {\"file\": ..., \"keys\": {KEY: {value, origin}}}" },
	{ "ports", cmd_ports, CMD_CONF | CMD_BASEFS,
	  "register, list, update and delete ports trees; print a tree's dependency graph",
	  "kiln ports -c -p NAME -m null -M PATH | -c -p NAME -m git -U URL [-B BRANCH]\n"
	  "       kiln ports -l [--json] | -u -p NAME | -d -p NAME\n"
	  "       kiln ports -p NAME|PATH --graph [--dot | --json] [ORIGIN...]\n"
	  "  -c/-l/-u/-d  create, list, update (git pull), delete (a null tree's files stay)\n"
	  "  --graph      evaluate the tree (or ORIGINs and their dependencies) and print\n"
	  "               each port with its typed dependencies, dependencies first" },
	{ "info", cmd_info, CMD_CONF,
	  "print a port's variables (like make -V) or its whole model",
	  "kiln info -p NAME|PATH [-F FLAVOR] ORIGIN [-V VAR]... [--json]\n"
	  "  -V VAR   print VAR's final value, one line per -V\n"
	  "  --json   the port's model: versions, deps by type, distfiles, options,\n"
	  "           packages with their plists" },
	{ "jail", cmd_jail, CMD_CONF | CMD_BASEFS,
	  "create, list, inspect, update and delete build jails",
	  "kiln jail -c -j NAME -m host|null|tar|debootstrap [-v VERSION] [-M PATH] [-a ARCH]\n"
	  "       kiln jail -l [--json] | -i -j NAME [--json] | -u -j NAME | -d -j NAME\n"
	  "  -c          create jail NAME with method -m:\n"
	  "                host         read-only view of this machine's /usr, /etc (+ /bin, /lib... links)\n"
	  "                null -M DIR  an existing root tree, used in place\n"
	  "                tar -M FILE  a rootfs tarball, unpacked\n"
	  "                debootstrap -v SUITE [-a ARCH]  a Debian minbase tree\n"
	  "  -l          list jails (--json: an array of objects)\n"
	  "  -i          show one jail: method, version, arch, ABI, identity\n"
	  "  -u          update: re-run the method (the old tree stays until the new one is done)\n"
	  "  -d          delete (null's directory is not touched)\n"
	  "  -v VERSION  debootstrap's suite; a label for the other methods\n"
	  "See kiln-jail(8)." },
	{ "run", cmd_run, CMD_ROOT | CMD_CONF | CMD_BASEFS,
	  "run one command in a fresh sandbox of a jail",
	  "kiln run -j JAIL [-n] [--memory SIZE] [--pids N] [--timeout SEC] [--nohang SEC]\n"
	  "       [--ro HOSTPATH[:PATH]] [--rw HOSTPATH[:PATH]] [--uid UID] [--gid GID]\n"
	  "       [--files N] [--cpus LIST] [--tmpfs-size SIZE] [--cwd DIR] [-e VAR=VALUE] -- CMD [ARG...]\n"
	  "  -n              network on (default: off, only lo)\n"
	  "  --memory SIZE   memory limit, tmpfs included (default MAX_MEMORY; plain number = MiB)\n"
	  "  --pids N        process limit\n"
	  "  --timeout SEC   wall-clock limit        --nohang SEC  no-output limit\n"
	  "  --ro/--rw       bind a host path read-only / read-write (at PATH, default the same path)\n"
	  "  --uid/--gid     run as this uid/gid (default 0: root with a reduced capability set)\n"
	  "  --files N       open-files limit (default MAX_FILES)\n"
	  "exit status: the command's; 128+N killed by signal N; 120 the sandbox failed;\n"
	  "  123 memory limit hit; 124 wall-clock limit hit; 125 no-output limit hit;\n"
	  "  126 not executable; 127 not found.  A limit hit is also one line on stderr.\n"
	  "See kiln-jail(8)." },
	{ "bulk", cmd_bulk, CMD_ROOT | CMD_CONF | CMD_BASEFS,
	  "build ports and their dependencies into a signed package repository",
	  "kiln bulk -j JAIL -p PORTS [-J N] [-n] [-c] [-C] [-t] [-k] [-T] (-a | -f FILE | ORIGIN...)\n"
	  "  -j JAIL   build jail (default: main)     -p PORTS  ports tree (default: default)\n"
	  "  -J N      builder slots (default: PARALLEL_JOBS, else the number of CPUs)\n"
	  "  -a        every port of the tree          -f FILE  origins listed in FILE\n"
	  "  -n        dry run: print what would be rebuilt and why, build nothing\n"
	  "  -c        rebuild everything              -C       rebuild the listed ports\n"
	  "  -t        testport's checks on the listed ports (test phase, strict plist)\n"
	  "  -k        with -t: QA check failures are warnings, the port is built\n"
	  "  -T        build BROKEN ports anyway (IGNORE ones are never built)\n"
	  "exit status: 0 all built; 1 when ports failed or were skipped (counts on stderr).\n"
	  "See kiln-bulk(8)." },
	{ "testport", cmd_testport, CMD_ROOT | CMD_CONF | CMD_BASEFS,
	  "build a port's dependencies as bulk does, then the port with QA checks",
	  "kiln testport -j JAIL -p PORTS [-J N] ORIGIN\n"
	  "  the port is always rebuilt, with its test phase and a strict plist check\n"
	  "See kiln-bulk(8)." },
	{ "status", cmd_status, CMD_CONF,
	  "show the state of a bulk build (the latest by default)",
	  "kiln status [-j JAIL -p PORTS] [BUILD] [--json]\n"
	  "  -j JAIL   the bulk's jail (default: main)\n"
	  "  -p PORTS  the bulk's ports tree (default: default)\n"
	  "  BUILD     a build name under logs/bulk/JAIL-PORTS/ (default: latest)\n"
	  "  --json    print the status.json snapshot" },
	{ "serve", cmd_serve, CMD_CONF | CMD_BASEFS,
	  "serve the repositories and build logs over HTTP",
	  "kiln serve [-l ADDR:PORT]\n"
	  "  -l ADDR:PORT  where to listen (default KILN_HTTP_LISTEN, 127.0.0.1:8080;\n"
	  "                [ADDR6]:PORT for IPv6, port 0 picks a free one)\n"
	  "  Serves POUDRIERE_DATA/packages at /packages/ and POUDRIERE_DATA/logs at\n"
	  "  /logs/ until SIGINT or SIGTERM; one line per request (kiln -q serve: none)." },
	{ "daemon", cmd_daemon, CMD_ROOT | CMD_CONF | CMD_BASEFS,
	  "run queued and scheduled bulks; serve their status, a JSON API and the repositories",
	  "kiln daemon [-l ADDR:PORT] [-s SCHEDULES]\n"
	  "  -l ADDR:PORT  where to listen (default KILN_HTTP_LISTEN, 127.0.0.1:8080)\n"
	  "  -s FILE       schedules (default KILN_SCHEDULES when that file exists)\n"
	  "  Runs the jobs of `kiln queue`, POST /api/builds and the schedules one at a\n"
	  "  time as `kiln bulk`; serves /daemon/ (page, status.json, job logs), /api/,\n"
	  "  /packages/ and /logs/ until SIGINT or SIGTERM, which interrupts the running\n"
	  "  bulk and queues its job again.  See kiln-daemon(8)." },
	{ "queue", cmd_queue, CMD_CONF | CMD_BASEFS,
	  "queue a bulk for the daemon, or list the daemon's jobs",
	  "kiln queue -j JAIL -p PORTS (-a | ORIGIN...) | -l [--json]\n"
	  "  Queues the bulk (an equal queued job is not queued twice); the daemon runs\n"
	  "  it when it is next free.  -l lists queued and recent jobs." },
	{ "makesum", cmd_makesum, CMD_CONF | CMD_BASEFS,
	  "fetch a port's distfiles and write its distinfo",
	  "kiln makesum [-p PORTS] ORIGIN\n"
	  "  writes TIMESTAMP, SHA256 and SIZE lines (TIMESTAMP kept when nothing changed)" },
	{ "cargo-crates", cmd_cargo_crates, CMD_CONF | CMD_BASEFS,
	  "print the CARGO_CRATES block from a port's Cargo.lock",
	  "kiln cargo-crates [-p PORTS] ORIGIN\n"
	  "  reads Cargo.lock from the port's extracted distfile, as make cargo-crates does" },
	{ "pkg", cmd_pkg, 0, "create packages, index repositories, manage packages",
	  "kiln pkg [-r ROOT] [-R REPOS_DIR] [-o KEY=VALUE] VERB [ARGS]\n"
	  "  verbs: create, repo, catalog, extract, version -t (kiln pkg help lists all)" },
	{ "image", cmd_image, CMD_CONF, "build a bootable image (ISO, tar, initramfs) from packages",
	  "kiln image -j JAIL -p PORTS -t iso|tar|initramfs -o OUT [-n NAME] [-h HOSTNAME]\n"
	  "       [-c OVERLAYDIR] [-k KERNEL] [-f PKGLIST | PKG...]\n"
	  "  -t initramfs writes the directory OUT (vmlinuz, initramfs.cpio.gz, cmdline);\n"
	  "  iso and tar write the file OUT.  See kiln-image(8)." },
	{ "vm", cmd_vm, CMD_CONF, "virtual machines and boot tests (QEMU)",
	  "kiln vm create [-t TEMPLATE] [-s SIZE] NAME | install NAME ISO | start NAME |\n"
	  "       console NAME | stop [-t GRACE] NAME | list [--json] | destroy NAME |\n"
	  "       accel [--probe] [--probe-timeout S] [--probe-with kvm|tcg] |\n"
	  "       test (IMAGE | --kernel FILE [--initrd FILE]) [--expect RE]... [--fail RE]...\n"
	  "            [--timeout S] [-t TEMPLATE] [--accel auto|kvm|tcg] [--log FILE] [--append ARGS]\n"
	  "  IMAGE is an ISO or a directory from `kiln image -t initramfs` (vmlinuz,\n"
	  "  initramfs.cpio.gz, cmdline).  test exits 0 when every --expect appeared in\n"
	  "  order and no --fail did; console detach key: Ctrl-].  See kiln-vm(8)." },
	{ NULL, NULL, 0, NULL, NULL },
};

static const char global_usage[] =
    "usage: kiln [-c FILE] [-B DIR] [-q | -v] COMMAND [ARGS]\n"
    "\n"
    "  -c FILE   configuration file (default: $KILN_CONF, /usr/local/etc/kiln.conf,\n"
    "            /etc/kiln.conf, else built-in defaults)\n"
    "  -B DIR    use DIR as BASEFS (jails, ports trees, packages, logs)\n"
    "  -q        quiet: errors only\n"
    "  -v        verbose (repeat for debug output)\n"
    "  -h        this help; `kiln help COMMAND` or `kiln COMMAND -h` for one command\n";

const struct cmd *
cmd_find(const char *name)
{
	for (const struct cmd *c = kiln_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void
print_overview(FILE *f)
{
	fputs(global_usage, f);
	fputs("\ncommands:\n", f);
	for (const struct cmd *c = kiln_commands; c->name; c++)
		fprintf(f, "  %-13s %s\n", c->name, c->summary);
}

static void
print_command_help(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: %s\n\n%s.\n", c->usage, c->summary);
	if (c->flags & CMD_ROOT)
		fputs("Must be run as root.\n", f);
}

int
cmd_usage(const struct kctx *k)
{
	fprintf(stderr, "usage: %s\n", k->cmd->usage);
	fprintf(stderr, "(kiln help %s for details)\n", k->cmd->name);
	return EXIT_USAGE;
}

int
cmd_fail(const struct kerr *e)
{
	fprintf(stderr, "kiln: %s\n", e->msg);
	return EXIT_FAIL;
}

int
cmd_failf(const char *fmt, ...)
{
	va_list ap;

	fputs("kiln: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

void
cmd_getopt_reset(void)
{
	optind = 0;	/* glibc: 0 also resets its internal state */
	opterr = 1;
}

int
cmd_help(int argc, char **argv, struct kctx *k)
{
	const struct cmd *c;

	if (argc < 2) {
		print_overview(stdout);
		return EXIT_OK;
	}
	if ((c = cmd_find(argv[1])) == NULL)
		return cmd_failf("help: no command named '%s' (see kiln help)", argv[1]);
	print_command_help(stdout, c);
	return EXIT_OK;
}

int
cmd_version(int argc, char **argv, struct kctx *k)
{
	if (argc > 1)
		return cmd_usage(k);
	printf("kiln %s\n", KILN_VERSION);
	return EXIT_OK;
}

/* Edit distance, for "did you mean" on an unknown command. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof(*row));
	size_t d;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

static int
unknown_command(const char *name)
{
	const struct cmd *best = NULL;
	size_t best_d = (size_t)-1;

	for (const struct cmd *c = kiln_commands; c->name; c++) {
		size_t d = edit_distance(name, c->name);
		if (strncmp(c->name, name, strlen(name)) == 0)
			d = 1;	/* a prefix is as good as one typo */
		if (d < best_d) {
			best_d = d;
			best = c;
		}
	}
	fprintf(stderr, "kiln: '%s' is not a kiln command.", name);
	if (best && best_d <= 3)
		fprintf(stderr, " The most similar command is '%s'.", best->name);
	fputs(" See 'kiln help'.\n", stderr);
	return EXIT_USAGE;
}

static int
prepare(struct kctx *k)
{
	struct kerr e;
	char *dirs[3];

	if ((k->cmd->flags & CMD_ROOT) && geteuid() != 0)
		return cmd_failf("%s: must be run as root", k->cmd->name);
	if (k->cmd->flags & (CMD_CONF | CMD_BASEFS)) {
		if (conf_load(&k->conf, k->conf_file, &e) < 0)
			return cmd_fail(&e);
		for (size_t i = 0; i < k->conf.warnings.n; i++)
			log_warn("%s", k->conf.warnings.v[i]);
		if (k->basefs)
			conf_set(&k->conf, "BASEFS", k->basefs, "option -B");
		conf_apply_defaults(&k->conf);
	}
	if (k->cmd->flags & CMD_BASEFS) {
		dirs[0] = conf_path(&k->conf, "jails");
		dirs[1] = conf_path(&k->conf, "ports");
		dirs[2] = xstrdup(conf_get(&k->conf, "POUDRIERE_DATA"));
		for (int i = 0; i < 3; i++) {
			int rc = path_mkdir_p(dirs[i], 0755, &e);
			if (rc < 0) {
				for (int j = 0; j < 3; j++)
					free(dirs[j]);
				return cmd_fail(&e);
			}
		}
		for (int i = 0; i < 3; i++)
			free(dirs[i]);
	}
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct kctx k = { 0 };
	int ch, rc;

	conf_init(&k.conf);
	/* "+": stop at the command name; its options are its own. */
	while ((ch = getopt(argc, argv, "+c:B:qvh")) != -1) {
		switch (ch) {
		case 'c': k.conf_file = optarg; break;
		case 'B': k.basefs = optarg; break;
		case 'q': k.verbose = -1; break;
		case 'v': k.verbose++; break;
		case 'h': print_overview(stdout); return EXIT_OK;
		default: print_overview(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_overview(stdout);
		return EXIT_OK;
	}
	log_set_level(k.verbose < 0 ? LOG_ERROR : k.verbose == 0 ? LOG_INFO : LOG_DEBUG);
	if ((k.cmd = cmd_find(argv[optind])) == NULL)
		return unknown_command(argv[optind]);
	argc -= optind;
	argv += optind;
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		print_command_help(stdout, k.cmd);
		return EXIT_OK;
	}
	if ((rc = prepare(&k)) == EXIT_OK)
		rc = k.cmd->fn(argc, argv, &k);
	conf_free(&k.conf);
	return rc;
}
