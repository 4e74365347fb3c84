/*
 * publish: repository generations of one bulk's package directory
 * (BASEFS/data/packages/JAIL-PORTS), poudriere's ATOMIC_PACKAGE_REPOSITORY:
 * a bulk works in .building (a hard-link copy of the published generation,
 * or the one an interrupted bulk left, which is how a re-run resumes), and
 * publishes it by renaming it to .real_<epoch> and switching the .latest
 * symlink with one rename(2).  Readers of the published names never see a
 * half-written repository; killed at any moment, the old one stays.
 * Does not: build, index or sign (bulk calls pkg/repo on .building first).
 * Calls: util.
 *
 * Layout of PKGDIR:
 *	.latest -> .real_<epoch>   the published generation (a relative link)
 *	.real_<epoch>/             generations; KEEP_OLD_PACKAGES_COUNT kept
 *	.building/                 the generation being built
 *	All, Latest, meta, meta.conf, packagesite.pkg, data.pkg, files.pkg
 *	                           symlinks to .latest/NAME, made for every
 *	                           top-level name the generation has
 * Inside a generation: All/NAME.pkg, the catalog files, and .kiln/keys/
 * (one file per origin with its build key; see bulk).
 */
#ifndef KILN_PUBLISH_H
#define KILN_PUBLISH_H

#include "util/kerr.h"

#include <stdbool.h>

/*
 * Make sure PKGDIR/.building exists: kept as it is when an interrupted
 * bulk left it (*resumed = true), else a hard-link copy of .latest's
 * generation (or empty).  *building (caller frees) is its path.  0 or -1.
 */
int publish_prepare(const char *pkgdir, char **building, bool *resumed,
    struct kerr *e);

/*
 * Publish .building: rename it to .real_<now> (a suffix keeps names
 * unique), switch .latest atomically, refresh the top-level links, and
 * remove generations beyond keep older ones (keep < 0: keep all).
 * 0 or -1 (.latest unchanged on failure).
 */
int publish_commit(const char *pkgdir, long now, int keep, struct kerr *e);

/* Remove .building (a bulk that must not publish, -n never creates it). */
int publish_discard(const char *pkgdir, struct kerr *e);

/* The published generation's path (caller frees), or NULL when none. */
char *publish_latest(const char *pkgdir);

#endif
