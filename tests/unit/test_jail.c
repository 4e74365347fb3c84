/*
 * test_jail: pkg-style ABI strings from ELF notes (a real Linux binary and
 * hand-made FreeBSD/Linux ELF files, truncated and hostile ones), and the
 * sandbox's exit-code convention that `kiln run` documents, and build-user
 * lookups in a jail's /etc/passwd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "jail.h"
#include "sandbox.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static void
put(unsigned char *p, uint64_t v, int size)
{
	for (int i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A 64-bit little-endian ELF with one PT_NOTE holding one note. */
static size_t
make_elf(unsigned char *d, unsigned machine, const char *name, uint32_t type,
    const uint32_t *desc, int ndesc)
{
	size_t namesz = strlen(name) + 1, off = 64 + 56;
	size_t notelen = 12 + ((namesz + 3) & ~3u) + 4 * (size_t)ndesc;

	memset(d, 0, 512);
	memcpy(d, "\177ELF", 4);
	d[4] = 2;
	d[5] = 1;
	d[6] = 1;
	put(d + 18, machine, 2);
	put(d + 32, 64, 8);	/* e_phoff */
	put(d + 54, 56, 2);	/* e_phentsize */
	put(d + 56, 1, 2);	/* e_phnum */
	put(d + 64, 4, 4);	/* PT_NOTE */
	put(d + 64 + 8, off, 8);
	put(d + 64 + 32, notelen, 8);
	put(d + off, namesz, 4);
	put(d + off + 4, 4 * (uint64_t)ndesc, 4);
	put(d + off + 8, type, 4);
	memcpy(d + off + 12, name, namesz);
	for (int i = 0; i < ndesc; i++)
		put(d + off + 12 + ((namesz + 3) & ~3u) + 4 * (size_t)i, desc[i], 4);
	return off + notelen;
}

static void
test_freebsd_abi(void **state)
{
	unsigned char d[512];
	uint32_t ver = 1500068;
	char *abi = NULL, *arch = NULL;
	struct kerr e;
	size_t n = make_elf(d, 62, "FreeBSD", 1, &ver, 1);

	assert_int_equal(jail_abi_elf(d, n, &abi, &arch, &e), 0);
	assert_string_equal(abi, "FreeBSD:15:amd64");
	assert_string_equal(arch, "amd64");
	free(abi);
	free(arch);
	ver = 1402000;
	n = make_elf(d, 183, "FreeBSD", 1, &ver, 1);
	assert_int_equal(jail_abi_elf(d, n, &abi, &arch, &e), 0);
	assert_string_equal(abi, "FreeBSD:14:aarch64");
	free(abi);
	free(arch);
}

static void
test_linux_abi(void **state)
{
	unsigned char d[512];
	uint32_t tag[4] = { 0, 3, 2, 0 };
	char *abi = NULL, *arch = NULL;
	struct kerr e;
	size_t n = make_elf(d, 62, "GNU", 1, tag, 4);

	assert_int_equal(jail_abi_elf(d, n, &abi, &arch, &e), 0);
	assert_string_equal(abi, "Linux:3.2:x86_64");
	free(abi);
	free(arch);
	/* A GNU note for another OS (Hurd = 1) is not Linux. */
	tag[0] = 1;
	n = make_elf(d, 62, "GNU", 1, tag, 4);
	assert_int_equal(jail_abi_elf(d, n, &abi, &arch, &e), -1);
	assert_non_null(strstr(e.msg, "no ELF ABI note"));
}

static void
test_bad_elf(void **state)
{
	unsigned char d[512];
	uint32_t tag[4] = { 0, 3, 2, 0 };
	char *abi = NULL, *arch = NULL;
	struct kerr e;
	size_t n = make_elf(d, 62, "GNU", 1, tag, 4);

	assert_int_equal(jail_abi_elf((const unsigned char *)"#!/bin/sh\n", 10, &abi,
	    &arch, &e), -1);
	/* Every truncation fails cleanly. */
	for (size_t len = 0; len < n; len++)
		assert_int_equal(jail_abi_elf(d, len, &abi, &arch, &e), -1);
	/* Program headers pointing past the end. */
	put(d + 32, 1 << 30, 8);
	assert_int_equal(jail_abi_elf(d, n, &abi, &arch, &e), -1);
	n = make_elf(d, 9999, "GNU", 1, tag, 4);
	assert_int_equal(jail_abi_elf(d, n, &abi, &arch, &e), -1);
	assert_non_null(strstr(e.msg, "machine 9999"));
}

