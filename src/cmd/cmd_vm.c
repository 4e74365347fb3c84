/*
 * kiln vm: create/install/start/console/stop/list/destroy/test/accel.
 * Parses options, prints, and maps results to exit codes; the work is in
 * vm/ (vm.h).  Calls: vm, conf, util.
 */
#include "cmd/cmd.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "util/xalloc.h"
#include "vm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t vm_cancel;

static void
on_signal(int sig)
{
	vm_cancel = sig;
}

static int
sub_usage(const char *msg)
{
	fprintf(stderr, "kiln vm: %s\n(kiln help vm for usage)\n", msg);
	return EXIT_USAGE;
}

static int
vm_create_cmd(int argc, char **argv, const char *vmdir)
{
	const char *tmpl = "default";
	uint64_t size = 0;
	struct kerr e;
	int ch;

	cmd_getopt_reset();
	while ((ch = getopt(argc, argv, "t:s:")) != -1) {
		switch (ch) {
		case 't': tmpl = optarg; break;
		case 's':
			if (conf_parse_size(optarg, 1, &size) < 0 || size < (1u << 20))
				return cmd_failf("vm create: -s %s: want a size such as 2G or 500M", optarg);
			break;
		default: return sub_usage("create -t TEMPLATE [-s SIZE] NAME");
		}
	}
	if (optind != argc - 1)
		return sub_usage("create -t TEMPLATE [-s SIZE] NAME");
	if (vm_create(vmdir, argv[optind], tmpl, size, &e) < 0)
		return cmd_fail(&e);
	printf("vm %s created from template %s\n", argv[optind], tmpl);
	return EXIT_OK;
}

static void
print_uptime(long s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
}

static int
vm_list_cmd(int argc, char **argv, const char *vmdir)
{
	struct vm_info *vi = NULL;
	size_t n = 0;
	struct kerr e;
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;

	if (argc > 2 || (argc == 2 && !json))
		return sub_usage("list [--json]");
	if (vm_list(vmdir, &vi, &n, &e) < 0)
		return cmd_fail(&e);
	if (json) {
		struct uv *arr = uv_new_array();
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < n; i++) {
			struct uv *o = uv_push(arr, uv_new_object());
			uv_set(o, "name", uv_new_string(vi[i].name));
			uv_set(o, "state", uv_new_string(vi[i].running ? "running" : "stopped"));
			uv_set(o, "pid", vi[i].running ? uv_new_int(vi[i].pid) : uv_new_null());
			uv_set(o, "cpu", uv_new_int(vi[i].cpu));
			uv_set(o, "memory", uv_new_int((int64_t)vi[i].memory));
			uv_set(o, "uptime", vi[i].running ? uv_new_int(vi[i].uptime) : uv_new_null());
			uv_set(o, "loader", uv_new_string(vi[i].loader));
			uv_set(o, "template", uv_new_string(vi[i].template));
		}
		uv_emit_json(arr, &sb, true);
		puts(sb.buf);
		strbuf_release(&sb);
		uv_free(arr);
	} else {
		printf("%-20s %-8s %4s %8s %-10s %s\n", "NAME", "LOADER", "CPU",
		    "MEMORY", "UPTIME", "STATE");
		for (size_t i = 0; i < n; i++) {
			char up[32] = "-", state[48] = "Stopped";
			if (vi[i].running) {
				print_uptime(vi[i].uptime, up, sizeof(up));
				snprintf(state, sizeof(state), "Running (%ld)", (long)vi[i].pid);
			}
			printf("%-20s %-8s %4d %7lluM %-10s %s\n", vi[i].name, vi[i].loader,
			    vi[i].cpu, (unsigned long long)(vi[i].memory >> 20), up, state);
		}
	}
	for (size_t i = 0; i < n; i++)
		vm_info_free(&vi[i]);
	free(vi);
	return EXIT_OK;
}

