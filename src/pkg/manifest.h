/*
 * manifest: a package manifest (+MANIFEST, +COMPACT_MANIFEST, one line of
 * a catalog) as a C struct; parse it from UCL/JSON and emit it as pkg does.
 * Does not touch the file system (see create.h for stat'ing a stage) and
 * does not check that a package is installable (see pkg_manifest_validate).
 * Calls: util (ucl, strbuf, vec, kerr, xalloc).
 *
 * Keys (spec/pkg-format.md §1.4), in the order pkg emits them:
 *
 *	key			type		field
 *	name			string|int	name
 *	origin			string		origin
 *	version			string|int	version
 *	comment			string		comment
 *	maintainer		string		maintainer
 *	www			string		www
 *	abi			string		abi ("FreeBSD:15:amd64")
 *	arch			string		arch (legacy "freebsd:15:x86:64")
 *	prefix			string		prefix
 *	sum			string		sum (catalog only: the .pkg's checksum)
 *	flatsize		int		flatsize
 *	dep_formula		string		dep_formula
 *	path, repopath		string		repopath (catalog only; both written)
 *	licenselogic		string		licenselogic (single | or/dual | and/multi)
 *	licenses		[string]	licenses
 *	pkgsize			int		pkgsize (catalog only)
 *	vital			bool		vital (written only when true)
 *	desc			string		desc (URL-encoded on output)
 *	deps			{name: {origin, version}}	deps
 *	categories		[string]	categories
 *	users, groups		[string]	users, groups
 *	shlibs_required(_ignore), shlibs_provided(_ignore)	[string]
 *	  ("shlibs" is read as shlibs_required)
 *	conflicts, provides, requires	[string]
 *	options			{OPT: "on"|"off"}	options
 *	annotations		{key: string}	annotations
 *	--- full manifest only ---
 *	files			{path: {sum, uname, gname, perm, [symlink_target],
 *				 [fflags], [mtime]} | path: "sum"}   paths URL-encoded
 *	config			[path]		config (URL-encoded)
 *	directories		{path: {uname, gname, perm} | true | string}
 *	scripts			{pre-install|install|post-install|pre-deinstall|
 *				 deinstall|post-deinstall: text}  (URL-encoded)
 *	lua_scripts		{pre-install|post-install|pre-deinstall|
 *				 post-deinstall: [text]}
 *	--- both ---
 *	messages		[{message, [type], [minimum_version],
 *				 [maximum_version]}] | string ("message" legacy)
 *
 * Unknown keys are ignored; a known key of the wrong type is an error
 * naming the key.  Output is compact JSON without a trailing newline.
 */
#ifndef KILN_PKG_MANIFEST_H
#define KILN_PKG_MANIFEST_H

#include "util/kerr.h"
#include "util/strbuf.h"
#include "util/ucl.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef VEC(char *) pkg_strv;

struct pkg_kv {
	char *key;
	char *value;
};
typedef VEC(struct pkg_kv) pkg_kvv;

struct pkg_dep {
	char *name;
	char *origin;
	char *version;	/* may be NULL */
};

/* One entry of `files`.  Strings owned; NULL when absent. */
struct pkg_file {
	char *path;		/* absolute, decoded */
	char *sum;		/* "1$hex", "2$b32", plain hex, or NULL */
	char *uname;
	char *gname;
	mode_t perm;		/* permission bits; PKG_PERM_UNSET when absent */
	char *symlink_target;	/* set for symlinks */
	char *fflags;
	int64_t mtime;		/* -1 when absent */
};

struct pkg_dir {
	char *path;
	char *uname;
	char *gname;
	mode_t perm;		/* PKG_PERM_UNSET when absent */
};

struct pkg_message {
	char *message;
	char *type;		/* NULL (always), "install", "remove", "upgrade" */
	char *minimum_version;
	char *maximum_version;
};

#define PKG_PERM_UNSET ((mode_t)-1)

enum pkg_licenselogic { PKG_LICENSE_SINGLE, PKG_LICENSE_OR, PKG_LICENSE_AND };

enum pkg_script {
	PKG_SCRIPT_PRE_INSTALL,
	PKG_SCRIPT_INSTALL,
	PKG_SCRIPT_POST_INSTALL,
	PKG_SCRIPT_PRE_DEINSTALL,
	PKG_SCRIPT_DEINSTALL,
	PKG_SCRIPT_POST_DEINSTALL,
	PKG_SCRIPT_MAX
};

