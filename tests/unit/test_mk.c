/*
 * test_mk: each construct of the evaluator's subset, and each refusal with
 * its exact FILE:LINE message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mk/mk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct mk *
eval(const char *text, struct kerr *e, int *rc)
{
	struct mk *m = mk_new("/nonexistent-port", "cat/p", NULL);
	*rc = mk_parse_string(m, "cat/p/Makefile", text, strlen(text), e);
	return m;
}

static void
check(const char *text, const char *var, const char *want)
{
	struct kerr e;
	int rc;
	struct mk *m = eval(text, &e, &rc);
	struct strbuf sb = STRBUF_INIT;

	if (rc != 0)
		fail_msg("parse failed: %s", e.msg);
	assert_int_equal(mk_value(m, var, &sb, &e), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
	mk_free(m);
}

static void
refuse(const char *text, const char *want)
{
	struct kerr e;
	int rc;
	struct mk *m = eval(text, &e, &rc);

	assert_int_equal(rc, -1);
	assert_string_equal(e.msg, want);
	mk_free(m);
}

static void
test_assign(void **state)
{
	check("A=1\nA+=2\nA?=3\nB?=x\nC:=${A}\nA=9\n", "C", "1 2");
	check("A=1\nA+=2\nA?=3\n", "A", "1 2");
	check("L=a \\\n\tb  \\\n  c\n", "L", "a b c");
	check("X=a\\#b # comment\n", "X", "a#b");
	check("N=B\n${N}_V=ok\n", "B_V", "ok");
	check("D=$${HOME} $$x\n", "D", "${HOME} $x");
	check("LATE=${LATER}\nLATER=yes\n", "LATE", "yes");
	check("V=${A_${K}}\nK=x\nA_x=nested\n", "V", "nested");
	check("V=$(P)\nP=paren\n", "V", "paren");
}

static void
test_modifiers(void **state)
{
	const char *L = "L=a.c b.h dir/c.c d.tar.gz\n";
	char buf[512];
#define M(expr, want) do { snprintf(buf, sizeof(buf), "%sX=${%s}\n", L, expr); \
	check(buf, "X", want); } while (0)
	M("L:M*.c", "a.c dir/c.c");
	M("L:N*.c", "b.h d.tar.gz");
	M("L:S/c/C/", "a.C b.h dir/C.c d.tar.gz");
	M("L:S/c/C/g", "a.C b.h dir/C.C d.tar.gz");
	M("L:S,^,/p/,", "/p/a.c /p/b.h /p/dir/c.c /p/d.tar.gz");
	M("L:S/$/!/", "a.c! b.h! dir/c.c! d.tar.gz!");
	M("L:S/a/[&]/", "[a].c b.h dir/c.c d.t[a]r.gz");
	M("L:C/([a-z])\\.(.)/\\2\\1/", "ca hb dir/cc tdar.gz");
	M("L:R", "a b dir/c d.tar");
	M("L:E", "c h c gz");
	M("L:H", ". . dir .");
	M("L:T", "a.c b.h c.c d.tar.gz");
	M("L:[2]", "b.h");
	M("L:[-1]", "d.tar.gz");
	M("L:[#]", "4");
	M("L:[2..3]", "b.h dir/c.c");
	M("L:[3..1]", "dir/c.c b.h a.c");
	M("L:[-1..-2]", "d.tar.gz dir/c.c");
	M("L:[3..99999999999999999999]", "dir/c.c d.tar.gz");
	M("L:[99999999999999999999..4]", "d.tar.gz");
	M("L:[5..9]", "");
	M("L:O:[1]", "a.c");
	M("L:ts,", "a.c,b.h,dir/c.c,d.tar.gz");
	M("L:[1]:tu", "A.C");
	M("NONE:Udef", "def");
	M("L:Dyes", "yes");
	M("NONE:Dyes", "");
	M("L:[1]:Q", "a.c");
	M("L:M*.c:S/^/x\\//:R", "x/a x/dir/c");
	check("U=b a a c\nX=${U:u}\n", "X", "b a c");
	check("T=Ab\nX=${T:tl}\n", "X", "ab");
	check("Q=a b\nX=${Q:Q}\n", "X", "a\\ b");
}

static void
test_conditionals(void **state)
{
	check(".if defined(NO)\nR=1\n.elif !defined(NO) && empty(NO)\nR=2\n.else\nR=3\n.endif\n", "R", "2");
	check("A=amd64\n.if ${A} == amd64 || 0\nR=y\n.endif\n", "R", "y");
	check("V=1400072\n.if ${V} >= 1400000 && ${V} < 1500000\nR=num\n.endif\n", "R", "num");
	check("O=DOCS NLS\n.if ${O:MNLS}\nR=nls\n.endif\n", "R", "nls");
	check("O=DOCS\n.if !${O:MNLS}\nR=no\n.endif\n", "R", "no");
	check(".ifdef UNDEF\nR=1\n.else\nR=2\n.endif\n.ifndef UNDEF\nS=3\n.endif\nX=${R}${S}\n", "X", "23");
	check(".if (1 && (0 || 1)) && \"a\" != \"b\"\nR=p\n.endif\n", "R", "p");
	check(".if 0\n.if 1\nR=bad\n.endif\n.else\nR=good\n.endif\n", "R", "good");
	check(". if 1\n.  endif\nR=sp\n", "R", "sp");
	check(".if make(makesum)\nR=1\n.else\nR=0\n.endif\n", "R", "0");
	check(".if defined(X) && ${X} > 3\nR=1\n.else\nR=0\n.endif\n", "R", "0");
}

static void
test_for_and_targets(void **state)
{
	struct kerr e;
	int rc;
	struct mk *m;
	const struct mk_target *t;

	check(".for x in a b\nL+=${x}-${x:tu}\n.endfor\n", "L", "a-A b-B");
	m = eval("all: pre\n\t@${MKDIR} ${D}\n\t-cp a \\\n\t  b\n.for f in x y\n"
	    "\t+echo ${f}\n.endfor\n# comment in a recipe\n\techo $$HOME\nV=1\n", &e, &rc);
	assert_int_equal(rc, 0);
	t = mk_target(m, "all");
	assert_non_null(t);
	assert_int_equal(t->prereqs.n, 1);
	assert_string_equal(t->prereqs.v[0], "pre");
	assert_int_equal(t->cmds.n, 5);
	assert_string_equal(t->cmds.v[0].text, "${MKDIR} ${D}");
	assert_int_equal(t->cmds.v[0].flags, MK_CMD_SILENT);
	assert_string_equal(t->cmds.v[0].raw, "@${MKDIR} ${D}");
	assert_string_equal(t->cmds.v[1].text, "cp a \\\n  b");
	assert_int_equal(t->cmds.v[1].flags, MK_CMD_IGNORE);
	assert_string_equal(t->cmds.v[2].text, "echo x");
	assert_int_equal(t->cmds.v[3].flags, MK_CMD_ALWAYS);
	assert_string_equal(t->cmds.v[4].text, "echo $$HOME");
	assert_int_equal(t->cmds.v[4].line, 9);
	mk_free(m);
}

static void
test_refusals(void **state)
{
	refuse("A=1\nB!=echo\n", "cat/p/Makefile:2: '!=' (shell command assignment) is not supported");
	refuse("X=${A:@v@x@}\nY:=${X}\n", "cat/p/Makefile:2: modifier ':@v@x@' is not supported");
	refuse("Y:=${A:sh}\n", "cat/p/Makefile:1: modifier ':sh' is not supported");
	refuse("Y:=${A:?a:b}\n", "cat/p/Makefile:1: modifier ':?a' is not supported");
	refuse("\n.undef X\n", "cat/p/Makefile:2: .undef is not supported");
	refuse(".export X\n", "cat/p/Makefile:1: .export is not supported");
	refuse(".for a b in 1 2\n.endfor\n", "cat/p/Makefile:1: .for with several variables is not supported");
	refuse(".include \"../other/Makefile\"\n",
	    "cat/p/Makefile:1: include of ../other/Makefile outside the port directory is not supported");
	refuse(".include <bsd.prog.mk>\n", "cat/p/Makefile:1: .include <bsd.prog.mk> is not supported "
	    "(only bsd.port.mk, bsd.port.options.mk, bsd.port.pre.mk, bsd.port.post.mk)");
	refuse("MASTERDIR=${.CURDIR}/../x\n", "cat/p/Makefile:1: MASTERDIR (slave ports) is not supported");
	refuse("A=${A} x\nB:=${A}\n", "cat/p/Makefile:2: variable A refers to itself");
	refuse(".if 1\n", "cat/p/Makefile:1: .if without .endif");
	refuse(".endif\n", "cat/p/Makefile:1: .endif without .if");
	refuse("a:: b\n", "cat/p/Makefile:1: '::' rules are not supported");
	refuse(".ORDER: a b\n", "cat/p/Makefile:1: special target .ORDER is not supported");
	refuse("just words\n", "cat/p/Makefile:1: cannot parse this line (not an assignment, rule or directive): just words");
	refuse(".if ${A} < x\n.endif\n", "cat/p/Makefile:1: comparison with '<' needs numbers, got '' and 'x'");
	refuse(".error stop here\n", "cat/p/Makefile:1: .error: stop here");
}

/* Whatever the input, evaluation stops within a bounded amount of work. */
static void
test_bounds(void **state)
{
	struct strbuf doubling = STRBUF_INIT, text = STRBUF_INIT;
	struct kerr e;
	int rc;
	struct mk *m;

	/* A0 is 16 bytes, A17 2 MiB: each line below handles 2 MiB again. */
	strbuf_addstr(&doubling, "A0=abcdefg hijklmn\n");
	for (int i = 1; i <= 17; i++)
		strbuf_addf(&doubling, "A%d:=${A%d} ${A%d}\n", i, i - 1, i - 1);
	for (int i = 0; i < 20; i++)
		strbuf_addf(&text, "%sY:=${A17:M*a*}\n", i ? "" : doubling.buf);
	m = eval(text.buf, &e, &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(e.msg, "evaluation takes too much work"));
	mk_free(m);

	/* Nested loops that would evaluate 25 million lines. */
	strbuf_reset(&text);
	strbuf_addstr(&text, "W=");
	for (int i = 0; i < 5000; i++)
		strbuf_addf(&text, " %d", i);
	strbuf_addstr(&text, "\n.for a in ${W}\n.for b in ${W}\nV=${a}${b}\n"
	    ".endfor\n.endfor\n");
	m = eval(text.buf, &e, &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(e.msg, "evaluation takes too much work"));
	mk_free(m);

	/* One .for line whose substitution alone would take 2 GiB. */
	strbuf_reset(&text);
	strbuf_addf(&text, "%s.for w in ${A17:ts,}\nX=", doubling.buf);
	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&text, "${w}");
	strbuf_addstr(&text, "\n.endfor\n");
	m = eval(text.buf, &e, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(e.msg, "cat/p/Makefile:19: .for body line grows too large");
	mk_free(m);

	/* Below the bounds the same constructs work. */
	check(doubling.buf, "A3", "abcdefg hijklmn abcdefg hijklmn abcdefg hijklmn "
	    "abcdefg hijklmn abcdefg hijklmn abcdefg hijklmn abcdefg hijklmn "
	    "abcdefg hijklmn");
	strbuf_release(&doubling);
	strbuf_release(&text);
}

static void
test_glob(void **state)
{
	assert_true(mk_glob("a*b?c", "axxbyc"));
	assert_true(mk_glob("[a-c]x", "bx"));
	assert_false(mk_glob("[!a-c]x", "bx"));
	assert_true(mk_glob("*\\:*", "a:b"));
	assert_false(mk_glob("*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assign),
		cmocka_unit_test(test_modifiers),
		cmocka_unit_test(test_conditionals),
		cmocka_unit_test(test_for_and_targets),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_glob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
