/*
 * jail: build jails, the base systems every build runs on: create them
 * by one of four methods, list, update, delete, and say what they are
 * (version, architecture, pkg ABI string, content identity) and which
 * sandbox layers make their root.  It does not run anything inside them
 * (sandbox.h does) and does not build ports.
 * Calls: conf, sandbox (types only), util.
 *
 * Methods:
 *   host         a read-only view of this machine's base system.  The
 *                jail's root/ is a skeleton (tmp, var, root, home, ...)
 *                and the sandbox lays exactly these host paths over it as
 *                read-only lower layers: /usr, /etc, and each of /bin,
 *                /sbin, /lib, /lib32, /lib64, /libx32 that is a real
 *                directory; where one of those is a merged-/usr symlink
 *                (bin -> usr/bin) the skeleton has the same symlink.
 *                Nothing else of the host (no /var, /home, /root, /srv,
 *                /opt, /run) is visible.  Writes inside land in the
 *                sandbox's tmpfs upper layer; the host is never written.
 *   null -M DIR  an existing root tree, used in place (never copied,
 *                never written, not removed by -d).
 *   tar -M FILE  a rootfs tarball (any format and compression libarchive
 *                reads), unpacked into root/ refusing "..", absolute
 *                paths and writes through symlinks.
 *   debootstrap -v SUITE [-a ARCH]
 *                `debootstrap --variant=minbase SUITE` from Debian's
 *                default mirror (the Linux analogue of FreeBSD's
 *                base.txz); /etc/resolv.conf is emptied afterwards and the
 *                downloaded .deb files removed.
 * Update (-u) re-runs the method into root.new and swaps it in, so a
 * failed update leaves the old jail intact.
 *
 * On disk: BASEFS/jails/NAME/jail.ucl (written atomically) and
 * BASEFS/jails/NAME/root/ (all methods but null).  jail.ucl fields:
 *
 *   name      string  the jail's name ([A-Za-z0-9._-], not starting with '.')
 *   method    string  host | null | tar | debootstrap
 *   version   string  debootstrap: the suite; else -v, or ID-VERSION_ID of
 *                     the tree's /etc/os-release ("debian-12"), or "unknown"
 *   arch      string  machine of the tree's /usr/bin/uname (or /bin/sh):
 *                     x86_64, aarch64, ... (amd64 for FreeBSD trees)
 *   abi       string  as pkg computes it from that ELF file's ABI note:
 *                     "Linux:3.2:x86_64" (glibc's minimum kernel),
 *                     "FreeBSD:15:amd64"
 *   root      string  the tree (BASEFS/jails/NAME/root, or null's DIR)
 *   source    string  -M argument (null, tar), else absent
 *   identity  string  SHA-256 hex of the content identity (below)
 *   created   int     Unix time; updated int: Unix time of the last -c/-u
 *
 * Content identity, the jail's part of every build key: SHA-256 over
 * "kiln-jail-identity 1", the abi, and the tree's package database
 * (SHA-256 of var/lib/dpkg/status) when it has one, else a walk of the
 * tree (path, type, mode, owner, size, mtime, link target).  For host the
 * package database is the host's /var/lib/dpkg/status.  Methods whose
 * tree can change under kiln (host, null) are recomputed by
 * jail_identity() on every call; the others are fixed at -c/-u.
 */
#ifndef KILN_JAIL_H
#define KILN_JAIL_H

#include "conf.h"
#include "sandbox.h"
#include "util/kerr.h"

#include <stdint.h>

struct jail {
	char *name, *method, *version, *arch, *abi, *root, *source, *identity;
	int64_t created, updated;
};

struct jail_spec {
	const char *name;
	const char *method;	/* host, null, tar, debootstrap */
	const char *version;	/* -v: debootstrap's suite; optional label otherwise */
	const char *source;	/* -M: null's directory, tar's file */
	const char *arch;	/* -a: debootstrap's --arch; NULL: the host's */
};

/* Create a jail; j receives it (jail_free).  0 or -1. */
int jail_create(const struct conf *c, const struct jail_spec *spec,
    struct jail *j, struct kerr *e);
/* Read BASEFS/jails/NAME/jail.ucl.  0 or -1 ("jail NAME does not exist"). */
int jail_load(const struct conf *c, const char *name, struct jail *j,
    struct kerr *e);
/* Re-run the method; j is refreshed.  0 or -1 (the old jail is kept). */
int jail_update(const struct conf *c, const char *name, struct jail *j,
    struct kerr *e);
/* Remove the jail (null's directory is not touched).  0 or -1. */
int jail_delete(const struct conf *c, const char *name, struct kerr *e);
/* Every jail, sorted by name; caller frees each with jail_free and the array. */
int jail_list(const struct conf *c, struct jail **out, size_t *n, struct kerr *e);
void jail_free(struct jail *j);

/*
 * The jail's sandbox layers, bottom first (the layer paths are borrowed
 * from j or static).  Returns how many were written (at most max).
 */
size_t jail_layers(const struct jail *j, struct sandbox_layer *layers, size_t max);

/*
 * The ids of user name as the jail sees them: its /etc/passwd (the
 * topmost layer that has one), uid and primary gid.  A name of digits is
 * taken as the uid and gid themselves.  0 or -1 ("NAME: no such user in
 * the jail's /etc/passwd").
 */
int jail_user(const struct jail *j, const char *name, uid_t *uid, gid_t *gid,
    struct kerr *e);

/*
 * The host directory whose files are the jail's base system: "/" for the
 * host method (its root is only a skeleton the sandbox binds /usr and /etc
 * over), the tree itself for the others.  Borrowed from j or static.
 */
const char *jail_base_dir(const struct jail *j);

/* The identity now (recomputed for host and null); 0 or -1. */
int jail_identity(const struct jail *j, char hex[65], struct kerr *e);

/*
 * ABI string and arch of a root tree as pkg computes them, from the ELF
 * ABI note of ROOT/usr/bin/uname or ROOT/bin/sh (symlinks resolved inside
 * ROOT).  *abi and *arch are the caller's.  0 or -1.
 */
int jail_abi(const char *root, char **abi, char **arch, struct kerr *e);

/* The same from one ELF file's bytes (exposed for tests). */
int jail_abi_elf(const unsigned char *data, size_t len, char **abi,
    char **arch, struct kerr *e);

#endif
