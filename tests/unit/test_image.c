/*
 * test_image: the ELF reader (interpreter, DT_NEEDED, RUNPATH, every
 * truncation refused without a crash) and the vm-bhyve template parser,
 * the vm_spec it gives, and QEMU's argv built from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "image/elf.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vm/vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct strbuf tiny = STRBUF_INIT;

static int
setup(void **state)
{
	const char *src = getenv("KILN_SRCDIR");
	char *p = xasprintf("%s/tests/fuzz/corpus/fuzz_elf/tiny-dyn.elf", src ? src : ".");
	int rc = strbuf_read_file(&tiny, p);

	free(p);
	return rc;
}

static int
teardown(void **state)
{
	strbuf_release(&tiny);
	return 0;
}

static void
test_elf_deps(void **state)
{
	struct elf_deps d;
	struct kerr e;

	assert_int_equal(elf_deps_parse((unsigned char *)tiny.buf, tiny.len, "tiny", &d, &e), 0);
	assert_true(d.is_elf);
	assert_true(d.dynamic);
	assert_string_equal(d.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_int_equal(d.needed.n, 2);
	assert_string_equal(d.needed.v[0], "libc.so.6");
	assert_string_equal(d.needed.v[1], "libkiln.so.1");
	assert_string_equal(d.runpath, "/usr/local/lib");
	elf_deps_free(&d);
}

static void
test_elf_not_elf(void **state)
{
	struct elf_deps d;
	struct kerr e;

	assert_int_equal(elf_deps_parse((const unsigned char *)"#!/bin/sh\n", 10, "s", &d, &e), 0);
	assert_false(d.is_elf);
	elf_deps_free(&d);
}

static void
test_elf_truncations(void **state)
{
	/* every prefix is refused or parsed, never read past */
	for (size_t n = 4; n < tiny.len; n++) {
		struct elf_deps d;
		struct kerr e;
		unsigned char *copy = xmalloc(n);
		memcpy(copy, tiny.buf, n);
		if (elf_deps_parse(copy, n, "cut", &d, &e) == 0)
			elf_deps_free(&d);
		else
			assert_non_null(strstr(e.msg, "cut: "));
		free(copy);
	}
}

static void
test_elf_bad_strtab(void **state)
{
	struct elf_deps d;
	struct kerr e;
	unsigned char *copy = xmalloc(tiny.len);

	memcpy(copy, tiny.buf, tiny.len);
	/* DT_STRTAB is the 4th dynamic entry; point it far outside PT_LOAD */
	size_t dyn = tiny.len - 6 * 16;
	memset(copy + dyn + 3 * 16 + 8, 0x7f, 8);
	assert_int_equal(elf_deps_parse(copy, tiny.len, "bad", &d, &e), -1);
	assert_string_equal(e.msg, "bad: string table outside the file");
	free(copy);
}

static struct uv *
parse(const char *text, struct kerr *e)
{
	return vm_conf_parse(text, strlen(text), "t.conf", e);
}

static void
test_conf_parse(void **state)
{
	struct kerr e;
	struct uv *o = parse("# c\nloader=\"uefi\"\ncpu=2 # two\n  indented=x\n\n"
	    "memory='1G'\nnetwork0_switch=\"public\"\n", &e);
	struct vm_spec s;

	assert_non_null(o);
	assert_string_equal(uv_get_str(o, "loader"), "uefi");
	assert_string_equal(uv_get_str(o, "cpu"), "2");
	assert_null(uv_get(o, "indented"));
	assert_int_equal(vm_spec_from_conf(o, &s, &e), 0);
	assert_int_equal(s.cpu, 2);
	assert_true(s.memory == 1ull << 30);
	assert_string_equal(s.disk0_type, "virtio-blk");
	assert_string_equal(s.accel, "auto");
	assert_true(s.disk0_size == 1ull << 30);
	vm_spec_free(&s);
	uv_free(o);
}

