/*
 * image: build a bootable Linux root tree and write it as an ISO, a tar or
 * an initramfs: busybox-static, kiln's init + rc + rc.subr + daemon(8) +
 * service(8) (share/kiln/image), the packages (installed by a callback,
 * the package client's job), the overlay on top, then every shared
 * library the tree's ELF files need, taken from the library root (the
 * jail's base, or the host), and a kernel.  Never prints.
 * Calls: util (path, child, archive, sharedir), image/elf, vm (find kernel).
 *
 * The root tree (what boots):
 *
 *	path                          from
 *	/init                         share/kiln/image/init (PID 1: mounts, then busybox init)
 *	/etc/inittab                  share/kiln/image/inittab
 *	/etc/rc, /etc/rc.shutdown     share/kiln/image/rc, rc.shutdown
 *	/etc/rc.subr                  share/kiln/image/rc.subr
 *	/usr/sbin/daemon, service     share/kiln/image/daemon, service
 *	/etc/acpi/PWRF/00000080       share/kiln/image/acpi-power (busybox acpid)
 *	/etc/hostname                 -h HOSTNAME (default: the image name)
 *	/etc/passwd, /etc/group       root, nobody (and what packages add)
 *	/etc/kiln-image               name=, built= (epoch)
 *	/bin/busybox + applet links   /bin/busybox of the host (must be static)
 *	/lib/modules/kiln/NAME.ko      button.ko, evdev.ko of the kernel, when found
 *	/etc/ld.so.conf, ld.so.cache  /usr/local/lib; ldconfig -r when available
 *	/boot/vmlinuz                 the kernel (iso and tar only)
 *
 * Outputs (-t): "initramfs": a directory OUT with vmlinuz,
 * initramfs.cpio.gz and cmdline (kernel arguments after console=ttyS0);
 * "tar": OUT, a tar of the tree; "iso": OUT, a GRUB hybrid ISO (BIOS and
 * UEFI, bootable as CD or disk; serial console) made by grub-mkrescue.
 * Every output appears atomically (temporary name, then rename).
 */
#ifndef KILN_IMAGE_H
#define KILN_IMAGE_H

#include "util/kerr.h"

#include <stddef.h>

enum image_type { IMAGE_ISO, IMAGE_TAR, IMAGE_INITRAMFS };

/* Install the packages into root; 0 or -1 with e set. */
typedef int (*image_install_fn)(const char *root, void *arg, struct kerr *e);

struct image_opts {
	enum image_type type;
	const char *out;
	const char *name;		/* image name (default "kiln") */
	const char *hostname;		/* default: name */
	const char *overlay;		/* NULL: none */
	const char *kernel;		/* NULL: the lib root's /boot/vmlinuz-*, else the host's */
	const char *libroot;		/* where shared libraries come from ("/" or a jail) */
	const char *workdir;		/* scratch space (a fresh directory is made in it) */
	image_install_fn install;	/* NULL: no packages */
	void *install_arg;
};

/* Build the image; 0 or -1 (e names what failed).  workdir is cleaned. */
int image_build(const struct image_opts *o, struct kerr *e);

/*
 * Copy every shared library the ELF files under root need (recursively)
 * from libroot into root, at the same paths.  Exposed for tests.
 * *copied counts the files added.  0 or -1 ("PROGRAM: needs LIB, not found
 * in LIBROOT's DIRS").
 */
int image_add_libs(const char *root, const char *libroot, size_t *copied,
    struct kerr *e);

#endif
