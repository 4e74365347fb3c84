/*
 * test_repoconf: pkg-style repository files: merging across files and
 * directories, enabled: no, priorities, and errors naming FILE:LINE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkg/repoconf.h"
#include "util/path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[] = "/tmp/kiln-repoconf.XXXXXX";

static void
put(const char *rel, const char *text)
{
	struct kerr e;
	char *p = path_join(tmpdir, rel);
	char *slash = strrchr(p, '/');

	*slash = '\0';
	assert_int_equal(path_mkdir_p(p, 0755, &e), 0);
	*slash = '/';
	assert_int_equal(path_write_atomic(p, text, strlen(text), 0644, &e), 0);
	free(p);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	struct kerr e;

	(void)state;
	return path_rm_rf(tmpdir, &e);
}

static void
test_merge(void **state)
{
	struct repoconf_set s;
	struct kerr e;
	repoconf_list l = VEC_INIT;
	char dirs[512];

	(void)state;
	put("a/10-base.conf",
	    "FreeBSD: { url: \"pkg+http://pkg.invalid/${ABI}/latest\", "
	    "signature_type: \"fingerprints\", fingerprints: \"/usr/share/keys/pkg\", "
	    "mirror_type: \"srv\" }\n");
	put("a/.hidden.conf", "broken {{{");
	put("a/notes.txt", "broken {{{");
	put("b/20-kiln.conf",
	    "# local\nFreeBSD: { enabled: no }\n"
	    "kiln: {\n  url: \"file:///srv/pkgs/\",\n  SIGNATURE_TYPE: \"pubkey\",\n"
	    "  pubkey: \"/etc/kiln.pub\",\n  priority: 5\n}\n"
	    "other: { url: \"http://127.0.0.1:1/r\" }\n");
	snprintf(dirs, sizeof(dirs), "%s/a:%s/missing:%s/b", tmpdir, tmpdir, tmpdir);
	repoconf_set_init(&s);
	assert_int_equal(repoconf_load(&s, dirs, "FreeBSD:15:amd64", &e), 0);
	assert_int_equal(s.repos.n, 3);
	const struct repoconf *f = repoconf_find(&s, "FreeBSD");
	assert_non_null(f);
	assert_false(f->enabled);
	assert_string_equal(f->url, "http://pkg.invalid/FreeBSD:15:amd64/latest");
	assert_int_equal(f->sig, REPO_SIG_FINGERPRINTS);
	const struct repoconf *k = repoconf_find(&s, "kiln");
	assert_string_equal(k->url, "file:///srv/pkgs");
	assert_int_equal(k->sig, REPO_SIG_PUBKEY);
	assert_string_equal(k->pubkey, "/etc/kiln.pub");
	assert_non_null(strstr(k->origin, "20-kiln.conf:3"));
	repoconf_enabled(&s, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0]->name, "kiln");
	assert_string_equal(l.v[1]->name, "other");
	vec_free(&l);
	repoconf_set_free(&s);
}

static void
expect_error(const char *text, const char *want)
{
	struct repoconf_set s;
	struct kerr e;
	char dir[512];

	put("err/x.conf", text);
	snprintf(dir, sizeof(dir), "%s/err", tmpdir);
	repoconf_set_init(&s);
	assert_int_equal(repoconf_load(&s, dir, NULL, &e), -1);
	if (strstr(e.msg, want) == NULL)
		fail_msg("wanted '%s' in '%s'", want, e.msg);
	repoconf_set_free(&s);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("r: {\n url: \"file:///x\",\n signature_type: \"gpg\"\n}\n",
	    "x.conf:3: repo 'r': unknown signature_type 'gpg'");
	expect_error("r: {\n url: \"file:///x\"\n priority: \"high\"\n}\n",
	    "x.conf:3: repo 'r': 'priority' must be an integer");
	expect_error("\n\nr: { url: \"ftp://x\" }\n", "x.conf:3: repo 'r': unsupported url");
	expect_error("r: { url: \"file:///x\", signature_type: pubkey }\n",
	    "x.conf:1: repo 'r': signature_type pubkey needs 'pubkey'");
	expect_error("r: { enabled: yes }\n", "repo 'r': no url");
	expect_error("r: \"file:///x\"\n", "x.conf:1: repo 'r': must be an object");
	expect_error("r: { url: \n", "x.conf");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
