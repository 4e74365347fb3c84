/*
 * log: leveled messages to stderr and, optionally, to a log file.
 *
 * This is the one place below cmd/ that may write to stderr, and only for
 * progress and diagnostics the user asked for with -v; errors travel in
 * struct kerr.  Calls: libc.
 */
#ifndef KILN_LOG_H
#define KILN_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above level go nowhere; the default is LOG_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Also append every message (any level up to level) to path; 0 or -1. */
int log_open_file(const char *path);
void log_close_file(void);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
