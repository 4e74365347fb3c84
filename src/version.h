/*
 * version: FreeBSD pkg version strings and their ordering, exactly as
 * `pkg version -t` orders them (spec/pkg-format.md §2).
 *
 * A full version is PORTVERSION[_PORTREVISION][,PORTEPOCH]; "name-version"
 * is accepted too (the text after the last '-' is used).  Does not parse
 * package patterns with operators (see version_match).
 * Calls: libc only.
 */
#ifndef KILN_VERSION_H
#define KILN_VERSION_H

#include <stdbool.h>

/* -1, 0 or 1 as a sorts before, equal to, or after b.  Never fails. */
int version_cmp(const char *a, const char *b);

/* '<', '=' or '>' for version_cmp(a, b), as `pkg version -t` prints. */
char version_cmp_char(const char *a, const char *b);

/*
 * True when version v satisfies the operator op ("<", "<=", "=", ">=",
 * ">", "!=" or "" for "any") against ref.  An unknown op is false.
 */
bool version_match(const char *v, const char *op, const char *ref);

#endif
