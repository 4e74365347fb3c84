/*
 * vm: templates, guest directories and their life cycle (create, start in
 * the background, console, stop, list, destroy); see vm.h for the formats.
 * The QEMU specifics (argv, QMP, accelerator) are in vm_qemu.c, boot tests
 * in vmtest.c.  Calls: util (path, ucl, child, sharedir), vm_qemu.
 */
#include "vm/vm.h"
#include "util/child.h"
#include "util/path.h"
#include "util/sharedir.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *const known_keys[] = {
	"loader", "cpu", "memory", "disk0_type", "disk0_name", "disk0_size",
	"network0_type", "network0_mac", "accel", "machine", "kernel", "initrd",
	"cmdline", NULL
};
/* vm-bhyve keys with no meaning for QEMU: accepted, ignored. */
static const char *const ignored_prefixes[] = {
	"network0_switch", "network0_device", "network0_span", "uuid", "utctime",
	"graphics", "xhci_mouse", "grub_", "bhyveload_", "bhyve_options",
	"uefi_vars", "loader_timeout", "hostbridge", "comports", "debug",
	"ignore_bad_msr", "wired_memory", "cpu_sockets", "cpu_cores",
	"cpu_threads", "disk0_dev", "disk0_opts", "ahci_device_limit",
	"virt_random", "priority", "prestart", "on_restart", "on_fault",
	"vnc_password", "sound", "zfs_", "limit_", NULL
};

static bool
key_known(const char *k)
{
	for (size_t i = 0; known_keys[i]; i++)
		if (strcmp(k, known_keys[i]) == 0)
			return true;
	for (size_t i = 0; ignored_prefixes[i]; i++)
		if (strncmp(k, ignored_prefixes[i], strlen(ignored_prefixes[i])) == 0)
			return true;
	return false;
}

struct uv *
vm_conf_parse_file(const char *path, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	struct uv *o;

	if (path_read(path, &sb, e) < 0)
		return NULL;
	o = vm_conf_parse(sb.buf, sb.len, path, e);
	strbuf_release(&sb);
	return o;
}

struct uv *
vm_conf_parse(const char *data, size_t len, const char *path, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	struct uv *o = NULL;
	char *line, *save = NULL;
	int lineno = 0;

	strbuf_add(&sb, data, len);
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '\0')
			sb.buf[i] = ' ';
	o = uv_new_object();
	/* strtok_r skips empty lines, so count newlines by hand */
	for (char *p = sb.buf; p && *p; ) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line = p;
		p = nl ? nl + 1 : NULL;
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (*line == '\0' || isspace((unsigned char)*line)) {
			/* vm-bhyve ignores indented lines; blank ones too */
			bool blank = true;
			for (char *c = line; *c; c++)
				if (!isspace((unsigned char)*c))
					blank = false;
			if (blank || isspace((unsigned char)*line))
				continue;
		}
		char *eq = strchr(line, '=');
		if (eq == NULL) {
			kerr_set(e, "%s:%d: expected key=\"value\"", path, lineno);
			goto fail;
		}
		*eq = '\0';
		char *key = line, *val = eq + 1;
		for (char *c = key; *c; c++)
			if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_')) {
				kerr_set(e, "%s:%d: bad key '%s' (lowercase letters, digits, _)",
				    path, lineno, key);
				goto fail;
			}
		size_t vl = strlen(val);
		while (vl && isspace((unsigned char)val[vl - 1]))
			val[--vl] = '\0';
		if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
			val[vl - 1] = '\0';
			val++;
		} else if (vl && (val[0] == '"' || val[0] == '\'')) {
			kerr_set(e, "%s:%d: unterminated quote", path, lineno);
			goto fail;
		}
		if (!key_known(key)) {
			kerr_set(e, "%s:%d: unknown key '%s' (see kiln-vm(8))", path,
			    lineno, key);
			goto fail;
		}
		uv_set(o, key, uv_new_string(val));
	}
	(void)save;
	strbuf_release(&sb);
	return o;
