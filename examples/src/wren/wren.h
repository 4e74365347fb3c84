/*
 * wren.h: shared declarations of wren, a tool that waits until a TCP
 * service accepts connections or an HTTP endpoint answers 2xx.
 */
#ifndef WREN_H
#define WREN_H

#include <stddef.h>

#include "config.h"

/* A parsed target: "HOST:PORT", "[V6ADDR]:PORT" or "http://HOST[:PORT]/PATH". */
struct wren_target {
	char host[256];
	char port[8];
	char path[1024];	/* empty for a plain TCP target */
	int http;
};

/* Parses s into t; returns 0, or -1 with a message in err (errlen bytes). */
int wren_parse_target(const char *s, struct wren_target *t, char *err,
    size_t errlen);

/*
 * Connects to t within timeout_ms; returns a connected socket or -1 with a
 * message in err.  Tries every address getaddrinfo returns.
 */
int wren_connect(const struct wren_target *t, int timeout_ms, char *err,
    size_t errlen);

/*
 * Sends "GET path" over fd and reads the status line within timeout_ms;
 * returns the HTTP status code, or -1 with a message in err.
 */
int wren_http_get(int fd, const struct wren_target *t, int timeout_ms,
    char *err, size_t errlen);

#endif
