/*
 * test_port: the values bsd.port.mk would give for the fixture ports in
 * tests/ports, the DISTVERSION -> PORTVERSION rule, distinfo errors with
 * FILE:LINE, hook targets in the framework's order, and the files hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "port.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tree[512];
static char tmp[256];

static struct port *
load(const char *base, const char *origin)
{
	struct port_env env = { 0 };
	struct port *p = NULL;
	struct kerr e;

	env.portsdir = base;
	env.arch = "amd64";
	if (port_load(&env, origin, &p, &e) < 0)
		fail_msg("%s: %s", origin, e.msg);
	return p;
}

static void
var_is(struct port *p, const char *name, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	struct kerr e;

	assert_int_equal(port_var(p, name, &sb, &e), 0);
	if (strcmp(sb.buf, want) != 0)
		fail_msg("%s: got '%s', want '%s'", name, sb.buf, want);
	strbuf_release(&sb);
}

static void
write_port(const char *origin, const char *file, const char *text)
{
	struct kerr e;
	char *d = xasprintf("%s/%s", tmp, origin);
	char *f = xasprintf("%s/%s", d, file);

	assert_int_equal(path_mkdir_p(d, 0755, &e), 0);
	assert_int_equal(path_write_atomic(f, text, strlen(text), 0644, &e), 0);
	free(d);
	free(f);
}

static void
test_identity(void **state)
{
	struct port *p = load(tree, "devel/libfoo");

	var_is(p, "PORTVERSION", "1.2.0.r2");
	var_is(p, "DISTVERSIONFULL", "v1.2.0-rc2");
	var_is(p, "PKGVERSION", "1.2.0.r2_1");
	var_is(p, "PKGNAME", "libfoo-1.2.0.r2_1");
	var_is(p, "DISTNAME", "example-libfoo-v1.2.0-rc2_GH0");
	var_is(p, "DISTFILES", "example-libfoo-v1.2.0-rc2_GH0.tar.gz");
	var_is(p, "GH_PROJECT", "libfoo");
	var_is(p, "DOCSDIR", "/usr/local/share/doc/libfoo");
	var_is(p, "DOCSDIR_REL", "share/doc/libfoo");
	var_is(p, "PORT_OPTIONS", "DOCS TESTS");
	assert_non_null(strstr(p->wrksrc, "/work/libfoo-1.2.0-rc2"));
	assert_string_equal(p->distfiles.v[0].sites.v[0],
	    "https://codeload.github.com/example/libfoo/tar.gz/v1.2.0-rc2?dummy=/");
	assert_int_equal(p->distfiles.v[0].size, 4242);
	/* USE_LDCONFIG, %%SHLIB_VER%% and %%PORTDOCS%% */
	assert_string_equal(p->pkgs.v[0].plist.v[2], "lib/libfoo.so.1.2");
	assert_string_equal(p->pkgs.v[0].plist.v[3], "share/doc/libfoo/README");
	assert_string_equal(p->pkgs.v[0].plist.v[p->pkgs.v[0].plist.n - 1], "@ldconfig");
	port_free(p);
}