fail:
	strbuf_release(&sb);
	uv_free(o);
	return NULL;
}

static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0': *out = v; return 0;	/* bytes, as vm-bhyve/bhyve take them */
	case 'K': v <<= 10; break;
	case 'M': v <<= 20; break;
	case 'G': v <<= 30; break;
	case 'T': v <<= 40; break;
	default: return -1;
	}
	end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int
one_of(const char *key, const char *v, const char *const *allowed, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(v, allowed[i]) == 0)
			return 0;
	for (size_t i = 0; allowed[i]; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", allowed[i]);
	kerr_set(e, "%s=\"%s\": want one of %s", key, v, sb.buf);
	strbuf_release(&sb);
	return -1;
}

static const char *
get(const struct uv *cfg, const char *key, const char *def)
{
	const char *v = uv_get_str(cfg, key);
	return v && *v ? v : def;
}

int
vm_spec_from_conf(const struct uv *cfg, struct vm_spec *s, struct kerr *e)
{
	static const char *const loaders[] = { "bios", "uefi", "kernel", NULL };
	static const char *const disks[] = { "virtio-blk", "ahci-hd", "ide-hd", "none", NULL };
	static const char *const nets[] = { "virtio-net", "e1000", "none", NULL };
	static const char *const accels[] = { "auto", "kvm", "tcg", NULL };
	static const char *const machines[] = { "pc", "q35", NULL };
	const char *v;
	char *end;

	memset(s, 0, sizeof(*s));
	s->loader = xstrdup(get(cfg, "loader", "bios"));
	s->disk0_type = xstrdup(get(cfg, "disk0_type", "virtio-blk"));
	s->disk0_name = xstrdup(get(cfg, "disk0_name", "disk0.img"));
	s->network0_type = xstrdup(get(cfg, "network0_type", "none"));
	s->accel = xstrdup(get(cfg, "accel", "auto"));
	s->machine = xstrdup(get(cfg, "machine", "pc"));
	if ((v = get(cfg, "network0_mac", NULL)))
		s->network0_mac = xstrdup(v);
	if ((v = get(cfg, "kernel", NULL)))
		s->kernel = xstrdup(v);
	if ((v = get(cfg, "initrd", NULL)))
		s->initrd = xstrdup(v);
	if ((v = get(cfg, "cmdline", NULL)))
		s->cmdline = xstrdup(v);
	if (one_of("loader", s->loader, loaders, e) < 0 ||
	    one_of("disk0_type", s->disk0_type, disks, e) < 0 ||
	    one_of("network0_type", s->network0_type, nets, e) < 0 ||
	    one_of("accel", s->accel, accels, e) < 0 ||
	    one_of("machine", s->machine, machines, e) < 0)
		return -1;
	if (strchr(s->disk0_name, '/') || strcmp(s->disk0_name, "..") == 0 ||
	    s->disk0_name[0] == '.')
		return kerr_set(e, "disk0_name=\"%s\": a plain file name is needed",
		    s->disk0_name);
	v = get(cfg, "cpu", "1");
	s->cpu = (int)strtol(v, &end, 10);
	if (*end || s->cpu < 1 || s->cpu > 64)
		return kerr_set(e, "cpu=\"%s\": want a number from 1 to 64", v);
	v = get(cfg, "memory", "256M");
	if (parse_size(v, &s->memory) < 0 || s->memory < (32u << 20))
		return kerr_set(e, "memory=\"%s\": want a size of at least 32M (256M, 1G)", v);
	if (strcmp(s->loader, "uefi") == 0 && s->memory < (512u << 20))
		s->memory = 512u << 20;	/* GRUB-EFI runs out of memory below that */
	v = get(cfg, "disk0_size", "1G");
	if (parse_size(v, &s->disk0_size) < 0)
		return kerr_set(e, "disk0_size=\"%s\": want a size (1G, 500M)", v);
	return 0;
}

void
vm_spec_free(struct vm_spec *s)
{
	free(s->loader);
	free(s->disk0_type);
	free(s->disk0_name);
	free(s->network0_type);
	free(s->network0_mac);
	free(s->accel);
	free(s->machine);
	free(s->kernel);
	free(s->initrd);
	free(s->cmdline);
	memset(s, 0, sizeof(*s));
}

