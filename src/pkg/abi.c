/*
 * abi: ABI strings and matching (see abi.h).  Calls: util.
 */
#include "pkg/abi.h"

#include "util/path.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
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

static uint32_t
rd32(const uint8_t *p, bool le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24 : (uint32_t)p[3] | (uint32_t)p[2] << 8 |
	    (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

static uint64_t
rd64(const uint8_t *p, bool le)
{
	uint64_t lo = rd32(p, le), hi = rd32(p + 4, le);

	return le ? lo | hi << 32 : hi | lo << 32;
}

static uint16_t
rd16(const uint8_t *p, bool le)
{
	return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[1] | p[0] << 8);
}

static const char *
elf_arch(unsigned machine, bool is64, bool le, bool freebsd)
{
	switch (machine) {
	case 62: return freebsd ? "amd64" : "x86_64";
	case 3: return "i386";
	case 183: return "aarch64";
	case 40: return "armv7";
	case 243: return "riscv64";
	case 21: return le ? "powerpc64le" : "powerpc64";
	case 20: return "powerpc";
	}
	(void)is64;
	return "unknown";
}

char *
pkg_abi_from_elf(const char *path, long *osversion, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	const uint8_t *b;
	bool is64, le;
	uint64_t phoff;
	unsigned phentsize, phnum, machine;
	char *abi = NULL;

	if (path_read(path, &sb, e) < 0)
		return NULL;
	b = (const uint8_t *)sb.buf;
	if (sb.len < 64 || memcmp(b, "\177ELF", 4) != 0) {
		kerr_set(e, "%s: not an ELF file", path);
		goto out;
	}
	is64 = b[4] == 2;
	le = b[5] == 1;
	machine = rd16(b + 18, le);
	phoff = is64 ? rd64(b + 32, le) : rd32(b + 28, le);
	phentsize = rd16(b + (is64 ? 54 : 42), le);
	phnum = rd16(b + (is64 ? 56 : 44), le);
	for (unsigned i = 0; i < phnum && abi == NULL; i++) {
		uint64_t ph = phoff + (uint64_t)i * phentsize, off, size;

		if (ph + (is64 ? 56 : 32) > sb.len)
			break;
		if (rd32(b + ph, le) != 4)	/* PT_NOTE */
			continue;
		off = is64 ? rd64(b + ph + 8, le) : rd32(b + ph + 4, le);
		size = is64 ? rd64(b + ph + 32, le) : rd32(b + ph + 16, le);
		if (off > sb.len || size > sb.len - off)
			continue;
		for (uint64_t p = off; p + 12 <= off + size;) {
			uint32_t namesz = rd32(b + p, le), descsz = rd32(b + p + 4, le);
			uint32_t type = rd32(b + p + 8, le);
			uint64_t name = p + 12, desc = name + ((namesz + 3) & ~3u);

			if (desc + descsz > off + size)
				break;
			if (type == 1 && namesz == 4 && memcmp(b + name, "GNU", 4) == 0 &&
			    descsz >= 16 && rd32(b + desc, le) == 0) {
				char ver[32];

				snprintf(ver, sizeof(ver), "%u.%u", rd32(b + desc + 4, le),
				    rd32(b + desc + 8, le));
				abi = pkg_abi_make("Linux", ver, elf_arch(machine, is64, le, false));
				if (osversion)
					*osversion = 0;
				break;
			}
			if (type == 1 && namesz == 8 && memcmp(b + name, "FreeBSD", 8) == 0 &&
			    descsz >= 4) {
				uint32_t v = rd32(b + desc, le);
				char ver[32];

				snprintf(ver, sizeof(ver), "%u", v / 100000);
				abi = pkg_abi_make("FreeBSD", ver, elf_arch(machine, is64, le, true));
				if (osversion)
					*osversion = (long)v;
				break;
			}
			p = desc + ((descsz + 3) & ~3u);
		}
	}
	if (abi == NULL)
		kerr_set(e, "%s: no ABI note", path);
out:
	strbuf_release(&sb);
	return abi;
}

char *
pkg_abi_root(const char *root, long *osversion)
{
	static const char *const probes[] = { "usr/bin/uname", "bin/sh" };
	struct utsname u;
	struct kerr e;

	if (osversion)
		*osversion = 0;
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		char *p = path_join(root, probes[i]);
		char *abi = pkg_abi_from_elf(p, osversion, &e);

		free(p);
		if (abi)
			return abi;
	}
	if (uname(&u) < 0)
		return xstrdup("unknown:0:unknown");
	return pkg_abi_make(u.sysname, u.release, u.machine);
}

char *
pkg_abi_host(void)
{
	return pkg_abi_root("/", NULL);
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
