/*
 * ports_tree: registered ports trees under BASEFS/ports/NAME/:
 *	ports.ucl	{ method = "null"|"git"; path = "..."; url; branch; }
 *	tree		the git clone (method git); a null tree is used in place
 * It creates (null: records the path; git: clones), lists, updates
 * (git pull) and deletes registrations (a null tree's files are never
 * touched), and resolves "-p NAME or PATH" to a directory.
 * Calls: conf, util.
 */
#ifndef KILN_PORTS_TREE_H
#define KILN_PORTS_TREE_H

#include "conf.h"
#include "util/kerr.h"

struct ports_tree {
	char *name, *method, *path, *url, *branch;	/* owned; url/branch may be NULL */
};

void ports_tree_free(struct ports_tree *t);
int ports_tree_create(const struct conf *c, const char *name, const char *method,
    const char *path, const char *url, const char *branch, struct kerr *e);
/* All registered trees, sorted by name; *out is a caller-freed array. */
int ports_tree_list(const struct conf *c, struct ports_tree **out, size_t *n,
    struct kerr *e);
int ports_tree_get(const struct conf *c, const char *name, struct ports_tree *t,
    struct kerr *e);
int ports_tree_update(const struct conf *c, const char *name, struct kerr *e);
int ports_tree_delete(const struct conf *c, const char *name, struct kerr *e);
/*
 * A registered name, or a directory path (containing '/' or '.'):
 * the tree's absolute directory (caller frees) and the cache directory
 * to use for it (caller frees).
 */
int ports_tree_resolve(const struct conf *c, const char *name_or_path,
    char **dir, char **cache_dir, struct kerr *e);

#endif
