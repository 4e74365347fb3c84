/*
 * image: root tree → initramfs / tar / ISO (see image.h).
 */
#include "image/image.h"
#include "image/elf.h"
#include "util/archive.h"
#include "util/child.h"
#include "util/path.h"
#include "util/sharedir.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "util/xalloc.h"
#include "vm/vm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef VEC(char *) strvec;

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
	"/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib", NULL
};

/* Copy one regular file (mode kept), replacing whatever is at dst. */
static int
copy_file(const char *src, const char *dst, mode_t mode, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (strbuf_read_file(&sb, src) < 0) {
		strbuf_release(&sb);
		return kerr_errno(e, "%s", src);
	}
	unlink(dst);
	rc = path_write_atomic(dst, sb.buf, sb.len, mode & 07777, e);
	strbuf_release(&sb);
	return rc;
}

static int
mkparent(const char *p, struct kerr *e)
{
	char *d = xstrdup(p), *slash = strrchr(d, '/');
	int rc = 0;

	if (slash && slash != d) {
		*slash = '\0';
		rc = path_mkdir_p(d, 0755, e);
	}
	free(d);
	return rc;
}

/* cp -a src/. dst/ : directories merged, files and links replaced. */
static int
copy_tree(const char *src, const char *dst, struct kerr *e)
{
	DIR *d = opendir(src);
	struct dirent *de;
	int rc = -1;

	if (d == NULL)
		return kerr_errno(e, "%s", src);
	if (path_mkdir_p(dst, 0755, e) < 0)
		goto out;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *s, *t;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s = path_join(src, de->d_name);
		t = path_join(dst, de->d_name);
		int r = 0;
		if (lstat(s, &st) < 0) {
			r = kerr_errno(e, "%s", s);
		} else if (S_ISDIR(st.st_mode)) {
			struct stat ts;
			if (lstat(t, &ts) == 0 && !S_ISDIR(ts.st_mode))
				unlink(t);
			r = copy_tree(s, t, e);
			if (r == 0)
				chmod(t, st.st_mode & 07777);
		} else if (S_ISLNK(st.st_mode)) {
			char *link = path_readlink(s, e);
			if (link == NULL) {
				r = -1;
			} else {
				unlink(t);
				if (symlink(link, t) < 0)
					r = kerr_errno(e, "%s", t);
				free(link);
			}
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file(s, t, st.st_mode, e);
		}
		free(s);
		free(t);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

static bool
strvec_has(const strvec *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

/* Collect regular files under dir (host paths). */
static void
walk_files(const char *dir, strvec *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *p = path_join(dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk_files(p, out);
			free(p);
		} else if (lstat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			vec_push(out, p);
		} else {
			free(p);
		}
	}
	closedir(d);
}

/* Read an ELF file's deps; a non-ELF file gives is_elf false. */
static int
read_deps(const char *path, const char *shown, struct elf_deps *d, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char magic[4];
	int rc;

	memset(d, 0, sizeof(*d));
	if (fd < 0)
		return kerr_errno(e, "%s", path);
	if (read(fd, magic, 4) != 4 || memcmp(magic, "\177ELF", 4) != 0) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	if (strbuf_read_fd(&sb, fd) < 0) {
		close(fd);
		strbuf_release(&sb);
		return kerr_errno(e, "%s", path);
	}
	close(fd);
	rc = elf_deps_parse((const unsigned char *)sb.buf, sb.len, shown, d, e);
	strbuf_release(&sb);
	return rc;
}

/* Bring libroot's file at path (absolute) into root at the same path. */
static int
bring(const char *root, const char *libroot, const char *path, strvec *queue,
    size_t *copied, struct kerr *e)
{
	char *dst = path_join(root, path);
	char *src = NULL;
	struct stat st;
	int rc = -1;

	if (lstat(dst, &st) == 0) {
		rc = 0;
		goto out;
	}
	if ((src = path_resolve_in(libroot, path)) == NULL || stat(src, &st) < 0) {
		kerr_set(e, "%s: not found in %s", path, libroot);
		goto out;
	}
	if (mkparent(dst, e) < 0 || copy_file(src, dst, st.st_mode, e) < 0)
		goto out;
	(*copied)++;
	vec_push(queue, xstrdup(dst));
	rc = 0;
out:
	free(dst);
	free(src);
	return rc;
}

int
image_add_libs(const char *root, const char *libroot, size_t *copied,
    struct kerr *e)
{
	strvec queue = VEC_INIT, done = VEC_INIT;
	int rc = -1;

	*copied = 0;
	walk_files(root, &queue);
	for (size_t qi = 0; qi < queue.n; qi++) {
		struct elf_deps d;
		const char *file = queue.v[qi];
		const char *shown = file + strlen(root);

		if (read_deps(file, shown, &d, e) < 0)
			goto out;
		if (!d.is_elf || !d.dynamic) {
			elf_deps_free(&d);
			continue;
		}
		if (d.interp && bring(root, libroot, d.interp, &queue, copied, e) < 0) {
			kerr_prefix(e, "%s: program interpreter", shown);
			elf_deps_free(&d);
			goto out;
		}
		for (size_t i = 0; i < d.needed.n; i++) {
			const char *lib = d.needed.v[i];
			bool found = false;
			if (strvec_has(&done, lib))
				continue;
			if (strchr(lib, '/')) {
				kerr_set(e, "%s: needs %s by path; not supported", shown, lib);
				elf_deps_free(&d);
				goto out;
			}
			/* first: already in the image (a package's own library) */
			strvec dirs = VEC_INIT;
			char *rp = d.runpath ? xstrdup(d.runpath) : NULL, *save = NULL;
			for (char *t = rp ? strtok_r(rp, ":", &save) : NULL; t;
			    t = strtok_r(NULL, ":", &save))
				if (t[0] == '/')
					vec_push(&dirs, xstrdup(t));
			for (size_t k = 0; lib_dirs[k]; k++)
				vec_push(&dirs, xstrdup(lib_dirs[k]));
			free(rp);
			for (size_t k = 0; k < dirs.n && !found; k++) {
				char *p = path_join(dirs.v[k], lib);
				char *inimg = path_join(root, p);
				struct stat st;
				if (lstat(inimg, &st) == 0) {
					found = true;
				} else {
					char *src = path_resolve_in(libroot, p);
					if (src && stat(src, &st) == 0 && S_ISREG(st.st_mode)) {
						found = true;
						if (bring(root, libroot, p, &queue, copied, e) < 0) {
							free(src); free(p); free(inimg);
							goto dirs_fail;
						}
					}
					free(src);
				}
				free(p);
				free(inimg);
			}
			vec_free_all(&dirs, free);
			if (!found) {
				kerr_set(e, "%s: needs %s, which is not in %s (searched %s%s"
				    "/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, "
				    "/lib, /usr/lib, /usr/local/lib)", shown, lib, libroot,
				    d.runpath ? d.runpath : "", d.runpath ? ", " : "");
				elf_deps_free(&d);
				goto out;
			}
			vec_push(&done, xstrdup(lib));
			continue;
dirs_fail:
			vec_free_all(&dirs, free);
			elf_deps_free(&d);
			goto out;
		}
		elf_deps_free(&d);
	}
	rc = 0;
out:
	vec_free_all(&queue, free);
	vec_free_all(&done, free);
	return rc;
}

static int
write_text(const char *root, const char *rel, const char *text, mode_t mode,
    struct kerr *e)
{
	char *p = path_join(root, rel);
	int rc = mkparent(p, e) < 0 ? -1 : path_write_atomic(p, text, strlen(text), mode, e);

	free(p);
	return rc;
}

/* share/kiln/image/NAME → root/REL with mode. */
static int
install_share(const char *root, const char *share, const char *name,
    const char *rel, mode_t mode, struct kerr *e)
{
	char *src = path_join(share, name);
	char *dst = path_join(root, rel);
	int rc = -1;

	if (!path_exists(src)) {
		kerr_set(e, "%s: missing (kiln's share directory; set KILN_SHAREDIR)", src);
		goto out;
	}
	if (mkparent(dst, e) < 0 || copy_file(src, dst, mode, e) < 0)
		goto out;
	rc = 0;
out:
	free(src);
	free(dst);
	return rc;
}

static int
add_busybox(const char *root, struct kerr *e)
{
	const char *bb = "/bin/busybox";
	struct elf_deps d;
	struct strbuf list = STRBUF_INIT;
	char *argv[] = { "/bin/busybox", "--list-full", NULL };
	char *dst = path_join(root, "bin/busybox");
	int rc = -1;

	if (read_deps(bb, bb, &d, e) < 0)
		goto out;
	bool dyn = d.dynamic;
	elf_deps_free(&d);
	if (!d.is_elf || dyn) {
		kerr_set(e, "%s: not a static busybox (install Debian's busybox-static)", bb);
		goto out;
	}
	if (mkparent(dst, e) < 0 || copy_file(bb, dst, 0755, e) < 0)
		goto out;
	if (child_capture(argv, environ, &list, e) < 0)
		goto out;
	char *save = NULL;
	for (char *line = strtok_r(list.buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "..") || line[0] == '/')
			continue;
		char *link = path_join(root, line);
		struct stat st;
		/* absolute target: valid inside the image whatever the depth */
		if (lstat(link, &st) < 0 && mkparent(link, e) == 0 &&
		    symlink("/bin/busybox", link) < 0) {
			kerr_errno(e, "%s", link);
			free(link);
			goto out;
		}
		free(link);
	}
	rc = 0;
out:
	strbuf_release(&list);
	free(dst);
	return rc;
}

