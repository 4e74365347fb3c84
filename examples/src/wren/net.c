/*
 * net.c: target parsing and connecting with a deadline (non-blocking
 * connect + poll), for IPv4 and, when configured, IPv6.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wren.h"

static int
copy(char *dst, size_t dstlen, const char *src, size_t n)
{
	if (n >= dstlen)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int
wren_parse_target(const char *s, struct wren_target *t, char *err,
    size_t errlen)
{
	const char *host, *hend, *port = NULL, *path = "";
	const char *rest;

	memset(t, 0, sizeof(*t));
	if (strncmp(s, "http://", 7) == 0) {
		t->http = 1;
		s += 7;
		path = strchr(s, '/');
		if (path == NULL)
			path = "/";
	}
	rest = t->http && strchr(s, '/') ? strchr(s, '/') : s + strlen(s);
	if (*s == '[') {
		host = s + 1;
		hend = memchr(host, ']', (size_t)(rest - host));
		if (hend == NULL) {
			snprintf(err, errlen, "%s: missing ']'", s);
			return -1;
		}
		if (hend + 1 < rest && hend[1] == ':')
			port = hend + 2;
		else if (hend + 1 != rest) {
			snprintf(err, errlen, "%s: junk after ']'", s);
			return -1;
		}
	} else {
		host = s;
		hend = rest;
		for (const char *p = s; p < rest; p++)
			if (*p == ':') {
				hend = p;
				port = p + 1;
			}
	}
	if (hend == host) {
		snprintf(err, errlen, "%s: no host", s);
		return -1;
	}
	if (copy(t->host, sizeof(t->host), host, (size_t)(hend - host)) < 0) {
		snprintf(err, errlen, "%s: host name too long", s);
		return -1;
	}
	if (port == NULL) {
		if (!t->http) {
			snprintf(err, errlen, "%s: no port (want HOST:PORT)", s);
			return -1;
		}
		strcpy(t->port, "80");
	} else {
		size_t n = (size_t)(rest - port);
		char *end;
		long v;

		if (copy(t->port, sizeof(t->port), port, n) < 0 || n == 0) {
			snprintf(err, errlen, "%s: bad port", s);
			return -1;
		}
		v = strtol(t->port, &end, 10);
		if (*end != '\0' || v < 1 || v > 65535) {
			snprintf(err, errlen, "%s: bad port '%s'", s, t->port);
			return -1;
		}
	}
	if (t->http && copy(t->path, sizeof(t->path), path, strlen(path)) < 0) {
		snprintf(err, errlen, "%s: path too long", s);
		return -1;
	}
	return 0;
}

static int
connect_one(const struct addrinfo *ai, int timeout_ms, char *err,
    size_t errlen)
{
	struct pollfd pfd;
	socklen_t len;
	int fd, flags, soerr, rc;

	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc < 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		goto fail;
	}
	if (rc < 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, timeout_ms);
		if (rc == 0) {
			snprintf(err, errlen, "connect: timed out");
			goto fail;
		}
		if (rc < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			goto fail;
		}
		len = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 ||
		    soerr != 0) {
			snprintf(err, errlen, "connect: %s", strerror(soerr));
			goto fail;
		}
	}
	(void)fcntl(fd, F_SETFL, flags);
	return fd;
fail:
	close(fd);
	return -1;
}

int
wren_connect(const struct wren_target *t, int timeout_ms, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
#if WREN_IPV6
	hints.ai_family = AF_UNSPEC;
#else
	hints.ai_family = AF_INET;
#endif
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(t->host, t->port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", t->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, timeout_ms, err, errlen);
	freeaddrinfo(res);
	return fd;
}
