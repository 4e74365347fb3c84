/*
 * client_repo: the repository side of the client: `update` (meta.conf,
 * data.pkg or packagesite.pkg with If-Modified-Since, signature checks,
 * the verified catalog cache), loading catalogs into candidates (ABI
 * filter), and downloading packages checked against the catalog's size
 * and checksum.  Does not touch installed files or the database.
 * Calls: util, pkg/repo, pkg/repoconf, pkg/sign, pkg/checksum, pkg/abi.
 */
#include "pkg/client.h"
#include "pkg/client_int.h"

#include "pkg/abi.h"
#include "pkg/checksum.h"
#include "pkg/repo.h"
#include "util/download.h"
#include "util/path.h"
#include "util/sha256.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* --- update ------------------------------------------------------------- */

static time_t
file_mtime(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_mtime : 0;
}

static void
set_mtime(const char *p, time_t t)
{
	struct timeval tv[2] = { { t, 0 }, { t, 0 } };

	if (t > 0)
		utimes(p, tv);
}

/* The fingerprints directory as pkg opens it: inside ROOT when it exists
 * there, else on the host.  Caller frees. */
static char *
fingerprints_dir(const struct client *c, const char *dir)
{
	char *in = client_in_root(c, dir);

	if (path_is_dir(in))
		return in;
	free(in);
	return xstrdup(dir);
}

/* What the cached catalog was verified with; a change forces a download. */
static char *
trust_string(const struct client *c, const struct repoconf *r)
{
	struct strbuf sb = STRBUF_INIT;
	char hex[SHA256_HEX_LEN + 1];
	struct kerr e;

	strbuf_addf(&sb, "url %s\nsignature_type %s\n", r->url,
	    repoconf_sig_name(r->sig));
	if (r->sig == REPO_SIG_PUBKEY && r->pubkey) {
		if (sha256_file_hex(r->pubkey, hex, NULL, &e) == 0)
			strbuf_addf(&sb, "pubkey %s %s\n", r->pubkey, hex);
		else
			strbuf_addf(&sb, "pubkey %s unreadable\n", r->pubkey);
	}
	if (r->sig == REPO_SIG_FINGERPRINTS && r->fingerprints) {
		char *fp = fingerprints_dir(c, r->fingerprints);
		struct pkg_fingerprints f = { VEC_INIT, VEC_INIT };

		strbuf_addf(&sb, "fingerprints %s\n", fp);
		if (pkg_fingerprints_load(fp, &f, &e) == 0) {
			for (size_t i = 0; i < f.trusted.n; i++)
				strbuf_addf(&sb, "trusted %s\n", f.trusted.v[i]);
			for (size_t i = 0; i < f.revoked.n; i++)
				strbuf_addf(&sb, "revoked %s\n", f.revoked.v[i]);
		}
		pkg_fingerprints_free(&f);
		free(fp);
	}
	return strbuf_detach(&sb, NULL);
}

static void
trust_of(const struct client *c, const struct repoconf *r, struct pkg_trust *t,
    char **fpdir)
{
	memset(t, 0, sizeof(*t));
	*fpdir = NULL;
	switch (r->sig) {
	case REPO_SIG_PUBKEY:
		t->mode = PKG_SIG_PUBKEY;
		t->pubkey = r->pubkey;
		break;
	case REPO_SIG_FINGERPRINTS:
		t->mode = PKG_SIG_FINGERPRINTS;
		*fpdir = fingerprints_dir(c, r->fingerprints);
		t->fingerprints = *fpdir;
		break;
	default:
		t->mode = PKG_SIG_NONE;
	}
}

/* Names and versions become file names in the cache: no '/', no dot
 * files, nothing empty. */
static bool
safe_component(const char *s)
{
	return s != NULL && s[0] != '\0' && s[0] != '.' && strchr(s, '/') == NULL;
}

/* pkg_catalog_parse callback that only validates. */
static int
discard_pkg(struct pkg_manifest *m, void *arg, struct kerr *e)
{
	int rc = 0;

	(void)arg;
	if (!safe_component(m->name) || !safe_component(m->version))
		rc = kerr_set(e, "catalog entry '%s-%s': a name or version that "
		    "is not a plain file name", m->name ? m->name : "",
		    m->version ? m->version : "");
	pkg_manifest_free(m);
	return rc;
}

