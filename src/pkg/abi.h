/*
 * abi: pkg ABI strings (spec/pkg-format.md §3): "FreeBSD:15:amd64",
 * "Linux:3.2:x86_64"; the legacy ALTABI/`arch` form; the host's ABI; and
 * whether a package's abi fits a client's.
 * Does not read ELF notes (the Linux host ABI comes from uname(2)).
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
/* The ABI of the running host (uname); caller frees. */
char *pkg_abi_host(void);
/* Legacy form ("freebsd:15:x86:64"); NULL for a malformed abi.  Caller frees. */
char *pkg_abi_legacy(const char *abi);
/* pkg's is_valid_abi: pkgabi is a case-insensitive prefix of, or an
 * fnmatch glob matching, client.  */
bool pkg_abi_match(const char *pkgabi, const char *client);

#endif
