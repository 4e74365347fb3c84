/*
 * port: one port directory -> struct port, the model every later stage
 * builds from.  It evaluates the Makefile with mk and implements in C
 * what bsd.port.mk derives (spec/ports.md §2-§7): identity and versions,
 * distfiles and sites, directories, USES (an allow-list), options and
 * their helpers, typed dependencies, FLAVORS, SUBPACKAGES, plists,
 * USE_RC_SUBR / SUB_FILES, pkg-descr, pkg-message, distinfo, cargo crates.
 * It does not fetch, build or package (fetch, build, pkg do), and it does
 * not resolve dependencies to other ports (graph does).
 * Calls: mk, util.
 *
 * Options file (kiln's, like poudriere's options directory), read from
 * OPTIONS_DIR/<category>_<name>/options, make syntax:
 *	OPTIONS_FILE_SET+=DOCS
 *	OPTIONS_FILE_UNSET+=NLS
 *
 * Framework dependencies that USES add (cmake:devel/cmake-core,
 * rust:lang/rust, ...) are marked implicit: a tree that does not carry
 * those ports relies on the build jail to provide the tools.
 */
#ifndef KILN_PORT_H
#define KILN_PORT_H

#include "mk/mk.h"
#include "util/kerr.h"
#include "util/sha256.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stdint.h>

enum port_dep_type {
	PORT_DEP_FETCH, PORT_DEP_EXTRACT, PORT_DEP_PATCH, PORT_DEP_BUILD,
	PORT_DEP_LIB, PORT_DEP_RUN, PORT_DEP_TEST, PORT_DEP_PKG,
	PORT_DEP_NTYPES
};
/* "BUILD", "LIB", ... (the variable is NAME_DEPENDS). */
const char *port_dep_type_name(enum port_dep_type t);

enum port_dep_kind {
	PORT_DEP_TOOL,		/* cmake:devel/cmake-core: a program in PATH */
	PORT_DEP_SHLIB,		/* libfoo.so:devel/foo (LIB_DEPENDS) */
	PORT_DEP_PKGVER,	/* foo>=1.2:devel/foo: package name + version */
	PORT_DEP_FILE,		/* /usr/local/lib/x.a:devel/x */
	PORT_DEP_ALWAYS,	/* /nonexistent:devel/x */
};

struct port_dep {
	enum port_dep_type type;
	enum port_dep_kind kind;
	char *pattern;	/* as written after expansion, owned */
	char *origin;	/* category/name, owned */
	char *flavor;	/* owned or NULL */
	char *target;	/* third field or NULL, owned */
	char *pkg;	/* PKGVER: the package name, owned, else NULL */
	char *constraint;	/* PKGVER: ">=1.2" (may hold two), owned */
	bool implicit;	/* added by USES, not written by the port */
};

struct port_distfile {
	char *name;	/* as in DISTFILES without groups ("rust/crates/x.crate"), owned */
	char *path;	/* relative to DISTDIR: DIST_SUBDIR/name; distinfo key, owned */
	VEC(char *) groups;	/* owned; empty means DEFAULT */
	VEC(char *) sites;	/* URL prefixes in order (override first); fetch = site + name */
	char *sha256;	/* from distinfo, owned, or NULL */
	int64_t size;	/* from distinfo, or -1 */
	bool patch;	/* a PATCHFILES entry */
	char *strip;	/* PATCHFILES :-pN, owned or NULL */
};

struct port_option {
	char *name;	/* owned */
	char *desc;	/* owned ("" when none) */
	char *group;	/* NULL, or "SINGLE:x", "RADIO:x", "GROUP:x", "MULTI:x"; owned */
	bool on;
};

/* A package the port produces: the main one first, then subpackages. */
struct port_pkg {
	char *sub;		/* NULL for the main package, else the subpackage name */
	char *pkgbase;		/* owned */
	char *pkgname;		/* pkgbase-version, owned */
	char *comment;		/* owned */
	char *descr_file;	/* path, owned */
	char *descr;		/* text or NULL when the file is missing, owned */
	char *message;		/* pkg-message text or NULL, owned */
	VEC(char *) plist;	/* lines after %%VAR%% substitution, keywords kept */
	VEC(struct port_dep) deps;	/* this package's runtime deps (RUN, LIB) */
	VEC(char *) self_depends;	/* other packages of this port it needs */
};

struct port_pair {
	char *key, *value;	/* owned */
};

struct port_rc {
	char *name;	/* as in USE_RC_SUBR, owned */
	char *src;	/* ${FILESDIR}/name.in, owned */
	char *dest;	/* ${PREFIX}/etc/rc.d/name (no .sh), owned */
};