/*
 * Update one repo: meta.conf, then data.pkg or packagesite.pkg into
 * NAME.new names, verified, then renamed over the cached copy.  A 304 on
 * the catalog counts as "up to date" only when the cached catalog was
 * verified with the same trust settings.
 */
static int
update_repo(struct client *c, const struct repoconf *r, bool force,
    struct kerr *e)
{
	char *dir = xasprintf("%s/repos/%s", c->dbdir, r->name);
	char *trustp = path_join(dir, "trust"), *catp = path_join(dir, "catalog");
	char *trust = trust_string(c, r), *fpdir = NULL;
	struct strbuf old = STRBUF_INIT, text = STRBUF_INIT;
	struct pkg_repo_meta meta;
	struct pkg_trust t;
	bool cached;
	int rc = -1;

	pkg_repo_meta_init(&meta);
	if (path_mkdir_p(dir, 0755, e) < 0)
		goto out;
	cached = !force && path_read(trustp, &old, e) == 0 &&
	    strcmp(old.buf, trust) == 0 && path_exists(catp);
	/* meta.conf: optional, as for pkg. */
	{
		char *url = xasprintf("%s/meta.conf", r->url);
		char *dst = path_join(dir, "meta.conf");
		struct download_opts o = { .max_bytes = 1 << 20,
		    .if_modified_since = cached ? file_mtime(dst) : 0 };
		struct kerr de;
		time_t lm = 0;
		enum download_result dr = download_file(url, dst, &o, &lm, &de);
		struct strbuf mb = STRBUF_INIT;

		if (dr == DOWNLOAD_OK)
			set_mtime(dst, lm);
		if (dr == DOWNLOAD_ERROR)
			unlink(dst);
		if (path_exists(dst) && path_read(dst, &mb, e) == 0 &&
		    (pkg_repo_meta_free(&meta), 1) &&
		    pkg_repo_meta_parse(mb.buf, mb.len, dst, &meta, e) < 0) {
			strbuf_release(&mb);
			free(url);
			free(dst);
			kerr_prefix(e, "repo '%s'", r->name);
			goto out;
		}
		strbuf_release(&mb);
		free(url);
		free(dst);
	}
	/* The catalog: data.pkg, else packagesite.pkg. */
	for (int kind = 0; kind < 2; kind++) {
		const char *base = kind == 0 ? meta.data_archive : meta.manifests_archive;
		const char *member = kind == 0 ? meta.data : meta.manifests;
		char *url = xasprintf("%s/%s.pkg", r->url, base);
		char *dst = xasprintf("%s/%s.pkg", dir, base);
		char *tmp = xasprintf("%s/%s.pkg.new", dir, base);
		struct download_opts o = { .max_bytes = 1 << 30,
		    .if_modified_since = cached ? file_mtime(dst) : 0 };
		struct kerr de;
		time_t lm = 0;
		enum download_result dr;

		unlink(tmp);
		dr = download_file(url, tmp, &o, &lm, &de);
		if (dr == DOWNLOAD_NOT_MODIFIED) {
			client_say(c, "%s: repository is up to date", r->name);
			rc = 0;
		} else if (dr == DOWNLOAD_OK) {
			trust_of(c, r, &t, &fpdir);
			if (pkg_catalog_read(tmp, member, &t, &text, e) < 0) {
				unlink(tmp);
				kerr_prefix(e, "repo '%s' (signature_type %s): refused",
				    r->name, repoconf_sig_name(r->sig));
			} else if (pkg_catalog_parse(text.buf, text.len,
			    kind == 0 ? PKG_CATALOG_DATA : PKG_CATALOG_LINES,
			    url, discard_pkg, NULL, e) < 0) {
				unlink(tmp);
				kerr_prefix(e, "repo '%s'", r->name);
			} else {
				struct strbuf cat = STRBUF_INIT;

				/* First line says which kind the catalog is. */
				strbuf_addf(&cat, "%s\n", kind == 0 ? "data" : "lines");
				strbuf_add(&cat, text.buf, text.len);
				if (path_write_atomic(catp, cat.buf, cat.len, 0644, e) == 0 &&
				    rename(tmp, dst) == 0) {
					set_mtime(dst, lm);
					path_write_atomic(trustp, trust, strlen(trust),
					    0644, e);
					client_say(c, "%s: catalog updated (%s.pkg)", r->name, base);
					rc = 0;
				} else if (e->msg[0] == '\0') {
					kerr_errno(e, "%s", dst);
				}
				strbuf_release(&cat);
			}
		} else if (kind == 1) {
			kerr_set(e, "repo '%s': no catalog: %s", r->name, de.msg);
		}
		free(url);
		free(dst);
		free(tmp);
		if (dr != DOWNLOAD_ERROR)
			break;
	}
out:
	pkg_repo_meta_free(&meta);
	strbuf_release(&old);
	strbuf_release(&text);
	free(fpdir);
	free(trust);
	free(trustp);
	free(catp);
	free(dir);
	return rc;
}

