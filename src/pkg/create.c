/*
 * create: one package from METADIR + packing list + stage (see create.h).
 * Calls: util, pkg/manifest, pkg/plist, pkg/archive, pkg/checksum, pkg/abi.
 */
#include "pkg/create.h"

#include "pkg/abi.h"
#include "pkg/checksum.h"
#include "pkg/plist.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
pkg_create_req_init(struct pkg_create_req *r)
{
	memset(r, 0, sizeof(*r));
	pkg_write_opts_init(&r->wo);
}

struct inode {
	dev_t dev;
	ino_t ino;
};

int
pkg_create_fill(struct pkg_manifest *m, const char *stagedir, struct kerr *e)
{
	VEC(struct inode) seen = VEC_INIT;
	int64_t flat = 0;
	int rc = -1;

	for (size_t i = 0; i < m->files.n; i++) {
		struct pkg_file *f = &m->files.v[i];
		char *src = path_join(stagedir, f->path);
		struct stat st;

		if (lstat(src, &st) < 0) {
			kerr_errno(e, "%s", src);
			free(src);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char *t = path_readlink(src, e);

			if (t == NULL) {
				free(src);
				goto out;
			}
			free(f->symlink_target);
			f->symlink_target = t;
			free(f->sum);
			f->sum = pkg_cksum_symlink(PKG_CKSUM_DEFAULT, t);
			if (f->perm == PKG_PERM_UNSET)
				f->perm = st.st_mode & 07777;
		} else if (S_ISREG(st.st_mode)) {
			bool dup = false;

			free(f->sum);
			if ((f->sum = pkg_cksum_file(PKG_CKSUM_DEFAULT, src, NULL, e)) == NULL) {
				free(src);
				goto out;
			}
			if (f->perm == PKG_PERM_UNSET)
				f->perm = st.st_mode & 07777;
			if (st.st_nlink > 1) {
				for (size_t j = 0; j < seen.n; j++)
					if (seen.v[j].dev == st.st_dev && seen.v[j].ino == st.st_ino)
						dup = true;
				if (!dup) {
					struct inode in = { st.st_dev, st.st_ino };
					vec_push(&seen, in);
				}
			}
			if (!dup)
				flat += st.st_size;
		} else {
			kerr_set(e, "%s: not a regular file or symlink", src);
			free(src);
			goto out;
		}
		free(src);
	}
	for (size_t i = 0; i < m->dirs.n; i++) {
		struct pkg_dir *d = &m->dirs.v[i];
		char *src = path_join(stagedir, d->path);
		struct stat st;

		if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode)) {
			kerr_set(e, "%s: directory missing from the stage", src);
			free(src);
			goto out;
		}
		if (d->perm == PKG_PERM_UNSET)
			d->perm = st.st_mode & 07777;
		free(src);
	}
	m->flatsize = flat;
	rc = 0;
out:
	vec_free(&seen);
	return rc;
}

/* Read METADIR/name into sb; 1 read, 0 absent, -1 error. */
static int
read_meta(const char *metadir, const char *name, struct strbuf *sb, struct kerr *e)
{
	char *p = path_join(metadir, name);
	int rc;

	strbuf_reset(sb);
	if (!path_exists(p))
		rc = 0;
	else
		rc = path_read(p, sb, e) < 0 ? -1 : 1;
	free(p);
	return rc;
}

