/*
 * test_fetch: lookups in the port model's parsed distinfo (and its
 * FILE:LINE errors), fetching over
 * sites in order from a server the test starts on 127.0.0.1 (override
 * first, a dead site skipped, a wrong-size copy skipped), DIST_SUBDIR,
 * checksum mismatch naming both sums and removing only the bad file,
 * makesum (keeps TIMESTAMP when nothing changed), and cargo-crates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "loopback.h"

#include "fetch.h"
#include "util/path.h"
#include "util/sha256.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];
static struct loopback srv = { -1, 0 };
static int port;
static char site_a[128], site_b[128], site_dead[64];

/* HTTP/1.0 file server over tmpdir/www: GET /PATH → the file or 404. */
static void
serve(int ls)
{
	for (;;) {
		int c = accept(ls, NULL, NULL);
		char req[1024], path[2048], *sp;
		struct strbuf body = STRBUF_INIT;
		struct kerr e;
		ssize_t n;

		if (c < 0)
			continue;
		n = read(c, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = '\0';
		sp = strchr(req + 4, ' ');
		if (strncmp(req, "GET /", 5) != 0 || sp == NULL) {
			close(c);
			continue;
		}
		*sp = '\0';
		snprintf(path, sizeof(path), "%s/www%s", tmpdir, req + 4);
		if (path_read(path, &body, &e) == 0) {
			dprintf(c, "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n",
			    body.len);
			(void)!write(c, body.buf, body.len);
		} else {
			dprintf(c, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
		}
		strbuf_release(&body);
		close(c);
	}
}

static void
put(const char *rel, const char *data)
{
	struct kerr e;
	char *p = xasprintf("%s/%s", tmpdir, rel);
	char *d = xstrdup(p);

	*strrchr(d, '/') = '\0';
	assert_int_equal(path_mkdir_p(d, 0755, &e), 0);
	assert_int_equal(path_write_atomic(p, data, strlen(data), 0644, &e), 0);
	free(d);
	free(p);
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kiln-test-fetch.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	if (loopback_start(&srv, serve) < 0)
		return -1;
	port = srv.port;
	snprintf(site_a, sizeof(site_a), "http://127.0.0.1:%d/a/", port);
	snprintf(site_b, sizeof(site_b), "http://127.0.0.1:%d/b/", port);
	snprintf(site_dead, sizeof(site_dead), "http://127.0.0.1:1/");
	return 0;
}

static int
teardown(void **state)
{
	struct kerr e;

	loopback_stop(&srv);
	return path_rm_rf(tmpdir, &e);
}

/* fetch looks entries up in the port model's parsed distinfo. */
static void
test_distinfo_lookup(void **state)
{
	static const char text[] =
	    "TIMESTAMP = 1788098666\n"
	    "MD5 (old.tar.gz) = d41d8cd98f00b204e9800998ecf8427e\n"
	    "SHA256 (rust/crates/aho-corasick-1.1.4.crate) = "
	    "ddd31a130427c27518df266943a5308ed92d4b226cc639f5a8f1002816174301\n"
	    "SIZE (rust/crates/aho-corasick-1.1.4.crate) = 184015\n"
	    "SIZE (nosum.tar.gz) = 7\n";
	port_distinfo d = VEC_INIT;
	struct kerr e;
	const struct port_distinfo_entry *de;
	const char *bad;
	char *names[] = { "aho-corasick-1.1.4.crate", "nosum.tar.gz", NULL };
	struct fetch_ctx c = { .distdir = tmpdir, .dist_subdir = "rust/crates" };

	(void)state;
	assert_int_equal(port_distinfo_parse(text, sizeof(text) - 1, "distinfo",
	    &d, &e), 0);
	de = port_distinfo_find(&d, "rust/crates/aho-corasick-1.1.4.crate");
	assert_non_null(de);
	assert_string_equal(de->sha256,
	    "ddd31a130427c27518df266943a5308ed92d4b226cc639f5a8f1002816174301");
	assert_int_equal(de->size, 184015);
	assert_null(port_distinfo_find(&d, "old.tar.gz"));
	assert_null(port_distinfo_find(&d, "missing"));

	/* A listed file without SHA256 cannot be fetched or checked. */
	c.dist_subdir = NULL;
	c.distinfo = &d;
	assert_int_equal(fetch_distfile(&c, names[1], names + 2, &e), -1);
	assert_string_equal(e.msg, "nosum.tar.gz is not in distinfo: either "
	    "distinfo is out of date or the file name is misspelled");
	assert_int_equal(fetch_checksum(&c, names[1], &e), -1);
	assert_string_equal(e.msg,
	    "nosum.tar.gz: no SHA256 checksum recorded in distinfo");
	port_distinfo_free(&d);

	/* Errors name FILE:LINE and what is wrong. */
	bad = "TIMESTAMP = 1\nSHA256 (a) = zz\n";
	assert_int_equal(port_distinfo_parse(bad, strlen(bad), "x/distinfo", &d,
	    &e), -1);
	assert_string_equal(e.msg,
	    "x/distinfo:2: SHA256 of a is not 64 lower-case hex digits");
	bad = "garbage here\n";
	assert_int_equal(port_distinfo_parse(bad, strlen(bad), "x/distinfo", &d,
	    &e), -1);
	assert_string_equal(e.msg, "x/distinfo:1: malformed distinfo line "
	    "(expected 'ALG (file) = value')");
	bad = "TIMESTAMP = soon\n";
	assert_int_equal(port_distinfo_parse(bad, strlen(bad), "x/distinfo", &d,
	    &e), -1);
	assert_string_equal(e.msg, "x/distinfo:1: malformed TIMESTAMP line");
	port_distinfo_free(&d);
}

static void
test_fetch_and_checksum(void **state)
{
	struct kerr e;
	port_distinfo d = VEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	char *cache = xasprintf("%s/cache", tmpdir);
	char *dinfo = xasprintf("%s/distinfo", tmpdir);
	char *names[] = { "foo-1.0.tar.gz", NULL };
	char *sites[] = { site_dead, site_a, site_b, NULL };
	struct fetch_ctx c = { .distdir = cache, .dist_subdir = "foo" };
	char *other = xasprintf("%s/keep-me", cache);

	/* Site a has a wrong-size copy, site b the right one. */
	put("www/b/foo-1.0.tar.gz", "the real distfile\n");
	put("www/a/foo-1.0.tar.gz", "short\n");
	put("cache/keep-me", "unrelated\n");

	/* makesum mode (no distinfo): first reachable site wins. */
	assert_int_equal(fetch_distfile(&c, names[0], sites, &e), 0);
	{ char *lp = xasprintf("%s/foo/foo-1.0.tar.gz", cache); assert_int_equal(path_read(lp, &sb, &e), 0); free(lp); }
	assert_string_equal(sb.buf, "short\n");
	/* Write distinfo from the right file. */
	put("cache/foo/foo-1.0.tar.gz", "the real distfile\n");
	assert_int_equal(fetch_makesum(&c, dinfo, names, 1, 1000, &e), 0);
	strbuf_reset(&sb);
	assert_int_equal(path_read(dinfo, &sb, &e), 0);
	char hex[65];
	sha256_buf_hex("the real distfile\n", 18, hex);
	char *want = xasprintf("TIMESTAMP = 1000\nSHA256 (foo/foo-1.0.tar.gz) = %s\n"
	    "SIZE (foo/foo-1.0.tar.gz) = 18\n", hex);
	assert_string_equal(sb.buf, want);
	/* Unchanged body: TIMESTAMP kept. */
	assert_int_equal(fetch_makesum(&c, dinfo, names, 1, 2000, &e), 0);
	strbuf_reset(&sb);
	assert_int_equal(path_read(dinfo, &sb, &e), 0);
	assert_string_equal(sb.buf, want);

	/* With distinfo: the wrong-size copy on site a is skipped. */
	strbuf_reset(&sb);
	assert_int_equal(path_read(dinfo, &sb, &e), 0);
	assert_int_equal(port_distinfo_parse(sb.buf, sb.len, dinfo, &d, &e), 0);
	c.distinfo = &d;
	char *local = fetch_local_path(&c, names[0]);
	unlink(local);
	assert_int_equal(fetch_distfile(&c, names[0], sites, &e), 0);
	assert_int_equal(fetch_checksum(&c, names[0], &e), 0);

	/* Override site first: a matching copy there is used. */
	unlink(local);
	put("www/b/over/foo-1.0.tar.gz", "the real distfile\n");
	char *ov = xasprintf("http://127.0.0.1:%d/b/over/", port);
	c.override = ov;
	char *only_dead[] = { site_dead, NULL };
	assert_int_equal(fetch_distfile(&c, names[0], only_dead, &e), 0);
	c.override = NULL;

	/* Every site fails: the error names the file. */
	unlink(local);
	assert_int_equal(fetch_distfile(&c, names[0], only_dead, &e), -1);
	assert_non_null(strstr(e.msg, "foo/foo-1.0.tar.gz: could not fetch"));
	assert_int_equal(fetch_distfile(&c, "unlisted.tar.gz", sites, &e), -1);
	assert_non_null(strstr(e.msg, "unlisted.tar.gz is not in distinfo"));

	/* Same size, different bytes: checksum names both sums. */
	put("cache/foo/foo-1.0.tar.gz", "the fake distfile\n");
	assert_int_equal(fetch_checksum(&c, names[0], &e), -1);
	assert_non_null(strstr(e.msg, "foo/foo-1.0.tar.gz: SHA256 checksum mismatch"));
	assert_non_null(strstr(e.msg, hex));
	sha256_buf_hex("the fake distfile\n", 18, hex);
	assert_non_null(strstr(e.msg, hex));
	assert_false(path_exists(local));
	assert_true(path_exists(other));

	port_distinfo_free(&d);
	strbuf_release(&sb);
	free(ov);
	free(local);
	free(want);
	free(other);
	free(cache);
	free(dinfo);
}

static void
test_cargo_crates(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct kerr e;
	const char *lock =
	    "# This file is automatically @generated by Cargo.\n"
	    "version = 3\n\n"
	    "[[package]]\nname = \"aho-corasick\"\nversion = \"1.1.4\"\n"
	    "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
	    "checksum = \"ddd3\"\ndependencies = [\n \"memchr\",\n]\n\n"
	    "[[package]]\nname = \"colibri\"\nversion = \"0.1.0\"\n\n"
	    "[[package]]\nname = \"notify\"\nversion = \"8.0.0\"\n"
	    "source = \"git+https://github.com/x/notify.git?rev=bbb9#bbb9\"\n\n"
	    "[[package]]\nname = \"memchr\"\nversion = \"2.7.4\"\n"
	    "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n"
	    "[[package]]\nname = \"notify-types\"\nversion = \"2.0.0\"\n"
	    "source = \"git+https://github.com/x/notify.git?rev=bbb9#bbb9\"\n";

	assert_int_equal(fetch_cargo_crates("Cargo.lock", lock, &out, &e), 0);
	assert_string_equal(out.buf,
	    "CARGO_CRATES=\taho-corasick-1.1.4 \\\n"
	    "\t\tmemchr-2.7.4 \\\n"
	    "\t\tnotify,notify-types@git+https://github.com/x/notify.git?rev=bbb9\\#bbb9\n");
	strbuf_reset(&out);
	assert_int_equal(fetch_cargo_crates("Cargo.lock",
	    "[[package]]\nversion = \"1\"\nsource = \"registry+x\"\n", &out, &e), -1);
	assert_non_null(strstr(e.msg, "Cargo.lock:"));
	strbuf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distinfo_lookup),
		cmocka_unit_test(test_fetch_and_checksum),
		cmocka_unit_test(test_cargo_crates),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
