/*
 * xalloc: allocation that cannot fail.  Running out of memory is fatal
 * (message on stderr, exit 1), so call sites never check for NULL.
 * Calls: libc only.
 */
#ifndef KILN_XALLOC_H
#define KILN_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

/* Each returns memory the caller frees with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: p resized to nmemb*size, aborting on overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Free every element of a NULL-terminated array of strings, then the array. */
void xfree_strv(char **v);

#endif
