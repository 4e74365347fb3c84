/*
 * build: the phases of one port in sandboxes of a jail.  See build.h.
 * Recipe lines and the framework's default actions are make strings,
 * expanded in the port's context and run as /bin/sh -ec LINE inside the
 * sandbox; kiln itself does the parts that need no shell (download,
 * checksum, extraction, cargo vendoring, rc.d scripts, plist check,
 * packaging).  Does not: schedule or index.  Calls: port, mk, sandbox,
 * jail, fetch, buildlog, pkg, util.
 */
#include "build.h"

#include "buildlog.h"
#include "fetch.h"
#include "pkg/archive.h"
#include "pkg/client.h"
#include "pkg/create.h"
#include "pkg/plist.h"
#include "sandbox.h"
#include "util/archive.h"
#include "util/path.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sched.h>
#include <sys/mount.h>
#endif
#include <time.h>
#include <unistd.h>

const char *const build_phases[] = {
	"fetch", "checksum", "extract", "patch", "configure", "build", "stage",
	"test", "check-plist", "package", NULL
};

#define PATH_DEFAULT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct bstate {
	const struct build_ctx *c;
	const struct build_req *req;
	struct port *p;
	struct build_result *r;
	struct buildlog *log;
	struct sandbox *sb;
	char *hostwork;		/* workroot/work */
	char *hostdeps;		/* workroot/deps */
	char *wrkdir;		/* WRKDIR inside */
	char **env;		/* the phases' environment (owned) */
	const char *phase;
	bool tmpfs;		/* hostwork is a tmpfs (wrk_tmpfs) */
	uid_t uid;		/* the build user (build_ctx, or 0 for NEED_ROOT) */
	gid_t gid;
};

void
build_result_free(struct build_result *r)
{
	vec_free_all(&r->packages, free);
}

/* Mark the build failed (first failure wins); returns -1. */
static int
fail(struct bstate *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct bstate *b, const char *fmt, ...)
{
	va_list ap;

	if (b->r->ok || b->r->phase[0] == '\0') {
		b->r->ok = false;
		snprintf(b->r->phase, sizeof(b->r->phase), "%s", b->phase);
		va_start(ap, fmt);
		vsnprintf(b->r->msg, sizeof(b->r->msg), fmt, ap);
		va_end(ap);
		buildlog_printf(b->log, "=> %s\n", b->r->msg);
	}
	return -1;
}

/*
 * A failed QA check (testport's checks): fails the build, or with
 * qa_nonfatal (-k) is logged and counted as a warning; returns -1 or 0.
 */
static int
qa_fail(struct bstate *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
qa_fail(struct bstate *b, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!b->c->qa_nonfatal)
		return fail(b, "%s", msg);
	buildlog_printf(b->log, "=> QA warning (-k, not fatal): %s\n", msg);
	if (b->r->qa_warnings++ == 0)
		snprintf(b->r->qa_msg, sizeof(b->r->qa_msg), "%.500s", msg);
	return 0;
}

/* Expand a make string in the port's context; NULL (and failure) on error. */
static char *
expand(struct bstate *b, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	struct kerr e;

	if (port_expand(b->p, s, &sb, &e) < 0) {
		strbuf_release(&sb);
		fail(b, "%s", e.msg);
		return NULL;
	}
	strbuf_trim(&sb);
	return strbuf_detach(&sb, NULL);
}

static char *
var(struct bstate *b, const char *name)
{
	char *s = xasprintf("${%s}", name);
	char *v = expand(b, s);

	free(s);
	return v;
}

/* Host path of a path inside the sandbox's WRKDIR; NULL when outside. */
static char *
host_of(struct bstate *b, const char *inside)
{
	size_t n = strlen(b->wrkdir);

	if (strncmp(inside, b->wrkdir, n) != 0 || (inside[n] && inside[n] != '/'))
		return NULL;
	return xasprintf("%s%s", b->hostwork, inside + n);
}

static void
relay_phase(struct bstate *b, const char *phase)
{
	b->phase = phase;
	buildlog_printf(b->log, "=======================<phase: %-13s>============================\n",
	    phase);
	if (b->req->phase)
		b->req->phase(b->req->arg, phase);
}

/* run_line_in's own flag, beside MK_CMD_*: run as root, not the build user. */
#define RUN_AS_ROOT 0x100u

/*
 * Run one shell line in sb.  flags: MK_CMD_*, RUN_AS_ROOT.  Lines in the
 * build's sandbox run as the build user; in the fetch sandbox, as root.
 * 0 or -1 (failure recorded).
 */
static int
run_line_in(struct bstate *b, struct sandbox *sb, const char *line,
    unsigned flags, const char *cwd)
{
	char *argv[] = { "/bin/sh", "-ec", (char *)line, NULL };
	struct sandbox_cmd cmd = { 0 };
	struct sandbox_result res;
	struct kerr e;
	char how[256];

	if (!(flags & MK_CMD_SILENT))
		buildlog_printf(b->log, "%s\n", line);
	cmd.argv = argv;
	cmd.env = b->env;
	cmd.cwd = cwd ? cwd : b->wrkdir;
	if (sb == b->sb && !(flags & RUN_AS_ROOT)) {
		cmd.uid = b->uid;
		cmd.gid = b->gid;
	}
	cmd.in_fd = -1;
	cmd.out_fd = cmd.err_fd = buildlog_fd(b->log);
	cmd.timeout_ms = b->c->timeout_ms;
	cmd.nohang_ms = b->c->nohang_ms;
	if (sandbox_exec(sb, &cmd, &res, &e) < 0)
		return fail(b, "sandbox: %s", e.msg);
	if (res.peak_memory > b->r->peak_memory)
		b->r->peak_memory = res.peak_memory;
	if (res.how == SANDBOX_EXITED && res.code == 0)
		return 0;
	sandbox_describe(&res, how, sizeof(how));
	if (flags & MK_CMD_IGNORE) {
		buildlog_printf(b->log, "=> %s (ignored)\n", how);
		return 0;
	}
	return fail(b, "%s: command %s: %.200s", b->phase, how, line);
}

static int
run_line(struct bstate *b, const char *line, unsigned flags, const char *cwd)
{
	return run_line_in(b, b->sb, line, flags, cwd);
}

/* Give what kiln wrote at host path p (and below) to the build user. */
static int
give(struct bstate *b, const char *p)
{
	struct kerr e;

	if ((b->uid == 0 && b->gid == 0) || path_chown_r(p, b->uid, b->gid, &e) == 0)
		return 0;
	return fail(b, "%s", e.msg);
}

/* Expand a make string and run it. */
static int
run_make(struct bstate *b, const char *s, unsigned flags)
{
	char *line = expand(b, s);
	int rc;

	if (line == NULL)
		return -1;
	rc = line[0] ? run_line(b, line, flags, NULL) : 0;
	free(line);
	return rc;
}

