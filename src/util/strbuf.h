/*
 * strbuf: a growable, always NUL-terminated byte string (git's rules).
 *
 * Rules: buf is never NULL once initialised (it points at a shared empty
 * string until the first write); len excludes the terminating NUL; the
 * bytes may contain NULs.  strbuf_release() frees and reinitialises;
 * strbuf_detach() hands the buffer to the caller (caller frees).
 * Calls: xalloc.
 */
#ifndef KILN_STRBUF_H
#define KILN_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Returns the buffer (caller frees) and leaves sb empty and reusable. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen((sb), 0)

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Append s with JSON string escaping, without the surrounding quotes. */
void strbuf_add_json_escaped(struct strbuf *sb, const char *s);

/* Remove leading / trailing whitespace (isspace). */
void strbuf_trim(struct strbuf *sb);
void strbuf_rtrim(struct strbuf *sb);

/*
 * Read the whole of fd or path into sb (appending).  Return 0, or -1 with
 * errno set.
 */
int strbuf_read_fd(struct strbuf *sb, int fd);
int strbuf_read_file(struct strbuf *sb, const char *path);

#endif