/* kernel's modules that make the ACPI power button work (best effort). */
static void
add_modules(const char *root, const char *kernel, const char *kroot)
{
	static const char *const mods[] = {
		"kernel/drivers/input/evdev.ko", "kernel/drivers/acpi/button.ko", NULL
	};
	const char *base = strrchr(kernel, '/');
	base = base ? base + 1 : kernel;
	if (strncmp(base, "vmlinuz-", 8) != 0)
		return;
	for (size_t i = 0; mods[i]; i++) {
		char *src = xasprintf("%s/lib/modules/%s/%s", strcmp(kroot, "/") ? kroot : "",
		    base + 8, mods[i]);
		const char *mb = strrchr(mods[i], '/') + 1;
		char *dst = xasprintf("%s/lib/modules/kiln/%s", root, mb);
		struct kerr e2;
		if (path_exists(src) && mkparent(dst, &e2) == 0)
			copy_file(src, dst, 0644, &e2);
		free(src);
		free(dst);
	}
}

static int
build_tree(const struct image_opts *o, const char *root, const char *kernel,
    const char *kroot, struct kerr *e)
{
	static const char *const dirs[] = {
		"proc", "sys", "dev", "run", "tmp", "root", "etc/rc.d", "var/run",
		"var/log", "var/db", "var/tmp", "usr/local/etc/rc.d", "usr/local/bin",
		"usr/local/sbin", "usr/local/lib", NULL
	};
	char *share = sharedir_path("image");
	const char *name = o->name ? o->name : "kiln";
	char *text = NULL;
	size_t nlibs = 0;
	int rc = -1;

	for (size_t i = 0; dirs[i]; i++) {
		char *p = path_join(root, dirs[i]);
		int r = path_mkdir_p(p, 0755, e);
		free(p);
		if (r < 0)
			goto out;
	}
	if (add_busybox(root, e) < 0 ||
	    install_share(root, share, "init", "init", 0755, e) < 0 ||
	    install_share(root, share, "inittab", "etc/inittab", 0644, e) < 0 ||
	    install_share(root, share, "rc", "etc/rc", 0755, e) < 0 ||
	    install_share(root, share, "rc.shutdown", "etc/rc.shutdown", 0755, e) < 0 ||
	    install_share(root, share, "rc.subr", "etc/rc.subr", 0644, e) < 0 ||
	    install_share(root, share, "daemon", "usr/sbin/daemon", 0755, e) < 0 ||
	    install_share(root, share, "service", "usr/sbin/service", 0755, e) < 0 ||
	    install_share(root, share, "acpi-power", "etc/acpi/PWRF/00000080", 0755, e) < 0)
		goto out;
	text = xasprintf("%s\n", o->hostname ? o->hostname : name);
	if (write_text(root, "etc/hostname", text, 0644, e) < 0)
		goto out;
	free(text);
	text = xasprintf("name=%s\nbuilt=%lld\n", name, (long long)time(NULL));
	if (write_text(root, "etc/kiln-image", text, 0644, e) < 0 ||
	    write_text(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
		"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", 0644, e) < 0 ||
	    write_text(root, "etc/group", "root:x:0:\nwheel:x:0:root\n"
		"nogroup:x:65534:\n", 0644, e) < 0 ||
	    write_text(root, "etc/rc.conf", "# rc.conf of a kiln image\n", 0644, e) < 0 ||
	    write_text(root, "etc/ld.so.conf", "/usr/local/lib\n", 0644, e) < 0)
		goto out;
	if (kernel)
		add_modules(root, kernel, kroot);
	if (o->install && o->install(root, o->install_arg, e) < 0)
		goto out;
	if (o->overlay && copy_tree(o->overlay, root, e) < 0) {
		kerr_prefix(e, "overlay");
		goto out;
	}
	if (image_add_libs(root, o->libroot ? o->libroot : "/", &nlibs, e) < 0)
		goto out;
	if (nlibs) {
		char *ldc = child_which("ldconfig", (char *[]){ "PATH=/sbin:/usr/sbin:/bin:/usr/bin", NULL });
		if (ldc) {
			char *argv[] = { ldc, "-r", (char *)root, NULL };
			struct strbuf junk = STRBUF_INIT;
			struct kerr e2;
			child_capture(argv, environ, &junk, &e2);	/* a cache only speeds lookups */
			strbuf_release(&junk);
			free(ldc);
		}
	}
	rc = 0;
out:
	free(text);
	free(share);
	return rc;
}