int
client_update(struct client *c, bool force, struct kerr *e)
{
	repoconf_list l = VEC_INIT;
	int rc = 0;

	repoconf_enabled(&c->repos, &l);
	if (l.n == 0)
		client_say(c, "no repositories configured");
	for (size_t i = 0; i < l.n && rc == 0; i++)
		rc = update_repo(c, l.v[i], force, e);
	vec_free(&l);
	return rc;
}

static int
add_to_catalog(struct pkg_manifest *m, void *arg, struct kerr *e)
{
	struct client_catalog *cat = arg;

	if (!safe_component(m->name) || !safe_component(m->version)) {
		kerr_set(e, "repo '%s': catalog entry '%s-%s': a name or version "
		    "that is not a plain file name", cat->repo->name,
		    m->name ? m->name : "", m->version ? m->version : "");
		pkg_manifest_free(m);
		return -1;
	}
	vec_push(&cat->pkgs, m);
	return 0;
}

/* Load every enabled repo's verified catalog (updating first). */
int
client_load_catalogs(struct client *c, struct kerr *e)
{
	repoconf_list l = VEC_INIT;
	int rc = -1;

	if (c->cats.n)
		return 0;
	if (client_update(c, false, e) < 0)
		goto out;
	repoconf_enabled(&c->repos, &l);
	for (size_t i = 0; i < l.n; i++) {
		char *catp = xasprintf("%s/repos/%s/catalog", c->dbdir, l.v[i]->name);
		struct strbuf sb = STRBUF_INIT;
		struct client_catalog *cat = xcalloc(1, sizeof(*cat));
		char *nl;
		int r;

		cat->repo = l.v[i];
		vec_push(&c->cats, cat);
		r = path_read(catp, &sb, e);
		nl = r == 0 ? memchr(sb.buf, '\n', sb.len) : NULL;
		if (nl == NULL) {
			if (r == 0)
				kerr_set(e, "%s: damaged catalog cache", catp);
		} else {
			size_t off = (size_t)(nl - sb.buf) + 1;

			r = pkg_catalog_parse(sb.buf + off, sb.len - off,
			    strncmp(sb.buf, "data\n", 5) == 0 ? PKG_CATALOG_DATA :
			    PKG_CATALOG_LINES, catp, add_to_catalog, cat, e);
		}
		strbuf_release(&sb);
		free(catp);
		if (nl == NULL || r < 0)
			goto out;
	}
	rc = 0;
out:
	vec_free(&l);
	return rc;
}

bool
client_abi_ok(const struct client *c, const struct pkg_manifest *m)
{
	return m->abi == NULL || c->abi == NULL || pkg_abi_match(m->abi, c->abi);
}

/* Every catalog entry whose ABI fits this client. */
void
client_universe(struct client *c, solve_universe *u)
{
	for (size_t i = 0; i < c->cats.n; i++) {
		size_t skipped = 0;
		const char *other = NULL;

		for (size_t k = 0; k < c->cats.v[i]->pkgs.n; k++) {
			const struct pkg_manifest *m = c->cats.v[i]->pkgs.v[k];
			struct solve_cand sc = { m, c->cats.v[i]->repo->name,
			    c->cats.v[i]->repo->priority };

			if (!client_abi_ok(c, m)) {
				skipped++;
				other = m->abi;
				continue;
			}
			vec_push(u, sc);
		}
		if (skipped)
			client_say(c, "%s: %zu package(s) for another ABI (%s) ignored; this "
			    "system is %s (-o ABI=... to change)",
			    c->cats.v[i]->repo->name, skipped, other, c->abi);
	}
}