static void
test_tool(void **state)
{
	struct port *p = load(tree, "sysutils/tool");
	port_targets t = VEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct kerr e;

	var_is(p, "PKGNAME", "tool-2.4");
	var_is(p, "DISTNAME", "tool-2.4");
	var_is(p, "EXTRACT_SUFX", ".tar.xz");
	var_is(p, "MAKE_CMD", "gmake");
	var_is(p, "CFLAGS", "-DHAVE_SSL");
	var_is(p, "LDFLAGS", "-L/usr/local/lib");
	var_is(p, "TOOL_FLAGS", "-DWITH_SSL");
	var_is(p, "USES", "gmake localbase tar:xz gettext");
	assert_int_equal(p->distfiles.n, 2);
	assert_string_equal(p->distfiles.v[1].sites.v[0], "https://mirror.example.org/tool/");
	assert_int_equal(p->distfiles.v[1].sites.n, 1);
	assert_int_equal(p->rc.n, 1);
	assert_string_equal(p->rc.v[0].dest, "/usr/local/etc/rc.d/toold");
	port_phase_targets(p, "install", &t);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0]->name, "post-install");
	assert_string_equal(t.v[1]->name, "post-install-NLS-on");
	assert_int_equal(t.v[0]->cmds.n, 3);
	assert_int_equal(t.v[0]->cmds.v[2].flags, MK_CMD_IGNORE);
	assert_int_equal(port_expand(p, t.v[0]->cmds.v[2].text, &sb, &e), 0);
	{
		char *want = xasprintf("install -m 644 %s/sysutils/tool/work/tool-2.4/NEWS "
		    "%s/sysutils/tool/work/stage/usr/local/share/doc/tool", tree, tree);
		assert_string_equal(sb.buf, want);
		free(want);
	}
	vec_free(&t);
	strbuf_release(&sb);
	port_free(p);
}

static void
test_sub_list(void **state)
{
	struct port *p = load(tree, "sysutils/tool");
	struct strbuf sb = STRBUF_INIT;

	port_sub_apply(p, "u=%%TOOL_USER%%\n@comment gone\np=%%PREFIX%% %%NOPE%%\n", &sb);
	assert_string_equal(sb.buf, "u=tool\np=/usr/local %%NOPE%%\n");
	strbuf_release(&sb);
	port_free(p);
}