bool
vm_name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 64 || !isalnum((unsigned char)n[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)n[i]) && n[i] != '.' && n[i] != '_' && n[i] != '-')
			return false;
	return true;
}

char *
vm_template_path(const char *vmdir, const char *name, struct kerr *e)
{
	char *a, *b;

	if (!vm_name_ok(name)) {
		kerr_set(e, "template '%s': bad name", name);
		return NULL;
	}
	a = xasprintf("%s/.templates/%s.conf", vmdir, name);
	if (path_exists(a))
		return a;
	char *rel = xasprintf("vm/%s.conf", name);
	b = sharedir_path(rel);
	free(rel);
	if (path_exists(b)) {
		free(a);
		return b;
	}
	kerr_set(e, "template '%s': neither %s nor %s exists", name, a, b);
	free(a);
	free(b);
	return NULL;
}

void
vm_info_free(struct vm_info *vi)
{
	free(vi->name);
	free(vi->loader);
	free(vi->template);
	memset(vi, 0, sizeof(*vi));
}

static char *
vm_path(const char *vmdir, const char *name, const char *file)
{
	return file ? xasprintf("%s/%s/%s", vmdir, name, file)
	    : xasprintf("%s/%s", vmdir, name);
}

static struct uv *
load_vm(const char *vmdir, const char *name, struct kerr *e)
{
	char *p;
	struct uv *u;

	if (!vm_name_ok(name)) {
		kerr_set(e, "vm '%s': bad name (letters, digits, . _ -)", name);
		return NULL;
	}
	p = vm_path(vmdir, name, "vm.ucl");
	if (!path_exists(p)) {
		kerr_set(e, "vm '%s': no such vm (%s missing)", name, p);
		free(p);
		return NULL;
	}
	u = uv_parse_file(p, e);
	free(p);
	return u;
}

/* The pid of NAME's QEMU when it runs, else 0. */
static pid_t
running_pid(const char *vmdir, const char *name, time_t *since)
{
	char *p = vm_path(vmdir, name, "qemu.pid");
	struct strbuf sb = STRBUF_INIT, cmd = STRBUF_INIT;
	struct stat st;
	pid_t pid = 0;

	if (strbuf_read_file(&sb, p) == 0) {
		long v = strtol(sb.buf, NULL, 10);
		char *proc = xasprintf("/proc/%ld/cmdline", v);
		/* the pid must still be a QEMU naming this pidfile */
		if (v > 0 && kill((pid_t)v, 0) == 0 && strbuf_read_file(&cmd, proc) == 0 &&
		    memmem(cmd.buf, cmd.len, p, strlen(p)) != NULL) {
			pid = (pid_t)v;
			if (since && stat(p, &st) == 0)
				*since = st.st_mtime;
		}
		free(proc);
	}
	strbuf_release(&sb);
	strbuf_release(&cmd);
	free(p);
	return pid;
}

int
vm_get_info(const char *vmdir, const char *name, struct vm_info *vi,
    struct kerr *e)
{
	struct uv *u = load_vm(vmdir, name, e);
	struct vm_spec s;
	time_t since = 0;

	memset(vi, 0, sizeof(*vi));
	if (u == NULL)
		return -1;
	if (vm_spec_from_conf(uv_get(u, "config"), &s, e) < 0) {
		kerr_prefix(e, "%s/%s/vm.ucl", vmdir, name);
		vm_spec_free(&s);
		uv_free(u);
		return -1;
	}
	vi->name = xstrdup(name);
	vi->cpu = s.cpu;
	vi->memory = s.memory;
	vi->loader = xstrdup(s.loader);
	vi->template = xstrdup(get(u, "template", ""));
	vi->pid = running_pid(vmdir, name, &since);
	vi->running = vi->pid > 0;
	if (vi->running)
		vi->uptime = (long)(time(NULL) - since);
	vm_spec_free(&s);
	uv_free(u);
	return 0;
}

