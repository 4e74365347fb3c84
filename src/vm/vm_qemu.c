/*
 * vm_qemu: the QEMU backend of vm.h: QEMU's argv from a vm_spec (never a
 * shell string), the QMP client, and the accelerator choice with its KVM
 * probe boot.  Does not supervise runs (vm.c, vmtest.c do).
 * Calls: util (child, path, strbuf, archive, xalloc).
 */
#include "vm/vm.h"
#include "util/archive.h"
#include "util/path.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define OVMF_CODE "/usr/share/OVMF/OVMF_CODE_4M.fd"
#define OVMF_VARS "/usr/share/OVMF/OVMF_VARS_4M.fd"

typedef VEC(char *) strvec;

static void
add(strvec *v, const char *s)
{
	vec_push(v, xstrdup(s));
}

static void
addf(strvec *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
addf(strvec *v, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	vec_push(v, strbuf_detach(&sb, NULL));
}

/* QEMU's option parser splits on ','; a literal comma is doubled. */
static char *
qemu_escape(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s; s++) {
		if (*s == ',')
			strbuf_addch(&sb, ',');
		strbuf_addch(&sb, *s);
	}
	return strbuf_detach(&sb, NULL);
}

char **
vm_qemu_argv(const struct vm_spec *s, const struct vm_launch *l, struct kerr *e)
{
	strvec v = VEC_INIT;
	const char *kernel = l->kernel ? l->kernel : s->kernel;
	const char *initrd = l->initrd ? l->initrd : s->initrd;
	const char *cmdline = l->cmdline ? l->cmdline : s->cmdline;
	char *t;

	if (strcmp(s->loader, "kernel") == 0 && kernel == NULL && l->iso == NULL) {
		kerr_set(e, "loader \"kernel\" needs a kernel (config key kernel)");
		return NULL;
	}
	add(&v, "qemu-system-x86_64");
	add(&v, "-accel");
	add(&v, l->accel);
	add(&v, "-machine");
	add(&v, s->machine);
	add(&v, "-smp");
	addf(&v, "%d", s->cpu);
	add(&v, "-m");
	addf(&v, "%lluM", (unsigned long long)(s->memory >> 20));
	add(&v, "-nodefaults");
	add(&v, "-no-user-config");
	add(&v, "-display");
	add(&v, "none");
	add(&v, "-monitor");
	add(&v, "none");
	add(&v, "-no-reboot");
	if (l->serial_stdio) {
		add(&v, "-serial");
		add(&v, "stdio");
	} else if (l->console_sock) {
		char *p = qemu_escape(l->console_sock);
		char *lg = l->console_log ? qemu_escape(l->console_log) : NULL;
		add(&v, "-chardev");
		if (lg)
			addf(&v, "socket,id=con0,path=%s,server=on,wait=off,logfile=%s,logappend=off", p, lg);
		else
			addf(&v, "socket,id=con0,path=%s,server=on,wait=off", p);
		add(&v, "-serial");
		add(&v, "chardev:con0");
		free(p);
		free(lg);
	}
	if (l->qmp_sock) {
		t = qemu_escape(l->qmp_sock);
		add(&v, "-qmp");
		addf(&v, "unix:%s,server=on,wait=off", t);
		free(t);
	}
	if (l->pidfile) {
		add(&v, "-pidfile");
		add(&v, l->pidfile);
	}
	if (l->daemonize)
		add(&v, "-daemonize");
	if (strcmp(s->loader, "uefi") == 0) {
		add(&v, "-drive");
		add(&v, "if=pflash,format=raw,readonly=on,file=" OVMF_CODE);
		add(&v, "-drive");
		add(&v, "if=pflash,format=raw,snapshot=on,file=" OVMF_VARS);
	}
	if (l->dir && strcmp(s->disk0_type, "none") != 0) {
		char *disk = path_join(l->dir, s->disk0_name);
		char *d = qemu_escape(disk);
		const char *iface = strcmp(s->disk0_type, "virtio-blk") == 0 ? "virtio" : "ide";
		add(&v, "-drive");
		if (strcmp(s->disk0_type, "ahci-hd") == 0 && strcmp(s->machine, "q35") != 0) {
			addf(&v, "if=none,id=disk0,format=raw,file=%s", d);
			add(&v, "-device");
			add(&v, "ahci,id=ahci0");
			add(&v, "-device");
			add(&v, "ide-hd,drive=disk0,bus=ahci0.0");
		} else {
			addf(&v, "if=%s,format=raw,file=%s", iface, d);
		}
		free(d);
		free(disk);
	}
	if (l->iso) {
		t = qemu_escape(l->iso);
		add(&v, "-drive");
		addf(&v, "media=cdrom,readonly=on,format=raw,file=%s", t);
		free(t);
	}
	if (l->boot_cdrom) {
		add(&v, "-boot");
		add(&v, "order=dc,once=d");
	}
	if (strcmp(s->network0_type, "none") != 0) {
		add(&v, "-netdev");
		add(&v, "user,id=net0,restrict=on");
		add(&v, "-device");
		if (s->network0_mac)
			addf(&v, "%s,netdev=net0,mac=%s",
			    strcmp(s->network0_type, "e1000") == 0 ? "e1000" : "virtio-net-pci",
			    s->network0_mac);
		else
			addf(&v, "%s,netdev=net0",
			    strcmp(s->network0_type, "e1000") == 0 ? "e1000" : "virtio-net-pci");
	}
	if (kernel && !l->iso) {
		add(&v, "-kernel");
		add(&v, kernel);
		if (initrd) {
			add(&v, "-initrd");
			add(&v, initrd);
		}
		add(&v, "-append");
		addf(&v, "console=ttyS0 panic=-1%s%s", cmdline && *cmdline ? " " : "",
		    cmdline ? cmdline : "");
	}
	vec_push(&v, NULL);
	return v.v;
}

