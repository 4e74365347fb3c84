/*
 * mk: an evaluator for the subset of BSD make that FreeBSD port Makefiles
 * use (spec/ports.md §9).  It reads a Makefile into variables (kept
 * unexpanded, as make does for `=`) and targets (recipe lines kept
 * unexpanded with their @ - + prefixes), and expands strings on demand.
 * It does not run anything: the port framework (port.c) is the
 * `.include <bsd.port*.mk>` hook, the builder runs the recipes.
 * Calls: util (xalloc, strbuf, vec, kerr, path).
 *
 * Supported:
 *	NAME = v, :=, +=, ?=        names may contain ${...}; `=` is lazy
 *	\-newline continuation      (kept verbatim inside recipe lines)
 *	# comments, \# literal
 *	$$  ${X}  $(X)  $X  nested ${A_${B}}
 *	modifiers :M :N :S :C :R :E :H :T :tl :tu :U :D :Q :O :u :ts :[n]
 *	          (:[#] :[-n] :[a..b] :[*] :[@] :[0] too)
 *	.if .elif .else .endif .ifdef .ifndef with defined() empty() make()
 *	    exists() target() ! && || ( ) == != < <= > >=
 *	.for VAR in LIST ... .endfor (one variable)
 *	targets "a b: prereq", recipe lines, .PHONY (ignored)
 *	.include <bsd.port.mk> <bsd.port.options.mk> <bsd.port.pre.mk>
 *	    <bsd.port.post.mk> (hooks); .include/.sinclude "file" inside the
 *	    port directory; .error (fails), .warning/.info (collected)
 * Anything else is refused with "FILE:LINE: ... is not supported".
 *
 * Deliberate differences from bmake: `:=` keeps `$$` as `$$`; `?=` looks
 * only at the Makefile's own scope, not at the framework's defaults (the
 * framework's defaults behave as if assigned after the port's lines);
 * exists() of a relative path looks inside the port directory, of an
 * absolute path under the sysroot given with mk_set_sysroot (false when
 * none was given), so that the result never depends on the host.
 *
 * Limits (never crash or loop): expansion depth 64 and a self-reference
 * check ("variable X refers to itself"), 16 MiB per value, include depth
 * 16, and one work budget per struct mk (about 16 MiB of text handled)
 * that parsing and every later mk_expand/mk_value draw from: a struct mk
 * is parsed, queried and freed, not kept to answer queries forever.
 */
#ifndef KILN_MK_H
#define KILN_MK_H

#include "util/kerr.h"
#include "util/strbuf.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stddef.h>

struct mk;

/* The framework hook points, in the order a Makefile meets them. */
enum mk_sys {
	MK_SYS_OPTIONS,		/* .include <bsd.port.options.mk> */
	MK_SYS_PRE,		/* .include <bsd.port.pre.mk> */
	MK_SYS_POST,		/* .include <bsd.port.post.mk> */
	MK_SYS_PORT,		/* .include <bsd.port.mk> */
};

/* Called at a system include; returns 0 or -1 with e set. */
typedef int (*mk_sys_hook)(struct mk *m, enum mk_sys which, void *arg,
    struct kerr *e);

/* Recipe line flags, from its leading @ - + characters. */
#define MK_CMD_SILENT	1u	/* @ */
#define MK_CMD_IGNORE	2u	/* - */
#define MK_CMD_ALWAYS	4u	/* + */

struct mk_cmd {
	char *raw;	/* the line as written after the tab, owned */
	char *text;	/* raw without the @ - + prefixes, owned, unexpanded */
	unsigned flags;	/* MK_CMD_* */
	const char *file;	/* borrowed until mk_free */
	int line;
};

struct mk_target {
	char *name;			/* owned */
	VEC(char *) prereqs;		/* owned strings, expanded */
	VEC(struct mk_cmd) cmds;	/* in order */
	const char *file;		/* where first defined; borrowed */
	int line;
};