/* Put the new directory tmp at out: rename, or exchange and drop the old. */
static int
publish_dir(const char *tmp, const char *out, struct kerr *e)
{
	struct kerr e2;

	if (!path_exists(out)) {
		if (rename(tmp, out) < 0)
			return kerr_errno(e, "%s", out);
		return 0;
	}
	if (!path_is_dir(out))
		return kerr_set(e, "%s: exists and is not a directory", out);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_EXCHANGE) < 0)
		return kerr_errno(e, "%s", out);
	path_rm_rf(tmp, &e2);	/* now holds the old image */
	return 0;
}

static int
write_iso(const struct image_opts *o, const char *root, const char *kernel,
    const char *work, struct kerr *e)
{
	char *iso = path_join(work, "iso");
	char *p = NULL, *cfg = NULL, *tmpout = NULL;
	const char *name = o->name ? o->name : "kiln";
	struct strbuf out = STRBUF_INIT;
	int rc = -1;

	p = path_join(iso, "boot/grub");
	if (path_mkdir_p(p, 0755, e) < 0)
		goto out;
	free(p);
	p = path_join(iso, "boot/vmlinuz");
	if (copy_file(kernel, p, 0644, e) < 0)
		goto out;
	free(p);
	p = path_join(iso, "boot/initramfs.cpio.gz");
	{
		struct archive_dev con = { "dev/console", 0600, 5, 1 };
		if (archive_write_tree(root, p, ARCHIVE_CPIO_GZ, &con, 1, e) < 0)
			goto out;
	}
	/* serial only: OVMF mirrors the EFI console onto it (spec/vm.md §5) */
	cfg = xasprintf(
	    "serial --unit=0 --speed=115200\n"
	    "terminal_input serial\n"
	    "terminal_output serial\n"
	    "set timeout=0\n"
	    "set default=0\n"
	    "menuentry \"%s\" {\n"
	    "  linux /boot/vmlinuz console=ttyS0,115200 quiet panic=-1\n"
	    "  initrd /boot/initramfs.cpio.gz\n"
	    "}\n", name);
	if (write_text(iso, "boot/grub/grub.cfg", cfg, 0644, e) < 0)
		goto out;
	tmpout = xasprintf("%s.tmp.%ld", o->out, (long)getpid());
	char *argv[] = {
		"grub-mkrescue", "-o", tmpout, "--fonts=", "--locales=", "--themes=",
		"--install-modules=linux normal iso9660 search serial terminal echo "
		    "test part_msdos part_gpt fat configfile",
		iso, "--", "-volid", "KILN", NULL
	};
	if (child_capture(argv, environ, &out, e) < 0) {
		kerr_prefix(e, "grub-mkrescue (packages grub-pc-bin, grub-efi-amd64-bin, "
		    "xorriso, mtools)");
		unlink(tmpout);
		goto out;
	}
	if (rename(tmpout, o->out) < 0) {
		kerr_errno(e, "%s", o->out);
		unlink(tmpout);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&out);
	free(iso);
	free(p);
	free(cfg);
	free(tmpout);
	return rc;
}

