/*
 * abi: ABI strings and matching (see abi.h).  Calls: util.
 */
#include "pkg/abi.h"

#include "util/xalloc.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

static const char *
arch_for(const char *os, const char *arch)
{
	bool freebsd = strcasecmp(os, "FreeBSD") == 0;

	if (strcmp(arch, "x86_64") == 0 || strcmp(arch, "amd64") == 0)
		return freebsd ? "amd64" : "x86_64";
	if (strcmp(arch, "arm64") == 0)
		return "aarch64";
	if (strcmp(arch, "i686") == 0 || strcmp(arch, "i586") == 0 ||
	    strcmp(arch, "i486") == 0)
		return "i386";
	return arch;
}

char *
pkg_abi_make(const char *os, const char *version, const char *arch)
{
	char major[32] = "", minor[32] = "";
	const char *p = version;
	size_t i = 0;

	while (isdigit((unsigned char)*p) && i < sizeof(major) - 1)
		major[i++] = *p++;
	major[i] = '\0';
	if (*p == '.') {
		p++;
		i = 0;
		while (isdigit((unsigned char)*p) && i < sizeof(minor) - 1)
			minor[i++] = *p++;
		minor[i] = '\0';
	}
	if (strcasecmp(os, "FreeBSD") == 0)
		return xasprintf("FreeBSD:%s:%s", major, arch_for(os, arch));
	return xasprintf("%s:%s.%s:%s", os, major, minor[0] ? minor : "0",
	    arch_for(os, arch));
}

char *
pkg_abi_host(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return xstrdup("unknown:0:unknown");
	return pkg_abi_make(u.sysname, u.release, u.machine);
}

char *
pkg_abi_legacy(const char *abi)
{
	static const struct { const char *arch, *legacy; } map[] = {
		{ "amd64", "x86:64" }, { "x86_64", "x86:64" },
		{ "i386", "x86:32" }, { "aarch64", "aarch64:64" },
		{ "armv7", "armv7:32:el:eabi:hardfp" },
		{ "armv6", "armv6:32:el:eabi:hardfp" },
		{ "powerpc64le", "powerpc:64:el" }, { "powerpc64", "powerpc:64:eb" },
		{ "powerpc", "powerpc:32:eb" }, { "riscv64", "riscv:64:hf" },
	};
	const char *c1 = strchr(abi, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *arch;
	char *os, *r;

	if (c2 == NULL)
		return NULL;
	arch = c2 + 1;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(arch, map[i].arch) == 0) {
			arch = map[i].legacy;
			break;
		}
	}
	os = xstrndup(abi, (size_t)(c2 - abi));
	for (char *p = os; *p && *p != ':'; p++)
		*p = (char)tolower((unsigned char)*p);
	r = xasprintf("%s:%s", os, arch);
	free(os);
	return r;
}

bool
pkg_abi_match(const char *pkgabi, const char *client)
{
	char *a, *b;
	bool ok;

	if (strncasecmp(pkgabi, client, strlen(pkgabi)) == 0)
		return true;
	a = xstrdup(pkgabi);
	b = xstrdup(client);
	for (char *p = a; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = b; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	ok = fnmatch(a, b, 0) == 0;
	free(a);
	free(b);
	return ok;
}