/* ---- QMP ---- */

static int
qmp_connect(const char *sock, struct kerr *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return kerr_set(e, "%s: socket path too long", sock);
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kerr_errno(e, "%s: socket", sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		kerr_errno(e, "%s", sock);
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one '\n'-terminated line (appending to sb) within timeout_ms. */
static int
read_line(int fd, struct strbuf *sb, int timeout_ms)
{
	char c;

	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		if (poll(&pf, 1, timeout_ms) <= 0)
			return -1;
		ssize_t n = read(fd, &c, 1);
		if (n <= 0)
			return -1;
		if (c == '\n')
			return 0;
		strbuf_addch(sb, c);
	}
}

/* Wait for a reply line ("return" or "error"), skipping events. */
static int
qmp_reply(int fd, struct strbuf *reply, const char *what, struct kerr *e)
{
	for (;;) {
		strbuf_reset(reply);
		if (read_line(fd, reply, 5000) < 0)
			return kerr_set(e, "qmp: no reply to %s", what);
		if (strstr(reply->buf, "\"return\""))
			return 0;
		if (strstr(reply->buf, "\"error\""))
			return kerr_set(e, "qmp: %s: %s", what, reply->buf);
	}
}

int
vm_qmp_command(const char *sock, const char *cmd, struct strbuf *reply,
    struct kerr *e)
{
	struct strbuf line = STRBUF_INIT, own = STRBUF_INIT;
	struct strbuf *r = reply ? reply : &own;
	char *req = NULL;
	int fd, rc = -1;

	if ((fd = qmp_connect(sock, e)) < 0)
		return -1;
	if (read_line(fd, &line, 5000) < 0 || !strstr(line.buf, "QMP")) {
		kerr_set(e, "%s: no QMP greeting", sock);
		goto out;
	}
	req = xstrdup("{\"execute\":\"qmp_capabilities\"}\n");
	if (write_full(fd, req, strlen(req)) < 0 ||
	    qmp_reply(fd, r, "qmp_capabilities", e) < 0)
		goto out;
	free(req);
	req = xasprintf("{\"execute\":\"%s\"}\n", cmd);
	if (write_full(fd, req, strlen(req)) < 0) {
		kerr_errno(e, "%s: write", sock);
		goto out;
	}
	/* quit may close the socket before answering */
	if (qmp_reply(fd, r, cmd, e) < 0 && strcmp(cmd, "quit") != 0)
		goto out;
	rc = 0;
out:
	free(req);
	strbuf_release(&line);
	strbuf_release(&own);
	close(fd);
	return rc;
}

/* ---- accelerator ---- */

static int
cmp_ver(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

char *
vm_find_kernel(const char *root)
{
	char *boot = path_join(root && *root ? root : "/", "boot");
	DIR *d = opendir(boot);
	strvec names = VEC_INIT;
	struct dirent *de;
	char *best = NULL;

	if (d) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, "vmlinuz-", 8) == 0)
				vec_push(&names, xstrdup(de->d_name));
		closedir(d);
	}
	if (names.n) {
		qsort(names.v, names.n, sizeof(char *), cmp_ver);
		best = path_join(boot, names.v[names.n - 1]);
	}
	vec_free_all(&names, free);
	free(boot);
	return best;
}