static int
cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct vm_info *)a)->name, ((const struct vm_info *)b)->name);
}

int
vm_list(const char *vmdir, struct vm_info **out, size_t *n, struct kerr *e)
{
	VEC(struct vm_info) v = VEC_INIT;
	DIR *d = opendir(vmdir);
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (d == NULL)
		return errno == ENOENT ? 0 : kerr_errno(e, "%s", vmdir);
	while ((de = readdir(d)) != NULL) {
		struct vm_info vi;
		struct kerr e2;
		if (de->d_name[0] == '.')
			continue;
		char *p = vm_path(vmdir, de->d_name, "vm.ucl");
		bool is_vm = path_exists(p);
		free(p);
		if (is_vm && vm_get_info(vmdir, de->d_name, &vi, &e2) == 0)
			vec_push(&v, vi);
	}
	closedir(d);
	if (v.n)
		qsort(v.v, v.n, sizeof(*v.v), cmp_info);
	*out = v.v;
	*n = v.n;
	return 0;
}

int
vm_create(const char *vmdir, const char *name, const char *template,
    uint64_t size, struct kerr *e)
{
	char *tpath = NULL, *dir = NULL, *disk = NULL, *ucl = NULL;
	struct uv *cfg = NULL, *doc = NULL;
	struct vm_spec s = { 0 };
	struct strbuf js = STRBUF_INIT;
	bool made = false;
	int fd = -1, rc = -1;

	if (!vm_name_ok(name))
		return kerr_set(e, "vm '%s': bad name (letters, digits, . _ -)", name);
	dir = vm_path(vmdir, name, NULL);
	if (path_exists(dir)) {
		kerr_set(e, "vm '%s': already exists (%s)", name, dir);
		goto out;
	}
	if ((tpath = vm_template_path(vmdir, template, e)) == NULL)
		goto out;
	if ((cfg = vm_conf_parse_file(tpath, e)) == NULL)
		goto out;
	if (size) {
		char *sz = xasprintf("%lluM", (unsigned long long)(size >> 20));
		uv_set(cfg, "disk0_size", uv_new_string(sz));
		free(sz);
	}
	if (vm_spec_from_conf(cfg, &s, e) < 0) {
		kerr_prefix(e, "%s", tpath);
		goto out;
	}
	if (path_mkdir_p(vmdir, 0755, e) < 0)
		goto out;
	if (mkdir(dir, 0700) < 0) {
		kerr_errno(e, "%s", dir);
		goto out;
	}
	made = true;
	if (strcmp(s.disk0_type, "none") != 0) {
		disk = path_join(dir, s.disk0_name);
		fd = open(disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)s.disk0_size) < 0) {
			kerr_errno(e, "%s", disk);
			goto out;
		}
	}
	doc = uv_new_object();
	uv_set(doc, "name", uv_new_string(name));
	uv_set(doc, "template", uv_new_string(template));
	uv_set(doc, "created", uv_new_int((int64_t)time(NULL)));
	uv_set(doc, "config", cfg);
	cfg = NULL;
	uv_emit_json(doc, &js, true);
	strbuf_addch(&js, '\n');
	ucl = path_join(dir, "vm.ucl");
	if (path_write_atomic(ucl, js.buf, js.len, 0644, e) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && made) {
		struct kerr e2;
		path_rm_rf(dir, &e2);
	}
	vm_spec_free(&s);
	uv_free(cfg);
	uv_free(doc);
	strbuf_release(&js);
	free(tpath);
	free(dir);
	free(disk);
	free(ucl);
	return rc;
}

static void
unlink_runtime(const char *vmdir, const char *name)
{
	static const char *const files[] = { "qmp.sock", "console.sock", "qemu.pid", NULL };

	for (size_t i = 0; files[i]; i++) {
		char *p = vm_path(vmdir, name, files[i]);
		unlink(p);
		free(p);
	}
}