struct port {
	char *origin;		/* category/name, owned */
	char *dir;		/* absolute port directory, owned */
	char *flavor;		/* active flavor or NULL, owned */
	struct mk *mk;		/* the evaluated Makefile, owned */

	char *portname, *portversion, *distversion, *pkgversion;
	char *pkgname, *pkgbase, *distname, *comment, *maintainer, *www;
	char *prefix, *wrkdir, *wrksrc, *dist_subdir;
	int portrevision, portepoch;
	VEC(char *) categories, licenses, uses, flavors;
	VEC(struct port_dep) deps;		/* every *_DEPENDS, in type order */
	VEC(struct port_distfile) distfiles;	/* DISTFILES then PATCHFILES */
	VEC(struct port_option) options;	/* sorted by name */
	VEC(struct port_pkg) pkgs;		/* [0] is the main package */
	VEC(struct port_pair) plist_sub, sub_list;
	VEC(char *) sub_files;
	VEC(struct port_rc) rc;
	bool no_arch;
};

struct port_env {
	const char *portsdir;		/* the tree (PORTSDIR) */
	const char *options_dir;	/* BASEFS/options, or NULL */
	const char *arch;		/* NULL: the host's (amd64, aarch64, ...) */
	const char *opsys;		/* NULL: FreeBSD */
	const char *osversion;		/* NULL: 1500000 */
	const char *osrel;		/* NULL: 15.0 */
	const char *site_override;	/* MASTER_SITE_OVERRIDE, or NULL */
	const char *flavor;		/* requested flavor, or NULL for the default */
	const char *sysroot;		/* root for exists() of absolute paths */
	const char *const *make_targets;	/* NULL-terminated, for make(), or NULL */
};

/*
 * Evaluate the port at portsdir/origin.  0 with *out (free with
 * port_free), or -1 with e naming the file and line or the port.
 */
int port_load(const struct port_env *env, const char *origin, struct port **out,
    struct kerr *e);
void port_free(struct port *p);

/*
 * The final value of a variable, as `make -V NAME` prints it.  0 with the
 * value appended to out, or -1.
 */
int port_var(struct port *p, const char *name, struct strbuf *out, struct kerr *e);
/* Make-expand s in the port's context (recipe lines before running them). */
int port_expand(struct port *p, const char *s, struct strbuf *out, struct kerr *e);
/* A target of the Makefile (pre-/do-/post- hooks) or NULL; borrowed. */
const struct mk_target *port_target(const struct port *p, const char *name);
/*
 * The hook targets of one phase (fetch, extract, patch, configure, build,
 * install, test, package) in the framework's order: pre-X, pre-X-OPT-on|off,
 * do-X, do-X-OPT-..., post-X, post-X-OPT-...; only those the port defines.
 * Pushes borrowed pointers onto *out.
 */
typedef VEC(const struct mk_target *) port_targets;
void port_phase_targets(const struct port *p, const char *phase,
    port_targets *out);
/* Apply SUB_LIST (%%KEY%%) to text and drop "@comment " lines; appends. */
void port_sub_apply(const struct port *p, const char *text, struct strbuf *out);
bool port_option_on(const struct port *p, const char *name);

/*
 * The files hash of a port directory: SHA-256 over every file's relative
 * path and contents, in sorted order (subdirectories included), plus the
 * options file when options_file is not NULL.  hex gets 64 digits.
 */
int port_files_hash(const char *dir, const char *options_file,
    char hex[SHA256_HEX_LEN + 1], struct kerr *e);

/*
 * distinfo (spec/ports.md §5): "TIMESTAMP = N", "SHA256 (path) = hex",
 * "SIZE (path) = bytes"; other algorithms are ignored, anything else is an
 * error "DISPLAY:LINE: ...".  Entries are appended to *out (free with
 * port_distinfo_free); size is -1 and sha256 NULL when not given.
 */
struct port_distinfo_entry {
	char *path, *sha256;	/* owned */
	int64_t size;
};
typedef VEC(struct port_distinfo_entry) port_distinfo;
int port_distinfo_parse(const char *text, size_t len, const char *display,
    port_distinfo *out, struct kerr *e);
/* The entry for path (a distinfo key), borrowed, or NULL. */
const struct port_distinfo_entry *port_distinfo_find(const port_distinfo *d,
    const char *path);
void port_distinfo_free(port_distinfo *d);

/* The model as JSON (what `kiln info --json` prints). */
void port_to_json(const struct port *p, struct strbuf *out);

/* The implicit options file path for origin; caller frees; NULL if no dir. */
char *port_options_file(const char *options_dir, const char *origin);

/* Identifies this build of the framework (for metadata caches). */
const char *port_framework_id(void);

/* Words of USES that kiln supports (NULL-terminated). */
extern const char *const port_supported_uses[];

#endif
