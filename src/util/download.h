/*
 * download: fetch one URL (http, https, file) to a local file with libcurl,
 * atomically: the data goes to a temporary name and is renamed into place
 * only when complete, so a reader never sees a partial file and a failed
 * or interrupted download leaves the old file as it was.
 * Does not: retry across mirrors (callers walk MASTER_SITES), verify
 * checksums (callers check distinfo / catalogs).
 * Calls: xalloc, kerr, path.
 */
#ifndef KILN_DOWNLOAD_H
#define KILN_DOWNLOAD_H

#include "util/kerr.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct download_opts {
	/* 0: no limit.  A larger body fails with "...: larger than N bytes". */
	uint64_t max_bytes;
	/* When nonzero, send If-Modified-Since; a 304 leaves dest untouched. */
	time_t if_modified_since;
	/* Seconds to connect / for the whole transfer; 0: 30 / none. */
	long connect_timeout;
	long timeout;
	/* Called now and then with bytes so far and the total (0 if unknown). */
	void (*progress)(void *arg, uint64_t now, uint64_t total);
	void *progress_arg;
};

enum download_result {
	DOWNLOAD_ERROR = -1,
	DOWNLOAD_OK = 0,		/* dest written */
	DOWNLOAD_NOT_MODIFIED = 1,	/* 304: dest left as it was */
};

/*
 * Fetch url into dest (mode 0644).  opts may be NULL.  On success
 * *mtime (may be NULL) receives the server's Last-Modified time, or 0.
 * Errors name the URL and the HTTP status or curl's reason:
 * "http://127.0.0.1:8080/x.tar.gz: HTTP 404".
 */
enum download_result download_file(const char *url, const char *dest,
    const struct download_opts *opts, time_t *mtime, struct kerr *e);

#endif
