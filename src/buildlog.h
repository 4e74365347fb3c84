/*
 * buildlog: one port's build log, size-capped (KILN_LOG_LIMIT).  Every
 * write (kiln's own banners and the sandboxed commands' output, which
 * arrives on buildlog_fd) goes through one pipe drained by a thread into
 * the file, so the order is the order of writing and a runaway build
 * cannot fill the disk: past the cap the output is read and dropped, and
 * one line says so.  The footer is written after the cap, always.
 * Does not: decide what goes into the header.  Calls: util, pthread.
 */
#ifndef KILN_BUILDLOG_H
#define KILN_BUILDLOG_H

#include "util/kerr.h"

#include <stdbool.h>
#include <stdint.h>

struct buildlog;

/* Create (truncating) path; limit 0: no cap.  NULL with e set. */
struct buildlog *buildlog_open(const char *path, uint64_t limit, struct kerr *e);
/* The fd to hand a command as stdout and stderr (borrowed). */
int buildlog_fd(const struct buildlog *bl);
void buildlog_printf(struct buildlog *bl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drain, write footer (may be NULL) past the cap, close, free.  0 or -1. */
int buildlog_close(struct buildlog *bl, const char *footer, struct kerr *e);
/* Bytes dropped because of the cap so far (valid until close). */
uint64_t buildlog_dropped(const struct buildlog *bl);

#endif
