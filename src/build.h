/*
 * build: one port's build in fresh sandboxes of a jail: the phases of
 * spec/ports.md §3 in order (fetch, checksum, extract, patch, configure,
 * build, stage, check-plist, package; test with -t), each with the port's
 * pre-/do-/post- targets, the framework's default do- actions and the
 * USES handlers (cargo, cmake, meson, ninja, gmake, pkgconfig,
 * GNU_CONFIGURE; the no-op ones of §9), USE_RC_SUBR scripts, one
 * size-capped log with a header of the port's variables and a footer.
 * Network is on only while fetching: kiln downloads distfiles itself and
 * runs the port's own fetch targets in a sandbox with the network; every
 * other phase runs in a sandbox with only loopback.
 * Does not: decide what to build or in which order (bulk, sched), index
 * the repository (pkg/repo).  Calls: port, mk, sandbox, jail, fetch,
 * buildlog, pkg (create, archive, plist; client for testport), util.
 *
 * Host-side layout of one build (req->workroot, emptied first):
 *	work/   bind-mounted read-write at WRKDIR = /wrkdirs<portdir>/work
 *	        (a tmpfs in the build's own mount namespace with wrk_tmpfs)
 *	deps/   the dependency packages extracted: a sandbox layer over "/"
 *	meta/   +MANIFEST, +DESC, +DISPLAY and the plist of each package
 * Inside the sandbox: the ports tree read-only at its host path,
 * DISTFILES_CACHE read-only at /distfiles (DISTDIR).
 */
#ifndef KILN_BUILD_H
#define KILN_BUILD_H

#include "conf.h"
#include "jail.h"
#include "port.h"
#include "util/kerr.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stdint.h>

/* Shared by every build of one bulk; all borrowed. */
struct build_ctx {
	const struct conf *conf;
	const struct jail *jail;
	const char *distdir;	/* DISTFILES_CACHE */
	const char *outdir;	/* where the .pkg files go (generation/All) */
	uint64_t log_limit;	/* KILN_LOG_LIMIT */
	uint64_t memory_max;	/* MAX_MEMORY; 0 none */
	unsigned timeout_ms;	/* MAX_EXECUTION_TIME per phase */
	unsigned nohang_ms;	/* NOHANG_TIME */
	bool test_mode;		/* -t / testport: test phase, strict plist */
	bool qa_nonfatal;	/* -k: QA check failures are warnings */
	/*
	 * USE_TMPFS (yes, wrkdir, all): work/ is a tmpfs of wrk_tmpfs_size
	 * bytes (TMPFS_LIMIT; 0: the kernel's default) instead of a host
	 * directory.  build_port then moves the calling process into a
	 * private mount namespace of its own (Linux), so the tmpfs is gone
	 * when the process exits: call it in a process per build, as bulk
	 * does.
	 */
	bool wrk_tmpfs;
	uint64_t wrk_tmpfs_size;
	/*
	 * BUILD_AS_NON_ROOT: the ids extract, patch, configure, build, stage
	 * and test run as (PORTBUILD_USER's, see jail_user); 0:0 runs them as
	 * root.  A port that sets NEED_ROOT builds as root regardless.  Fetch
	 * runs as root; kiln's own steps (extraction, cargo vendoring,
	 * SUB_FILES, rc.d scripts) give what they write in WRKDIR to the user.
	 */
	uid_t uid;
	gid_t gid;
	/*
	 * SAVE_WRKDIR: a failed build's WRKDIR (tmpfs or not) is saved as
	 * wrkdir_save/PKGNAME.tgz before it goes; NULL saves nothing.
	 */
	const char *wrkdir_save;
};

struct build_req {
	struct port *port;	/* borrowed; build sets WRKDIRPREFIX/DISTDIR in it */
	const char *portsdir;	/* host path of the tree */
	const char *workroot;	/* host scratch directory for this build */
	const char *logfile;
	const char *header;	/* extra header lines (key, reason); may be NULL */
	char *const *dep_pkgs;	/* NULL-terminated package files to install */
	/* NULL-terminated "NAME ORIGIN VERSION" runtime deps for the manifest. */
	char *const *rundeps;
	/* Told each phase as it starts; may be NULL. */
	void (*phase)(void *arg, const char *phase);
	void *arg;
};

typedef VEC(char *) build_strv;

struct build_result {
	bool ok;
	char phase[32];		/* the failed phase */
	char msg[1024];		/* why, one line */
	uint64_t peak_memory;	/* bytes, 0 unknown */
	double elapsed;		/* seconds */
	unsigned qa_warnings;	/* QA failures let through by qa_nonfatal */
	char qa_msg[512];	/* the first of them, one line */
	build_strv packages;	/* .pkg files written (owned) */
};

void build_result_free(struct build_result *r);

/*
 * Build one port.  Returns 0 when the build ran (r->ok says how it ended:
 * a port's failure is not a kiln failure), -1 when kiln could not even
 * try (e set).  The log ends with "=> build ended: ok" or "=> build
 * ended: failed in phase X: why".
 */
int build_port(const struct build_ctx *c, const struct build_req *req,
    struct build_result *r, struct kerr *e);

/*
 * Extract an archive (any format and compression libarchive reads) into
 * dir, refusing absolute paths, ".." and writes through symlinks.
 */
int build_extract(const char *archive, const char *dir, struct kerr *e);

/* The phases in order, NULL-terminated (for status and tests). */
extern const char *const build_phases[];

#endif
