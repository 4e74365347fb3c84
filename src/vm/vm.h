/*
 * vm: virtual machines in vm-bhyve's model (templates, one directory per
 * VM, start/stop/console/list/destroy) and boot tests that read a guest's
 * serial console.  The hypervisor is a backend behind this interface:
 * vm_qemu.c (QEMU, Linux and anywhere QEMU runs); bhyve comes later behind
 * the same functions.  Never prints; never exits.
 * Calls: util (child, path, ucl, strbuf, archive, sharedir).
 *
 * Template and guest configuration (share/kiln/vm/NAME.conf,
 * BASEFS/vm/.templates/NAME.conf), vm-bhyve's syntax: `key="value"` or
 * `key=value` lines starting in column 0, `#` comments (even inside
 * quotes, as vm-bhyve), blank lines ignored.  Keys:
 *
 *	key            values                         default   meaning
 *	loader         bios | uefi | kernel            bios      firmware: SeaBIOS, OVMF, or direct
 *	                                                         -kernel/-initrd boot (kiln)
 *	cpu            N                               1         vCPUs
 *	memory         SIZE (256M, 1G)                 256M      guest RAM (uefi: at least 512M)
 *	disk0_type     virtio-blk | ahci-hd | ide-hd   virtio-blk
 *	               | none
 *	disk0_name     file name in the VM directory   disk0.img
 *	disk0_size     SIZE (templates; -s overrides)  1G        sparse raw disk made by create
 *	network0_type  virtio-net | e1000 | none       none      user-mode NIC, restricted (no
 *	                                                         way out of the host); vm-bhyve's
 *	                                                         default is virtio-net on a switch
 *	network0_mac   xx:xx:xx:xx:xx:xx               QEMU's
 *	accel          auto | kvm | tcg                auto      (kiln) see vm_accel_resolve
 *	machine        pc | q35                        pc        (kiln) QEMU machine type
 *	kernel, initrd, cmdline  paths / text                    (kiln) for loader=kernel
 *
 * vm-bhyve keys that mean nothing to QEMU (network0_switch, uuid,
 * utctime, graphics*, grub_*, bhyveload_*, ...) are accepted and ignored;
 * any other key is an error naming FILE:LINE.
 *
 * A VM's directory, BASEFS/vm/NAME/:
 *
 *	file          written by      contents
 *	vm.ucl        create          {"name", "template", "created" (epoch s),
 *	                              "config": {key: value} as above}
 *	disk0.img     create          sparse raw disk
 *	qemu.pid      QEMU -pidfile   pid of the running QEMU (locked while it runs)
 *	qmp.sock      QEMU            QMP control socket
 *	console.sock  QEMU            serial console (COM1) socket, many attach/detach
 *	console.log   QEMU            everything the guest wrote on COM1 since start
 *	qemu.log      start           QEMU's own messages
 *	boot          install         "cdrom" while the next start boots the install ISO
 *	install.iso   install         symlink to the ISO given to `vm install`
 */
#ifndef KILN_VM_H
#define KILN_VM_H

#include "util/kerr.h"
#include "util/strbuf.h"
#include "util/ucl.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A parsed configuration; every string owned. */
struct vm_spec {
	char *loader;		/* "bios", "uefi", "kernel" */
	int cpu;
	uint64_t memory;	/* bytes */
	char *disk0_type;	/* "virtio-blk", "ahci-hd", "ide-hd", "none" */
	char *disk0_name;
	uint64_t disk0_size;	/* bytes */
	char *network0_type;	/* "virtio-net", "e1000", "none" */
	char *network0_mac;	/* NULL: QEMU's */
	char *accel;		/* "auto", "kvm", "tcg" */
	char *machine;		/* "pc", "q35" */
	char *kernel, *initrd, *cmdline;	/* NULL unless set */
};

/*
 * Parse a vm-bhyve style file into an object of strings (caller frees with
 * uv_free).  NULL with e = "FILE:LINE: what" on a syntax error or an
 * unknown key.
 */
struct uv *vm_conf_parse_file(const char *path, struct kerr *e);
/* The same from memory; name is used in messages. */
struct uv *vm_conf_parse(const char *data, size_t len, const char *name,
    struct kerr *e);

/* Fill s from an object of strings, with defaults; 0 or -1 ("KEY: ..."). */
int vm_spec_from_conf(const struct uv *cfg, struct vm_spec *s, struct kerr *e);
void vm_spec_free(struct vm_spec *s);

/*
 * The template file for name: BASEFS/vm/.templates/NAME.conf, else
 * SHAREDIR/vm/NAME.conf.  Caller frees; NULL with e listing where it looked.
 */
char *vm_template_path(const char *vmdir, const char *name, struct kerr *e);

/* Names are [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes. */
bool vm_name_ok(const char *name);

/* State of one VM (vmdir is BASEFS/vm). */
struct vm_info {
	char *name;		/* owned */
	bool running;
	pid_t pid;		/* when running */
	long uptime;		/* seconds, when running */
	int cpu;
	uint64_t memory;
	char *loader;		/* owned */
	char *template;		/* owned */
};
void vm_info_free(struct vm_info *vi);

/* Create BASEFS/vm/NAME from a template; size (bytes) 0 = template's. */
int vm_create(const char *vmdir, const char *name, const char *template,
    uint64_t size, struct kerr *e);
