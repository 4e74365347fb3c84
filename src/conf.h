/*
 * conf: kiln.conf, read in poudriere.conf's syntax with poudriere's keys
 * and meanings, plus kiln's own; defaults; where each value came from; and
 * the BASEFS layout (paths and area locks) that every command shares.
 *
 * File format (a subset of sh assignments, as poudriere.conf is written):
 *
 *	# comment                     whole-line or after a value
 *	KEY=value                     unquoted: ends at whitespace or '#'
 *	KEY="a ${OTHER} b"            double quotes: ${KEY} / $KEY expanded
 *	KEY='literal'                 single quotes: no expansion
 *	export KEY=value              "export " is accepted and ignored
 *
 * ${KEY} refers to a key set earlier in the file, a default, or an
 * environment variable, in that order.  An unknown key is a warning naming
 * FILE:LINE; a line that is not an assignment is an error naming FILE:LINE.
 *
 * Search order: -c FILE, $KILN_CONF, /usr/local/etc/kiln.conf,
 * /etc/kiln.conf; the first two must exist when given, the others are
 * optional, and no file at all means defaults only.
 * Calls: util.
 */
#ifndef KILN_CONF_H
#define KILN_CONF_H

#include "util/kerr.h"
#include "util/lock.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stdint.h>

struct conf_entry {
	char *key;	/* owned */
	char *value;	/* owned, expanded */
	char *origin;	/* owned: "default", "FILE:LINE", "option -B", "environment" */
};

struct conf {
	char *file;			/* the file read, or NULL; owned */
	VEC(struct conf_entry) entries;	/* every known key plus unknown ones set */
	VEC(char *) warnings;		/* owned messages for the caller to print */
};

/* Every key kiln knows, with its default and one line of help. */
struct conf_key {
	const char *name;	/* a trailing '*' matches per-package variants */
	const char *def;	/* NULL: unset by default; may hold ${KEY} */
	const char *help;
};
extern const struct conf_key conf_keys[];

void conf_init(struct conf *c);
void conf_free(struct conf *c);

/*
 * Find and read the configuration file (explicit may be NULL), then apply
 * defaults.  0, or -1 with e naming FILE:LINE.
 */
int conf_load(struct conf *c, const char *explicit, struct kerr *e);

/* Read one file (no search, no defaults).  0 or -1. */
int conf_read_file(struct conf *c, const char *path, struct kerr *e);

/*
 * Fill every unset key from its default, expanding ${KEY} references
 * (after overrides, so -B moves every path under BASEFS).  Idempotent.
 */
void conf_apply_defaults(struct conf *c);

/* Set KEY with its origin (copied), replacing an earlier value. */
void conf_set(struct conf *c, const char *key, const char *value,
    const char *origin);

/* The value (borrowed until conf_free), or NULL when unset. */
const char *conf_get(const struct conf *c, const char *key);
const char *conf_origin(const struct conf *c, const char *key);
/* Value of KEY_<suffix> when set (MAX_MEMORY_rust), else of KEY. */
const char *conf_get_for(const struct conf *c, const char *key, const char *suffix);
/* yes/true/1/on → true; no/false/0/off/unset → false. */
bool conf_get_bool(const struct conf *c, const char *key);
/* A decimal integer, or def when unset or not a number. */
long long conf_get_int(const struct conf *c, const char *key, long long def);

/*
 * Parse a size: a plain number is in unit_default bytes (poudriere's
 * MAX_MEMORY and TMPFS_LIMIT count GiB), suffixes k/K, m/M, g/G, t/T
 * (optionally followed by B or iB) are powers of 1024.  0 or -1.
 */
int conf_parse_size(const char *s, uint64_t unit_default, uint64_t *out);

/* BASEFS + "/" + formatted path; caller frees. */
char *conf_path(const struct conf *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Lock an area of BASEFS (for example "jail-main", "ports-default",
 * "bulk-main-default") for the calling command, without waiting.  The lock
 * file lives in BASEFS/.locks/.  0 or -1 with "…is in use by pid N (CMD)".
 */
int conf_lock_area(const struct conf *c, const char *area, const char *what,
    struct lock *l, struct kerr *e);

#endif
