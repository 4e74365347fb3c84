/*
 * http.c: the smallest HTTP/1.0 client wren needs: send a GET, read the
 * status line, return the status code.  The body is not read.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wren.h"

int
wren_http_get(int fd, const struct wren_target *t, int timeout_ms,
    char *err, size_t errlen)
{
	char req[1400], buf[512];
	size_t have = 0;
	struct pollfd pfd;
	ssize_t n;
	int len, code;
	char *eol;

	len = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.0\r\nHost: %s:%s\r\nUser-Agent: wren/%s\r\n"
	    "Connection: close\r\n\r\n", t->path, t->host, t->port,
	    WREN_VERSION);
	if (len < 0 || (size_t)len >= sizeof(req)) {
		snprintf(err, errlen, "request too long");
		return -1;
	}
	if (send(fd, req, (size_t)len, 0) != len) {
		snprintf(err, errlen, "send: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout_ms) <= 0) {
			snprintf(err, errlen, "no answer within the timeout");
			return -1;
		}
		n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (n < 0) {
			snprintf(err, errlen, "recv: %s", strerror(errno));
			return -1;
		}
		have += (size_t)n;
		buf[have] = '\0';
		if ((eol = strchr(buf, '\n')) != NULL || n == 0 ||
		    have == sizeof(buf) - 1)
			break;
	}
	if (sscanf(buf, "HTTP/%*d.%*d %d", &code) != 1 || code < 100 ||
	    code > 999) {
		snprintf(err, errlen, "not an HTTP status line");
		return -1;
	}
	return code;
}
