/*
 * wren: wait until a TCP service accepts connections, or until an HTTP
 * endpoint answers with a 2xx status.  For rc.d scripts and boot checks:
 *
 *	wren [-q] [-t SECONDS] [-i MILLISECONDS] TARGET
 *
 * Exit status: 0 up, 1 still down at the deadline, 2 usage error.
 */
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wren.h"

static void
usage(void)
{
	fprintf(stderr, "usage: wren [-qV] [-t seconds] [-i milliseconds] "
	    "host:port | http://host[:port]/path\n");
	exit(2);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long
number(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "wren: bad %s '%s' (%ld..%ld)\n", what, s, lo,
		    hi);
		exit(2);
	}
	return v;
}

/* One probe: returns 0 when the target is up, else -1 with err filled. */
static int
probe(const struct wren_target *t, int timeout_ms, char *err, size_t errlen)
{
	int fd, code;

	fd = wren_connect(t, timeout_ms, err, errlen);
	if (fd < 0)
		return -1;
	if (!t->http) {
		close(fd);
		return 0;
	}
	code = wren_http_get(fd, t, timeout_ms, err, errlen);
	close(fd);
	if (code < 0)
		return -1;
	if (code < 200 || code > 299) {
		snprintf(err, errlen, "HTTP status %d", code);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct wren_target t;
	struct timespec nap;
	char err[512] = "";
	long timeout_s = 30, interval_ms = 250;
	long long deadline, left;
	int quiet = 0, ch, tries = 0;

	while ((ch = getopt(argc, argv, "qVt:i:")) != -1) {
		switch (ch) {
		case 'q':
			quiet = 1;
			break;
		case 'V':
			printf("wren %s\n", WREN_VERSION);
			return 0;
		case 't':
			timeout_s = number(optarg, "timeout", 0, 86400);
			break;
		case 'i':
			interval_ms = number(optarg, "interval", 10, 60000);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	if (wren_parse_target(argv[0], &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "wren: %s\n", err);
		return 2;
	}
	deadline = now_ms() + timeout_s * 1000;
	for (;;) {
		left = deadline - now_ms();
		tries++;
		if (probe(&t, left > 1000 ? 1000 : (left > 50 ? (int)left : 50),
		    err, sizeof(err)) == 0) {
			if (!quiet)
				printf("wren: %s is up\n", argv[0]);
			return 0;
		}
		if (now_ms() + interval_ms > deadline)
			break;
		nap.tv_sec = interval_ms / 1000;
		nap.tv_nsec = (interval_ms % 1000) * 1000000L;
		while (nanosleep(&nap, &nap) < 0 && errno == EINTR)
			;
	}
	fprintf(stderr, "wren: %s is down after %ld s (%d tries): %s\n",
	    argv[0], timeout_s, tries, err);
	return 1;
}
