/*
 * ucl: kiln's reader and writer for UCL, the configuration syntax that
 * FreeBSD pkg uses for manifests, catalogs and repository files.  Debian 12
 * does not package libucl (its "libucl" is an unrelated compressor), so
 * kiln carries this small implementation of the part of UCL those files
 * use.  It never prints and never aborts on input: every error is a
 * message with LINE:COLUMN.
 *
 * Read (a superset of JSON):
 *	# comment, // comment, nested block comments
 *	key = value;  key: value,  key value   (separators optional)
 *	key { ... }   key [ ... ]               (":"/"=" optional before blocks)
 *	"double" (JSON escapes), 'single' (only \' escaped), <<EOD heredocs
 *	numbers, true/false/yes/no/on/off, null, bare words as strings
 *	the top level is an object with or without its braces, or an array
 * A key repeated in one object keeps the last value, except that two
 * objects under one key are merged (as repository files are).
 * Refused: .include and other macros, nesting deeper than 128.
 *
 * Write: compact or indented JSON (which every UCL reader accepts), keys
 * in insertion order.
 * Calls: xalloc, strbuf, kerr.
 */
#ifndef KILN_UCL_H
#define KILN_UCL_H

#include "util/kerr.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum uv_type { UV_NULL, UV_BOOL, UV_INT, UV_FLOAT, UV_STRING, UV_ARRAY, UV_OBJECT };

struct uv {
	enum uv_type type;
	union {
		bool b;
		int64_t i;
		double f;
		struct { char *s; size_t len; } str;	/* NUL-terminated too */
		struct { struct uv **v; size_t n, cap; } arr;
		struct { char **keys; struct uv **vals; size_t n, cap; } obj;
	} u;
};

/* Parse len bytes; returns a tree the caller frees with uv_free, or NULL
 * with e set to "LINE:COLUMN: what is wrong". */
struct uv *uv_parse(const char *data, size_t len, struct kerr *e);
/* Parse a file; errors read "PATH:LINE:COLUMN: ...". */
struct uv *uv_parse_file(const char *path, struct kerr *e);
void uv_free(struct uv *v);

/* Constructors: each returns a new node the caller owns. */
struct uv *uv_new_object(void);
struct uv *uv_new_array(void);
struct uv *uv_new_string(const char *s);
struct uv *uv_new_stringn(const char *s, size_t len);
struct uv *uv_new_int(int64_t i);
struct uv *uv_new_bool(bool b);
struct uv *uv_new_null(void);
/* Insert or replace key in object o; takes ownership of val. Returns val. */
struct uv *uv_set(struct uv *o, const char *key, struct uv *val);
/* Append to array a; takes ownership of val.  Returns val. */
struct uv *uv_push(struct uv *a, struct uv *val);
/* Deep copy; caller frees. */
struct uv *uv_copy(const struct uv *v);
/* Remove key from object o (freeing its value); true when it was there. */
bool uv_remove(struct uv *o, const char *key);

/* Lookups: borrowed pointers, NULL when absent or of another type. */
struct uv *uv_get(const struct uv *o, const char *key);
const char *uv_get_str(const struct uv *o, const char *key);
/* The value as a string when it is a string, else NULL. */
const char *uv_str(const struct uv *v);
/* Integer value of key; def when absent; strings of digits are accepted. */
int64_t uv_get_int(const struct uv *o, const char *key, int64_t def);
/* Boolean value of key (true/yes/on, "true"/"yes"/"on"); def when absent. */
bool uv_get_bool(const struct uv *o, const char *key, bool def);

/* Append JSON for v to sb: compact (no spaces) or indented by two. */
void uv_emit_json(const struct uv *v, struct strbuf *sb, bool pretty);

#endif