static const struct repoconf *
repo_named(struct client *c, const char *name)
{
	return repoconf_find(&c->repos, name);
}

/* --- fetching packages -------------------------------------------------- */

/* Check path against the catalog's size and sum.  0 or -1. */
static int
verify_pkg_file(const char *path, const struct pkg_manifest *cm, struct kerr *e)
{
	enum pkg_cksum_type type;
	uint64_t size = 0;
	char *sum = NULL;
	int rc = -1;

	if (cm->sum == NULL || cm->sum[0] == '\0') {
		return kerr_set(e, "%s-%s: the catalog has no checksum for it",
		    cm->name, cm->version);
	}
	if (pkg_cksum_type_of(cm->sum, &type, e) < 0)
		return kerr_prefix(e, "%s-%s", cm->name, cm->version);
	sum = pkg_cksum_file(type, path, &size, e);
	if (sum == NULL)
		goto out;
	if (cm->pkgsize >= 0 && (uint64_t)cm->pkgsize != size) {
		kerr_set(e, "%s: size mismatch: the catalog says %lld bytes, the "
		    "file has %llu", path, (long long)cm->pkgsize,
		    (unsigned long long)size);
		goto out;
	}
	if (strcmp(sum, cm->sum) != 0) {
		kerr_set(e, "%s: checksum mismatch: the catalog says %s, the file "
		    "has %s", path, cm->sum, sum);
		goto out;
	}
	rc = 0;
out:
	free(sum);
	return rc;
}

/* Download (or reuse from the cache) the package of candidate sc; *out
 * gets the verified local path (caller frees). */
int
client_fetch_pkg(struct client *c, const struct solve_cand *sc, char **out,
    struct kerr *e)
{
	const struct repoconf *r = repo_named(c, sc->repo);
	const struct pkg_manifest *m = sc->m;
	char *dst = NULL, *url = NULL;
	struct kerr ignored;
	int rc = -1;

	if (path_mkdir_p(c->cachedir, 0755, e) < 0)
		return -1;
	dst = xasprintf("%s/%s-%s.pkg", c->cachedir, m->name, m->version);
	if (path_exists(dst) && verify_pkg_file(dst, m, &ignored) == 0) {
		*out = dst;
		return 0;
	}
	url = xasprintf("%s/%s", r->url, m->repopath);
	client_say(c, "fetching %s-%s from %s", m->name, m->version, r->name);
	if (download_file(url, dst, NULL, NULL, e) != DOWNLOAD_OK)
		goto out;
	if (verify_pkg_file(dst, m, e) < 0) {
		unlink(dst);
		kerr_prefix(e, "%s-%s from repo '%s': refused", m->name,
		    m->version, r->name);
		goto out;
	}
	*out = dst;
	dst = NULL;
	rc = 0;
out:
	free(url);
	free(dst);
	return rc;
}

int
client_fetch(struct client *c, char *const *names, size_t n, bool deps,
    struct kerr *e)
{
	solve_universe u = VEC_INIT;
	solve_jobs jobs = VEC_INIT;
	solve_installed none = VEC_INIT;
	int rc = -1;

	if (client_load_catalogs(c, e) < 0)
		goto out;
	client_universe(c, &u);
	if (n == 0) {
		for (size_t i = 0; i < u.n; i++) {
			struct solve_job j = { SOLVE_INSTALL, u.v[i].m->name, &u.v[i],
			    NULL, false };
			vec_push(&jobs, j);
		}
	} else if (deps) {
		if (solve_install(&u, &none, names, n, &jobs, e) < 0)
			goto out;
	} else {
		for (size_t i = 0; i < n; i++) {
			const struct solve_cand *sc = solve_best(&u, names[i]);

			if (sc == NULL) {
				kerr_set(e, "%s: not found in any repository", names[i]);
				goto out;
			}
			struct solve_job j = { SOLVE_INSTALL, sc->m->name, sc, NULL,
			    false };
			vec_push(&jobs, j);
		}
	}
	for (size_t i = 0; i < jobs.n; i++) {
		char *p = NULL;

		if (client_fetch_pkg(c, jobs.v[i].cand, &p, e) < 0)
			goto out;
		free(p);
	}
	client_say(c, "%zu package(s) fetched into %s", jobs.n, c->cachedir);
	rc = 0;
out:
	vec_free(&jobs);
	vec_free(&u);
	return rc;
}
