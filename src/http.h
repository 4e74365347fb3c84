/*
 * http: kiln's web server (libmicrohttpd) for what kiln publishes: files
 * under a few mounts (a URL prefix served from a directory), read-only,
 * GET and HEAD only, with Last-Modified and If-Modified-Since (pkg clients
 * and kiln's own cache catalogs by it) and directory listings.  Nothing
 * outside a mount's directory is ever served: a ".." component is refused
 * and a path whose symlinks resolve outside the directory is not found.
 * Optionally, one URL prefix is handed to a caller's function instead (the
 * daemon's JSON API): any method, the request body (at most 64 KiB)
 * collected first.
 * Does not: write anything, run builds, render status (each bulk writes
 * its own index.html and status.json beside its logs).  Calls: util.
 *
 * URLs: "/" lists the mounts; PREFIX/REL is DIR/REL; a directory URL
 * without a trailing "/" is redirected to one; a directory serves its
 * index.html when it has one, else a listing.
 */
#ifndef KILN_HTTP_H
#define KILN_HTTP_H

#include "util/kerr.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

struct http_mount {
	const char *prefix;	/* "/packages": starts with '/', no trailing '/' */
	const char *dir;	/* the directory it serves; must exist */
};

/* Called once per answered request (from the server's threads). */
typedef void (*http_log_fn)(void *arg, const char *method, const char *url,
    unsigned status, unsigned long long bytes);

/*
 * URLs under prefix ("/api") go to fn (from the server's threads, so fn
 * must be thread-safe): it writes a JSON answer into out and returns the
 * HTTP status.  body is NUL-terminated.
 */
struct http_api {
	const char *prefix;
	unsigned (*fn)(void *arg, const char *method, const char *url,
	    const char *body, size_t len, struct strbuf *out);
	void *arg;
};

struct http_server;

/*
 * Listen on listen ("ADDR:PORT", "[ADDR6]:PORT" or "PORT"; port 0 picks a
 * free one) and serve the mounts (copied) and api (may be NULL; borrowed
 * until http_stop) from threads of the server's own.  log may be NULL.
 * 0 or -1.
 */
int http_start(const char *listen, const struct http_mount *mounts, size_t n,
    const struct http_api *api, http_log_fn log, void *log_arg,
    struct http_server **out, struct kerr *e);

/* The port the server listens on. */
unsigned http_port(const struct http_server *s);

/* Stop listening, finish the requests in flight, free s.  NULL is fine. */
void http_stop(struct http_server *s);

#endif
