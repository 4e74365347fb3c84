/*
 * download: libcurl GET into a temporary file, renamed on success
 * (see download.h).
 */
#include "util/download.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct dl_state {
	int fd;
	uint64_t written;
	uint64_t max_bytes;
	bool too_big;
	bool write_failed;
	const struct download_opts *opts;
};

static pthread_once_t dl_once = PTHREAD_ONCE_INIT;

static void
dl_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
dl_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct dl_state *s = arg;
	size_t n = size * nmemb;

	if (s->max_bytes && s->written + n > s->max_bytes) {
		s->too_big = true;
		return 0;
	}
	if (write_full(s->fd, data, n) < 0) {
		s->write_failed = true;
		return 0;
	}
	s->written += n;
	return n;
}

static int
dl_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct dl_state *s = arg;

	if (s->opts && s->opts->progress)
		s->opts->progress(s->opts->progress_arg, (uint64_t)dlnow,
		    (uint64_t)dltotal);
	return 0;
}

enum download_result
download_file(const char *url, const char *dest, const struct download_opts *opts,
    time_t *mtime, struct kerr *e)
{
	struct dl_state s = { -1, 0, opts ? opts->max_bytes : 0, false, false, opts };
	struct atomic_file af = { NULL, NULL, -1 };
	char curlerr[CURL_ERROR_SIZE] = "";
	enum download_result rc = DOWNLOAD_ERROR;
	long status = 0, filetime = -1;
	CURL *h = NULL;
	CURLcode cc;

	pthread_once(&dl_once, dl_global_init);
	if (mtime)
		*mtime = 0;
	if (atomic_file_open(&af, dest, 0644, e) < 0)
		return DOWNLOAD_ERROR;
	s.fd = af.fd;
	if ((h = curl_easy_init()) == NULL) {
		kerr_set(e, "%s: cannot initialise libcurl", url);
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, dl_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "kiln/" KILN_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    opts && opts->connect_timeout ? opts->connect_timeout : 30L);
	if (opts && opts->timeout)
		curl_easy_setopt(h, CURLOPT_TIMEOUT, opts->timeout);
	if (opts && opts->progress) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, dl_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, &s);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	if (opts && opts->if_modified_since) {
		curl_easy_setopt(h, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
		curl_easy_setopt(h, CURLOPT_TIMEVALUE_LARGE,
		    (curl_off_t)opts->if_modified_since);
	}
	cc = curl_easy_perform(h);
	if (s.too_big) {
		kerr_set(e, "%s: larger than %llu bytes", url,
		    (unsigned long long)s.max_bytes);
		goto out;
	}
	if (s.write_failed) {
		kerr_errno(e, "%s: writing %s", url, af.tmp);
		goto out;
	}
	if (cc != CURLE_OK) {
		kerr_set(e, "%s: %s", url, curlerr[0] ? curlerr : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (strncmp(url, "file:", 5) != 0) {
		if (status == 304) {
			rc = DOWNLOAD_NOT_MODIFIED;
			goto out;
		}
		if (status < 200 || status >= 300) {
			kerr_set(e, "%s: HTTP %ld", url, status);
			goto out;
		}
	} else if (opts && opts->if_modified_since) {
		long unmet = 0;
		curl_easy_getinfo(h, CURLINFO_CONDITION_UNMET, &unmet);
		if (unmet) {
			rc = DOWNLOAD_NOT_MODIFIED;
			goto out;
		}
	}
	curl_easy_getinfo(h, CURLINFO_FILETIME, &filetime);
	if (atomic_file_commit(&af, e) < 0)
		goto out_nofile;
	if (mtime && filetime > 0)
		*mtime = (time_t)filetime;
	rc = DOWNLOAD_OK;
	goto out_nofile;
out:
	atomic_file_abort(&af);
out_nofile:
	if (h)
		curl_easy_cleanup(h);
	return rc;
}
