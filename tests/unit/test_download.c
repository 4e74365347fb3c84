/*
 * test_download: file:// and http:// fetches against a server the test
 * starts on 127.0.0.1: success, 404, size cap, If-Modified-Since, and that
 * a failure leaves the old destination untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "loopback.h"

#include "util/child.h"
#include "util/download.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];
static struct loopback srv = { -1, 0 };
static int port;

/*
 * A tiny HTTP/1.0 server in a child process: GET /ok → 200 "hello" with a
 * Last-Modified in 2020; a request with If-Modified-Since → 304;
 * anything else → 404.
 */
static void
serve(int ls)
{
	for (;;) {
		int c = accept(ls, NULL, NULL);
		char req[4096];
		ssize_t n;
		const char *resp;

		if (c < 0)
			continue;
		n = read(c, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = '\0';
		if (strstr(req, "If-Modified-Since"))
			resp = "HTTP/1.0 304 Not Modified\r\n\r\n";
		else if (strncmp(req, "GET /ok ", 8) == 0)
			resp = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n"
			    "Last-Modified: Wed, 01 Jan 2020 00:00:00 GMT\r\n\r\nhello";
		else
			resp = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
		(void)!write(c, resp, strlen(resp));
		close(c);
	}
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kiln-test-dl.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	if (loopback_start(&srv, serve) < 0)
		return -1;
	port = srv.port;
	return 0;
}

static int
teardown(void **state)
{
	struct kerr e;

	loopback_stop(&srv);
	return path_rm_rf(tmpdir, &e);
}

static void
test_http(void **state)
{
	struct kerr e;
	struct strbuf sb = STRBUF_INIT;
	char *url = xasprintf("http://127.0.0.1:%d/ok", port);
	char *missing = xasprintf("http://127.0.0.1:%d/missing", port);
	char *dest = xasprintf("%s/dest", tmpdir);
	time_t mtime;

	assert_int_equal(download_file(url, dest, NULL, &mtime, &e), DOWNLOAD_OK);
	assert_int_equal(path_read(dest, &sb, &e), 0);
	assert_string_equal(sb.buf, "hello");
	assert_int_equal(mtime, 1577836800);

	/* 404: an error naming the URL and status; dest is untouched. */
	assert_int_equal(download_file(missing, dest, NULL, NULL, &e), DOWNLOAD_ERROR);
	assert_non_null(strstr(e.msg, "/missing: HTTP 404"));
	strbuf_reset(&sb);
	assert_int_equal(path_read(dest, &sb, &e), 0);
	assert_string_equal(sb.buf, "hello");

	/* Size cap. */
	struct download_opts o = { .max_bytes = 3 };
	assert_int_equal(download_file(url, dest, &o, NULL, &e), DOWNLOAD_ERROR);
	assert_non_null(strstr(e.msg, "larger than 3 bytes"));

	/* If-Modified-Since → 304 → not modified. */
	struct download_opts ims = { .if_modified_since = 1577836800 };
	assert_int_equal(download_file(url, dest, &ims, NULL, &e), DOWNLOAD_NOT_MODIFIED);

	/* Connection refused names the URL. */
	assert_int_equal(download_file("http://127.0.0.1:1/x", dest, NULL, NULL, &e),
	    DOWNLOAD_ERROR);
	assert_non_null(strstr(e.msg, "http://127.0.0.1:1/x"));
	strbuf_release(&sb);
	free(url);
	free(missing);
	free(dest);
}

static void
test_file_url(void **state)
{
	struct kerr e;
	struct strbuf sb = STRBUF_INIT;
	char *src = xasprintf("%s/src", tmpdir);
	char *url = xasprintf("file://%s", src);
	char *dest = xasprintf("%s/copy", tmpdir);

	assert_int_equal(path_write_atomic(src, "data", 4, 0644, &e), 0);
	assert_int_equal(download_file(url, dest, NULL, NULL, &e), DOWNLOAD_OK);
	assert_int_equal(path_read(dest, &sb, &e), 0);
	assert_string_equal(sb.buf, "data");
	free(url);
	url = xasprintf("file://%s/nope", tmpdir);
	assert_int_equal(download_file(url, dest, NULL, NULL, &e), DOWNLOAD_ERROR);
	strbuf_release(&sb);
	free(src);
	free(url);
	free(dest);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_file_url),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
