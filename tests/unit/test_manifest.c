/*
 * test_manifest: parsing every key, type errors naming the key, pkg's key
 * order, compact vs full output, URL encoding, round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkg/manifest.h"

#include <string.h>

static const char full_ucl[] =
    "name: hello\nversion: \"1.0_1,1\"\norigin: misc/hello\ncomment: hi\n"
    "maintainer: me@example.org\nwww: \"https://example.org\"\n"
    "abi: \"FreeBSD:15:amd64\"\narch: \"freebsd:15:x86:64\"\nprefix: /usr/local\n"
    "flatsize: 42\nlicenselogic: dual\nlicenses: [MIT, BSD2CLAUSE]\n"
    "desc: \"100%25 caf%c3%a9\"\nvital: true\n"
    "deps { libgreet { origin: devel/libgreet, version: \"2.0\" }, noorigin { version: 1 } }\n"
    "categories: [misc]\nusers: [www]\ngroups: [www]\n"
    "shlibs_required: [\"libc.so.7\"]\nshlibs_provided: [\"libhello.so.1\"]\n"
    "conflicts: [\"hello-devel-*\"]\nprovides: [cap]\nrequires: [cap2]\n"
    "options { DOCS: on, X11: false }\nannotations { flavor: nox11 }\n"
    "files { \"/usr/local/bin/hello\": { sum: \"1$abc\", uname: root, gname: wheel, perm: \"0755\", mtime: 7 },\n"
    "        \"/usr/local/etc/h.conf\": \"1$def\",\n"
    "        \"/usr/local/share/100%25\": { sum: \"-\", perm: 644 } }\n"
    "config: [\"/usr/local/etc/h.conf\"]\n"
    "directories { \"/usr/local/share/hello\": { uname: root, gname: wheel, perm: \"0755\" }, \"/usr/local/x\": y }\n"
    "scripts { post-install: \"echo 100%25\", bogus: \"x\" }\n"
    "lua_scripts { post-install: [\"print(1)\", \"print(2)\"] }\n"
    "messages: [ { message: \"hi\", type: upgrade, minimum_version: \"1.0\" }, { message: always } ]\n"
    "unknown_key: { whatever: 1 }\n";

static struct pkg_manifest *
parse(const char *s)
{
	struct kerr e;
	struct pkg_manifest *m = pkg_manifest_parse(s, strlen(s), "t", &e);

	if (m == NULL)
		fail_msg("%s", e.msg);
	return m;
}

static void
test_parse_all_keys(void **state)
{
	struct pkg_manifest *m = parse(full_ucl);
	struct kerr e;

	assert_string_equal(m->name, "hello");
	assert_string_equal(m->version, "1.0_1,1");
	assert_string_equal(m->abi, "FreeBSD:15:amd64");
	assert_int_equal(m->flatsize, 42);
	assert_int_equal(m->licenselogic, PKG_LICENSE_OR);
	assert_int_equal(m->licenses.n, 2);
	assert_string_equal(m->desc, "100% caf\xc3\xa9");
	assert_true(m->vital);
	assert_int_equal(m->deps.n, 1);
	assert_string_equal(m->deps.v[0].name, "libgreet");
	assert_string_equal(m->deps.v[0].version, "2.0");
	assert_string_equal(m->options.v[0].value, "on");
	assert_string_equal(m->options.v[1].value, "off");
	assert_string_equal(pkg_manifest_annotation(m, "flavor"), "nox11");
	assert_int_equal(m->files.n, 3);
	assert_int_equal(pkg_manifest_file(m, "/usr/local/bin/hello")->perm, 0755);
	assert_int_equal(pkg_manifest_file(m, "/usr/local/bin/hello")->mtime, 7);
	assert_string_equal(pkg_manifest_file(m, "/usr/local/etc/h.conf")->sum, "1$def");
	assert_non_null(pkg_manifest_file(m, "/usr/local/share/100%"));
	assert_null(pkg_manifest_file(m, "/usr/local/share/100%")->sum);
	assert_int_equal(pkg_manifest_file(m, "/usr/local/share/100%")->perm, 0644);
	assert_int_equal(m->dirs.n, 2);
	assert_string_equal(m->scripts[PKG_SCRIPT_POST_INSTALL], "echo 100%");
	assert_int_equal(m->lua_scripts.n, 2);
	assert_int_equal(m->messages.n, 2);
	assert_string_equal(m->messages.v[0].type, "upgrade");
	assert_int_equal(pkg_manifest_validate(m, &e), 0);
	pkg_manifest_free(m);
}

static void
test_key_order_and_compact(void **state)
{
	struct pkg_manifest *m = parse(full_ucl);
	struct strbuf c = STRBUF_INIT, f = STRBUF_INIT;
	const char *order[] = { "\"name\"", "\"origin\"", "\"version\"", "\"comment\"",
		"\"maintainer\"", "\"www\"", "\"abi\"", "\"arch\"", "\"prefix\"",
		"\"flatsize\"", "\"licenselogic\"", "\"licenses\"", "\"vital\"",
		"\"desc\"", "\"deps\"", "\"categories\"", "\"users\"", "\"groups\"",
		"\"shlibs_required\"", "\"shlibs_provided\"", "\"conflicts\"",
		"\"provides\"", "\"requires\"", "\"options\"", "\"annotations\"",
		"\"files\"", "\"config\"", "\"directories\"", "\"scripts\"",
		"\"lua_scripts\"", "\"messages\"" };
	const char *prev = f.buf;

	pkg_manifest_emit(m, PKG_EMIT_COMPACT, &c);
	pkg_manifest_emit(m, PKG_EMIT_FULL, &f);
	prev = f.buf;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *at = strstr(f.buf, order[i]);

		if (at == NULL || at < prev)
			fail_msg("key %s missing or out of order in %s", order[i], f.buf);
		prev = at;
	}
	assert_null(strstr(c.buf, "\"files\""));
	assert_null(strstr(c.buf, "\"scripts\""));
	assert_null(strstr(c.buf, "\"directories\""));
	assert_null(strstr(c.buf, "\"config\""));
	assert_non_null(strstr(c.buf, "\"messages\""));
	assert_non_null(strstr(c.buf, "\"desc\":\"100%25 caf%c3%a9\""));
	assert_non_null(strstr(f.buf, "\"/usr/local/share/100%25\""));
	assert_non_null(strstr(f.buf, "\"licenselogic\":\"or\""));
	assert_non_null(strstr(f.buf, "\"perm\":\"0755\""));
	assert_null(strchr(f.buf, '\n'));
	pkg_manifest_free(m);
	strbuf_release(&c);
	strbuf_release(&f);
}

static void
test_round_trip(void **state)
{
	struct pkg_manifest *m = parse(full_ucl), *m2;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	pkg_manifest_emit(m, PKG_EMIT_FULL, &a);
	m2 = parse(a.buf);
	pkg_manifest_emit(m2, PKG_EMIT_FULL, &b);
	assert_string_equal(a.buf, b.buf);
	pkg_manifest_free(m);
	pkg_manifest_free(m2);
	strbuf_release(&a);
	strbuf_release(&b);
}

static void
test_type_errors(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "name: [x]", "key 'name': expected string, got array" },
		{ "flatsize: \"12\"", "key 'flatsize': expected integer" },
		{ "licenses: \"MIT\"", "key 'licenses': expected array" },
		{ "licenses: [1]", "key 'licenses': element 0: expected string" },
		{ "deps: [a]", "key 'deps': expected object" },
		{ "licenselogic: maybe", "key 'licenselogic': unknown value 'maybe'" },
		{ "vital: 1", "key 'vital': expected boolean" },
		{ "files { \"/a\": 3 }", "key 'files': expected object or string" },
		{ "files { \"/a\": { perm: \"rwx\" } }", "key 'files.perm': bad mode" },
		{ "options { A: 1 }", "key 'options'" },
		{ "messages: [ { type: install } ]", "has no string 'message'" },
		{ "[1, 2]", "not an object" },
		{ "name: \"x", "t:" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kerr e;
		struct pkg_manifest *m = pkg_manifest_parse(cases[i].in,
		    strlen(cases[i].in), "t", &e);

		if (m != NULL)
			fail_msg("accepted: %s", cases[i].in);
		if (strstr(e.msg, cases[i].want) == NULL)
			fail_msg("%s: got '%s', want '%s'", cases[i].in, e.msg, cases[i].want);
	}
}

static void
test_ints_and_validate(void **state)
{
	struct pkg_manifest *m = parse("{\"name\": 7, \"version\": 2, \"arch\": \"freebsd:14:x86:64\"}");
	struct kerr e;

	assert_string_equal(m->name, "7");
	assert_string_equal(m->version, "2");
	assert_string_equal(m->abi, "freebsd:14:x86:64");	/* abi := arch */
	assert_int_equal(pkg_manifest_validate(m, &e), -1);
	assert_non_null(strstr(e.msg, "required key 'origin'"));
	pkg_manifest_free(m);
}

