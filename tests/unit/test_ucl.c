/*
 * test_ucl: the UCL subset reader and the JSON writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/ucl.h"

#include <string.h>

static struct uv *
parse(const char *s)
{
	struct kerr e;
	struct uv *v = uv_parse(s, strlen(s), &e);

	if (v == NULL)
		fail_msg("parse failed: %s", e.msg);
	return v;
}

static void
test_json(void **state)
{
	struct uv *v = parse("{\"name\":\"colibri\",\"flatsize\":1234,\"vital\":false,"
	    "\"deps\":{\"zstd\":{\"origin\":\"archivers/zstd\",\"version\":\"1.5\"}},"
	    "\"categories\":[\"sysutils\",\"net\"],\"x\":null,\"f\":2.5,"
	    "\"u\":\"\\u00e9\\n\"}");
	struct strbuf sb = STRBUF_INIT;

	assert_string_equal(uv_get_str(v, "name"), "colibri");
	assert_int_equal(uv_get_int(v, "flatsize", 0), 1234);
	assert_false(uv_get_bool(v, "vital", true));
	assert_string_equal(uv_get_str(uv_get(uv_get(v, "deps"), "zstd"), "origin"),
	    "archivers/zstd");
	assert_int_equal(uv_get(v, "categories")->u.arr.n, 2);
	assert_string_equal(uv_get_str(v, "u"), "\xc3\xa9\n");
	uv_emit_json(v, &sb, false);
	assert_string_equal(sb.buf, "{\"name\":\"colibri\",\"flatsize\":1234,\"vital\":false,"
	    "\"deps\":{\"zstd\":{\"origin\":\"archivers/zstd\",\"version\":\"1.5\"}},"
	    "\"categories\":[\"sysutils\",\"net\"],\"x\":null,\"f\":2.5,"
	    "\"u\":\"\xc3\xa9\\n\"}");
	strbuf_release(&sb);
	uv_free(v);
}

static void
test_ucl_config_syntax(void **state)
{
	struct uv *v = parse(
	    "# pkg repository file\n"
	    "kiln: {\n"
	    "  url: \"http://127.0.0.1:8080/packages\",\n"
	    "  signature_type: \"pubkey\"\n"
	    "  pubkey = '/etc/ssl/kiln.pub';\n"
	    "  enabled: yes\n"
	    "  priority 10\n"
	    "}\n"
	    "other { url = file:///srv/repo }\n"
	    "kiln { mirror_type: none }   // merged into the first block\n"
	    "desc = <<EOD\nline one\n  line two\nEOD\n");

	struct uv *k = uv_get(v, "kiln");
	assert_non_null(k);
	assert_string_equal(uv_get_str(k, "url"), "http://127.0.0.1:8080/packages");
	assert_string_equal(uv_get_str(k, "pubkey"), "/etc/ssl/kiln.pub");
	assert_true(uv_get_bool(k, "enabled", false));
	assert_int_equal(uv_get_int(k, "priority", 0), 10);
	assert_string_equal(uv_get_str(k, "mirror_type"), "none");
	assert_string_equal(uv_get_str(uv_get(v, "other"), "url"), "file:///srv/repo");
	assert_string_equal(uv_get_str(v, "desc"), "line one\n  line two");
	uv_free(v);
}

static void
expect_error(const char *s, const char *msg)
{
	struct kerr e;
	struct uv *v = uv_parse(s, strlen(s), &e);

	assert_null(v);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("got '%s', want '%s'", e.msg, msg);
}

static void
test_errors(void **state)
{
	expect_error("{\"a\": 1", "missing '}'");
	expect_error("a = \"open", "1:5: unterminated string");
	expect_error("a {\n b = [1, 2\n", "unterminated");
	expect_error(".include \"x\"", "macros");
	expect_error("{} trailing", "unexpected text");
	expect_error("a = <<eod\nx\neod\n", "heredoc");
	char deep[400];
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	expect_error(deep, "too deep");
}

static void
test_build_and_edit(void **state)
{
	struct uv *o = uv_new_object();
	struct strbuf sb = STRBUF_INIT;

	uv_set(o, "a", uv_new_int(1));
	uv_set(o, "b", uv_new_string("x"));
	uv_set(o, "a", uv_new_int(2));
	struct uv *arr = uv_set(o, "c", uv_new_array());
	uv_push(arr, uv_new_bool(true));
	struct uv *copy = uv_copy(o);
	assert_true(uv_remove(o, "b"));
	assert_false(uv_remove(o, "b"));
	uv_emit_json(o, &sb, false);
	assert_string_equal(sb.buf, "{\"a\":2,\"c\":[true]}");
	strbuf_reset(&sb);
	uv_emit_json(copy, &sb, false);
	assert_string_equal(sb.buf, "{\"a\":2,\"b\":\"x\",\"c\":[true]}");
	strbuf_release(&sb);
	uv_free(o);
	uv_free(copy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_ucl_config_syntax),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_build_and_edit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