/* Run one target's recipe lines, each expanded then run. */
static int
run_target(struct bstate *b, struct sandbox *sb, const struct mk_target *t)
{
	buildlog_printf(b->log, "===> %s\n", t->name);
	for (size_t i = 0; i < t->cmds.n; i++) {
		char *line = expand(b, t->cmds.v[i].text);
		int rc;
		if (line == NULL)
			return -1;
		rc = run_line_in(b, sb, line, t->cmds.v[i].flags, NULL);
		free(line);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/*
 * The port's hooks of one phase family, with the default action in the
 * do- position when the port does not define do-<family> itself.
 */
static int
run_family(struct bstate *b, struct sandbox *sb, const char *family,
    int (*dflt)(struct bstate *))
{
	port_targets ts = VEC_INIT;
	char pre[64], dox[64];
	bool has_do = false, did_default = false;
	int rc = 0;

	snprintf(pre, sizeof(pre), "pre-%s", family);
	snprintf(dox, sizeof(dox), "do-%s", family);
	port_phase_targets(b->p, family, &ts);
	for (size_t i = 0; i < ts.n; i++)
		if (strcmp(ts.v[i]->name, dox) == 0)
			has_do = true;
	for (size_t i = 0; i < ts.n && rc == 0; i++) {
		const char *n = ts.v[i]->name;
		if (!did_default && strncmp(n, "pre-", 4) != 0) {
			did_default = true;
			if (!has_do && dflt)
				rc = dflt(b);
			if (rc < 0)
				break;
		}
		rc = run_target(b, sb, ts.v[i]);
	}
	if (rc == 0 && !did_default && !has_do && dflt)
		rc = dflt(b);
	vec_free(&ts);
	return rc;
}

static bool
uses(struct bstate *b, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < b->p->uses.n; i++) {
		const char *u = b->p->uses.v[i];
		if (strncmp(u, name, n) == 0 && (u[n] == '\0' || u[n] == ':'))
			return true;
	}
	return false;
}

static bool
defined(struct bstate *b, const char *name)
{
	return mk_defined(b->p->mk, name);
}

/* ---- extraction --------------------------------------------------------- */

int
build_extract(const char *archive, const char *dir, struct kerr *e)
{
	struct archive *a = archive_read_new();
	struct archive *w = archive_write_disk_new();
	struct archive_entry *ent;
	int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
	    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS;
	int rc = -1, r;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	archive_write_disk_set_options(w, flags);
	if (archive_read_open_filename(a, archive, 65536) != ARCHIVE_OK) {
		kerr_set(e, "%s: %s", archive, archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		char *norm = name ? path_normalize(name) : NULL;
		if (name == NULL || name[0] == '/' || norm == NULL) {
			kerr_set(e, "%s: %s: absolute or escaping path refused", archive,
			    name ? name : "(no name)");
			free(norm);
			goto out;
		}
		free(norm);
		/* The prefix makes every path absolute, so the check is ours. */
		char *full = path_join(dir, name);
		const char *hl = archive_entry_hardlink(ent);
		char *hfull = hl ? path_join(dir, hl) : NULL;
		archive_entry_set_pathname(ent, full);
		if (hfull)
			archive_entry_set_hardlink(ent, hfull);
		archive_entry_set_uid(ent, 0);
		archive_entry_set_gid(ent, 0);
		r = archive_write_header(w, ent);
		if (r == ARCHIVE_OK && archive_entry_size(ent) > 0) {
			const void *buf;
			size_t len;
			la_int64_t off;
			while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
				if (archive_write_data_block(w, buf, len, off) != ARCHIVE_OK) {
					r = ARCHIVE_FATAL;
					break;
				}
			if (r == ARCHIVE_EOF)
				r = ARCHIVE_OK;
		}
		free(full);
		free(hfull);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			kerr_set(e, "%s: %s: %s", archive, name,
			    archive_error_string(w) ? archive_error_string(w) :
			    archive_error_string(a));
			goto out;
		}
		archive_write_finish_entry(w);
	}
	if (r != ARCHIVE_EOF) {
		kerr_set(e, "%s: %s", archive, archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_read_free(a);
	archive_write_free(w);
	return rc;
}

/* ---- phases done by kiln ------------------------------------------------ */

static void
say_fetch(void *arg, const char *line)
{
	struct bstate *b = arg;

	buildlog_printf(b->log, "%s\n", line);
}

static void
fetch_ctx_for(struct bstate *b, struct fetch_ctx *fc, port_distinfo *d)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < b->p->distfiles.n; i++) {
		const struct port_distfile *df = &b->p->distfiles.v[i];
		struct port_distinfo_entry de = { xstrdup(df->path),
		    df->sha256 ? xstrdup(df->sha256) : NULL, df->size };
		vec_push(d, de);
	}
	memset(fc, 0, sizeof(*fc));
	fc->distdir = b->c->distdir;
	fc->dist_subdir = b->p->dist_subdir;
	fc->distinfo = d;
	fc->say = say_fetch;
	fc->say_arg = b;
}

static int
do_fetch(struct bstate *b)
{
	struct fetch_ctx fc;
	port_distinfo d;
	struct kerr e;
	int rc = 0;

	fetch_ctx_for(b, &fc, &d);
	for (size_t i = 0; i < b->p->distfiles.n && rc == 0; i++) {
		const struct port_distfile *df = &b->p->distfiles.v[i];
		VEC(char *) sites = VEC_INIT;
		for (size_t k = 0; k < df->sites.n; k++)
			vec_push(&sites, df->sites.v[k]);
		vec_push(&sites, (char *)NULL);
		if (fetch_distfile(&fc, df->name, sites.v, &e) < 0)
			rc = fail(b, "%s", e.msg);
		vec_free(&sites);
	}
	port_distinfo_free(&d);
	return rc;
}

static int
do_checksum(struct bstate *b)
{
	struct fetch_ctx fc;
	port_distinfo d;
	struct kerr e;
	int rc = 0;

	if (mk_defined(b->p->mk, "NO_CHECKSUM"))
		return 0;
	fetch_ctx_for(b, &fc, &d);
	for (size_t i = 0; i < b->p->distfiles.n && rc == 0; i++)
		if (fetch_checksum(&fc, b->p->distfiles.v[i].name, &e) < 0)
			rc = fail(b, "%s", e.msg);
	port_distinfo_free(&d);
	return rc;
}

/* Split a registry crate "name-version" as cargo.mk's :C does. */
static bool
crate_split(const char *w, size_t *namelen)
{
	size_t len = strlen(w);

	if (strstr(w, "@git+"))
		return false;
	for (size_t i = len; i-- > 1;) {
		if (w[i] != '-' || !isdigit((unsigned char)w[i + 1]))
			continue;
		size_t k;
		for (k = 0; k < i; k++)
			if (!isalnum((unsigned char)w[k]) && w[k] != '-' && w[k] != '_')
				break;
		if (k == i) {
			*namelen = i;
			return true;
		}
	}
	return false;
}

/* cargo-extract: every crate into CARGO_VENDOR_DIR with its checksum file. */
static int
cargo_vendor(struct bstate *b)
{
	char *crates = var(b, "CARGO_CRATES"), *vendor = var(b, "CARGO_VENDOR_DIR");
	char *hvendor = NULL;
	mk_words w = VEC_INIT;
	struct kerr e;
	int rc = -1;

	if (crates == NULL || vendor == NULL)
		goto out;
	if ((hvendor = host_of(b, vendor)) == NULL) {
		fail(b, "CARGO_VENDOR_DIR %s is not under WRKDIR", vendor);
		goto out;
	}
	if (path_mkdir_p(hvendor, 0755, &e) < 0) {
		fail(b, "%s", e.msg);
		goto out;
	}
	mk_split_words(crates, &w);
	for (size_t i = 0; i < w.n; i++) {
		size_t nl;
		char hex[SHA256_HEX_LEN + 1];
		char *rel, *file, *dst, *sum, *json;
		if (!crate_split(w.v[i], &nl)) {
			buildlog_printf(b->log, "=> %s: git crates are not vendored by kiln yet\n",
			    w.v[i]);
			continue;
		}
		rel = xasprintf("rust/crates/%s.crate", w.v[i]);
		file = b->p->dist_subdir && *b->p->dist_subdir ?
		    xasprintf("%s/%s/%s", b->c->distdir, b->p->dist_subdir, rel) :
		    path_join(b->c->distdir, rel);
		dst = path_join(hvendor, w.v[i]);
		sum = path_join(dst, ".cargo-checksum.json");
		int r = build_extract(file, hvendor, &e);
		if (r == 0)
			r = sha256_file_hex(file, hex, NULL, &e);
		if (r == 0) {
			json = xasprintf("{\"package\":\"%s\",\"files\":{}}", hex);
			r = path_write_atomic(sum, json, strlen(json), 0644, &e);
			free(json);
		}
		if (r == 0) {
			char *orig = path_join(dst, "Cargo.toml.orig");
			char *moved = path_join(dst, "Cargo.toml.orig-cargo");
			if (path_exists(orig))
				(void)rename(orig, moved);
			free(orig);
			free(moved);
		}
		free(rel);
		free(file);
		free(dst);
		free(sum);
		if (r < 0) {
			fail(b, "cargo-extract: %s", e.msg);
			goto out;
		}
	}
	buildlog_printf(b->log, "=> %zu crates vendored into %s\n", w.n, vendor);
	rc = give(b, hvendor);
out:
	mk_words_free(&w);
	free(hvendor);
	free(crates);
	free(vendor);
	return rc;
}

static int
do_extract(struct bstate *b)
{
	char *only = var(b, "EXTRACT_ONLY"), *crates = NULL;
	mk_words w = VEC_INIT, cw = VEC_INIT;
	struct kerr e;
	int rc = -1;

	if (only == NULL)
		return -1;
	if (uses(b, "cargo") && (crates = var(b, "CARGO_CRATES")) != NULL)
		mk_split_words(crates, &cw);
	mk_split_words(only, &w);
	for (size_t i = 0; i < w.n; i++) {
		bool is_crate = strncmp(w.v[i], "rust/crates/", 12) == 0;
		char *file;
		if (is_crate && uses(b, "cargo"))
			continue;	/* cargo-extract puts crates in place */
		file = b->p->dist_subdir && *b->p->dist_subdir ?
		    xasprintf("%s/%s/%s", b->c->distdir, b->p->dist_subdir, w.v[i]) :
		    path_join(b->c->distdir, w.v[i]);
		buildlog_printf(b->log, "=> extracting %s\n", w.v[i]);
		int r = build_extract(file, b->hostwork, &e);
		free(file);
		if (r < 0) {
			fail(b, "%s", e.msg);
			goto out;
		}
	}
	rc = give(b, b->hostwork);
out:
	mk_words_free(&w);
	mk_words_free(&cw);
	free(crates);
	free(only);
	return rc;
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
do_patch(struct bstate *b)
{
	char *patchdir = var(b, "PATCHDIR"), *extra = var(b, "EXTRA_PATCHES");
	char *strip = var(b, "PATCH_STRIP");
	VEC(char *) list = VEC_INIT;
	mk_words ew = VEC_INIT;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (patchdir == NULL || extra == NULL || strip == NULL) {
		rc = -1;
		goto out;
	}
	mk_split_words(extra, &ew);
	for (size_t i = 0; i < ew.n; i++)
		vec_push(&list, xstrdup(ew.v[i]));
	if ((d = opendir(patchdir)) != NULL) {
		size_t first = list.n;
		while ((de = readdir(d)) != NULL) {
			const char *n = de->d_name;
			size_t l = strlen(n);
			if (strncmp(n, "patch-", 6) != 0 || (l > 5 && strcmp(n + l - 5, ".orig") == 0) ||
			    (l > 4 && strcmp(n + l - 4, ".rej") == 0) || n[l - 1] == '~')
				continue;
			vec_push(&list, path_join(patchdir, n));
		}
		closedir(d);
		if (list.n - first > 1)
			qsort(list.v + first, list.n - first, sizeof(char *), cmp_strp);
	}
	for (size_t i = 0; i < list.n && rc == 0; i++) {
		char *line = xasprintf("patch -d \"$PATCH_WRKSRC\" --forward --quiet -E %s -i '%s'",
		    strip[0] ? strip : "-p0", list.v[i]);
		char *wrk = var(b, "PATCH_WRKSRC");
		char *full = wrk ? xasprintf("PATCH_WRKSRC='%s'; echo '=> applying %s'; %s",
		    wrk, strrchr(list.v[i], '/') ? strrchr(list.v[i], '/') + 1 : list.v[i],
		    line) : NULL;
		rc = full ? run_line(b, full, MK_CMD_SILENT, NULL) : -1;
		free(full);
		free(wrk);
		free(line);
	}
out:
	vec_free_all(&list, free);
	mk_words_free(&ew);
	free(patchdir);
	free(extra);
	free(strip);
	return rc;
}

static int
cargo_config(struct bstate *b)
{
	char *vendor = var(b, "CARGO_VENDOR_DIR");
	char *dir = path_join(b->hostwork, ".cargo");
	char *file = path_join(dir, "config.toml");
	struct kerr e;
	int rc = -1;

	if (vendor == NULL)
		goto out;
	char *text = xasprintf("[source.cargo]\ndirectory = '%s'\n"
	    "[source.crates-io]\nreplace-with = 'cargo'\n", vendor);
	if (path_mkdir_p(dir, 0755, &e) < 0 ||
	    path_write_atomic(file, text, strlen(text), 0644, &e) < 0)
		fail(b, "cargo-configure: %s", e.msg);
	else
		rc = give(b, dir);
	free(text);
	buildlog_printf(b->log, "=> wrote %s/.cargo/config.toml (vendored crates only)\n",
	    b->wrkdir);
out:
	free(vendor);
	free(dir);
	free(file);
	return rc;
}

/* SUB_FILES: files/NAME.in → WRKDIR/NAME through SUB_LIST (apply-slist). */
static int
apply_slist(struct bstate *b)
{
	char *filesdir = var(b, "FILESDIR");
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	struct kerr e;
	int rc = 0;

	for (size_t i = 0; filesdir && i < b->p->sub_files.n && rc == 0; i++) {
		char *src = xasprintf("%s/%s.in", filesdir, b->p->sub_files.v[i]);
		char *dst = path_join(b->hostwork, b->p->sub_files.v[i]);
		strbuf_reset(&in);
		strbuf_reset(&out);
		if (path_read(src, &in, &e) < 0) {
			rc = fail(b, "SUB_FILES: %s", e.msg);
		} else {
			port_sub_apply(b->p, in.buf, &out);
			if (path_write_atomic(dst, out.buf, out.len, 0644, &e) < 0)
				rc = fail(b, "SUB_FILES: %s", e.msg);
			else
				rc = give(b, dst);
		}
		free(src);
		free(dst);
	}
	free(filesdir);
	strbuf_release(&in);
	strbuf_release(&out);
	return filesdir ? rc : -1;
}

/* ---- default do- actions (make strings, as bsd.port.mk runs them) ------ */

static int
dflt_configure(struct bstate *b)
{
	if (uses(b, "cmake"))
		return run_make(b, "${MKDIR} ${CONFIGURE_WRKSRC} && cd ${CONFIGURE_WRKSRC} && "
		    "${SETENV} ${CONFIGURE_ENV} cmake -DCMAKE_INSTALL_PREFIX:PATH=${PREFIX} "
		    "-DCMAKE_BUILD_TYPE:STRING=${CMAKE_BUILD_TYPE} "
		    "-DFETCHCONTENT_FULLY_DISCONNECTED:BOOL=ON "
		    "${MAKE_CMD:Mninja:C/.+/-GNinja/} ${CMAKE_ARGS} ${CMAKE_SOURCE_PATH}", 0);
	if (uses(b, "meson"))
		return run_make(b, "cd ${WRKSRC} && ${SETENV} ${CONFIGURE_ENV} meson setup "
		    "--prefix ${PREFIX} --buildtype release ${MESON_ARGS} ${MESON_BUILD_DIR}", 0);
	if (defined(b, "GNU_CONFIGURE") || defined(b, "HAS_CONFIGURE"))
		return run_make(b, "cd ${CONFIGURE_WRKSRC} && ${SETENV} ${CONFIGURE_ENV} "
		    "./${CONFIGURE_SCRIPT} ${CONFIGURE_ARGS}", 0);
	return 0;
}

static const char cargo_env[] =
    "CARGO_HOME=${CARGO_HOME} CARGO_TARGET_DIR=${CARGO_TARGET_DIR} "
    "CARGO_BUILD_JOBS=${MAKE_JOBS_NUMBER:U1} RUST_BACKTRACE=1 ${CARGO_ENV}";

static int
dflt_build(struct bstate *b)
{
	char *s;
	int rc;

	if (defined(b, "NO_BUILD"))
		return 0;
	if (uses(b, "cargo")) {
		s = xasprintf("cd ${WRKSRC} && ${SETENV} ${MAKE_ENV} %s ${CARGO} build "
		    "--manifest-path ${CARGO_CARGOTOML} --release --offline --verbose "
		    "${CARGO_BUILD_ARGS}", cargo_env);
		rc = run_make(b, s, 0);
		free(s);
		return rc;
	}
	char *mc = var(b, "MAKE_CMD");
	bool ninja = mc && strcmp(mc, "ninja") == 0;
	free(mc);
	if (ninja)
		return run_make(b, "cd ${BUILD_WRKSRC} && ${SETENV} ${MAKE_ENV} ninja "
		    "-j${MAKE_JOBS_NUMBER:U1} ${MAKE_ARGS:NDESTDIR=*} ${ALL_TARGET}", 0);
	return run_make(b, "cd ${BUILD_WRKSRC} && ${SETENV} ${MAKE_ENV} ${MAKE_CMD} "
	    "-f ${MAKEFILE} ${MAKE_ARGS:NDESTDIR=*} ${ALL_TARGET}", 0);
}

static int
dflt_install(struct bstate *b)
{
	if (defined(b, "NO_INSTALL"))
		return 0;
	if (uses(b, "cargo")) {
		char *paths = var(b, "CARGO_INSTALL_PATH");
		mk_words w = VEC_INIT;
		int rc = paths ? 0 : -1;
		if (paths)
			mk_split_words(paths, &w);
		for (size_t i = 0; i < w.n && rc == 0; i++) {
			char *s = xasprintf("cd ${WRKSRC} && ${SETENV} ${MAKE_ENV} %s ${CARGO} "
			    "install --no-track --offline --path '%s' --root ${STAGEDIR}${PREFIX} "
			    "--verbose ${CARGO_INSTALL_ARGS}", cargo_env, w.v[i]);
			rc = run_make(b, s, 0);
			free(s);
		}
		mk_words_free(&w);
		free(paths);
		return rc;
	}
	char *mc = var(b, "MAKE_CMD");
	bool ninja = mc && strcmp(mc, "ninja") == 0;
	free(mc);
	if (ninja)	/* ninja takes DESTDIR from the environment only */
		return run_make(b, "cd ${INSTALL_WRKSRC} && ${SETENV} ${MAKE_ENV} "
		    "DESTDIR=${STAGEDIR} ninja ${MAKE_ARGS:NDESTDIR=*} ${INSTALL_TARGET}", 0);
	return run_make(b, "cd ${INSTALL_WRKSRC} && ${SETENV} ${MAKE_ENV} "
	    "${MAKE_CMD} -f ${MAKEFILE} ${MAKE_ARGS} DESTDIR=${STAGEDIR} ${INSTALL_TARGET}", 0);
}

static int
dflt_test(struct bstate *b)
{
	if (uses(b, "cargo")) {
		char *s = xasprintf("cd ${WRKSRC} && ${SETENV} ${MAKE_ENV} %s ${CARGO} test "
		    "--manifest-path ${CARGO_CARGOTOML} --release --offline ${CARGO_TEST_ARGS}",
		    cargo_env);
		int rc = run_make(b, s, 0);
		free(s);
		return rc;
	}
	if (!defined(b, "TEST_TARGET"))
		return 0;
	char *mc = var(b, "MAKE_CMD");
	bool ninja = mc && strcmp(mc, "ninja") == 0;
	free(mc);
	return run_make(b, ninja ? "cd ${TEST_WRKSRC} && ${SETENV} ${MAKE_ENV} ${TEST_ENV} "
	    "ninja ${TEST_ARGS} ${TEST_TARGET}" : "cd ${TEST_WRKSRC} && ${SETENV} "
	    "${MAKE_ENV} ${TEST_ENV} ${MAKE_CMD} -f ${MAKEFILE} ${TEST_ARGS} ${TEST_TARGET}", 0);
}

/* USE_RC_SUBR: files/NAME.in through SUB_LIST into ${PREFIX}/etc/rc.d. */
static int
install_rc(struct bstate *b)
{
	char *stagedir = var(b, "STAGEDIR");
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	struct kerr e;
	int rc = 0;

	for (size_t i = 0; stagedir && i < b->p->rc.n && rc == 0; i++) {
		const struct port_rc *r = &b->p->rc.v[i];
		char *inside = xasprintf("%s%s", stagedir, r->dest);
		char *host = host_of(b, inside);
		char *dir = host ? xstrdup(host) : NULL;
		strbuf_reset(&in);
		strbuf_reset(&out);
		if (host == NULL) {
			rc = fail(b, "rc.d: %s is outside WRKDIR", inside);
		} else if (path_read(r->src, &in, &e) < 0) {
			rc = fail(b, "USE_RC_SUBR: %s", e.msg);
		} else {
			*strrchr(dir, '/') = '\0';
			port_sub_apply(b->p, in.buf, &out);
			if (path_mkdir_p(dir, 0755, &e) < 0 ||
			    path_write_atomic(host, out.buf, out.len, 0755, &e) < 0)
				rc = fail(b, "USE_RC_SUBR: %s", e.msg);
			else
				buildlog_printf(b->log, "=> installed rc.d script %s\n", r->dest);
		}
		free(inside);
		free(host);
		free(dir);
	}
	strbuf_release(&in);
	strbuf_release(&out);
	free(stagedir);
	return stagedir ? rc : -1;
}

/* The plist text of package i, rc.d scripts added to the main package. */
static void
plist_text(struct bstate *b, size_t i, struct strbuf *out)
{
	const struct port_pkg *pk = &b->p->pkgs.v[i];

	for (size_t k = 0; k < pk->plist.n; k++)
		strbuf_addf(out, "%s\n", pk->plist.v[k]);
	if (i == 0)
		for (size_t k = 0; k < b->p->rc.n; k++) {
			bool listed = false;
			const char *d = b->p->rc.v[k].dest;
			size_t pl = strlen(b->p->prefix);
			const char *rel = strncmp(d, b->p->prefix, pl) == 0 && d[pl] == '/' ?
			    d + pl + 1 : d;
			for (size_t j = 0; j < pk->plist.n; j++)
				if (strstr(pk->plist.v[j], rel))
					listed = true;
			if (!listed)
				strbuf_addf(out, "@(root,wheel,0755) %s\n", rel);
		}
}

static int
check_plist(struct bstate *b, const char *hoststage)
{
	pkg_strv all_unlisted = VEC_INIT;
	struct kerr e;
	int rc = 0;

	for (size_t i = 0; i < b->p->pkgs.n && rc == 0; i++) {
		struct strbuf text = STRBUF_INIT;
		struct pkg_manifest *m = pkg_manifest_new();
		pkg_strv unlisted = VEC_INIT;
		m->prefix = xstrdup(b->p->prefix);
		plist_text(b, i, &text);
		if (pkg_plist_parse(text.buf, text.len, b->p->pkgs.v[i].pkgname,
		    hoststage, m, &unlisted, &e) < 0)
			rc = fail(b, "check-plist: %s", e.msg);
		if (i == 0) {
			for (size_t k = 0; k < unlisted.n; k++)
				vec_push(&all_unlisted, unlisted.v[k]);
			unlisted.n = 0;
		} else {
			/* Files another package lists are not orphans. */
			for (size_t k = 0; k < all_unlisted.n; k++) {
				bool still = false;
				for (size_t j = 0; j < unlisted.n; j++)
					if (strcmp(unlisted.v[j], all_unlisted.v[k]) == 0)
						still = true;
				if (!still) {
					free(all_unlisted.v[k]);
					all_unlisted.v[k] = xstrdup("");
				}
			}
		}
		vec_free_all(&unlisted, free);
		pkg_manifest_free(m);
		strbuf_release(&text);
	}
	size_t orphans = 0;
	for (size_t k = 0; k < all_unlisted.n; k++)
		if (all_unlisted.v[k][0]) {
			buildlog_printf(b->log, "=> in the stage but in no plist: %s\n",
			    all_unlisted.v[k]);
			orphans++;
		}
	if (rc == 0 && orphans > 0 && b->c->test_mode)
		rc = qa_fail(b, "check-plist: %zu staged file%s in no plist (see the log)",
		    orphans, orphans == 1 ? "" : "s");
	else if (rc == 0)
		buildlog_printf(b->log, "=> check-plist: %s\n", orphans ? "orphans only "
		    "(warnings; testport fails on them)" : "plist and stage agree");
	vec_free_all(&all_unlisted, free);
	return rc;
}

static void
json_kv(struct strbuf *sb, const char *k, const char *v)
{
	strbuf_addf(sb, "\"%s\":\"", k);
	strbuf_add_json_escaped(sb, v ? v : "");
	strbuf_addstr(sb, "\",");
}

/* +MANIFEST for package i as JSON (pkg reads it as UCL). */
static void
manifest_text(struct bstate *b, size_t i, struct strbuf *sb)
{
	const struct port *p = b->p;
	const struct port_pkg *pk = &p->pkgs.v[i];
	const char *ver = pk->pkgname + strlen(pk->pkgbase) + 1;
	bool first = true;

	strbuf_addch(sb, '{');
	json_kv(sb, "name", pk->pkgbase);
	json_kv(sb, "version", ver);
	json_kv(sb, "origin", p->origin);
	json_kv(sb, "comment", pk->comment ? pk->comment : p->comment);
	json_kv(sb, "maintainer", p->maintainer);
	json_kv(sb, "www", p->www && p->www[0] ? p->www : "UNKNOWN");
	json_kv(sb, "prefix", p->prefix);
	json_kv(sb, "desc", pk->descr ? pk->descr : (p->comment ? p->comment : ""));
	strbuf_addstr(sb, "\"categories\":[");
	for (size_t k = 0; k < p->categories.n; k++) {
		strbuf_addf(sb, "%s\"", k ? "," : "");
		strbuf_add_json_escaped(sb, p->categories.v[k]);
		strbuf_addch(sb, '"');
	}
	strbuf_addstr(sb, "],\"licenses\":[");
	for (size_t k = 0; k < p->licenses.n; k++) {
		strbuf_addf(sb, "%s\"", k ? "," : "");
		strbuf_add_json_escaped(sb, p->licenses.v[k]);
		strbuf_addch(sb, '"');
	}
	strbuf_addstr(sb, "],\"options\":{");
	for (size_t k = 0; k < p->options.n; k++)
		strbuf_addf(sb, "%s\"%s\":\"%s\"", k ? "," : "", p->options.v[k].name,
		    p->options.v[k].on ? "on" : "off");
	strbuf_addstr(sb, "},\"deps\":{");
	for (size_t k = 0; b->req->rundeps && b->req->rundeps[k]; k++) {
		char n[256], o[256], v[256];
		if (sscanf(b->req->rundeps[k], "%255s %255s %255s", n, o, v) != 3)
			continue;
		strbuf_addf(sb, "%s\"%s\":{\"origin\":\"%s\",\"version\":\"%s\"}",
		    first ? "" : ",", n, o, v);
		first = false;
	}
	strbuf_addch(sb, '}');
	if (pk->message) {
		strbuf_addstr(sb, ",\"messages\":[{\"message\":\"");
		strbuf_add_json_escaped(sb, pk->message);
		strbuf_addstr(sb, "\"}]");
	}
	strbuf_addstr(sb, "}\n");
}

static int
do_package(struct bstate *b, const char *hoststage)
{
	struct kerr e;
	int rc = 0;

	for (size_t i = 0; i < b->p->pkgs.n && rc == 0; i++) {
		char *meta = xasprintf("%s/meta/%zu", b->req->workroot, i);
		char *mf = path_join(meta, "+MANIFEST");
		char *pl = path_join(meta, "plist");
		struct strbuf sb = STRBUF_INIT;
		struct pkg_create_req cr;
		char *out = NULL;

		if (path_mkdir_p(meta, 0755, &e) < 0) {
			rc = fail(b, "%s", e.msg);
			goto next;
		}
		manifest_text(b, i, &sb);
		if (path_write_atomic(mf, sb.buf, sb.len, 0644, &e) < 0) {
			rc = fail(b, "%s", e.msg);
			goto next;
		}
		strbuf_reset(&sb);
		plist_text(b, i, &sb);
		if (path_write_atomic(pl, sb.buf, sb.len, 0644, &e) < 0) {
			rc = fail(b, "%s", e.msg);
			goto next;
		}
		pkg_create_req_init(&cr);
		cr.stagedir = hoststage;
		cr.metadir = meta;
		cr.plist = pl;
		cr.outdir = b->c->outdir;
		cr.abi = b->c->jail->abi;
		cr.wo.mtime = 0;	/* reproducible packages */
		if (pkg_create(&cr, &out, NULL, &e) < 0) {
			rc = fail(b, "package %s: %s", b->p->pkgs.v[i].pkgname, e.msg);
			goto next;
		}
		buildlog_printf(b->log, "=> created %s\n", out);
		vec_push(&b->r->packages, out);
next:
		strbuf_release(&sb);
		free(pl);
		free(mf);
		free(meta);
	}
	return rc;
}

/* ---- testport: install then delete in a fresh root leaves nothing ------ */

typedef VEC(char *) names_t;

static void
walk_root(const char *root, const char *rel, names_t *out)
{
	char *full = rel[0] ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(full);
	struct dirent *de;

	if (d == NULL) {
		free(full);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char *r, *p;
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		/* kiln's own database and caches are not the package's. */
		if (strncmp(r, "var/db/kiln", 11) == 0 || strncmp(r, "var/cache/kiln", 14) == 0) {
			free(r);
			continue;
		}
		p = path_join(root, r);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			walk_root(root, r, out);
		vec_push(out, r);
		free(p);
	}
	closedir(d);
	free(full);
}

static void
quiet_say(void *arg, const char *line)
{
	struct bstate *b = arg;

	buildlog_printf(b->log, "   %s\n", line);
}

static int
qa_install_delete(struct bstate *b)
{
	char *root = xasprintf("%s/qa-root", b->req->workroot);
	char *repos = xasprintf("%s/qa-repos", b->req->workroot);
	names_t before = VEC_INIT, after = VEC_INIT, left = VEC_INIT;
	VEC(char *) todo = VEC_INIT;
	struct client c;
	struct kerr e;
	bool opened = false;
	int rc = -1;

	if (path_mkdir_p(root, 0755, &e) < 0 || path_mkdir_p(repos, 0755, &e) < 0) {
		fail(b, "%s", e.msg);
		goto out;
	}
	client_init(&c);
	c.root = root;
	c.repos_dir = repos;
	c.yes = true;
	c.run_scripts = false;
	c.quiet = true;
	c.say = quiet_say;
	c.arg = b;
	if (client_open(&c, true, &e) < 0) {
		fail(b, "install check: %s", e.msg);
		goto out;
	}
	opened = true;
	/* Dependencies first, in whatever order their own dependencies allow. */
	for (size_t i = 0; b->req->dep_pkgs && b->req->dep_pkgs[i]; i++)
		vec_push(&todo, b->req->dep_pkgs[i]);
	for (bool progress = true; todo.n > 0 && progress;) {
		progress = false;
		for (size_t i = 0; i < todo.n; i++)
			if (client_add(&c, todo.v[i], &e) == 0) {
				todo.v[i--] = todo.v[--todo.n];
				progress = true;
			}
	}
	if (todo.n > 0) {
		rc = qa_fail(b, "install check: dependency %s: %s", todo.v[0], e.msg);
		goto out;
	}
	walk_root(root, "", &before);
	todo.n = 0;
	for (size_t i = 0; i < b->r->packages.n; i++)
		vec_push(&todo, b->r->packages.v[i]);
	for (bool progress = true; todo.n > 0 && progress;) {
		progress = false;
		for (size_t i = 0; i < todo.n; i++)
			if (client_add(&c, todo.v[i], &e) == 0) {
				buildlog_printf(b->log, "=> installed %s into a fresh root\n",
				    strrchr(todo.v[i], '/') + 1);
				todo.v[i--] = todo.v[--todo.n];
				progress = true;
			}
	}
	if (todo.n > 0) {
		rc = qa_fail(b, "install check: %s: %s", strrchr(todo.v[0], '/') + 1, e.msg);
		goto out;
	}
	{
		names_t del = VEC_INIT;
		for (size_t i = 0; i < b->p->pkgs.n; i++)
			vec_push(&del, b->p->pkgs.v[i].pkgbase);
		int r = client_delete(&c, del.v, del.n, &e);
		vec_free(&del);
		if (r < 0) {
			rc = qa_fail(b, "deinstall check: %s", e.msg);
			goto out;
		}
	}
	walk_root(root, "", &after);
	for (size_t i = 0; i < after.n; i++) {
		bool was = false;
		for (size_t k = 0; k < before.n && !was; k++)
			was = strcmp(before.v[k], after.v[i]) == 0;
		if (!was)
			vec_push(&left, after.v[i]);
	}
	for (size_t i = 0; i < left.n; i++)
		buildlog_printf(b->log, "=> left behind after delete: /%s\n", left.v[i]);
	if (left.n > 0) {
		rc = qa_fail(b, "install/deinstall check: %zu path%s left behind (see the log)",
		    left.n, left.n == 1 ? "" : "s");
		goto out;
	}
	buildlog_printf(b->log, "=> install then delete in a fresh root left nothing behind\n");
	rc = 0;
out:
	if (opened)
		client_close(&c);
	for (size_t i = 0; i < before.n; i++)
		free(before.v[i]);
	for (size_t i = 0; i < after.n; i++)
		free(after.v[i]);
	vec_free(&before);
	vec_free(&after);
	vec_free(&left);
	vec_free(&todo);
	free(root);
	free(repos);
	return rc;
}

/* ---- QA: files left outside the stage --------------------------------- */

#define QA_MARKER "/tmp/.kiln-qa-marker"
#define QA_LIST ".kiln-outside"

/* Note the time the build starts in this sandbox (before extract). */
static int
qa_outside_mark(struct bstate *b)
{
	return run_line(b, ": > " QA_MARKER, MK_CMD_SILENT | RUN_AS_ROOT, "/");
}

/*
 * List what the build created or changed in the sandbox's root since the
 * marker: the root's layers are overlays whose writes land in the
 * sandbox's upper layer, so any path with a newer ctime was written by the
 * build (a copy-up or a new file; ctime cannot be set back).  Excluded:
 * WRKDIR (and STAGEDIR in it), /tmp, /var/tmp, /proc, /sys, /dev, the
 * read-only ports tree and /distfiles.  Directories are reported only when
 * empty (a new file reports itself; its parent's ctime changes with it).
 * Removed files are not detected.
 */
static int
qa_outside_check(struct bstate *b)
{
	char *line = xasprintf("find / \\( -path /tmp -o -path /var/tmp -o "
	    "-path /proc -o -path /sys -o -path /dev -o -path /distfiles -o "
	    "-path '%s' -o -path '%s' \\) -prune -o "
	    "-cnewer " QA_MARKER " \\( ! -type d -o -empty \\) -print "
	    "> '%s/" QA_LIST "'", b->wrkdir, b->req->portsdir, b->wrkdir);
	char *host = xasprintf("%s/" QA_LIST, b->hostwork);
	struct strbuf sb = STRBUF_INIT;
	struct kerr e;
	size_t n = 0;
	int rc = -1;

	if (run_line(b, line, MK_CMD_SILENT | MK_CMD_IGNORE | RUN_AS_ROOT, "/") < 0)
		goto out;
	if (path_read(host, &sb, &e) < 0) {
		rc = fail(b, "files outside the stage: %s", e.msg);
		goto out;
	}
	for (char *p = sb.buf, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		if (*p == '\0' || strcmp(p, "/") == 0)
			continue;
		buildlog_printf(b->log, "=> left outside the stage: %s\n", p);
		n++;
	}
	if (n > 0)
		rc = qa_fail(b, "%zu file%s left outside the stage (see the log)",
		    n, n == 1 ? "" : "s");
	else {
		buildlog_printf(b->log, "=> no files left outside the stage\n");
		rc = 0;
	}
out:
	(void)unlink(host);
	strbuf_release(&sb);
	free(host);
	free(line);
	return rc;
}

/* ---- sandbox and environment ------------------------------------------- */

static int
install_deps(struct bstate *b, struct kerr *e)
{
	for (size_t i = 0; b->req->dep_pkgs && b->req->dep_pkgs[i]; i++) {
		struct pkg_archive *a = NULL;
		struct pkg_extract x = { 0 };
		struct pkg_extract_opts o;
		pkg_extract_opts_init(&o);
		o.set_owner = false;
		if (pkg_archive_open(b->req->dep_pkgs[i], 0, &a, e) < 0)
			return -1;
		int r = pkg_archive_extract(a, b->hostdeps, &o, &x, e);
		if (r == 0)
			r = pkg_extract_commit(&x, e);
		pkg_extract_free(&x);
		pkg_archive_close(a);
		if (r < 0)
			return -1;
		buildlog_printf(b->log, "=> installed dependency %s\n",
		    strrchr(b->req->dep_pkgs[i], '/') + 1);
	}
	return 0;
}

static int
open_sandbox(struct bstate *b, bool network, struct sandbox **out, struct kerr *e)
{
	struct sandbox_layer layers[16];
	struct sandbox_mount mounts[3];
	struct sandbox_conf sc = { 0 };
	size_t n = jail_layers(b->c->jail, layers, 14);

	layers[n].path = b->hostdeps;
	layers[n].at = "/";
	n++;
	memset(mounts, 0, sizeof(mounts));
	mounts[0].type = SANDBOX_BIND_RO;
	mounts[0].src = b->req->portsdir;
	mounts[0].dst = b->req->portsdir;
	mounts[1].type = SANDBOX_BIND_RO;
	mounts[1].src = b->c->distdir;
	mounts[1].dst = "/distfiles";
	mounts[2].type = SANDBOX_BIND_RW;
	mounts[2].src = b->hostwork;
	mounts[2].dst = b->wrkdir;
	sc.name = b->p->origin;
	sc.layers = layers;
	sc.nlayers = n;
	sc.mounts = mounts;
	sc.nmounts = 3;
	sc.network = network;
	sc.memory_max = b->c->memory_max;
	sc.hostname = "kiln-builder";
	return sandbox_open(&sc, out, e);
}

typedef VEC(char *) strv_t;

static void
push_env(strv_t *env, const char *k, const char *v)
{
	vec_push(env, xasprintf("%s=%s", k, v));
}

/* Tools the jail lacks under LOCALBASE but has in /usr/bin (a Linux base). */
static void
jail_tool_overrides(struct bstate *b)
{
	static const char *const tools[][2] = {
		{ "CARGO", "cargo" }, { "RUSTC", "rustc" }, { "RUSTDOC", "rustdoc" },
	};
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		char *v = var(b, tools[i][0]);
		if (v && strncmp(v, "/usr/local/", 11) == 0) {
			char *deps = path_join(b->hostdeps, v);
			if (!path_exists(deps))
				mk_set(b->p->mk, tools[i][0], tools[i][1], true);
			free(deps);
		}
		free(v);
	}
}

/* USE_TMPFS: a tmpfs at work/ in a private mount namespace (see build.h). */
static int
wrk_tmpfs(struct bstate *b, struct kerr *e)
{
#ifdef __linux__
	char opts[64];

	if (unshare(CLONE_NEWNS) < 0)
		return kerr_errno(e, "USE_TMPFS: unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return kerr_errno(e, "USE_TMPFS: making / private");
	if (b->c->wrk_tmpfs_size)
		snprintf(opts, sizeof(opts), "mode=0755,size=%llu",
		    (unsigned long long)b->c->wrk_tmpfs_size);
	else
		snprintf(opts, sizeof(opts), "mode=0755");
	if (mount("tmpfs", b->hostwork, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return kerr_errno(e, "USE_TMPFS: tmpfs on %s", b->hostwork);
	buildlog_printf(b->log, "=> WRKDIR on tmpfs (%s)\n", opts);
	b->tmpfs = true;
	return 0;
#else
	(void)b;
	return kerr_set(e, "USE_TMPFS: not written for this system");
#endif
}

static int
setup(struct bstate *b, struct kerr *e)
{
	char *wd = NULL;
	strv_t env = VEC_INIT;
	char *bin;

	if (path_rm_rf(b->req->workroot, e) < 0)
		return -1;
	b->hostwork = path_join(b->req->workroot, "work");
	b->hostdeps = path_join(b->req->workroot, "deps");
	if (path_mkdir_p(b->hostwork, 0755, e) < 0 ||
	    path_mkdir_p(b->hostdeps, 0755, e) < 0)
		return -1;
	if (b->c->wrk_tmpfs && wrk_tmpfs(b, e) < 0)
		return -1;
	mk_set(b->p->mk, "WRKDIRPREFIX", "/wrkdirs", true);
	mk_set(b->p->mk, "DISTDIR", "/distfiles", true);
	mk_set(b->p->mk, "MAKE_JOBS_NUMBER", "1", true);
	if ((wd = var(b, "WRKDIR")) == NULL)
		return kerr_set(e, "%s: %s", b->p->origin, b->r->msg);
	b->wrkdir = wd;
	jail_tool_overrides(b);
	/* gmake is GNU make's name on BSD; a Linux base calls it make. */
	bin = path_join(b->hostwork, ".bin");
	if (path_mkdir_p(bin, 0755, e) < 0) {
		free(bin);
		return -1;
	}
	char *gm = path_join(bin, "gmake");
	if (symlink("/usr/bin/make", gm) < 0 && errno != EEXIST) {
		kerr_errno(e, "%s", gm);
		free(gm);
		free(bin);
		return -1;
	}
	free(gm);
	free(bin);
	if ((b->uid || b->gid) && path_chown_r(b->hostwork, b->uid, b->gid, e) < 0)
		return -1;
	char *path = xasprintf("%s/.bin:" PATH_DEFAULT, wd);
	push_env(&env, "PATH", path);
	free(path);
	push_env(&env, "HOME", wd);
	push_env(&env, "TMPDIR", "/tmp");
	push_env(&env, "LANG", "C.UTF-8");
	push_env(&env, "SHELL", "/bin/sh");
	push_env(&env, "TERM", "dumb");
	vec_push(&env, (char *)NULL);
	b->env = env.v;
	return 0;
}

static void
log_header(struct bstate *b)
{
	static const char *const vars[] = {
		"PORTNAME", "PORTVERSION", "PORTREVISION", "PKGNAME", "PREFIX",
		"WRKDIR", "WRKSRC", "STAGEDIR", "DISTDIR", "DIST_SUBDIR", "DISTFILES",
		"USES", "MAKE_CMD", "MAKE_ENV", "MAKE_ARGS", "CONFIGURE_ARGS",
		"CMAKE_ARGS", "CARGO_ENV", "BUILD_DEPENDS", "LIB_DEPENDS",
		"RUN_DEPENDS", "USE_RC_SUBR", "SUB_LIST", NULL
	};
	char tbuf[64];
	time_t now = time(NULL);

	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	buildlog_printf(b->log, "=> kiln build of %s (%s)\n", b->p->origin, b->p->pkgname);
	buildlog_printf(b->log, "=> started %s on jail %s (%s, %s)\n", tbuf,
	    b->c->jail->name, b->c->jail->abi, b->c->jail->version);
	if (b->req->header)
		buildlog_printf(b->log, "%s", b->req->header);
	if (b->uid || b->gid)
		buildlog_printf(b->log, "=> building as uid %u gid %u (BUILD_AS_NON_ROOT)\n",
		    (unsigned)b->uid, (unsigned)b->gid);
	else
		buildlog_printf(b->log, "=> building as root%s\n",
		    b->c->uid || b->c->gid ? " (NEED_ROOT)" : "");
	buildlog_printf(b->log, "---Begin port variables---\n");
	for (size_t i = 0; vars[i]; i++) {
		char *v = var(b, vars[i]);
		if (v && v[0])
			buildlog_printf(b->log, "%s=%s\n", vars[i], v);
		free(v);
	}
	buildlog_printf(b->log, "OPTIONS=");
	for (size_t i = 0; i < b->p->options.n; i++)
		buildlog_printf(b->log, "%s%s%s", i ? " " : "", b->p->options.v[i].on ?
		    "+" : "-", b->p->options.v[i].name);
	buildlog_printf(b->log, "\n---End port variables---\n");
}

/* SAVE_WRKDIR: archive the failed build's WRKDIR; only logs on failure. */
static void
save_wrkdir(struct bstate *b)
{
	char *out = xasprintf("%s/%s.tgz", b->c->wrkdir_save, b->p->pkgname);
	struct kerr e;

	if (path_mkdir_p(b->c->wrkdir_save, 0755, &e) == 0 &&
	    archive_write_tree(b->hostwork, out, ARCHIVE_TAR_GZ, NULL, 0, &e) == 0)
		buildlog_printf(b->log, "=> work directory saved (SAVE_WRKDIR): %s\n", out);
	else
		buildlog_printf(b->log, "=> SAVE_WRKDIR: %s\n", e.msg);
	free(out);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool
has_targets(struct bstate *b, const char *family)
{
	port_targets ts = VEC_INIT;
	bool any;

	port_phase_targets(b->p, family, &ts);
	any = ts.n > 0;
	vec_free(&ts);
	return any;
}

int
build_port(const struct build_ctx *c, const struct build_req *req,
    struct build_result *r, struct kerr *e)
{
	struct bstate b = { .c = c, .req = req, .p = req->port, .r = r };
	struct sandbox *net = NULL;
	char *stagedir = NULL, *hoststage = NULL, *prefixdir = NULL;
	double t0 = now_s();
	char footer[1400];
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->ok = true;
	b.phase = "setup";
	if (!mk_defined(b.p->mk, "NEED_ROOT")) {
		b.uid = c->uid;
		b.gid = c->gid;
	}
	if ((b.log = buildlog_open(req->logfile, c->log_limit, e)) == NULL)
		return -1;
	if (setup(&b, e) < 0) {
		fail(&b, "%s", e->msg);
		goto done;
	}
	log_header(&b);
	if (install_deps(&b, e) < 0) {
		b.phase = "depends";
		fail(&b, "%s", e->msg);
		goto done;
	}

	relay_phase(&b, "fetch");
	if (has_targets(&b, "fetch")) {
		if (open_sandbox(&b, true, &net, e) < 0) {
			fail(&b, "%s", e->msg);
			goto done;
		}
	}
	if (run_family(&b, net, "fetch", do_fetch) < 0)
		goto done;
	if (net) {
		sandbox_close(net, e);
		net = NULL;
	}
	relay_phase(&b, "checksum");
	if (do_checksum(&b) < 0)
		goto done;

	if (open_sandbox(&b, false, &b.sb, e) < 0) {
		fail(&b, "%s", e->msg);
		goto done;
	}
	if (c->test_mode && qa_outside_mark(&b) < 0)
		goto done;
	relay_phase(&b, "extract");
	if (run_family(&b, b.sb, "extract", do_extract) < 0)
		goto done;
	if (uses(&b, "cargo") && cargo_vendor(&b) < 0)
		goto done;
	relay_phase(&b, "patch");
	if (run_family(&b, b.sb, "patch", do_patch) < 0)
		goto done;
	relay_phase(&b, "configure");
	if (apply_slist(&b) < 0)
		goto done;
	if (uses(&b, "cargo") && cargo_config(&b) < 0)
		goto done;
	if (run_family(&b, b.sb, "configure", dflt_configure) < 0)
		goto done;
	relay_phase(&b, "build");
	if (run_family(&b, b.sb, "build", dflt_build) < 0)
		goto done;

	relay_phase(&b, "stage");
	if ((stagedir = var(&b, "STAGEDIR")) == NULL)
		goto done;
	if ((hoststage = host_of(&b, stagedir)) == NULL) {
		fail(&b, "STAGEDIR %s is not under WRKDIR %s", stagedir, b.wrkdir);
		goto done;
	}
	prefixdir = xasprintf("%s%s", hoststage, b.p->prefix);
	if (path_mkdir_p(prefixdir, 0755, e) < 0) {
		fail(&b, "%s", e->msg);
		goto done;
	}
	if (give(&b, hoststage) < 0)
		goto done;
	if (run_family(&b, b.sb, "install", dflt_install) < 0)
		goto done;
	if (install_rc(&b) < 0 || (b.p->rc.n && give(&b, hoststage) < 0))
		goto done;
	/* compress-man (stage 850): gzip every man page left uncompressed. */
	if (run_make(&b, "if [ -d ${STAGEDIR}${PREFIX}/share/man ]; then find "
	    "${STAGEDIR}${PREFIX}/share/man -type f -path '*/man*/*' ! -name '*.gz' "
	    "-exec gzip -9nf {} +; fi", MK_CMD_SILENT) < 0)
		goto done;
	{
		const struct mk_target *ps = port_target(b.p, "post-stage");
		if (ps && run_target(&b, b.sb, ps) < 0)
			goto done;
	}
	if (c->test_mode) {
		relay_phase(&b, "test");
		if (run_family(&b, b.sb, "test", dflt_test) < 0)
			goto done;
	}
	relay_phase(&b, "check-plist");
	if (c->test_mode && qa_outside_check(&b) < 0)
		goto done;
	if (check_plist(&b, hoststage) < 0)
		goto done;
	relay_phase(&b, "package");
	if (run_family(&b, b.sb, "package", NULL) < 0)
		goto done;
	if (do_package(&b, hoststage) < 0)
		goto done;
	if (c->test_mode) {
		relay_phase(&b, "install-check");
		if (qa_install_delete(&b) < 0)
			goto done;
	}
	rc = 0;
done:
	if (net)
		sandbox_close(net, e);
	if (b.sb)
		sandbox_close(b.sb, e);
	r->elapsed = now_s() - t0;
	if (rc < 0 && r->ok)
		fail(&b, "%s", e->msg);
	if (!r->ok && c->wrkdir_save && b.hostwork)
		save_wrkdir(&b);
	if (r->ok)
		snprintf(footer, sizeof(footer), "=> build ended: ok (%.1f s, %zu package%s)\n",
		    r->elapsed, r->packages.n, r->packages.n == 1 ? "" : "s");
	else
		snprintf(footer, sizeof(footer), "=> build ended: failed in phase %s after %.1f s: %.1200s\n",
		    r->phase, r->elapsed, r->msg);
	buildlog_close(b.log, footer, e);
#ifdef __linux__
	if (b.tmpfs)
		(void)umount2(b.hostwork, MNT_DETACH);
#endif
	if (b.env)
		xfree_strv(b.env);
	free(b.wrkdir);
	free(b.hostwork);
	free(b.hostdeps);
	free(stagedir);
	free(hoststage);
	free(prefixdir);
	/* The work tree is scratch (SAVE_WRKDIR has archived it). */
	{
		struct kerr e2;
		(void)path_rm_rf(req->workroot, &e2);
	}
	return 0;
}