/* "pre-install", ... for a script type; NULL out of range. */
const char *pkg_script_name(enum pkg_script t);
/* The type for a name, or -1. */
int pkg_script_from_name(const char *name);

struct pkg_manifest {
	char *name, *origin, *version, *comment, *maintainer, *www;
	char *abi, *arch, *prefix, *desc, *dep_formula;
	char *sum;		/* catalog: checksum of the .pkg */
	char *repopath;		/* catalog: path relative to the repo root */
	int64_t flatsize;
	int64_t pkgsize;	/* catalog: -1 when absent */
	enum pkg_licenselogic licenselogic;
	bool vital;
	pkg_strv licenses, categories, users, groups;
	pkg_strv shlibs_required, shlibs_required_ignore;
	pkg_strv shlibs_provided, shlibs_provided_ignore;
	pkg_strv conflicts, provides, requires;
	VEC(struct pkg_dep) deps;
	pkg_kvv options;	/* value "on" or "off" */
	pkg_kvv annotations;
	VEC(struct pkg_file) files;	/* in the order read or added */
	pkg_strv config;
	VEC(struct pkg_dir) dirs;
	char *scripts[PKG_SCRIPT_MAX];	/* shell text or NULL */
	pkg_kvv lua_scripts;	/* key = script type name, one row per source */
	VEC(struct pkg_message) messages;
};

/* A zeroed manifest (pkgsize -1); free with pkg_manifest_free. */
struct pkg_manifest *pkg_manifest_new(void);
void pkg_manifest_free(struct pkg_manifest *m);

/*
 * Parse UCL/JSON bytes; returns a manifest the caller frees, or NULL with
 * e set ("WHAT:LINE:COLUMN: ..." for syntax, "WHAT: key 'flatsize':
 * expected integer" for types).  what names the source in messages.
 */
struct pkg_manifest *pkg_manifest_parse(const char *data, size_t len,
    const char *what, struct kerr *e);
/* The same from an already parsed object (borrowed). */
struct pkg_manifest *pkg_manifest_from_uv(const struct uv *o,
    const char *what, struct kerr *e);

/* Required fields for create/install (origin, name, comment, version,
 * desc, maintainer, www, prefix) and sane file paths.  0 or -1. */
int pkg_manifest_validate(const struct pkg_manifest *m, struct kerr *e);

enum pkg_emit {
	PKG_EMIT_COMPACT,	/* +COMPACT_MANIFEST / catalog line */
	PKG_EMIT_FULL,		/* +MANIFEST */
};
/* Append compact JSON (no newline) to sb. */
void pkg_manifest_emit(const struct pkg_manifest *m, enum pkg_emit how,
    struct strbuf *sb);
/* The same as a tree (caller frees), for callers adding their own keys. */
struct uv *pkg_manifest_to_uv(const struct pkg_manifest *m, enum pkg_emit how);

/* Lookups: borrowed pointers or NULL. */
struct pkg_file *pkg_manifest_file(const struct pkg_manifest *m, const char *path);
struct pkg_dir *pkg_manifest_dir(const struct pkg_manifest *m, const char *path);
const char *pkg_manifest_annotation(const struct pkg_manifest *m, const char *key);

/* Builders: copy their string arguments.  add_file returns the existing
 * entry for a path already there (a linear search); append_file does not
 * look (the caller knows the path is new).  Pointers are valid until the
 * next add/append. */
struct pkg_file *pkg_manifest_add_file(struct pkg_manifest *m, const char *path);
struct pkg_file *pkg_manifest_append_file(struct pkg_manifest *m, const char *path);
struct pkg_dir *pkg_manifest_add_dir(struct pkg_manifest *m, const char *path);
void pkg_manifest_add_dep(struct pkg_manifest *m, const char *name,
    const char *origin, const char *version);
/* Insert or replace key in a kv list. */
void pkg_kv_set(pkg_kvv *kv, const char *key, const char *value);
void pkg_strv_push(pkg_strv *v, const char *s);
void pkg_strv_free(pkg_strv *v);

/* "<name>-<version>" (caller frees). */
char *pkg_manifest_fullname(const struct pkg_manifest *m);

/*
 * pkg's URL encoding of desc, file paths and scripts: '%' and non-ASCII
 * bytes become %xx (lowercase).  Decoding turns %xx back into bytes and
 * leaves a '%' not followed by two hex digits as it is.  Append to sb.
 */
void pkg_urlencode(const char *s, struct strbuf *sb);
void pkg_urldecode(const char *s, struct strbuf *sb);

#endif