static char *
boot_id(void)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, "/proc/sys/kernel/random/boot_id") < 0)
		strbuf_addstr(&sb, "unknown");
	strbuf_trim(&sb);
	return strbuf_detach(&sb, NULL);
}

#define PROBE_MARKER "KILN-KVM-PROBE"

/* Boot kernel under KVM with a busybox /init that prints the marker. */
static int
kvm_probe(const char *kernel, const char *accel, int timeout_s, char **why,
    struct kerr *e)
{
	char tmpl[] = "/tmp/kiln-kvmprobe.XXXXXX";
	char *root = NULL, *initrd = NULL, *p = NULL;
	struct vm_spec s = { 0 };
	struct vm_test_result r;
	const char *expect[] = { PROBE_MARKER "-OK" };
	static const char init[] =
	    "#!/bin/busybox sh\n"
	    "/bin/busybox echo " PROBE_MARKER "-$((40+2))-OK\n"
	    "/bin/busybox poweroff -f\n";
	int rc = -1, ok = 0;

	vm_test_result_init(&r);
	if (mkdtemp(tmpl) == NULL)
		return kerr_errno(e, "%s", tmpl);
	root = path_join(tmpl, "root");
	p = path_join(root, "bin");
	if (path_mkdir_p(p, 0755, e) < 0)
		goto out;
	free(p);
	p = path_join(root, "bin/busybox");
	{
		struct strbuf bb = STRBUF_INIT;
		if (strbuf_read_file(&bb, "/bin/busybox") < 0) {
			kerr_errno(e, "/bin/busybox (busybox-static, for the kvm probe)");
			strbuf_release(&bb);
			goto out;
		}
		ok = path_write_atomic(p, bb.buf, bb.len, 0755, e);
		strbuf_release(&bb);
		if (ok < 0)
			goto out;
	}
	free(p);
	p = path_join(root, "init");
	if (path_write_atomic(p, init, sizeof(init) - 1, 0755, e) < 0)
		goto out;
	initrd = path_join(tmpl, "probe.cpio.gz");
	{
		struct archive_dev con = { "dev/console", 0600, 5, 1 };
		if (path_mkdir_p(root, 0755, e) < 0 ||
		    archive_write_tree(root, initrd, ARCHIVE_CPIO_GZ, &con, 1, e) < 0)
			goto out;
	}
	s.loader = "kernel";
	s.cpu = 1;
	s.memory = 256u << 20;
	s.disk0_type = "none";
	s.network0_type = "none";
	s.machine = "pc";
	struct vm_test_opts o = {
		.spec = &s, .kernel = kernel, .initrd = initrd, .cmdline = "quiet",
		.expect = expect, .n_expect = 1, .timeout_s = timeout_s,
		.accel = accel, .log_fd = -1, .echo_fd = -1,
	};
	/* "-$((40+2))-" keeps the marker itself off the echoed command line. */
	expect[0] = PROBE_MARKER "-42-OK";
	if (vm_test_run(&o, &r, e) < 0)
		goto out;
	*why = r.pass ? xasprintf("%s probe boot reached its marker in %ld ms",
	    accel, r.elapsed_ms) : xasprintf("%s probe boot failed (%s)", accel,
	    r.reason.buf);
	rc = r.pass ? 1 : 0;
out:
	{
		struct kerr e2;
		path_rm_rf(tmpl, &e2);
	}
	vm_test_result_free(&r);
	free(root);
	free(initrd);
	free(p);
	return rc;
}