int
image_build(const struct image_opts *o, struct kerr *e)
{
	char *work = NULL, *root = NULL, *kernel = NULL, *tmpdir = NULL, *p = NULL;
	const char *kroot = "/";
	int rc = -1;

	if (o->kernel) {
		kernel = xstrdup(o->kernel);
	} else if (o->libroot && strcmp(o->libroot, "/") != 0 &&
	    (kernel = vm_find_kernel(o->libroot)) != NULL) {
		kroot = o->libroot;
	} else {
		kernel = vm_find_kernel("/");
	}
	if (o->type != IMAGE_TAR && kernel == NULL) {
		kerr_set(e, "no kernel: give -k KERNEL, or install one in the jail's or "
		    "the host's /boot (Debian: linux-image-cloud-amd64)");
		goto out;
	}
	if (kernel && access(kernel, R_OK) < 0) {
		kerr_errno(e, "%s", kernel);
		goto out;
	}
	if (o->overlay && !path_is_dir(o->overlay)) {
		kerr_set(e, "%s: overlay is not a directory", o->overlay);
		goto out;
	}
	work = xasprintf("%s/image.%ld", o->workdir, (long)getpid());
	if (path_rm_rf(work, e) < 0 || path_mkdir_p(work, 0700, e) < 0)
		goto out;
	root = path_join(work, "root");
	if (path_mkdir_p(root, 0755, e) < 0)
		goto out;
	chmod(root, 0755);
	if (build_tree(o, root, kernel, kroot, e) < 0)
		goto out;
	struct archive_dev con = { "dev/console", 0600, 5, 1 };
	switch (o->type) {
	case IMAGE_TAR:
		if (kernel) {
			p = path_join(root, "boot/vmlinuz");
			if (mkparent(p, e) < 0 || copy_file(kernel, p, 0644, e) < 0)
				goto out;
		}
		if (archive_write_tree(root, o->out, ARCHIVE_TAR, &con, 1, e) < 0)
			goto out;
		break;
	case IMAGE_INITRAMFS:
		tmpdir = xasprintf("%s.tmp.%ld", o->out, (long)getpid());
		if (path_rm_rf(tmpdir, e) < 0 || path_mkdir_p(tmpdir, 0755, e) < 0)
			goto out;
		p = path_join(tmpdir, "vmlinuz");
		if (copy_file(kernel, p, 0644, e) < 0)
			goto out;
		free(p);
		p = path_join(tmpdir, "initramfs.cpio.gz");
		if (archive_write_tree(root, p, ARCHIVE_CPIO_GZ, &con, 1, e) < 0)
			goto out;
		if (write_text(tmpdir, "cmdline", "quiet\n", 0644, e) < 0 ||
		    publish_dir(tmpdir, o->out, e) < 0)
			goto out;
		break;
	case IMAGE_ISO:
		if (write_iso(o, root, kernel, work, e) < 0)
			goto out;
		break;
	}
	rc = 0;
out:
	if (work) {
		struct kerr e2;
		path_rm_rf(work, &e2);
	}
	if (tmpdir) {
		struct kerr e2;
		path_rm_rf(tmpdir, &e2);
	}
	free(work);
	free(root);
	free(kernel);
	free(tmpdir);
	free(p);
	return rc;
}