int
vm_destroy(const char *vmdir, const char *name, struct kerr *e)
{
	struct uv *u = load_vm(vmdir, name, e);
	char *dir;
	int rc;

	if (u == NULL)
		return -1;
	uv_free(u);
	if (running_pid(vmdir, name, NULL) > 0)
		return kerr_set(e, "vm '%s': is running; stop it first", name);
	dir = vm_path(vmdir, name, NULL);
	rc = path_rm_rf(dir, e);
	free(dir);
	return rc;
}

int
vm_set_install(const char *vmdir, const char *name, const char *iso,
    struct kerr *e)
{
	struct uv *u = load_vm(vmdir, name, e);
	char *link = NULL, *boot = NULL, *abs = NULL;
	int rc = -1;

	if (u == NULL)
		return -1;
	if ((abs = realpath(iso, NULL)) == NULL) {
		kerr_errno(e, "%s", iso);
		goto out;
	}
	link = vm_path(vmdir, name, "install.iso");
	boot = vm_path(vmdir, name, "boot");
	unlink(link);
	if (symlink(abs, link) < 0) {
		kerr_errno(e, "%s", link);
		goto out;
	}
	rc = path_write_atomic(boot, "cdrom\n", 6, 0644, e);
out:
	uv_free(u);
	free(abs);
	free(link);
	free(boot);
	return rc;
}

int
vm_start(const char *vmdir, const char *name, char **accel_used, struct kerr *e)
{
	struct uv *u = load_vm(vmdir, name, e);
	struct vm_spec s = { 0 };
	char *dir = NULL, *qmp = NULL, *con = NULL, *log = NULL, *pidf = NULL;
	char *boot = NULL, *iso = NULL, *qlog = NULL, *accel = NULL, *why = NULL;
	char *cache = NULL;
	char **argv = NULL;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct child c;
	bool install;
	int rc = -1, qfd = -1;

	if (u == NULL)
		return -1;
	if (running_pid(vmdir, name, NULL) > 0) {
		kerr_set(e, "vm '%s': already running", name);
		goto out;
	}
	if (vm_spec_from_conf(uv_get(u, "config"), &s, e) < 0)
		goto out;
	dir = vm_path(vmdir, name, NULL);
	qmp = path_join(dir, "qmp.sock");
	con = path_join(dir, "console.sock");
	log = path_join(dir, "console.log");
	pidf = path_join(dir, "qemu.pid");
	boot = path_join(dir, "boot");
	iso = path_join(dir, "install.iso");
	qlog = path_join(dir, "qemu.log");
	cache = path_join(vmdir, ".kvm-probe");
	unlink_runtime(vmdir, name);
	install = path_exists(boot) && path_exists(iso);
	struct vm_accel_req ar = { .requested = s.accel, .probe_kernel = s.kernel,
		.cache_file = cache };
	if (vm_accel_resolve(&ar, &accel, &why, e) < 0)
		goto out;
	struct vm_launch l = {
		.accel = accel, .dir = dir, .iso = install ? iso : NULL,
		.boot_cdrom = install, .qmp_sock = qmp, .console_sock = con,
		.console_log = log, .pidfile = pidf, .daemonize = true,
	};
	if ((argv = vm_qemu_argv(&s, &l, e)) == NULL)
		goto out;
	qfd = open(qlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	child_init(&c, argv, environ);
	c.out = &out;
	c.err = &err;
	c.timeout_ms = 60000;
	if (child_run(&c, e) < 0)
		goto out;
	if (qfd >= 0) {
		(void)!write_full(qfd, out.buf, out.len);
		(void)!write_full(qfd, err.buf, err.len);
	}
	if (child_exit_code(&c) != 0) {
		char how[64];
		strbuf_rtrim(&err);
		kerr_set(e, "vm '%s': qemu %s: %s", name,
		    child_describe(&c, how, sizeof(how)), err.buf);
		unlink_runtime(vmdir, name);
		goto out;
	}
	if (install)
		unlink(boot);	/* boot the disk next time */
	if (accel_used)
		*accel_used = xasprintf("%s (%s)", accel, why);
	rc = 0;
out:
	if (qfd >= 0)
		close(qfd);
	vm_spec_free(&s);
	uv_free(u);
	xfree_strv(argv);
	strbuf_release(&out);
	strbuf_release(&err);
	free(dir); free(qmp); free(con); free(log); free(pidf);
	free(boot); free(iso); free(qlog); free(accel); free(why); free(cache);
	return rc;
}

static bool
wait_gone(pid_t pid, int ms)
{
	for (int t = 0; t < ms; t += 50) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		/* our own child when started by this process: reap it */
		waitpid(pid, NULL, WNOHANG);
		nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
	}
	return kill(pid, 0) < 0 && errno == ESRCH;
}

