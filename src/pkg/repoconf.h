/*
 * repoconf: the client's repository files, read as FreeBSD pkg reads
 * them (spec/pkg-format.md §6.1): every "*.conf" (not starting with '.')
 * in each REPOS_DIR directory, alphabetically, directories in order; a
 * later definition of a repo name overrides the keys it sets, so
 * `FreeBSD: { enabled: no }` in a later file disables a repo.
 * Does not: fetch anything, resolve SRV/HTTP mirror lists.
 * Calls: util (ucl, path, vec, kerr, xalloc).
 *
 * File format (UCL; keys case-insensitive):
 *
 *	NAME: {
 *	  url: "file:///dir" | "http://h/p" | "https://h/p" | "pkg+http://h/p"
 *	  enabled: yes|no                (default yes)
 *	  signature_type: "none" | "pubkey" | "fingerprints"   (default none)
 *	  pubkey: "/path/repo.pub"       (PEM, a host path; pubkey mode)
 *	  fingerprints: "/dir"           (holds trusted/ and revoked/; read
 *	                                  inside ROOT, as pkg does)
 *	  priority: INT                  (higher wins; default 0)
 *	  mirror_type: "none"|"srv"|"http"   (accepted; kiln uses url as is)
 *	}
 *
 * "pkg+http(s)://" is fetched as "http(s)://" (kiln does no SRV lookup).
 * "${ABI}" in url is replaced by the ABI given to repoconf_load.
 * Errors name FILE:LINE: a repo that is not an object, a key of the wrong
 * type, an unknown signature_type or url scheme, pubkey mode without
 * pubkey, fingerprints mode without fingerprints.  Unknown keys are
 * ignored (pkg has more: ip_version, env, ssh_args, ...).
 *
 * kiln's default REPOS_DIR is pkg's: "/etc/pkg:/usr/local/etc/pkg/repos",
 * host paths that -r ROOT does not prefix (pkg behaves the same way);
 * -R DIR or -o REPOS_DIR=DIR[:DIR...] replaces it.
 */
#ifndef KILN_PKG_REPOCONF_H
#define KILN_PKG_REPOCONF_H

#include "util/kerr.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stddef.h>

#define REPOCONF_DEFAULT_DIRS "/etc/pkg:/usr/local/etc/pkg/repos"

enum repo_sig {
	REPO_SIG_NONE,
	REPO_SIG_PUBKEY,
	REPO_SIG_FINGERPRINTS,
};

struct repoconf {
	char *name;		/* owned */
	char *url;		/* owned; scheme-normalised, no trailing '/' */
	char *pubkey;		/* owned or NULL */
	char *fingerprints;	/* owned or NULL */
	char *mirror_type;	/* owned or NULL */
	enum repo_sig sig;
	bool enabled;
	int priority;
	char *origin;		/* owned: "FILE:LINE" of the last definition */
};

struct repoconf_set {
	VEC(struct repoconf *) repos;	/* owned; in definition order */
};

void repoconf_set_init(struct repoconf_set *s);
void repoconf_set_free(struct repoconf_set *s);

/*
 * Read the repo files of every directory in dirs (a ':'-separated list;
 * a directory that does not exist is skipped) into s.  abi may be NULL.
 * Returns 0, or -1 with e naming "FILE:LINE: what".
 */
int repoconf_load(struct repoconf_set *s, const char *dirs, const char *abi,
    struct kerr *e);
/* Read one file (merging into s).  0 or -1. */
int repoconf_load_file(struct repoconf_set *s, const char *path,
    const char *abi, struct kerr *e);
/* The same over bytes in memory; what names them in errors. */
int repoconf_load_mem(struct repoconf_set *s, const char *text, size_t len,
    const char *what, const char *abi, struct kerr *e);
/*
 * Check the merged definitions (url present and known scheme, keys the
 * signature type needs).  0 or -1 naming the repo's FILE:LINE.
 */
int repoconf_validate(const struct repoconf_set *s, struct kerr *e);

/* The enabled repos, highest priority first then by name (borrowed
 * pointers into s, vector owned by the caller). */
typedef VEC(const struct repoconf *) repoconf_list;
void repoconf_enabled(const struct repoconf_set *s, repoconf_list *out);
/* The repo called name, or NULL (borrowed). */
const struct repoconf *repoconf_find(const struct repoconf_set *s,
    const char *name);
const char *repoconf_sig_name(enum repo_sig s);

#endif
