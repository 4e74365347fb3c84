/*
 * log: leveled messages (see log.h).
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level log_level = LOG_INFO;
static FILE *log_file;

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_open_file(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (f == NULL)
		return -1;
	log_close_file();
	setvbuf(f, NULL, _IOLBF, 0);
	log_file = f;
	return 0;
}

void
log_close_file(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	if (level <= LOG_WARN)
		fprintf(stderr, "kiln: %s: ", names[level]);
	else
		fprintf(stderr, "kiln: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (log_file) {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", localtime_r(&t, &tm));
		va_start(ap, fmt);
		fprintf(log_file, "%s %s ", stamp, names[level]);
		vfprintf(log_file, fmt, ap);
		fputc('\n', log_file);
		va_end(ap);
	}
}
