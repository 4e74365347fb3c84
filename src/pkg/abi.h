/*
 * abi: pkg ABI strings (spec/pkg-format.md §3): "FreeBSD:15:amd64",
 * "Linux:3.2:x86_64"; the legacy ALTABI/`arch` form; the host's ABI; and
 * whether a package's abi fits a client's.
 * The host ABI is read as pkg reads it: from the ELF notes of
 * /usr/bin/uname, else /bin/sh (NT_GNU_ABI_TAG: Linux major.minor of the
 * oldest supported kernel, so Debian 12 is "Linux:3.2:x86_64";
 * NT_FREEBSD_ABI_TAG: __FreeBSD_version), falling back to uname(2).
 * Calls: util.
 */
#ifndef KILN_PKG_ABI_H
#define KILN_PKG_ABI_H

#include "util/kerr.h"

#include <stdbool.h>

/*
 * Build an ABI string from OS ("FreeBSD", "Linux", ...), a version
 * ("15.0", "6.1.0-13") and an arch as uname -m spells it ("amd64",
 * "x86_64", "aarch64"): FreeBSD keeps the major only and spells amd64;
 * Linux keeps major.minor and spells x86_64.  Caller frees.
 */
char *pkg_abi_make(const char *os, const char *version, const char *arch);
/* The ABI of the system rooted at root ("/" for the host): ELF notes of
 * ROOT/usr/bin/uname or ROOT/bin/sh, else uname(2).  Caller frees.
 * osversion (may be NULL) receives __FreeBSD_version on FreeBSD, else 0. */
char *pkg_abi_root(const char *root, long *osversion);
/* pkg_abi_root("/", NULL). */
char *pkg_abi_host(void);
/* ABI from one ELF file's notes; NULL with e set when it has none. */
char *pkg_abi_from_elf(const char *path, long *osversion, struct kerr *e);
/* Legacy form ("freebsd:15:x86:64"); NULL for a malformed abi.  Caller frees. */
char *pkg_abi_legacy(const char *abi);
/* pkg's is_valid_abi: pkgabi is a case-insensitive prefix of, or an
 * fnmatch glob matching, client.  */
bool pkg_abi_match(const char *pkgabi, const char *client);

#endif