static void
test_portversion_rule(void **state)
{
	static const char *const cases[][2] = {
		{ "1.0-rc2", "1.0.r2" }, { "25.01.1", "25.01.1" },
		{ "2.0beta3", "2.0.b3" }, { "1.2_3", "1.2.3" }, { "V10.X", "v10.x" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *mk = xasprintf("PORTNAME=x\nDISTVERSION=%s\nCATEGORIES=misc\n"
		    "COMMENT=c\n.include <bsd.port.mk>\n", cases[i][0]);
		struct port *p;
		write_port("misc/x", "Makefile", mk);
		p = load(tmp, "misc/x");
		var_is(p, "PORTVERSION", cases[i][1]);
		port_free(p);
		free(mk);
	}
}

static void
test_errors(void **state)
{
	struct port_env env = { 0 };
	struct port *p = NULL;
	struct kerr e;

	env.portsdir = tmp;
	write_port("misc/d", "Makefile", "PORTNAME=d\nPORTVERSION=1\nCATEGORIES=misc\n"
	    "COMMENT=c\n.include <bsd.port.mk>\n");
	write_port("misc/d", "distinfo", "TIMESTAMP = 1\nSHA256 (d-1.tar.gz) = abc\n");
	assert_int_equal(port_load(&env, "misc/d", &p, &e), -1);
	assert_string_equal(e.msg, "misc/d/distinfo:2: SHA256 of d-1.tar.gz is not 64 lower-case hex digits");
	write_port("misc/d", "distinfo", "TIMESTAMP = 1\ngarbage\n");
	assert_int_equal(port_load(&env, "misc/d", &p, &e), -1);
	assert_string_equal(e.msg, "misc/d/distinfo:2: malformed distinfo line (expected 'ALG (file) = value')");
	write_port("misc/d", "distinfo", "SIZE (d-1.tar.gz) = 12x\n");
	assert_int_equal(port_load(&env, "misc/d", &p, &e), -1);
	assert_string_equal(e.msg, "misc/d/distinfo:1: SIZE of d-1.tar.gz is not a number");
	write_port("misc/e", "Makefile", "PORTNAME=e\nPORTVERSION=1\nCATEGORIES=misc\n"
	    "COMMENT=c\nUSES=python\n.include <bsd.port.mk>\n");
	assert_int_equal(port_load(&env, "misc/e", &p, &e), -1);
	assert_non_null(strstr(e.msg, "misc/e/Makefile: unsupported USES=python"));
	write_port("misc/f", "Makefile", "PORTNAME=f\nPORTVERSION=1\nCATEGORIES=misc\n"
	    "COMMENT=c\n");
	assert_int_equal(port_load(&env, "misc/f", &p, &e), -1);
	assert_string_equal(e.msg, "misc/f/Makefile: does not include <bsd.port.mk> (or <bsd.port.post.mk>)");
	write_port("misc/g", "Makefile", "PORTNAME=g\nPORTVERSION=1\nCATEGORIES=misc\n"
	    "COMMENT=c\nBUILD_DEPENDS=nocolon\n.include <bsd.port.mk>\n");
	assert_int_equal(port_load(&env, "misc/g", &p, &e), -1);
	assert_string_equal(e.msg, "misc/g/Makefile: malformed BUILD_DEPENDS entry 'nocolon' "
	    "(expected pattern:origin[:target])");
	write_port("misc/i", "Makefile", "PORTNAME=i\nPORTVERSION=1\nCATEGORIES=misc\nCOMMENT=c\n"
	    "\nUSE_GMAKE=yes\n.include <bsd.port.mk>\n");
	assert_int_equal(port_load(&env, "misc/i", &p, &e), -1);
	assert_string_equal(e.msg, "misc/i/Makefile:6: USE_GMAKE (use USES=gmake) is not supported");
	write_port("misc/j", "Makefile", "PORTNAME=j\nPORTVERSION=1\nCATEGORIES=misc\nCOMMENT=c\n"
	    "do-build:\n\ttrue\ninstall-rc-script:\n\ttrue\n.include <bsd.port.mk>\n");
	assert_int_equal(port_load(&env, "misc/j", &p, &e), -1);
	assert_string_equal(e.msg, "misc/j/Makefile:7: target install-rc-script belongs to the "
	    "framework; overriding it is not supported");
	write_port("misc/k", "Makefile", "PORTNAME=k\nPORTVERSION=1\nCATEGORIES=misc\nCOMMENT=c\n"
	    "post-build:\n\tcd ${WRKSRC} && ${MAKE} -V FOO\n.include <bsd.port.mk>\n");
	assert_int_equal(port_load(&env, "misc/k", &p, &e), -1);
	assert_string_equal(e.msg, "misc/k/Makefile:6: running ${MAKE} from a recipe is not supported");
	write_port("misc/h", "Makefile", "PORTNAME=h\nPORTVERSION=1\nCATEGORIES=misc\nCOMMENT=c\n"
	    "OPTIONS_RADIO=R\nOPTIONS_RADIO_R=A B\nOPTIONS_DEFAULT=A B\n.include <bsd.port.mk>\n");
	assert_int_equal(port_load(&env, "misc/h", &p, &e), -1);
	assert_string_equal(e.msg, "misc/h: options group RADIO R needs at most one of its options on, 2 are");
}

static void
test_files_hash(void **state)
{
	char a[SHA256_HEX_LEN + 1], b[SHA256_HEX_LEN + 1];
	struct kerr e;
	char *d = xasprintf("%s/misc/x", tmp);

	write_port("misc/x", "Makefile", "A=1\n");
	assert_int_equal(port_files_hash(d, NULL, a, &e), 0);
	assert_int_equal(port_files_hash(d, NULL, b, &e), 0);
	assert_string_equal(a, b);
	write_port("misc/x", "Makefile", "A=2\n");
	assert_int_equal(port_files_hash(d, NULL, b, &e), 0);
	assert_string_not_equal(a, b);
	free(d);
}

static int
setup(void **state)
{
	const char *src = getenv("KILN_SRCDIR");
	snprintf(tree, sizeof(tree), "%s/tests/ports", src ? src : ".");
	snprintf(tmp, sizeof(tmp), "/tmp/kiln-test-port.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int
teardown(void **state)
{
	struct kerr e;
	return path_rm_rf(tmp, &e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_tool),
		cmocka_unit_test(test_sub_list),
		cmocka_unit_test(test_portversion_rule),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_files_hash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