/*
 * A new evaluator for the port in directory dir (.CURDIR; includes must
 * stay inside it).  display is how files are named in messages (for
 * example "sysutils/colibri"); may be NULL (then dir is used).  base, when
 * not NULL, is another evaluator whose variables are read-only defaults
 * (the framework's); it must outlive m and must not change while m is used.
 * Free with mk_free.
 */
struct mk *mk_new(const char *dir, const char *display, const struct mk *base);
void mk_free(struct mk *m);

void mk_set_hook(struct mk *m, mk_sys_hook hook, void *arg);
/* Targets named on the command line, for make(); the string is copied. */
void mk_add_make_target(struct mk *m, const char *target);
/* Root for exists() of absolute paths (copied); NULL: those are false. */
void mk_set_sysroot(struct mk *m, const char *root);

/*
 * Parse a file (a path relative to the port directory or absolute inside
 * it) and evaluate it.  optional: a missing file is not an error.
 * 0, or -1 with e = "FILE:LINE: what".
 */
int mk_parse_file(struct mk *m, const char *path, bool optional, struct kerr *e);
/* Parse text; name is used in messages. */
int mk_parse_string(struct mk *m, const char *name, const char *text,
    size_t len, struct kerr *e);

/* Assignment operators. */
enum mk_op { MK_ASSIGN, MK_APPEND, MK_DEFAULT, MK_EXPAND };

/* Assign as a Makefile line would (value unexpanded except MK_EXPAND). */
int mk_assign(struct mk *m, const char *name, enum mk_op op, const char *value,
    struct kerr *e);
/*
 * Set a variable from the outside.  Command-line variables (cmdline true)
 * cannot be changed by the Makefile, as with `make VAR=value`.
 */
void mk_set(struct mk *m, const char *name, const char *value, bool cmdline);
/* Remove a variable of m's own scope (framework bookkeeping). */
void mk_unset(struct mk *m, const char *name);

/* Unexpanded value (borrowed until the variable changes), or NULL. */
const char *mk_raw(const struct mk *m, const char *name);
/* Defined in m's own scope (not only in the base). */
bool mk_defined_own(const struct mk *m, const char *name);
bool mk_defined(const struct mk *m, const char *name);
/*
 * Where a Makefile line last assigned name: *file (borrowed) and *line.
 * False when it was not assigned by a Makefile line.
 */
bool mk_where(const struct mk *m, const char *name, const char **file, int *line);
/* Assigned by a Makefile line (not only set by mk_set from outside). */
bool mk_assigned(const struct mk *m, const char *name);

/*
 * Expand s (make syntax) into out (appended): $$ becomes $, undefined
 * variables are empty.  0 or -1 with e naming where.
 */
int mk_expand(struct mk *m, const char *s, struct strbuf *out, struct kerr *e);
/* Expand ${name} into out (appended). */
int mk_value(struct mk *m, const char *name, struct strbuf *out, struct kerr *e);

/* The targets in definition order; borrowed until mk_free. */
size_t mk_ntargets(const struct mk *m);
const struct mk_target *mk_target_at(const struct mk *m, size_t i);
const struct mk_target *mk_target(const struct mk *m, const char *name);

/* Every variable of m's own scope: name and unexpanded value. */
void mk_foreach(const struct mk *m,
    void (*fn)(const char *name, const char *raw, void *arg), void *arg);

/* Messages of .warning and .info (borrowed). */
size_t mk_nwarnings(const struct mk *m);
const char *mk_warning_at(const struct mk *m, size_t i);

/* The port directory and its display name (borrowed). */
const char *mk_dir(const struct mk *m);
const char *mk_display(const struct mk *m);

/*
 * Split s into words at blanks, honouring '…' and "…" as sh does (the
 * quotes are kept in the words, as make keeps them).  Pushes owned
 * strings onto *words.
 */
typedef VEC(char *) mk_words;
void mk_split_words(const char *s, mk_words *words);
void mk_words_free(mk_words *words);
/* Remove one level of sh quotes from s in place. */
void mk_unquote(char *s);
/* Glob match as :M does (* ? [...] and \ escapes); linear time. */
bool mk_glob(const char *pattern, const char *word);

#endif
