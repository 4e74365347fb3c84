/*
 * kerr: the error context every library function fills on failure.
 *
 * Library code returns 0 on success and -1 on failure after writing one
 * lowercase message that names the failing thing first
 * ("ports/sysutils/colibri/Makefile:12: unknown modifier ':Z'").
 * Only main.c and cmd/ print it.  Calls: libc.
 */
#ifndef KILN_KERR_H
#define KILN_KERR_H

#include <stdarg.h>

struct kerr {
	char msg[2048];
};

/* Set the message; always returns -1 so callers can `return kerr_set(...)`. */
int kerr_set(struct kerr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Like kerr_set, with ": strerror(errno)" appended (errno read on entry). */
int kerr_errno(struct kerr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prepend "fmt: " to the current message; returns -1. */
int kerr_prefix(struct kerr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