/* Remove a stopped VM's directory.  Refuses while it runs. */
int vm_destroy(const char *vmdir, const char *name, struct kerr *e);
/* Fill vi for NAME; -1 when it does not exist. */
int vm_get_info(const char *vmdir, const char *name, struct vm_info *vi,
    struct kerr *e);
/* Every VM under vmdir, sorted by name; caller frees each and the array. */
int vm_list(const char *vmdir, struct vm_info **out, size_t *n, struct kerr *e);
/* Boot the install ISO on the next start (boot order d, then c). */
int vm_set_install(const char *vmdir, const char *name, const char *iso,
    struct kerr *e);
/* Start NAME in the background (the QEMU outlives kiln).  accel_used gets
 * the accelerator chosen and why (caller frees), may be NULL. */
int vm_start(const char *vmdir, const char *name, char **accel_used,
    struct kerr *e);
/*
 * ACPI power-down through QMP (system_powerdown); after grace_s seconds
 * QMP quit, then SIGTERM, then SIGKILL.  *forced tells whether the guest
 * ignored the power button.  Removes the sockets and the pidfile.
 */
int vm_stop(const char *vmdir, const char *name, int grace_s, bool *forced,
    struct kerr *e);
/*
 * Attach in_fd/out_fd to NAME's serial console until the detach key
 * (VM_CONSOLE_DETACH, Ctrl-]) is read from in_fd, in_fd ends, or the VM
 * stops.  The caller puts a terminal into raw mode.
 */
#define VM_CONSOLE_DETACH 0x1d
int vm_console(const char *vmdir, const char *name, int in_fd, int out_fd,
    struct kerr *e);

/*
 * Accelerator for a run.  requested "tcg" → tcg; "kvm" → kvm when /dev/kvm
 * opens read-write, else an error; "auto" → tcg when /dev/kvm is missing or
 * not writable, or when /sys/module/kvm_pvm is loaded (nested PVM runs
 * normal guests' ring 0 in software and dies or crawls; spec/vm.md §4),
 * else the result of a probe: probe_kernel booted under KVM with a tiny
 * busybox initramfs must print a marker within probe_timeout_s.  The
 * probe's result is cached in cache_file (may be NULL) for this host boot
 * (/proc/sys/kernel/random/boot_id).  force_probe skips the shortcuts and
 * the cache.  *accel ("kvm"/"tcg") and *why are the caller's to free.
 */
struct vm_accel_req {
	const char *requested;
	const char *probe_kernel;	/* NULL: the newest /boot/vmlinuz-* */
	const char *cache_file;
	int probe_timeout_s;		/* 0: 20 */
	bool force_probe;
	const char *probe_accel;	/* NULL: "kvm"; "tcg" checks the probe itself */
};
int vm_accel_resolve(const struct vm_accel_req *r, char **accel, char **why,
    struct kerr *e);

/* Newest /boot/vmlinuz-* of root ("" or "/" for the host); caller frees. */
char *vm_find_kernel(const char *root);

/*
 * Boot test: boot an image in a throwaway VM and judge its serial console.
 * The image is either an ISO (iso) or a kernel + initrd pair.
 */
struct vm_test_opts {
	const struct vm_spec *spec;	/* template: cpu, memory, loader (bios/uefi for ISOs) */
	const char *iso;		/* or: */
	const char *kernel, *initrd, *cmdline;	/* cmdline appended to the defaults */
	const char *const *expect;	/* ERE, in order; n_expect */
	size_t n_expect;
	const char *const *fail;	/* ERE; any match fails */
	size_t n_fail;
	int timeout_s;
	const char *accel;		/* "kvm" or "tcg" (resolved) */
	int log_fd;			/* every console byte is copied here; -1 none */
	int echo_fd;			/* live copy for the user; -1 none */
	volatile sig_atomic_t *cancel;	/* set by a signal handler: stop and clean up */
	pid_t *qemu_pid;		/* when set, the running QEMU's pid is published here */
};
struct vm_test_result {
	bool pass;
	struct strbuf reason;	/* one line: why it failed, or what passed */
	struct strbuf tail;	/* the last console lines */
	long elapsed_ms;
	int matched;		/* how many --expect patterns matched */
};
void vm_test_result_init(struct vm_test_result *r);
void vm_test_result_free(struct vm_test_result *r);
/*
 * Run the test.  Returns 0 when the test ran (see r->pass) and -1 when it
 * could not (bad regex, QEMU missing: e set).  QEMU is always gone when
 * this returns.
 */
int vm_test_run(const struct vm_test_opts *o, struct vm_test_result *r,
    struct kerr *e);

/* ---- backend (vm_qemu.c) ---- */

/* What one QEMU launch needs beyond the spec; strings borrowed. */
struct vm_launch {
	const char *accel;		/* "kvm" / "tcg" */
	const char *dir;		/* VM directory (disk relative to it); NULL: no disk */
	const char *iso;		/* -cdrom, read-only */
	bool boot_cdrom;		/* boot order d first */
	const char *kernel, *initrd, *cmdline;	/* direct boot (overrides spec's) */
	const char *qmp_sock, *console_sock, *console_log, *pidfile;
	bool serial_stdio;		/* serial on stdout instead of a socket */
	bool daemonize;
};
/* argv (NULL-terminated; caller frees with xfree_strv). */
char **vm_qemu_argv(const struct vm_spec *s, const struct vm_launch *l,
    struct kerr *e);

/* Send one QMP command ("system_powerdown", "quit") over sock; 0 or -1. */
int vm_qmp_command(const char *sock, const char *cmd, struct strbuf *reply,
    struct kerr *e);

#endif