/* Many files (the UCL reader indexes keys while parsing) and repeated keys:
 * the last value wins, repeated objects merge, as UCL says. */
static void
test_many_files_and_repeats(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct pkg_manifest *m;

	strbuf_addstr(&sb, "{\"name\":\"a\",\"name\":\"b\",\"files\":{");
	for (int i = 0; i < 20000; i++)
		strbuf_addf(&sb, "%s\"/f%05d\":\"1$%d\"", i ? "," : "", i, i);
	strbuf_addstr(&sb, ",\"/f00007\":\"1$again\"}, options {A: on}, options {B: off}}");
	m = parse(sb.buf);
	assert_string_equal(m->name, "b");
	assert_int_equal(m->files.n, 20000);
	assert_string_equal(pkg_manifest_file(m, "/f00007")->sum, "1$again");
	assert_string_equal(pkg_manifest_file(m, "/f19999")->sum, "1$19999");
	assert_int_equal(m->options.n, 2);
	pkg_manifest_free(m);
	strbuf_release(&sb);
}

static void
test_urlcoding(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	pkg_urlencode("a%b\xc3\xa9 \"", &sb);
	assert_string_equal(sb.buf, "a%25b%c3%a9 \"");
	strbuf_reset(&sb);
	pkg_urldecode("a%25b%C3%A9%zz%", &sb);
	assert_string_equal(sb.buf, "a%b\xc3\xa9%zz%");
	strbuf_release(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_all_keys),
		cmocka_unit_test(test_key_order_and_compact),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_ints_and_validate),
		cmocka_unit_test(test_many_files_and_repeats),
		cmocka_unit_test(test_urlcoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