int
vm_stop(const char *vmdir, const char *name, int grace_s, bool *forced,
    struct kerr *e)
{
	struct uv *u = load_vm(vmdir, name, e);
	char *qmp = NULL;
	pid_t pid;
	struct kerr e2;
	int rc = -1;

	*forced = false;
	if (u == NULL)
		return -1;
	uv_free(u);
	pid = running_pid(vmdir, name, NULL);
	if (pid <= 0) {
		kerr_set(e, "vm '%s': is not running", name);
		unlink_runtime(vmdir, name);
		return -1;
	}
	qmp = vm_path(vmdir, name, "qmp.sock");
	if (vm_qmp_command(qmp, "system_powerdown", NULL, &e2) == 0 &&
	    wait_gone(pid, grace_s * 1000)) {
		rc = 0;
		goto out;
	}
	*forced = true;
	if (vm_qmp_command(qmp, "quit", NULL, &e2) == 0 && wait_gone(pid, 2000)) {
		rc = 0;
		goto out;
	}
	kill(pid, SIGTERM);
	if (wait_gone(pid, 3000)) {
		rc = 0;
		goto out;
	}
	kill(pid, SIGKILL);
	if (!wait_gone(pid, 3000)) {
		kerr_set(e, "vm '%s': pid %ld survived SIGKILL", name, (long)pid);
		goto out;
	}
	rc = 0;
out:
	if (rc == 0)
		unlink_runtime(vmdir, name);
	free(qmp);
	return rc;
}

int
vm_console(const char *vmdir, const char *name, int in_fd, int out_fd,
    struct kerr *e)
{
	struct uv *u = load_vm(vmdir, name, e);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *sock = NULL;
	int fd = -1, rc = -1;
	bool in_open = true;

	if (u == NULL)
		return -1;
	uv_free(u);
	if (running_pid(vmdir, name, NULL) <= 0) {
		kerr_set(e, "vm '%s': is not running", name);
		goto out;
	}
	sock = vm_path(vmdir, name, "console.sock");
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		kerr_set(e, "%s: socket path too long", sock);
		goto out;
	}
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		kerr_errno(e, "%s", sock);
		goto out;
	}
	for (;;) {
		struct pollfd pf[2] = { { fd, POLLIN, 0 }, { in_open ? in_fd : -1, POLLIN, 0 } };
		char buf[4096];
		ssize_t n;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			kerr_errno(e, "poll");
			goto out;
		}
		if (pf[0].revents) {
			n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				break;	/* the VM stopped */
			if (write_full(out_fd, buf, (size_t)n) < 0)
				break;
		}
		if (pf[1].revents) {
			n = read(in_fd, buf, sizeof(buf));
			if (n <= 0) {
				/* input ended (a pipe): keep reading output briefly */
				in_open = false;
				struct pollfd p1 = { fd, POLLIN, 0 };
				while (poll(&p1, 1, 1000) > 0 &&
				    (n = read(fd, buf, sizeof(buf))) > 0)
					(void)!write_full(out_fd, buf, (size_t)n);
				break;
			}
			char *det = memchr(buf, VM_CONSOLE_DETACH, (size_t)n);
			if (det) {
				(void)!write_full(fd, buf, (size_t)(det - buf));
				break;
			}
			if (write_full(fd, buf, (size_t)n) < 0)
				break;
		}
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(sock);
	return rc;
}