static void
test_host_abi(void **state)
{
	char *abi = NULL, *arch = NULL;
	struct kerr e;
	struct utsname u;

	uname(&u);
	if (strcmp(u.machine, "x86_64") != 0)
		skip();
	assert_int_equal(jail_abi("/", &abi, &arch, &e), 0);
	assert_int_equal(strncmp(abi, "Linux:", 6), 0);
	assert_string_equal(arch, "x86_64");
	free(abi);
	free(arch);
	assert_int_equal(jail_abi("/nonexistent-kiln-root", &abi, &arch, &e), -1);
	assert_non_null(strstr(e.msg, "cannot tell the jail's ABI"));
}

static void
test_exit_codes(void **state)
{
	struct sandbox_result r = { 0 };
	char buf[256];

	r.how = SANDBOX_EXITED;
	r.code = 3;
	assert_int_equal(sandbox_exit_code(&r), 3);
	r.how = SANDBOX_SIGNALED;
	r.sig = SIGTERM;
	assert_int_equal(sandbox_exit_code(&r), 143);
	r.how = SANDBOX_OOM;
	r.peak_memory = 64 << 20;
	assert_int_equal(sandbox_exit_code(&r), 123);
	assert_non_null(strstr(sandbox_describe(&r, buf, sizeof(buf)), "memory limit hit"));
	assert_non_null(strstr(buf, "64.0 MiB"));
	r.how = SANDBOX_TIMEOUT;
	assert_int_equal(sandbox_exit_code(&r), 124);
	r.how = SANDBOX_NOHANG;
	assert_int_equal(sandbox_exit_code(&r), 125);
	r.how = SANDBOX_LOST;
	assert_int_equal(sandbox_exit_code(&r), 120);
}

static void
test_jail_user(void **state)
{
	char dir[] = "/tmp/kiln-test-jail.XXXXXX";
	struct jail j = { .name = "t", .method = "null" };
	struct kerr e;
	uid_t u = 0;
	gid_t g = 0;
	const char *pw =
	    "root:x:0:0:root:/root:/bin/sh\n"
	    "nobodyx:x:1:1::/:/bin/false\n"
	    "broken:x:abc:5::/:/bin/false\n"
	    "nobody:x:65534:65533:nobody:/nonexistent:/usr/sbin/nologin\n";

	(void)state;
	assert_non_null(mkdtemp(dir));
	j.root = dir;
	assert_int_equal(jail_user(&j, "nobody", &u, &g, &e), -1);
	assert_non_null(strstr(e.msg, "no /etc/passwd"));
	char *etc = path_join(dir, "etc"), *file = path_join(dir, "etc/passwd");
	assert_int_equal(path_mkdir_p(etc, 0755, &e), 0);
	assert_int_equal(path_write_atomic(file, pw, strlen(pw), 0644, &e), 0);
	assert_int_equal(jail_user(&j, "nobody", &u, &g, &e), 0);
	assert_int_equal(u, 65534);	/* not nobodyx's, a prefix of the name */
	assert_int_equal(g, 65533);
	assert_int_equal(jail_user(&j, "root", &u, &g, &e), 0);
	assert_int_equal(u, 0);
	assert_int_equal(jail_user(&j, "4321", &u, &g, &e), 0);
	assert_int_equal(u, 4321);
	assert_int_equal(g, 4321);
	/* Never a uid that set*id would read as "unchanged" (root stays root). */
	assert_int_equal(jail_user(&j, "4294967295", &u, &g, &e), -1);
	assert_int_equal(jail_user(&j, "-1", &u, &g, &e), -1);
	assert_int_equal(jail_user(&j, "broken", &u, &g, &e), -1);
	assert_int_equal(jail_user(&j, "nobod", &u, &g, &e), -1);
	assert_string_equal(e.msg, "nobod: no such user in jail t's /etc/passwd");
	assert_int_equal(jail_user(&j, "", &u, &g, &e), -1);
	assert_int_equal(path_rm_rf(dir, &e), 0);
	free(etc);
	free(file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_freebsd_abi),
		cmocka_unit_test(test_linux_abi),
		cmocka_unit_test(test_bad_elf),
		cmocka_unit_test(test_host_abi),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_jail_user),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
