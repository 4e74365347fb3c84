/*
 * mk_int: what the files of the mk module share and nobody else sees.
 */
#ifndef KILN_MK_INT_H
#define KILN_MK_INT_H

#include "mk/mk.h"
#include "util/xalloc.h"

#include <regex.h>
#include <stdint.h>

struct mk_var {
	char *name;		/* owned */
	size_t namelen;
	uint32_t hash;
	struct strbuf val;	/* unexpanded text */
	bool dollar;		/* val contains '$' (needs expansion) */
	bool dead;		/* slot kept but undefined */
	bool cmdline;		/* set from outside; the Makefile cannot change it */
	const char *file;	/* where last assigned; borrowed (m->files) */
	int line;
};

struct mk_table {
	struct mk_var **slots;
	size_t cap, n;
	VEC(struct mk_var *) order;	/* insertion order; owns the vars */
};

#define MK_MAX_DEPTH 64
/* Longest value an expansion or a variable may have. */
#define MK_MAX_LEN (16UL << 20)
#define MK_RE_CACHE 16

struct mk_re {
	char *pat;	/* owned */
	int cflags;
	regex_t re;
};

struct mk {
	char *dir;			/* .CURDIR, owned */
	char *display;			/* owned */
	const struct mk *base;		/* read-only defaults, borrowed */
	char *sysroot;			/* owned or NULL */
	struct mk_table vars;
	VEC(struct mk_target *) targets;	/* owned */
	VEC(char *) make_targets;	/* owned */
	VEC(char *) files;		/* interned display names, owned */
	VEC(char *) warnings;		/* owned */
	mk_sys_hook hook;
	void *hook_arg;

	/* Where we are, for messages. */
	const char *loc_file;
	int loc_line;
	/* Expansion state. */
	const struct mk_var *stack[MK_MAX_DEPTH];
	int depth;
	unsigned long work;		/* spent by this makefile (mk_spend) */
	int include_depth;
	int nest;			/* ${ nesting in the text being expanded */
	int for_depth;
	/* Rule being read: recipe lines go to these targets. */
	VEC(struct mk_target *) cur;
	struct mk_re re_cache[MK_RE_CACHE];
	int re_next;
};

uint32_t mk_hash(const char *s, size_t n);
struct mk_var *mk_table_find(const struct mk_table *t, const char *name, size_t n);
/* Find or create (a created var is dead until set). */
struct mk_var *mk_table_get(struct mk_table *t, const char *name, size_t n);
void mk_table_free(struct mk_table *t);
void mk_var_setval(struct mk_var *v, const char *s, size_t n);
void mk_var_append(struct mk_var *v, const char *s, size_t n);

/* Look a variable up in m, then in its base. */
const struct mk_var *mk_lookup(const struct mk *m, const char *name, size_t n);

/* Error at the current location: "FILE:LINE: fmt". */
int mk_err(struct mk *m, struct kerr *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Expand s[0..n) into out.  keep_dollar: `$$` stays `$$` (for :=).
 */
int mk_expand_n(struct mk *m, const char *s, size_t n, struct strbuf *out,
    bool keep_dollar, struct kerr *e);
/*
 * Expand one `$...` token starting at s[*i] (which is '$'), advancing *i.
 */
int mk_expand_dollar(struct mk *m, const char *s, size_t n, size_t *i,
    struct strbuf *out, bool keep_dollar, struct kerr *e);
/*
 * Spend `units` of the makefile's work budget: one per byte copied or
 * scanned, MK_EXPR_COST per expression or modifier and MK_LINE_COST per
 * line evaluated.  Everything a makefile makes the evaluator do is charged
 * to one budget, so no input can keep it busy for long; -1 with an error
 * once it is exhausted.
 */
#define MK_EXPR_COST 32
#define MK_LINE_COST 128
int mk_spend(struct mk *m, size_t units, struct kerr *e);

/* Evaluate a .if condition: *result set; 0 or -1. */
int mk_cond_eval(struct mk *m, const char *s, bool *result, struct kerr *e);

#endif