static int
load_metadir(struct pkg_manifest **out, const char *metadir, struct kerr *e)
{
	static const struct { const char *a, *b; enum pkg_script t; } scripts[] = {
		{ "+PRE_INSTALL", "pkg-pre-install", PKG_SCRIPT_PRE_INSTALL },
		{ "+INSTALL", "pkg-install", PKG_SCRIPT_INSTALL },
		{ "+POST_INSTALL", "pkg-post-install", PKG_SCRIPT_POST_INSTALL },
		{ "+PRE_DEINSTALL", "pkg-pre-deinstall", PKG_SCRIPT_PRE_DEINSTALL },
		{ "+DEINSTALL", "pkg-deinstall", PKG_SCRIPT_DEINSTALL },
		{ "+POST_DEINSTALL", "pkg-post-deinstall", PKG_SCRIPT_POST_DEINSTALL },
	};
	static const char *const lua[] = {
		"pre-install", "post-install", "pre-deinstall", "post-deinstall",
	};
	struct strbuf sb = STRBUF_INIT;
	struct pkg_manifest *m = NULL;
	char *mpath = path_join(metadir, "+MANIFEST");
	int r, rc = -1;

	if ((r = read_meta(metadir, "+MANIFEST", &sb, e)) <= 0) {
		if (r == 0)
			kerr_set(e, "%s: no +MANIFEST", metadir);
		goto out;
	}
	if ((m = pkg_manifest_parse(sb.buf, sb.len, mpath, e)) == NULL)
		goto out;
	if ((r = read_meta(metadir, "+DESC", &sb, e)) < 0)
		goto out;
	if (r > 0) {
		char *www = strstr(sb.buf, "WWW:");

		if (www && m->www == NULL) {
			char *s = www + 4, *end;

			while (*s == ' ' || *s == '\t')
				s++;
			end = s + strcspn(s, " \t\r\n");
			m->www = xstrndup(s, (size_t)(end - s));
		}
		if (m->desc == NULL) {
			strbuf_rtrim(&sb);
			m->desc = xstrdup(sb.buf);
		}
	}
	if (m->www == NULL)
		m->www = xstrdup("UNKNOWN");
	if ((r = read_meta(metadir, "+DISPLAY", &sb, e)) < 0)
		goto out;
	if (r == 0 && (r = read_meta(metadir, "pkg-message", &sb, e)) < 0)
		goto out;
	if (r > 0 && sb.len > 0) {
		strbuf_trim(&sb);
		if (sb.buf[0] == '[') {
			char *w = path_join(metadir, "+DISPLAY");
			struct uv *o = uv_parse(sb.buf, sb.len, e);
			struct uv *wrap;
			struct pkg_manifest *tmp;

			if (o == NULL) {
				kerr_prefix(e, "%s", w);
				free(w);
				goto out;
			}
			wrap = uv_new_object();
			uv_set(wrap, "messages", o);
			tmp = pkg_manifest_from_uv(wrap, w, e);
			uv_free(wrap);
			free(w);
			if (tmp == NULL)
				goto out;
			for (size_t i = 0; i < tmp->messages.n; i++)
				vec_push(&m->messages, tmp->messages.v[i]);
			tmp->messages.n = 0;
			pkg_manifest_free(tmp);
		} else {
			struct pkg_message msg;

			memset(&msg, 0, sizeof(msg));
			msg.message = xstrdup(sb.buf);
			vec_push(&m->messages, msg);
		}
	}
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		if ((r = read_meta(metadir, scripts[i].a, &sb, e)) == 0)
			r = read_meta(metadir, scripts[i].b, &sb, e);
		if (r < 0)
			goto out;
		if (r > 0) {
			free(m->scripts[scripts[i].t]);
			m->scripts[scripts[i].t] = xstrdup(sb.buf);
		}
	}
	for (size_t i = 0; i < sizeof(lua) / sizeof(lua[0]); i++) {
		char *n = xasprintf("pkg-%s.lua", lua[i]);

		r = read_meta(metadir, n, &sb, e);
		free(n);
		if (r < 0)
			goto out;
		if (r > 0) {
			struct pkg_kv row = { xstrdup(lua[i]), xstrdup(sb.buf) };
			vec_push(&m->lua_scripts, row);
		}
	}
	*out = m;
	m = NULL;
	rc = 0;
out:
	pkg_manifest_free(m);
	strbuf_release(&sb);
	free(mpath);
	return rc;
}

int
pkg_create(const struct pkg_create_req *r, char **outpath, pkg_strv *unlisted,
    struct kerr *e)
{
	struct pkg_manifest *m = NULL;
	char *path = NULL, *name = NULL;
	struct pkg_write_opts wo = r->wo;
	int rc = -1;

	*outpath = NULL;
	if (!path_is_dir(r->stagedir))
		return kerr_set(e, "%s: stage directory does not exist", r->stagedir);
	if (load_metadir(&m, r->metadir, e) < 0)
		goto out;
	if (r->plist) {
		if (pkg_plist_read(r->plist, r->stagedir, m, unlisted, e) < 0)
			goto out;
	} else if (m->prefix == NULL) {
		m->prefix = xstrdup("/usr/local");
	}
	if (r->abi) {
		free(m->abi);
		m->abi = xstrdup(r->abi);
	} else if (m->abi == NULL) {
		m->abi = pkg_abi_host();
	}
	if (m->arch == NULL && (m->arch = pkg_abi_legacy(m->abi)) == NULL) {
		kerr_set(e, "%s: malformed ABI '%s' (want OS:VERSION:ARCH)",
		    r->metadir, m->abi);
		goto out;
	}
	if (r->osversion && strncasecmp(m->abi, "FreeBSD:", 8) == 0)
		pkg_kv_set(&m->annotations, "FreeBSD_version", r->osversion);
	if (pkg_create_fill(m, r->stagedir, e) < 0)
		goto out;
	if (pkg_manifest_validate(m, e) < 0)
		goto out;
	if (wo.mtime < 0 && getenv("SOURCE_DATE_EPOCH"))
		wo.mtime = strtoll(getenv("SOURCE_DATE_EPOCH"), NULL, 10);
	name = xasprintf("%s-%s.pkg", m->name, m->version);
	path = path_join(r->outdir ? r->outdir : ".", name);
	if (r->outdir && path_mkdir_p(r->outdir, 0755, e) < 0)
		goto out;
	if (pkg_archive_write(m, r->stagedir, path, &wo, e) < 0)
		goto out;
	*outpath = path;
	path = NULL;
	rc = 0;
out:
	pkg_manifest_free(m);
	free(path);
	free(name);
	return rc;
}
