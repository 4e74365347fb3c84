/*
 * client_int: what the client's files (client.c, client_repo.c,
 * client_query.c) share and nobody else uses.  Calls: pkg/client, pkg/solve.
 */
#ifndef KILN_PKG_CLIENT_INT_H
#define KILN_PKG_CLIENT_INT_H

#include "pkg/client.h"
#include "pkg/solve.h"

/* One repo's verified catalog. */
struct client_catalog {
	const struct repoconf *repo;		/* borrowed from c->repos */
	VEC(struct pkg_manifest *) pkgs;	/* owned */
};

/* A progress line through c->say (nothing when quiet). */
void client_say(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* ROOT + abs (abs starts with '/'); caller frees. */
char *client_in_root(const struct client *c, const char *abs);
/* Load every enabled repo's verified catalog (updating first). */
int client_load_catalogs(struct client *c, struct kerr *e);
void client_catalogs_free(struct client *c);
/* Every catalog entry whose ABI fits this client (borrowed pointers). */
void client_universe(struct client *c, solve_universe *u);
bool client_abi_ok(const struct client *c, const struct pkg_manifest *m);
/* Download (or reuse from the cache) the package of sc, verified against
 * the catalog; *out gets the local path (caller frees). */
int client_fetch_pkg(struct client *c, const struct solve_cand *sc, char **out,
    struct kerr *e);

#endif