static void
test_conf_errors(void **state)
{
	struct kerr e;
	struct uv *o;
	struct vm_spec s;

	assert_null(parse("cpu=1\nmemroy=1G\n", &e));
	assert_string_equal(e.msg, "t.conf:2: unknown key 'memroy' (see kiln-vm(8))");
	assert_null(parse("cpu 1\n", &e));
	assert_string_equal(e.msg, "t.conf:1: expected key=\"value\"");
	assert_null(parse("loader=\"bios\n", &e));
	assert_string_equal(e.msg, "t.conf:1: unterminated quote");
	assert_null(parse("CPU=1\n", &e));
	o = parse("memory=12Q\n", &e);
	assert_non_null(o);
	assert_int_equal(vm_spec_from_conf(o, &s, &e), -1);
	assert_string_equal(e.msg, "memory=\"12Q\": want a size of at least 32M (256M, 1G)");
	vm_spec_free(&s);
	uv_free(o);
	o = parse("loader=grub\n", &e);
	assert_int_equal(vm_spec_from_conf(o, &s, &e), -1);
	assert_string_equal(e.msg, "loader=\"grub\": want one of bios, uefi, kernel");
	vm_spec_free(&s);
	uv_free(o);
	o = parse("disk0_name=../x\n", &e);
	assert_int_equal(vm_spec_from_conf(o, &s, &e), -1);
	vm_spec_free(&s);
	uv_free(o);
	o = parse("loader=uefi\nmemory=128M\n", &e);
	assert_int_equal(vm_spec_from_conf(o, &s, &e), 0);
	assert_true(s.memory == 512ull << 20);	/* raised for GRUB-EFI */
	vm_spec_free(&s);
	uv_free(o);
}

static bool
has_pair(char **argv, const char *a, const char *b)
{
	for (size_t i = 0; argv[i] && argv[i + 1]; i++)
		if (strcmp(argv[i], a) == 0 && strcmp(argv[i + 1], b) == 0)
			return true;
	return false;
}

static void
test_qemu_argv(void **state)
{
	struct kerr e;
	struct uv *o = parse("loader=kernel\ncpu=2\nmemory=300M\nkernel=/k\n"
	    "initrd=/i\ncmdline=quiet\nnetwork0_type=virtio-net\n", &e);
	struct vm_spec s;
	struct vm_launch l = { .accel = "tcg", .dir = "/vm/a,b", .qmp_sock = "/vm/q",
		.console_sock = "/vm/c", .console_log = "/vm/l", .pidfile = "/vm/p",
		.daemonize = true };
	char **argv;

	assert_int_equal(vm_spec_from_conf(o, &s, &e), 0);
	argv = vm_qemu_argv(&s, &l, &e);
	assert_non_null(argv);
	assert_string_equal(argv[0], "qemu-system-x86_64");
	assert_true(has_pair(argv, "-accel", "tcg"));
	assert_true(has_pair(argv, "-smp", "2"));
	assert_true(has_pair(argv, "-m", "300M"));
	assert_true(has_pair(argv, "-kernel", "/k"));
	assert_true(has_pair(argv, "-initrd", "/i"));
	assert_true(has_pair(argv, "-append", "console=ttyS0 panic=-1 quiet"));
	assert_true(has_pair(argv, "-qmp", "unix:/vm/q,server=on,wait=off"));
	assert_true(has_pair(argv, "-serial", "chardev:con0"));
	/* a comma in a path is doubled, never an option separator */
	assert_true(has_pair(argv, "-drive", "if=virtio,format=raw,file=/vm/a,,b/disk0.img"));
	assert_true(has_pair(argv, "-netdev", "user,id=net0,restrict=on"));
	assert_true(has_pair(argv, "-pidfile", "/vm/p"));
	xfree_strv(argv);
	vm_spec_free(&s);
	uv_free(o);
}

static void
test_names(void **state)
{
	assert_true(vm_name_ok("web-1.test_a"));
	assert_false(vm_name_ok(""));
	assert_false(vm_name_ok("../x"));
	assert_false(vm_name_ok(".hidden"));
	assert_false(vm_name_ok("a/b"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_deps),
		cmocka_unit_test(test_elf_not_elf),
		cmocka_unit_test(test_elf_truncations),
		cmocka_unit_test(test_elf_bad_strtab),
		cmocka_unit_test(test_conf_parse),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_qemu_argv),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