static int
vm_console_cmd(const char *vmdir, const char *name)
{
	struct termios old, raw;
	bool tty = isatty(0);
	struct kerr e;
	int rc;

	if (tty) {
		fprintf(stderr, "kiln: attached to %s's console; press Ctrl-] to detach\r\n", name);
		tcgetattr(0, &old);
		raw = old;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	rc = vm_console(vmdir, name, 0, 1, &e);
	if (tty) {
		tcsetattr(0, TCSANOW, &old);
		fputs("\r\nkiln: detached\n", stderr);
	}
	return rc < 0 ? cmd_fail(&e) : EXIT_OK;
}

static bool
is_iso(const char *path)
{
	char magic[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes = false;

	if (fd >= 0) {
		yes = pread(fd, magic, 5, 0x8001) == 5 && memcmp(magic, "CD001", 5) == 0;
		close(fd);
	}
	return yes;
}

static char *
read_trimmed(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	strbuf_trim(&sb);
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '\n')
			sb.buf[i] = ' ';
	return strbuf_detach(&sb, NULL);
}

static int
vm_test_cmd(int argc, char **argv, const char *vmdir, const struct kctx *k)
{
	enum { O_EXPECT = 256, O_FAIL, O_TIMEOUT, O_ACCEL, O_LOG, O_KERNEL, O_INITRD,
		O_CMDLINE };
	static const struct option lo[] = {
		{ "expect", required_argument, NULL, O_EXPECT },
		{ "fail", required_argument, NULL, O_FAIL },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "accel", required_argument, NULL, O_ACCEL },
		{ "log", required_argument, NULL, O_LOG },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "initrd", required_argument, NULL, O_INITRD },
		{ "append", required_argument, NULL, O_CMDLINE },
		{ "template", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	VEC(const char *) expect = VEC_INIT, fail = VEC_INIT;
	const char *tmpl = "default", *accel_req = NULL, *logpath = NULL;
	char *kernel = NULL, *initrd = NULL, *cmdline = NULL, *iso = NULL;
	char *tpath = NULL, *accel = NULL, *why = NULL, *cache = NULL, *p;
	struct uv *cfg = NULL;
	struct vm_spec s = { 0 };
	struct vm_test_result r;
	struct sigaction sa, old_int, old_term;
	struct kerr e;
	int timeout = 120, ch, rc = EXIT_FAIL, log_fd = -1;
	bool sig_set = false;

	vm_test_result_init(&r);
	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "t:", lo, NULL)) != -1) {
		switch (ch) {
		case O_EXPECT: vec_push(&expect, optarg); break;
		case O_FAIL: vec_push(&fail, optarg); break;
		case O_TIMEOUT:
			timeout = atoi(optarg);
			if (timeout <= 0) {
				rc = sub_usage("test: --timeout wants seconds > 0");
				goto out;
			}
			break;
		case O_ACCEL: accel_req = optarg; break;
		case O_LOG: logpath = optarg; break;
		case O_KERNEL: free(kernel); kernel = xstrdup(optarg); break;
		case O_INITRD: free(initrd); initrd = xstrdup(optarg); break;
		case O_CMDLINE: free(cmdline); cmdline = xstrdup(optarg); break;
		case 't': tmpl = optarg; break;
		default:
			rc = sub_usage("test IMAGE [--expect RE]... [--fail RE]... "
			    "[--timeout S] [-t TEMPLATE] [--accel auto|kvm|tcg] [--log FILE]");
			goto out;
		}
	}
	if (optind == argc - 1) {
		const char *img = argv[optind];
		if (path_is_dir(img)) {
			p = path_join(img, "vmlinuz");
			if (!kernel) kernel = p; else free(p);
			p = path_join(img, "initramfs.cpio.gz");
			if (!initrd) initrd = p; else free(p);
			p = path_join(img, "cmdline");
			if (!cmdline) cmdline = read_trimmed(p);
			free(p);
		} else if (is_iso(img)) {
			iso = xstrdup(img);
		} else if (access(img, R_OK) < 0) {
			rc = cmd_failf("vm test: %s: %s", img, strerror(errno));
			goto out;
		} else {
			rc = cmd_failf("vm test: %s: neither an ISO 9660 image nor a "
			    "directory made by kiln image -t initramfs", img);
			goto out;
		}
	} else if (optind != argc || kernel == NULL) {
		rc = sub_usage("test: give IMAGE (an ISO or an initramfs directory) "
		    "or --kernel FILE [--initrd FILE]");
		goto out;
	}
	if ((tpath = vm_template_path(vmdir, tmpl, &e)) == NULL ||
	    (cfg = vm_conf_parse_file(tpath, &e)) == NULL ||
	    vm_spec_from_conf(cfg, &s, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	if (logpath && (log_fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		rc = cmd_failf("vm test: --log %s: %s", logpath, strerror(errno));
		goto out;
	}
	cache = path_join(vmdir, ".kvm-probe");
	struct vm_accel_req ar = {
		.requested = accel_req ? accel_req : s.accel,
		.probe_kernel = iso ? NULL : kernel, .cache_file = cache,
	};
	if (path_mkdir_p(vmdir, 0755, &e) < 0 || vm_accel_resolve(&ar, &accel, &why, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	if (k->verbose >= 0)
		fprintf(stderr, "kiln vm test: accelerator %s: %s\n", accel, why);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() must wake up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sig_set = true;
	struct vm_test_opts o = {
		.spec = &s, .iso = iso, .kernel = kernel, .initrd = initrd,
		.cmdline = cmdline ? cmdline : "quiet",
		.expect = expect.v, .n_expect = expect.n, .fail = fail.v,
		.n_fail = fail.n, .timeout_s = timeout, .accel = accel,
		.log_fd = log_fd, .echo_fd = k->verbose > 0 ? 2 : -1,
		.cancel = &vm_cancel,
	};
	if (vm_test_run(&o, &r, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	if (r.pass) {
		printf("PASS: %s (%.1f s, %s)\n", r.reason.buf, r.elapsed_ms / 1000.0, accel);
		rc = EXIT_OK;
	} else {
		printf("FAIL: %s (%.1f s, %s)\n", r.reason.buf, r.elapsed_ms / 1000.0, accel);
		if (r.tail.len) {
			printf("last console lines:\n");
			fputs(r.tail.buf, stdout);
		}
		rc = vm_cancel ? 128 + vm_cancel : EXIT_FAIL;
	}
out:
	if (sig_set) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (log_fd >= 0)
		close(log_fd);
	vm_test_result_free(&r);
	vm_spec_free(&s);
	uv_free(cfg);
	vec_free(&expect);
	vec_free(&fail);
	free(kernel); free(initrd); free(cmdline); free(iso);
	free(tpath); free(accel); free(why); free(cache);
	return rc;
}

static int
vm_accel_cmd(int argc, char **argv, const char *vmdir)
{
	static const struct option lo[] = {
		{ "probe", no_argument, NULL, 'p' },
		{ "probe-timeout", required_argument, NULL, 'T' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "probe-with", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_accel_req ar = { .requested = "auto" };
	char *accel = NULL, *why = NULL, *cache;
	struct kerr e;
	int ch;

	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'p': ar.force_probe = true; break;
		case 'T': ar.probe_timeout_s = atoi(optarg); break;
		case 'k': ar.probe_kernel = optarg; break;
		case 'w':
			if (strcmp(optarg, "kvm") != 0 && strcmp(optarg, "tcg") != 0)
				return sub_usage("accel: --probe-with kvm|tcg");
			ar.probe_accel = optarg;
			ar.force_probe = true;
			break;
		default: return sub_usage("accel [--probe] [--probe-timeout S] [--kernel FILE]");
		}
	}
	if (optind != argc)
		return sub_usage("accel [--probe] [--probe-timeout S] [--kernel FILE]");
	cache = path_join(vmdir, ".kvm-probe");
	ar.cache_file = cache;
	if (path_mkdir_p(vmdir, 0755, &e) < 0 || vm_accel_resolve(&ar, &accel, &why, &e) < 0) {
		free(cache);
		return cmd_fail(&e);
	}
	printf("%s: %s\n", accel, why);
	free(accel);
	free(why);
	free(cache);
	return EXIT_OK;
}

static bool
is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int
cmd_vm(int argc, char **argv, struct kctx *k)
{
	char *vmdir;
	const char *sub;
	struct kerr e;
	int rc = EXIT_OK;
	bool forced;

	if (argc < 2)
		return cmd_usage(k);
	/* `kiln vm -h` and `kiln vm VERB --help`: the usage of every verb */
	if (is_help(argv[1]) || (argc > 2 && is_help(argv[2]))) {
		printf("usage: %s\n", k->cmd->usage);
		return EXIT_OK;
	}
	sub = argv[1];
	argc--;
	argv++;
	vmdir = conf_path(&k->conf, "vm");
	if (strcmp(sub, "create") == 0) {
		rc = vm_create_cmd(argc, argv, vmdir);
	} else if (strcmp(sub, "list") == 0) {
		rc = vm_list_cmd(argc, argv, vmdir);
	} else if (strcmp(sub, "test") == 0) {
		rc = vm_test_cmd(argc, argv, vmdir, k);
	} else if (strcmp(sub, "accel") == 0) {
		rc = vm_accel_cmd(argc, argv, vmdir);
	} else if (strcmp(sub, "install") == 0) {
		char *used = NULL;
		if (argc != 3)
			rc = sub_usage("install NAME ISO");
		else if (vm_set_install(vmdir, argv[1], argv[2], &e) < 0 ||
		    vm_start(vmdir, argv[1], &used, &e) < 0)
			rc = cmd_fail(&e);
		else
			printf("vm %s started from %s, accelerator %s\n", argv[1], argv[2], used);
		free(used);
	} else if (strcmp(sub, "start") == 0) {
		char *used = NULL;
		if (argc != 2)
			rc = sub_usage("start NAME");
		else if (vm_start(vmdir, argv[1], &used, &e) < 0)
			rc = cmd_fail(&e);
		else
			printf("vm %s started, accelerator %s\n", argv[1], used);
		free(used);
	} else if (strcmp(sub, "stop") == 0) {
		int grace = 30;
		if (argc == 4 && strcmp(argv[1], "-t") == 0) {
			grace = atoi(argv[2]);
			argv += 2;
			argc -= 2;
		}
		if (argc != 2)
			rc = sub_usage("stop [-t GRACE_SECONDS] NAME");
		else if (vm_stop(vmdir, argv[1], grace, &forced, &e) < 0)
			rc = cmd_fail(&e);
		else
			printf("vm %s stopped%s\n", argv[1], forced ?
			    " (the guest ignored the ACPI power button; QEMU was ended)" : "");
	} else if (strcmp(sub, "console") == 0) {
		rc = argc != 2 ? sub_usage("console NAME") : vm_console_cmd(vmdir, argv[1]);
	} else if (strcmp(sub, "destroy") == 0) {
		if (argc != 2)
			rc = sub_usage("destroy NAME");
		else if (vm_destroy(vmdir, argv[1], &e) < 0)
			rc = cmd_fail(&e);
		else
			printf("vm %s destroyed\n", argv[1]);
	} else {
		rc = sub_usage("unknown subcommand (create, install, start, console, "
		    "stop, list, destroy, test, accel)");
	}
	free(vmdir);
	return rc;
}
