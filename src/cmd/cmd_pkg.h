/*
 * cmd_pkg: the contract between `kiln pkg` (cmd_pkg.c: global options and
 * the verb table) and its verbs (cmd_pkg.c: help, create, repo, version, extract, catalog;
 * cmd_pkg_client.c: install, upgrade, delete, ...).
 *
 * `kiln pkg [-r ROOT] [-R REPOS_DIR] [-o KEY=VALUE]... VERB [ARGS]`:
 * cmd_pkg() parses those options into a struct pkg_globals and calls the
 * verb's function with argv[0] = the verb name.  A verb parses its own
 * options (cmd_getopt_reset + getopt_long) and returns 0 / 1 / 2 like a
 * command.  To add a verb: declare its function below and add one row to
 * pkg_verbs[] in cmd_pkg.c.
 */
#ifndef KILN_CMD_PKG_H
#define KILN_CMD_PKG_H

#include "cmd/cmd.h"

#include <stddef.h>

struct pkg_globals {
	const char *root;	/* -r ROOT, or "/" (borrowed from argv) */
	const char *repos_dir;	/* -R DIR, or NULL: the default */
	const char **opts;	/* -o KEY=VALUE strings, in order (owned array) */
	size_t nopts;
};

/*
 * The value of KEY: the last -o KEY=VALUE, else the environment variable
 * KEY (pkg's rule: -o is setenv), else NULL.  Borrowed.
 */
const char *pkg_globals_get(const struct pkg_globals *g, const char *key);

struct pkg_verb {
	const char *name;
	int (*fn)(int argc, char **argv, const struct pkg_globals *g,
	    struct kctx *k);
	const char *summary;	/* one line */
	const char *usage;	/* "kiln pkg create -r STAGE ..." plus options */
};

/* The table, in cmd_pkg.c, ending with a NULL name. */
extern const struct pkg_verb pkg_verbs[];

/* Print "usage: <verb usage>" for verb v on stderr; returns EXIT_USAGE. */
int pkg_verb_usage(const struct pkg_verb *v);
/* The row of a verb by name, or NULL. */
const struct pkg_verb *pkg_verb_find(const char *name);

/* Verbs of cmd_pkg.c. */
int pkg_cmd_help(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_create(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_repo(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_version(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_extract(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_catalog(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);

/* Verbs of cmd_pkg_client.c (the client). */
int pkg_cmd_update(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_install(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_upgrade(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_delete(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_autoremove(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_add(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_info(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_query(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_fetch(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);
int pkg_cmd_check(int argc, char **argv, const struct pkg_globals *g, struct kctx *k);

#endif