int
vm_accel_resolve(const struct vm_accel_req *r, char **accel, char **why,
    struct kerr *e)
{
	const char *req = r->requested ? r->requested : "auto";
	char *kernel = NULL, *bid = NULL;
	struct strbuf cache = STRBUF_INIT;
	int rc = -1, kvm_ok;

	*accel = *why = NULL;
	if (strcmp(req, "tcg") == 0) {
		*accel = xstrdup("tcg");
		*why = xstrdup("requested");
		return 0;
	}
	kvm_ok = access("/dev/kvm", R_OK | W_OK) == 0;
	if (strcmp(req, "kvm") == 0) {
		if (!kvm_ok)
			return kerr_errno(e, "/dev/kvm: kvm requested but not usable");
		*accel = xstrdup("kvm");
		*why = xstrdup("requested");
		return 0;
	}
	if (strcmp(req, "auto") != 0)
		return kerr_set(e, "accel '%s': want auto, kvm or tcg", req);
	if (!kvm_ok) {
		*accel = xstrdup("tcg");
		*why = xstrdup("auto: /dev/kvm is missing or not writable");
		return 0;
	}
	if (!r->force_probe && path_exists("/sys/module/kvm_pvm")) {
		*accel = xstrdup("tcg");
		*why = xstrdup("auto: /dev/kvm is the nested kvm_pvm module, which "
		    "cannot run normal guests");
		return 0;
	}
	bid = boot_id();
	if (!r->force_probe && r->cache_file &&
	    strbuf_read_file(&cache, r->cache_file) == 0) {
		char *sp = strchr(cache.buf, ' ');
		strbuf_trim(&cache);
		if (sp && (size_t)(sp - cache.buf) == strlen(bid) &&
		    strncmp(cache.buf, bid, strlen(bid)) == 0 &&
		    (strcmp(sp + 1, "kvm") == 0 || strcmp(sp + 1, "tcg") == 0)) {
			*accel = xstrdup(sp + 1);
			*why = xasprintf("auto: cached kvm probe result (%s)",
			    r->cache_file);
			rc = 0;
			goto out;
		}
	}
	kernel = r->probe_kernel ? xstrdup(r->probe_kernel) : vm_find_kernel("/");
	if (kernel == NULL) {
		*accel = xstrdup("tcg");
		*why = xstrdup("auto: no kernel in /boot to probe kvm with");
		rc = 0;
		goto out;
	}
	char *pwhy = NULL;
	const char *pacc = r->probe_accel ? r->probe_accel : "kvm";
	int k = kvm_probe(kernel, pacc, r->probe_timeout_s > 0 ? r->probe_timeout_s : 20,
	    &pwhy, e);
	if (k < 0)
		goto out;
	*accel = xstrdup(k ? "kvm" : "tcg");
	*why = xasprintf("auto: %s", pwhy);
	free(pwhy);
	if (r->cache_file && strcmp(pacc, "kvm") == 0) {
		char *line = xasprintf("%s %s\n", bid, *accel);
		struct kerr e2;
		path_write_atomic(r->cache_file, line, strlen(line), 0644, &e2);
		free(line);
	}
	rc = 0;
out:
	strbuf_release(&cache);
	free(kernel);
	free(bid);
	return rc;
}
